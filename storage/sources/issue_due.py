"""Issues that need their owner: an open issue whose due date has passed in the PMO's calendar
(issue 12). Its owner is nudged, escalated when ignored, snoozed, all as the other sources; a
new `due:` moves the due moment and starts a fresh occurrence. One index range on
(status, due_on).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.issues import OPEN
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.reminders import DueItem
from storage.issues import Issue
from storage.projects import Project
from storage.sources.heads import Heads, heads_of, ranked

KIND = "issue"


class IssueDue:
    kind = KIND

    def due_items(self, session: Session, now: datetime, rules: Rules, *,
                  item_ids: Collection[str] | None = None) -> list[DueItem]:
        tz = rules.pmo.tz
        query = _query(now.astimezone(tz).date())
        if item_ids is not None:
            query = query.where(Issue.id.in_([int(i) for i in item_ids if i.isdigit()]))
        return [_item(row, tz) for row in session.execute(query)]

    def overdue_heads(self, session: Session, now: datetime, rules: Rules,
                      per_owner: int,
                      project_ids: Collection[int] | None = None) -> Heads:
        """Each owner's oldest overdue issues (the first `per_owner`) and how many they
        have, in one statement (storage/sources/heads.py)."""
        tz = rules.pmo.tz
        rows = ranked(session, _query(now.astimezone(tz).date()), Issue.owner_id, Issue.due_on,
                      Issue.id, per_owner, project_ids)
        return heads_of(rows, lambda row: _item(row, tz), project_ids is not None)


def _query(today: date) -> Select:
    return (select(Issue.id, Issue.number, Issue.title, Issue.owner_id, Issue.due_on,
                   Issue.severity, Project.key)
            .join(Project, Project.id == Issue.project_id)
            .where(Issue.status == OPEN, Issue.due_on < today,
                   Project.state.in_(PORTFOLIO_STATES)))


def _item(row, tz) -> DueItem:
    return DueItem(kind=KIND, item_id=str(row.id), recipient=row.owner_id,
                   due_at=_start_of(row.due_on, tz), overdue=True,
                   subject={"ref": f"{row.key}-I{row.number}", "project": row.key,
                            "title": row.title, "due_on": row.due_on.isoformat(),
                            "severity": row.severity})


def _start_of(day: date, tz) -> datetime:
    """Due since the due day began, as a risk's due date is (the day after reads 1 day
    overdue)."""
    return datetime.combine(day, time(0), tz)


SOURCE = IssueDue()
