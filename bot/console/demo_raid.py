"""The demo's actions and decisions (issue 12): a few of each on HERMES and ZEUS, so `/action
list`, `/decision list`, the Home tab, `/pmo project KEY` and the digest have something to show.
Times are fixed, not drawn (the other seeders' random draws stay as they were); every action is
due in the future, so the console starts with no new nudge. APOLLO is left alone for the README.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from storage import actions as action_store
from storage import decisions as decision_store

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


def seed_raid(session: Session, world: DemoWorld) -> None:
    for key, title, owner, days_ago, due_in in ACTIONS:
        when = _moment(world, world.day(days_ago), 14)
        world.at(when, partial(_add_action, session, world, key, title, owner,
                               world.day(-due_in), when))
    for key, title, decider, note, days_ago, supersedes in DECISIONS:
        when = _moment(world, world.day(days_ago), 16)
        world.at(when, partial(_add_decision, session, world, key, title, decider, note,
                               supersedes, when))


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
