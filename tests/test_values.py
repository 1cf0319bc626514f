"""What buttons and forms carry (pmo_rules.values): each value reads back what it wrote, reads
what earlier versions of the bot wrote on cards still in Slack, and refuses anything else with
its surface's own words."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo_rules.errors import UserError
from pmo_rules.values import (
    BUTTON_MAX,
    METADATA_MAX,
    GateButton,
    GateRequestForm,
    PostStatus,
    ProjectButton,
    RiskButton,
    RiskCloseForm,
    RiskForm,
    Snooze,
    StatusEditForm,
    StatusForm,
)
from templates.render import catalogue_keys

EXAMPLES = [
    GateButton(42), GateRequestForm("APOLLO", "closing"), RiskButton(7),
    RiskForm("C0APOLLO"), RiskForm("C0APOLLO", 3, 4), RiskForm(None), RiskCloseForm(3, "D1"),
    StatusForm("C0APOLLO"), StatusForm(None), StatusEditForm(12, "C0APOLLO"),
    ProjectButton("APOLLO"), PostStatus("APOLLO"), Snooze("status:12:20261130T0200Z"),
]
CLASSES = sorted({type(value) for value in EXAMPLES}, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("value", EXAMPLES, ids=repr)
def test_each_value_reads_back_what_it_wrote(value):
    raw = value.encode()
    assert type(value).decode(raw) == value
    assert len(raw) <= (METADATA_MAX if type(value).LIMIT == METADATA_MAX else BUTTON_MAX)


@pytest.mark.parametrize(("cls", "raw", "expected"), [
    # What the earlier encoders wrote, on cards and forms that may still be open in Slack.
    (GateButton, '{"g":42}', GateButton(42)),  # pmo_rules.gates.card_value
    (GateRequestForm, '{"k":"APOLLO","ph":"planning"}', GateRequestForm("APOLLO", "planning")),
    (RiskButton, '{"r": 7}', RiskButton(7)),  # the risk card template's `tojson`
    (RiskButton, '{"r":7}', RiskButton(7)),  # the risk reminder's buttons
    (RiskForm, '{"r": 3, "v": 4, "c": "C1"}', RiskForm("C1", 3, 4)),  # json.dumps, spaces
    (RiskForm, '{"c": "C1"}', RiskForm("C1")),
    (RiskCloseForm, '{"r": 3, "c": "C1"}', RiskCloseForm(3, "C1")),
    (StatusForm, '{"c":null}', StatusForm(None)),  # handlers.forms.pack(c=None)
    (StatusEditForm, '{"c":"C1","s":5}', StatusEditForm(5, "C1")),
    (ProjectButton, '{"k":"APOLLO"}', ProjectButton("APOLLO")),
    (PostStatus, '{"p":"apollo"}', PostStatus("APOLLO")),  # read back in canonical case
    (Snooze, '{"n":"risk:9:20261130T0000Z"}', Snooze("risk:9:20261130T0000Z")),
])
def test_values_already_posted_still_work(cls, raw, expected):
    assert cls.decode(raw) == expected


@pytest.mark.parametrize(("cls", "key"), [
    (GateButton, "gate.bad_button"), (GateRequestForm, "gate.bad_button"),
    (RiskButton, "risk.button_stale"), (RiskForm, "risk.form_stale"),
    (RiskCloseForm, "risk.form_stale"), (StatusForm, "form.stale"),
    (StatusEditForm, "form.stale"), (ProjectButton, "form.stale"),
    (PostStatus, "nudge.malformed"), (Snooze, "nudge.malformed"),
])
def test_damaged_values_get_their_surfaces_refusal(cls, key):
    for raw in (None, "", "{", "[]", "7", 7, "x" * (cls.LIMIT + 1)):
        with pytest.raises(UserError) as refused:
            cls.decode(raw)
        assert refused.value.key == key
    assert key in catalogue_keys("en") and key in catalogue_keys("zh")


@pytest.mark.parametrize(("cls", "raw"), [
    (GateButton, '{"g": true}'), (GateButton, '{"g": 0}'), (GateButton, '{"g": "1"}'),
    (GateRequestForm, '{"k": "APOLLO", "ph": "closed"}'), (GateRequestForm, '{"k": 1}'),
    (RiskButton, '{"r": -1}'), (RiskButton, '{"r": 1.5}'),
    (RiskForm, '{"r": 3, "c": "C1"}'), (RiskForm, '{"r": "3", "v": 1}'),
    (RiskCloseForm, '{"c": "C1"}'), (StatusEditForm, '{"c": "C1"}'),
    (StatusEditForm, '{"s": false}'), (ProjectButton, '{"k": 12}'), (ProjectButton, '{}'),
    (PostStatus, '{"p": 7}'), (Snooze, '{"n": "status:12:yesterday"}'),
    (Snooze, json.dumps({"n": "s:" + "9" * 200 + ":20261123T0200Z"})),
])
def test_wrong_fields_are_refused(cls, raw):
    with pytest.raises(UserError) as refused:
        cls.decode(raw)
    assert refused.value.key == cls.STALE


def test_another_kinds_value_is_refused():
    """A gate button's value sent to the risk listener (or any other mix-up) is no risk.

    Slack tells values apart first (each arrives with its action or callback id); a value whose
    every name another kind also has (`{"c": ...}` of a status and a risk form) is read by both.
    """
    for value in EXAMPLES:
        for cls in CLASSES:
            if set(json.loads(value.encode())) <= set(cls.WIRE.values()):
                continue
            with pytest.raises(UserError):
                cls.decode(value.encode())


def test_a_form_opened_from_nowhere_confirms_in_the_dm():
    assert StatusForm.decode('{"c": 12}') == StatusForm(None)
    assert RiskForm.decode('{"c": ""}') == RiskForm(None)


def test_encode_refuses_what_slack_would():
    with pytest.raises(ValueError):
        Snooze("status:" + "1" * BUTTON_MAX + ":20261130T0200Z").encode()


@given(st.one_of(st.none(), st.integers(), st.text(max_size=300),
                 st.dictionaries(st.sampled_from(["g", "k", "ph", "r", "v", "c", "s", "p", "n"]),
                                 st.one_of(st.none(), st.booleans(), st.integers(),
                                           st.text(max_size=30))).map(json.dumps)))
def test_decode_is_total(raw):
    for cls in CLASSES:
        with contextlib.suppress(UserError):  # a refusal is fine; any other exception is not
            cls.decode(raw)
