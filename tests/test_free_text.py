"""The free-text rule (pmo_rules/free_text.py): a known `name:value` option inside a reason,
a note or a summary is never silently taken as text. Pure, nothing runs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo_rules.errors import UserError
from pmo_rules.free_text import FreeText, read_free_text
from pmo_rules.text import option_parts

KNOWN = ("p", "i", "owner", "status", "duplicate")


def read(text: str, accepted=("status",)) -> FreeText:
    return read_free_text(text.split(), accepted=accepted, known=KNOWN, usage="risk_close")


@pytest.mark.parametrize(("text", "words", "options"), [
    ("status:occurred SAN delivery slipped", "SAN delivery slipped", {"status": "occurred"}),
    ("SAN delivery slipped status:occurred", "SAN delivery slipped", {"status": "occurred"}),
    ("SAN status:occurred delivery slipped", "SAN delivery slipped", {"status": "occurred"}),
    ("SAN slipped STATUS：occurred", "SAN slipped", {"status": "occurred"}),  # full-width colon
    ("status: occurred SAN slipped", "SAN slipped", {"status": "occurred"}),  # phone spacing
    ("status:", "", {"status": ""}),  # the caller refuses an empty value
    ("ETA:Friday was met", "ETA:Friday was met", {}),  # not an option of this command
    ("Vendor: late again", "Vendor: late again", {}),
    ("see https://x.example/a:b mailto:pm@x.example", "see https://x.example/a:b "
                                                      "mailto:pm@x.example", {}),
    ("P: probability rose", "P: probability rose", {}),  # a known name with no value is text
    ("met at 10:30", "met at 10:30", {}),
])
def test_accepted_options_are_read_wherever_they_stand(text, words, options):
    found = read(text)
    assert (found.text, found.options) == (words, options)


@pytest.mark.parametrize(("text", "key", "params"), [
    ("SAN slipped p:5", "text.option_not_here", {"word": "p:5", "names": ["status"],
                                                 "plain": "p 5"}),
    ("owner:@bob took it", "text.option_not_here", {"word": "owner:@bob"}),
    ("status:closed SAN status:occurred", "text.repeated_option", {"name": "status"}),
])
def test_known_options_that_cannot_stand_here_are_refused(text, key, params):
    with pytest.raises(UserError) as caught:
        read(text)
    assert caught.value.key == key and caught.value.usage == "risk_close"
    assert params.items() <= caught.value.params.items()


def test_with_nothing_accepted_every_known_option_is_refused():
    with pytest.raises(UserError):
        read("Checked status:occurred", accepted=())
    assert read("Checked with vendor", accepted=()).text == "Checked with vendor"


@given(st.lists(st.sampled_from(["SAN", "slipped", "status:occurred", "p:5", "ETA:Fri",
                                 "status:", "duplicate:APOLLO-R1", "owner:@bob", "：", "x:",
                                 "https://a.b/c:d", "DUPLICATE：R1"]), max_size=8))
def test_no_known_option_ever_ends_up_in_the_text(words):
    try:
        found = read_free_text(words, accepted=("status", "duplicate"), known=KNOWN)
    except UserError as error:
        assert error.key in ("text.option_not_here", "text.repeated_option")
        return
    for word in found.words:
        parts = option_parts(word)
        assert parts is None or parts[0] not in KNOWN or not parts[1]
