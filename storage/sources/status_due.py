"""Status updates that are due: an active project whose latest update is older than
`[status] cadence_days`, or that has none at all once its grace (`[status]
first_update_within_days` from its registration) is over; its PM is the one nudged."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.lifecycle import ACTIVE
from pmo_rules.reminders import ButtonSpec, DueItem, status_due_at
from pmo_rules.values import PostStatus
from storage.projects import Project

KIND = "status"


class StatusDue:
    kind = KIND

    def due_items(self, session: Session, now: datetime, rules: Rules, *,
                  item_ids: Collection[str] | None = None) -> list[DueItem]:
        cutoff = now - timedelta(days=rules.status.cadence_days)
        first = rules.status.first_update_within_days
        # Two index ranges on (state, last_status_at), late and never reported: a UNION ALL,
        # because SQLite answers the OR of the two with a scan of every active project.
        late = _due_query(Project.last_status_at <= cutoff, item_ids)
        never = _due_query(Project.last_status_at.is_(None), item_ids).where(
            Project.created_at <= now - timedelta(days=first))
        return [_item(row, rules.status.cadence_days, first)
                for row in session.execute(union_all(late, never))]


def _due_query(condition, item_ids: Collection[str] | None):
    query = select(Project.id, Project.key, Project.name, Project.pm_id, Project.last_status_at,
                   Project.created_at).where(Project.state == ACTIVE, condition)
    if item_ids is not None:
        query = query.where(Project.id.in_([int(i) for i in item_ids if i.isdigit()]))
    return query


def _item(row, cadence_days: int, first_within_days: int) -> DueItem:
    project_id, key, name, pm, last, created = row
    return DueItem(kind=KIND, item_id=str(project_id), recipient=pm,
                   due_at=status_due_at(last, created, cadence_days, first_within_days),
                   subject={"key": key, "project": key, "name": name, "last": last},
                   buttons=(ButtonSpec("post_status", PostStatus(key), primary=True),))


SOURCE = StatusDue()
