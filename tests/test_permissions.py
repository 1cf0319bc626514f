"""Who may do what (pmo_rules.permissions), pure: admins, status posts and edits, risk edits,
gate requests, votes, withdrawals and decisions, and snoozes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pmo_rules import gates, permissions
from pmo_rules.config import DEFAULT_RULES, parse_rules
from pmo_rules.errors import UserError
from pmo_rules.reminders import DueItem
from pmo_rules.risk import RiskRef
from tests.support import ADMIN, ALICE, BOB, CAROL, rules_with

RULES = rules_with()
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def refusal(call, *args, **kwargs) -> UserError:
    with pytest.raises(UserError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- PMO admins -------------------------------------------------------------------------------

def test_is_admin() -> None:
    rules = parse_rules({"pmo": {"admins": ["U1AB"]}})
    assert permissions.is_admin("U1AB", rules) and not permissions.is_admin("U2CD", rules)
    assert not permissions.is_admin("U1AB", DEFAULT_RULES)


def test_require_admin_names_the_action() -> None:
    permissions.require_admin(ADMIN, RULES, action="add_project")
    refused = refusal(permissions.require_admin, ALICE, RULES, action="add_project")
    assert (refused.key, refused.params["action"]) == ("permission.admin_only", "add_project")


# --- status updates ---------------------------------------------------------------------------

def test_status_posters_come_from_the_rules_file() -> None:
    assert permissions.may_post_status(ALICE, ALICE, RULES)  # the PM
    assert permissions.may_post_status(ADMIN, ALICE, RULES)
    assert not permissions.may_post_status(BOB, ALICE, RULES)
    assert refusal(permissions.require_status_poster, BOB, "APOLLO", ALICE, RULES).key == \
        "permission.status_post"
    anyone = replace(RULES, status=replace(RULES.status, posters=("anyone",)))
    assert permissions.may_post_status(BOB, ALICE, anyone)
    assert permissions.may_post_for_every_project(BOB, anyone)
    assert not permissions.may_post_as_pm(anyone)


def test_the_edit_window_is_real_hours_across_a_dst_change():
    """Noon Saturday to noon Sunday in Berlin, the night clocks go forward: 23 real hours.

    (Python subtracts two datetimes of one zone by their wall clocks, which would say 24.)
    """
    posted = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    sunday = datetime(2026, 3, 29, 12, 0, tzinfo=BERLIN)
    permissions.require_status_editor(key="A1", author_id="U1", user_id="U1", posted_at=posted,
                                      now=sunday, window_hours=23)
    with pytest.raises(UserError):
        permissions.require_status_editor(key="A1", author_id="U1", user_id="U1",
                                          posted_at=posted, now=sunday + timedelta(minutes=1),
                                          window_hours=23)


def test_only_the_author_within_the_window_may_edit():
    posted = NOW - timedelta(hours=24)
    edit = permissions.require_status_editor
    edit(key="A1", author_id="U1", user_id="U1", posted_at=posted, now=NOW, window_hours=24)
    with pytest.raises(UserError, match="status.edit_not_author"):
        edit(key="A1", author_id="U1", user_id="U2", posted_at=posted, now=NOW, window_hours=24)
    with pytest.raises(UserError, match="status.edit_window_passed"):
        edit(key="A1", author_id="U1", user_id="U1", posted_at=posted, now=NOW, window_hours=23)


# --- risks ------------------------------------------------------------------------------------

RISK_RULES = replace(DEFAULT_RULES, pmo=replace(DEFAULT_RULES.pmo, admins=("UADMIN1",)))


@pytest.mark.parametrize(("user", "allowed"), [("UOWNER1", True), ("UPM0001", True),
                                               ("UADMIN1", True), ("UOTHER1", False)])
def test_owner_pm_and_admins_may_change_a_risk_by_default(user, allowed):
    assert permissions.may_edit_risk(user, "UOWNER1", "UPM0001", RISK_RULES) is allowed


def test_risk_editors_come_from_the_rules_file():
    owner_only = replace(RISK_RULES, risk=replace(RISK_RULES.risk, editors=("owner",)))
    assert not permissions.may_edit_risk("UPM0001", "UOWNER1", "UPM0001", owner_only)
    anyone = replace(RISK_RULES, risk=replace(RISK_RULES.risk, editors=("anyone",)))
    assert permissions.may_edit_risk("UOTHER1", "UOWNER1", "UPM0001", anyone)
    refused = refusal(permissions.require_risk_editor, "UPM0001", RiskRef("APOLLO", 1),
                      "UOWNER1", "UPM0001", owner_only)
    assert (refused.key, refused.params["ref"]) == ("permission.risk_edit", "APOLLO-R1")


# --- stage gates ------------------------------------------------------------------------------

def test_who_may_vote():
    check = dict(key="APOLLO", approvers=(BOB, CAROL), requester=ALICE)
    permissions.require_voter(BOB, votes={}, **check)
    assert refusal(permissions.require_voter, ADMIN, votes={}, **check).key == \
        "gate.not_an_approver"
    assert refusal(permissions.require_voter, ALICE, votes={}, **check).key == \
        "gate.no_self_approval"
    voted = refusal(permissions.require_voter, BOB, votes={BOB: "approve"}, **check)
    assert (voted.key, voted.params["vote"]) == ("gate.already_voted", "approve")


def may_request(user=ALICE, state="active", phase="initiation", hold_until=None):
    permissions.require_gate_requester(user, key="APOLLO", pm_id=ALICE, phase=phase,
                                       state=state, hold_until=hold_until, now=NOW, rules=RULES)


def test_who_may_request_and_when():
    may_request()
    may_request(ADMIN)
    assert refusal(may_request, BOB).key == "gate.request_not_allowed"
    assert refusal(may_request, state="closed", phase="closed").key == "gate.project_closed"
    assert refusal(may_request, state="cancelled").key == "gate.project_cancelled"
    later = NOW + timedelta(days=3)
    assert refusal(may_request, state="on_hold", hold_until=later).key == "gate.project_on_hold"
    may_request(ADMIN, state="on_hold", hold_until=later)  # admins may end a hold early
    may_request(state="on_hold", hold_until=NOW)  # the hold is over


def test_withdrawal():
    withdraw = permissions.withdrawal_by
    assert withdraw(ALICE, key="A1", requester=ALICE, rules=RULES) == gates.WITHDRAWN
    assert withdraw(ADMIN, key="A1", requester=ALICE, rules=RULES) == "cancelled"
    assert refusal(withdraw, BOB, key="A1", requester=ALICE, rules=RULES).key == \
        "gate.withdraw_not_allowed"


def test_only_admins_decide_and_only_running_projects():
    permissions.require_gate_decider(ADMIN, RULES)
    gates.check_running(key="A1", phase="planning", state="on_hold")
    assert refusal(permissions.require_gate_decider, ALICE, RULES).key == "permission.admin_only"
    assert refusal(gates.check_running, key="A1", phase="closed",
                   state="closed").key == "gate.project_closed"


# --- reminders --------------------------------------------------------------------------------

def due(recipient: str, item_id: str = "7") -> DueItem:
    return DueItem(kind="gate_vote", item_id=item_id, recipient=recipient,
                   due_at=NOW - timedelta(days=1))


def test_only_the_person_nudged_may_snooze_the_item():
    items = [due(BOB), due(CAROL)]  # a gate vote: one item per approver, the same key
    key = items[0].key
    assert permissions.require_snoozer(items, key=key, user=CAROL) is items[1]
    refused = refusal(permissions.require_snoozer, items, key=key, user=ALICE)
    assert (refused.key, refused.params["owner"]) == ("snooze.not_yours", BOB)
    assert refusal(permissions.require_snoozer, items, key=due(BOB, "8").key,
                   user=BOB).key == "snooze.stale"
    assert refusal(permissions.require_snoozer, [], key=key, user=BOB).key == "snooze.stale"
