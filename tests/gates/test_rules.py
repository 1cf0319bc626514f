"""The stage-gate rules, pure: grammar, quorum, and what a decision does (who may do what:
tests/test_permissions.py)."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo_rules import gates
from pmo_rules.config import GateRule
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PHASES
from pmo_rules.pmo_commands import ListGates, parse_pmo_command
from pmo_rules.values import GateButton, GateRequestForm
from templates.render import LOCALES, Renderer
from tests.support import ADMIN, ALICE, BOB, CAROL, rules_with

RULES = rules_with()
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def refusal(call, *args, **kwargs) -> UserError:
    with pytest.raises(UserError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- the /gate grammar -----------------------------------------------------------------------

def test_commands():
    assert gates.parse_gate_command("") == gates.Help()
    assert gates.parse_gate_command("help") == gates.Help()
    assert gates.parse_gate_command("request apollo") == gates.Request("APOLLO", "")
    assert gates.parse_gate_command(f"request APOLLO Plan &amp; budget <@{BOB}|bob>") == \
        gates.Request("APOLLO", "Plan & budget @bob")
    assert gates.parse_gate_command("status APOLLO") == gates.Status("APOLLO")
    assert gates.parse_gate_command("withdraw APOLLO") == gates.Withdraw("APOLLO")
    assert gates.parse_gate_command("CANCEL apollo") == gates.Withdraw("APOLLO")
    assert gates.parse_gate_command("cancel APOLLO Wrong &amp; early") == \
        gates.Withdraw("APOLLO", "Wrong & early")
    assert gates.parse_gate_command("approve apollo") == gates.Vote("APOLLO", gates.APPROVE)
    assert gates.parse_gate_command("approve APOLLO Looks fine") == \
        gates.Vote("APOLLO", gates.APPROVE, "Looks fine")
    assert gates.parse_gate_command("reject APOLLO No cost plan") == \
        gates.Vote("APOLLO", gates.REJECT, "No cost plan")


def test_decisions():
    hold = gates.parse_gate_command("decide APOLLO hold Budget until:2027-02-01 frozen")
    assert hold == gates.Decide("APOLLO", gates.HELD, "Budget frozen", date(2027, 2, 1))
    kill = gates.parse_gate_command("decide APOLLO KILL No business case")
    assert kill == gates.Decide("APOLLO", gates.KILLED, "No business case")
    reason = "商业论证不再成立"
    assert gates.parse_gate_command(f"decide APOLLO kill {reason}").reason == reason
    assert gates.parse_gate_command("decide apollo resume") == gates.Resume("APOLLO")
    assert gates.parse_gate_command("decide APOLLO Resume Budget back") == \
        gates.Resume("APOLLO", "Budget back")


@pytest.mark.parametrize("text, key", [
    ("decide APOLLO approve ok", "gate.decide_use_buttons"),
    ("decide APOLLO recycle no", "gate.decide_use_buttons"),
    ("decide APOLLO", "gate.decide_outcome"),
    ("decide", "project.key_missing"),
    ("decide APOLLO hold x", "gate.hold_needs_until"),
    ("decide APOLLO hold until:tomorrow x", "gate.date_malformed"),
    ("decide APOLLO hold until:2027-13-01 x", "gate.date_malformed"),
    ("decide APOLLO kill until:2027-01-01 x", "gate.kill_has_no_until"),
    ("decide APOLLO kill", "gate.reason_missing"),
    ("decide APOLLO kill Obsolete", "gate.kill_reason_short"),
    ("decide APOLLO kill No sponsor", "gate.kill_reason_short"),
    ("decide APOLLO kill 不要了", "gate.kill_reason_short"),
    ("decide APOLLO resume until:2027-01-01", "gate.resume_has_no_until"),
    ("decide APOLLO kill " + "x" * 1001, "gate.reason_too_long"),
    ("request", "project.key_missing"),
    ("request APOLLO " + "x" * 2001, "gate.note_too_long"),
    ("status", "gate.one_key"),
    ("status APOLLO ZEUS", "gate.one_key"),
    ("approve", "project.key_missing"),
    ("reject APOLLO", "gate.reason_missing"),
    ("withdraw", "project.key_missing"),
    ("frobnicate APOLLO", "gate.no_such_command"),
])
def test_refusals_name_the_problem(text, key):
    assert refusal(gates.parse_gate_command, text).key == key


@given(st.text(max_size=200))
def test_the_gate_parser_is_total(raw):
    with contextlib.suppress(UserError):
        gates.parse_gate_command(raw)


@given(st.lists(st.sampled_from(["decide", "request", "hold", "kill", "until:", "until:2027-01-01",
                                 "APOLLO", "x", "<@U1|a b>", "&amp;", "status", "withdraw"]),
                max_size=8))
def test_the_gate_parser_is_total_on_likely_words(words):
    with contextlib.suppress(UserError):
        gates.parse_gate_command(" ".join(words))


# --- per-project approvers -------------------------------------------------------------------

def test_approver_override_grammar():
    parsed = parse_pmo_command(f"project apollo approvers Planning <@{BOB}|bob> {CAROL} "
                               f"<@{BOB}> quorum:ALL")
    assert parsed == gates.SetApprovers("APOLLO", "planning", (BOB, CAROL), "all")
    assert parse_pmo_command("project APOLLO approvers closing default") == \
        gates.SetApprovers("APOLLO", "closing", None)
    assert parse_pmo_command(f"project APOLLO approvers execution {BOB} quorum:1").quorum == 1
    assert parse_pmo_command("gates") == ListGates()


@pytest.mark.parametrize("text, key", [
    ("project APOLLO approvers", "gate.phase_unknown"),
    ("project APOLLO approvers monitoring @x", "gate.phase_unknown"),
    ("project APOLLO approvers planning", "gate.approvers_missing"),
    ("project APOLLO approvers planning quorum:all", "gate.approvers_missing"),
    ("project APOLLO approvers planning bob", "gate.approver_malformed"),
    (f"project APOLLO approvers planning {BOB} quorum:most", "gate.quorum_malformed"),
    (f"project APOLLO approvers planning {BOB} quorum:0", "gate.quorum_malformed"),
    (f"project APOLLO approvers planning {BOB} quorum:２", "gate.quorum_malformed"),
    ("project APOLLO approvers planning " + " ".join(f"U{i:04d}AB" for i in range(21)),
     "gate.approvers_too_many"),
    ("gates now", "pmo.unexpected_words"),
])
def test_approver_override_refusals(text, key):
    assert refusal(parse_pmo_command, text).key == key


def test_override_keeps_the_rules_quorum_unless_given():
    rule = GateRule(approvers=(BOB,), quorum="all", criteria=("Signed",))
    assert gates.effective_gate(rule, None, None) is rule
    assert gates.effective_gate(rule, (CAROL, ALICE), None) == GateRule((CAROL, ALICE), "all",
                                                                       ("Signed",))
    assert gates.effective_gate(rule, (CAROL,), 1).quorum == 1



@pytest.mark.parametrize("rule, self_approval, key", [
    (GateRule((CAROL,), 2), False, "gate.undecidable.unreachable"),
    (GateRule((ALICE, CAROL), 2), False, "gate.undecidable.unreachable"),  # alice is the PM
    (GateRule((ALICE,), "any"), False, "gate.undecidable.only_requester"),
    (GateRule((), "any"), False, "gate.undecidable.no_approvers"),
])
def test_approver_sets_that_cannot_decide_the_pms_request(rule, self_approval, key):
    error = refusal(gates.check_decidable, rule, ALICE, self_approval=self_approval, key="A1",
                    phase="planning", saved=False)
    assert error.key == key


@pytest.mark.parametrize("rule, self_approval", [
    (GateRule((ALICE,), "any"), True), (GateRule((ALICE, CAROL), "all"), False),
    (GateRule((ALICE, CAROL), 1), False), (GateRule((BOB, CAROL), 2), False)])
def test_approver_sets_that_can_decide(rule, self_approval):
    gates.check_decidable(rule, ALICE, self_approval=self_approval, key="A1", phase="planning",
                          saved=False)


# --- who votes and how many must approve -----------------------------------------------------

def elect(rule: GateRule, requester: str = ALICE, self_approval: bool = False):
    return gates.electorate(rule, requester, self_approval=self_approval, key="APOLLO",
                            phase="planning")


def test_quorum_words_and_numbers():
    assert elect(GateRule((BOB, CAROL), "any")) == gates.Electorate((BOB, CAROL), 1, "any")
    assert elect(GateRule((BOB, CAROL), "all")).required == 2
    assert elect(GateRule((BOB, CAROL, ADMIN), 2)).required == 2


def test_the_requester_is_not_a_voter_without_self_approval():
    assert elect(GateRule((ALICE, BOB), "all")).approvers == (BOB,)
    assert elect(GateRule((ALICE, BOB), "all"), self_approval=True).approvers == (ALICE, BOB)
    assert refusal(elect, GateRule((ALICE,))).key == "gate.only_requester_approves"
    unreachable = refusal(elect, GateRule((ALICE, BOB), 2))
    assert unreachable.key == "gate.quorum_unreachable" and unreachable.params["excluded"]


def test_a_gate_with_no_approvers_is_refused():
    assert refusal(elect, GateRule()).key == "gate.no_approvers"


@pytest.mark.parametrize("votes, required, outcome", [
    ({}, 1, None),
    ({BOB: "approve"}, 1, gates.PASSED),
    ({BOB: "approve"}, 2, None),
    ({BOB: "approve", CAROL: "approve"}, 2, gates.PASSED),
    ({BOB: "approve", CAROL: "reject"}, 1, gates.REJECTED),
    ({CAROL: "reject"}, 2, gates.REJECTED),
])
def test_outcome_after_votes(votes, required, outcome):
    assert gates.outcome_after(votes, required) == outcome


# --- deciding -------------------------------------------------------

def test_what_a_decision_does_to_the_project():
    assert gates.project_after(gates.PASSED, "initiation") == gates.ProjectChange("planning",
                                                                                "active")
    assert gates.project_after(gates.PASSED, "closing") == gates.ProjectChange("closed", "closed")
    assert gates.project_after(gates.HELD, "planning") == gates.ProjectChange("planning",
                                                                            "on_hold")
    assert gates.project_after(gates.KILLED, "planning").state == "cancelled"
    for outcome in (gates.REJECTED, gates.WITHDRAWN, "cancelled"):
        assert gates.project_after(outcome, "planning") is None


def test_hold_dates():
    today = date(2026, 11, 23)
    gates.check_hold_until(date(2026, 11, 24), today)
    assert refusal(gates.check_hold_until, today, today).key == "gate.hold_not_future"
    assert refusal(gates.check_hold_until, today + timedelta(days=731), today).key == \
        "gate.hold_too_far"


@pytest.mark.parametrize("day, utc_hour", [
    (date(2027, 3, 13), 5),  # the day before New York springs forward: midnight is EST
    (date(2027, 3, 14), 5),  # the change happens at 02:00, so midnight is still EST
    (date(2027, 3, 15), 4),  # the day after: EDT
    (date(2027, 11, 7), 4),  # falls back at 02:00: midnight is still EDT
    (date(2027, 11, 8), 5),
])
def test_a_hold_ends_at_local_midnight_across_dst(day, utc_hour):
    ends = gates.hold_end(day, ZoneInfo("America/New_York"))
    assert ends.astimezone(UTC) == datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)


# --- button values and form metadata ---------------------------------------------------------

def test_card_values_round_trip():
    assert GateButton.decode(GateButton(42).encode()).request_id == 42
    form = GateRequestForm.decode(GateRequestForm("APOLLO", "closing").encode())
    assert (form.key, form.phase) == ("APOLLO", "closing")
    for bad in (None, "", "{", '{"g": true}', '{"g": 0}', '{"g": 1.5}', '{"x": 1}', "7"):
        assert refusal(GateButton.decode, bad).key == "gate.bad_button"
    for bad in (None, "{}", '{"k": "APOLLO", "ph": "closed"}', '{"k": "no key", "ph": "x"}'):
        assert refusal(GateRequestForm.decode, bad).key == "gate.bad_button"


@given(st.one_of(st.text(max_size=60), st.none(), st.integers()))
def test_value_parsers_are_total(raw):
    for parse in (GateButton.decode, GateRequestForm.decode):
        with contextlib.suppress(UserError):
            parse(raw)


# --- the standard's default checklist --------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_every_phase_has_the_standards_default_criteria(locale):
    from services.gate_cards import default_criteria

    renderer = Renderer(locale)
    counts = {phase: len(default_criteria(renderer, phase)) for phase in PHASES}
    assert counts == {"initiation": 3, "planning": 2, "execution": 5, "closing": 4}

