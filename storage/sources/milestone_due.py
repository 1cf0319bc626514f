"""Milestones that need their owner: an open milestone (not done) whose expected date (its
forecast, else its baseline date) is `[milestones] remind_before_days` working days away or
closer — a heads-up, never escalated — or has passed: overdue, escalated like the others.

The two are different occurrences (their due moments differ), so the nudges before the date do
not count toward the escalation of an overdue one; a new forecast moves the expected date and
starts a fresh occurrence. One index range on (done_on, expected_on).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.milestones import remind_from, reminder_horizon
from pmo_rules.reminders import DueItem
from pmo_rules.schedule import WorkCalendar
from pmo_rules.working_days import DayCounter
from storage.milestones import Milestone
from storage.projects import Project
from storage.sources.heads import Heads, heads_of, ranked

KIND = "milestone"


class MilestoneDue:
    kind = KIND

    def due_items(self, session: Session, now: datetime, rules: Rules, *,
                  item_ids: Collection[str] | None = None) -> list[DueItem]:
        tz = rules.pmo.tz
        today = now.astimezone(tz).date()
        calendar = DayCounter(WorkCalendar.of(rules.pmo))  # a year counted once, then look-ups
        before = rules.milestones.remind_before_days
        query = _query(reminder_horizon(today, before, calendar))
        if item_ids is not None:
            query = query.where(Milestone.id.in_([int(i) for i in item_ids if i.isdigit()]))
        return [_item(row, today, tz, before, calendar) for row in session.execute(query)]

    def overdue_heads(self, session: Session, now: datetime, rules: Rules,
                      per_owner: int,
                      project_ids: Collection[int] | None = None) -> Heads:
        """Each owner's oldest overdue milestones (the first `per_owner`) and how many
        they have, in one statement (storage/sources/heads.py)."""
        tz = rules.pmo.tz
        today = now.astimezone(tz).date()
        calendar = DayCounter(WorkCalendar.of(rules.pmo))
        before = rules.milestones.remind_before_days
        rows = ranked(session, _query(today).where(Milestone.expected_on < today),
                      Milestone.owner_id, Milestone.expected_on, Milestone.id, per_owner,
                      project_ids)
        return heads_of(rows, lambda row: _item(row, today, tz, before, calendar),
                        project_ids is not None)


def _query(horizon: date) -> Select:
    return (select(Milestone.id, Milestone.number, Milestone.title, Milestone.owner_id,
                   Milestone.due_on, Milestone.expected_on, Project.key, Project.name)
            .join(Project, Project.id == Milestone.project_id)
            .where(Milestone.done_on.is_(None), Milestone.expected_on <= horizon,
                   Project.state.in_(PORTFOLIO_STATES)))


def _item(row, today: date, tz, before: int, calendar: DayCounter) -> DueItem:
    overdue = today > row.expected_on
    # Overdue: due since the expected day began, as a risk's due date is (the one clock: the
    # day after reads 1 day overdue, never 0).
    due_at = (_start_of(row.expected_on, tz) if overdue
              else _start_of(remind_from(row.expected_on, before, calendar), tz))
    return DueItem(
        kind=KIND, item_id=str(row.id), recipient=row.owner_id, due_at=due_at,
        overdue=overdue,
        subject={"ref": f"{row.key}-M{row.number}", "project": row.key,
                 "title": row.title, "expected": row.expected_on.isoformat(),
                 "baseline": row.due_on.isoformat(), "late": overdue,
                 "left": calendar.working_days_between(today, row.expected_on)})


def _start_of(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tz)


SOURCE = MilestoneDue()
