"""Actions that need their owner: an open action (not done) due today or earlier. On the due
day it is a heads-up (never escalated, not in the digest's overdue list); from the day after it
is overdue, nudged once a day and escalated like the others. Both are one occurrence (due at
the start of the due day), so the due day's nudge counts toward the escalation; a new due date
starts a fresh one. One index range on (done_on, due_on).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.reminders import DueItem
from storage.actions import Action
from storage.projects import Project
from storage.sources.heads import Heads, heads_of, ranked

KIND = "action"


class ActionDue:
    kind = KIND

    def due_items(self, session: Session, now: datetime, rules: Rules, *,
                  item_ids: Collection[str] | None = None) -> list[DueItem]:
        tz = rules.pmo.tz
        today = now.astimezone(tz).date()
        query = _query(today)
        if item_ids is not None:
            query = query.where(Action.id.in_([int(i) for i in item_ids if i.isdigit()]))
        return [_item(row, today, tz) for row in session.execute(query)]

    def overdue_heads(self, session: Session, now: datetime, rules: Rules,
                      per_owner: int,
                      project_ids: Collection[int] | None = None) -> Heads:
        """Each owner's oldest overdue actions (the first `per_owner`) and how many they
        have, in one statement (storage/sources/heads.py)."""
        tz = rules.pmo.tz
        today = now.astimezone(tz).date()
        rows = ranked(session, _query(today).where(Action.due_on < today), Action.owner_id,
                      Action.due_on, Action.id, per_owner, project_ids)
        return heads_of(rows, lambda row: _item(row, today, tz), project_ids is not None)


def _query(today: date) -> Select:
    return (select(Action.id, Action.number, Action.title, Action.owner_id, Action.due_on,
                   Project.key)
            .join(Project, Project.id == Action.project_id)
            .where(Action.done_on.is_(None), Action.due_on <= today,
                   Project.state.in_(PORTFOLIO_STATES)))


def _item(row, today: date, tz) -> DueItem:
    late = today > row.due_on
    return DueItem(kind=KIND, item_id=str(row.id), recipient=row.owner_id,
                   due_at=datetime.combine(row.due_on, time(0), tz), overdue=late,
                   subject={"ref": f"{row.key}-A{row.number}", "project": row.key,
                            "title": row.title, "due_on": row.due_on.isoformat(), "late": late})


SOURCE = ActionDue()
