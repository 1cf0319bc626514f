"""The demo's issues (issue 12): each `[[project.issue]]` of the portfolio file, recorded by the
project's PM `days_ago` days back (at a fixed hour, so the other seeders' random draws stay as
they were), optionally escalated to the PMO. Straight into the tables, as the other seeders
write history: nothing is posted.
"""

from __future__ import annotations

from datetime import datetime, time
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from pmo_rules.issues import rank
from storage import issues as issue_store

if TYPE_CHECKING:
    from bot.console.demo import DemoWorld


def seed_issues(session: Session, world: DemoWorld) -> None:
    for entry in world.portfolio:
        pm = world.person(entry["pm"]).id
        for number, issue in enumerate(entry.get("issue", []), start=1):
            when = datetime.combine(world.day(issue["days_ago"]), time(14, number),
                                    tzinfo=world.rules.pmo.tz)
            world.at(when, partial(_add, session, world, entry["key"], pm, issue, when))


def _add(session: Session, world: DemoWorld, key: str, pm: str, issue: dict[str, Any],
         when: datetime) -> None:
    project = world.projects[key]
    row = issue_store.add(session, project=project, title=issue["title"],
                          severity=issue["sev"], rank=rank(issue["sev"]),
                          owner=world.person(issue["owner"]).id, due=issue.get("due"),
                          actor=pm, now=when)
    if "escalated" in issue:
        row.escalated_at, row.escalated_by = when, pm
        row.escalation_reason = issue["escalated"]
        issue_store.record(session, project, row, "issue.escalated", pm, when, None,
                           {"reason": issue["escalated"]})
