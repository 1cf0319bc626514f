"""The demo's actions and decisions (issue 12): a few of each on HERMES and ZEUS, so `/action
list`, `/decision list`, the Home tab, `/pmo project KEY` and the digest have something to show;
and two change requests on ATHENA, one rejected (nothing moved) and one waiting for grace's or
henry's vote, so `/change list ATHENA`, their Home tabs and the digest show one of each.
Times are fixed, not drawn (the other seeders' random draws stay as they were); every action is
due in the future, so the console starts with no new nudge. APOLLO is left alone for the README.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from pmo_rules.approvals import REJECT, NoElectorate, Quorum, elect
from pmo_rules.changes import REJECTED
from storage import actions as action_store
from storage import approvals
from storage import changes as change_store
from storage import decisions as decision_store
from storage.changes import ChangeVote

if TYPE_CHECKING:
    from bot.console.demo import DemoWorld

ACTIONS = (  # key, title, owner, recorded days ago, due in days
    ("HERMES", "Send the accessibility audit to the vendor", "henry", 3, 5),
    ("HERMES", "Book the load-test window with operations", "bob", 2, 10),
    ("ZEUS", "Confirm the data-migration cut-off with finance", "carol", 1, 7),
)
DECISIONS = (  # key, title, decided by, note, days ago, supersedes
    ("HERMES", "Launch with English and Chinese only", "bob", "Other languages in wave 2", 6,
     None),
    ("HERMES", "Launch with English, Chinese and Japanese", "grace",
     "The Tokyo office signed up for the pilot", 2, 1),
    ("ZEUS", "Retire the old CRM on 31 March", "carol", None, 4, None),
)


CHANGES = (  # key, title, requested days ago, schedule (working days), cost delta, scope, reason
    ("ATHENA", "Add the Singapore entity to the close", 6, 10, 60000, "A sixth entity",
     "Not this year: Singapore joins the group in April"),
    ("ATHENA", "Automate the intercompany reconciliation", 2, 5, 40000,
     "Intercompany matching for the five entities", None),
)


def seed_raid(session: Session, world: DemoWorld) -> None:
    for key, title, owner, days_ago, due_in in ACTIONS:
        when = _moment(world, world.day(days_ago), 14)
        world.at(when, partial(_add_action, session, world, key, title, owner,
                               world.day(-due_in), when))
    for key, title, decider, note, days_ago, supersedes in DECISIONS:
        when = _moment(world, world.day(days_ago), 16)
        world.at(when, partial(_add_decision, session, world, key, title, decider, note,
                               supersedes, when))
    for key, title, days_ago, days, cost, scope, reason in CHANGES:
        when, made = _moment(world, world.day(days_ago), 11), {}
        world.at(when, partial(_add_change, session, world, key, title, days, cost, scope,
                               made, when))
        if reason is not None:  # the first approver rejects it the next day; nothing moves
            decided = when + timedelta(days=1)
            world.at(decided, partial(_reject, session, made, reason, decided))


def _moment(world: DemoWorld, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=world.rules.pmo.tz)


def _add_action(session: Session, world: DemoWorld, key: str, title: str, owner: str,
                due: date, when: datetime) -> None:
    project = world.projects.get(key)
    if project is None:
        return
    action_store.add(session, project=project, title=title, due=due,
                     owner=world.person(owner).id, actor=project.pm_id, now=when)


def _add_decision(session: Session, world: DemoWorld, key: str, title: str, decider: str,
                  note: str | None, supersedes: int | None, when: datetime) -> None:
    project = world.projects.get(key)
    if project is None:
        return
    decision_store.add(session, project=project, title=title, note=note,
                       decided_by=world.person(decider).id, supersedes=supersedes,
                       actor=project.pm_id, now=when)


def _add_change(session: Session, world: DemoWorld, key: str, title: str, days: int, cost: int,
                scope: str, made: dict, when: datetime) -> None:
    """A change request as `/change request` records it, to the rules' change approvers (its
    cards are not posted: the demo starts quiet); left out when the rules name none or no
    electorate could decide it. `made` passes it on to `_reject`."""
    project = world.projects.get(key)
    rules = world.rules
    if project is None:
        return
    try:
        electorate = elect(rules.changes.approvers, Quorum.parse(rules.changes.quorum),
                           project.pm_id, self_approval=rules.gates.self_approval)
    except NoElectorate:
        return
    made["request"] = change_store.add_request(
        session, project=project, requester=project.pm_id, now=when, title=title,
        schedule_days=days, new_finish=None, cost_delta=Decimal(cost), scope=scope, moves=[],
        electorate=electorate)


def _reject(session: Session, made: dict, reason: str, when: datetime) -> None:
    request = made.get("request")
    if request is None:
        return
    approver = request.approvers[0]
    approvals.add_vote(session, ChangeVote, subject="change", request=request,
                       approver=approver, vote=REJECT, now=when, reason=reason)
    change_store.decide(session, request=request, state=REJECTED, actor=approver, now=when,
                        reason=reason)
