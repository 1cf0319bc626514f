"""Approvals waiting on a vote, for any subject of the approvals engine (a gate request, a
change request): an open request older than the subject's `remind_after_hours`; each approver
who has not voted yet is nudged, with the approval card's own buttons. `gate_vote.py` and
`change_vote.py` are the two sources built from this one class.

The requests are read as columns, not ORM rows (a portfolio can have thousands waiting): the
request's id, dates, requester and approvers, the few columns its reminder shows and its
project's KEY and name; then the votes cast on them as (request, approver) pairs. The digest's
cut (`overdue_heads`) lets the database pair each request with each approver who has not voted
(the JSON list of approvers as a table: SQLite's `json_each`, PostgreSQL's
`json_array_elements_text`) and rank them per approver.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select, true
from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.reminders import ButtonSpec, DueItem
from storage.approvals import OPEN
from storage.projects import Project
from storage.sources.heads import Heads, heads_of, ranked


class ApprovalVoteDue:
    """The reminder source of one approval subject. `columns` are the request's columns its
    `subject` reads (beside the project's `key` and `name`, on the same row); `buttons` gets
    the request's id."""

    def __init__(self, kind: str, request_model: type, vote_model: type, *,
                 wait_hours: Callable[[Rules], int], columns: tuple[Any, ...],
                 subject: Callable[[Any], dict],
                 buttons: Callable[[int], tuple[ButtonSpec, ...]]) -> None:
        self.kind = kind
        self._request, self._vote = request_model, vote_model
        self._wait_hours, self._columns = wait_hours, columns
        self._subject, self._buttons = subject, buttons

    def due_items(self, session: Session, now: datetime, rules: Rules, *,
                  item_ids: Collection[str] | None = None) -> list[DueItem]:
        """Each (open request, approver who has not voted yet), oldest request first, each
        request's approvers in their order; two statements."""
        wait = timedelta(hours=self._wait_hours(rules))
        request, vote = self._request, self._vote
        query = self._open(now - wait)
        if item_ids is not None:
            query = query.where(request.id.in_([int(i) for i in item_ids if i.isdigit()]))
        rows = session.execute(query.add_columns(request.approvers)
                               .order_by(request.requested_at, request.id)).all()
        if not rows:
            return []
        voted = {(request_id, approver) for request_id, approver in session.execute(
            select(vote.request_id, vote.approver_id)
            .where(vote.request_id.in_(query.with_only_columns(request.id))))}
        return [self._item(row, approver, wait) for row in rows for approver in row.approvers
                if (row.id, approver) not in voted]

    def overdue_heads(self, session: Session, now: datetime, rules: Rules,
                      per_owner: int,
                      project_ids: Collection[int] | None = None) -> Heads:
        """Each approver's oldest waiting votes (the first `per_owner`) and how many
        they have, in one statement (storage/sources/heads.py)."""
        wait = timedelta(hours=self._wait_hours(rules))
        request, vote = self._request, self._vote
        each = (func.json_each if session.get_bind().dialect.name == "sqlite"
                else func.json_array_elements_text)
        approver = each(request.approvers).table_valued("value")
        query = (self._open(now - wait).join(approver, true())
                 .add_columns(approver.c.value.label("approver"))
                 .where(~exists().where(vote.request_id == request.id,
                                        vote.approver_id == approver.c.value)))
        rows = ranked(session, query, approver.c.value, request.requested_at, request.id,
                      per_owner, project_ids)
        return heads_of(rows, lambda row: self._item(row, row.approver, wait),
                        project_ids is not None)

    def _open(self, requested_before: datetime) -> Select:
        request = self._request
        return (select(request.id, request.requested_at, request.requested_by, *self._columns,
                       Project.key, Project.name)
                .join(Project, Project.id == request.project_id)
                .where(request.state == OPEN, request.requested_at <= requested_before))

    def _item(self, row, approver: str, wait: timedelta) -> DueItem:
        return DueItem(kind=self.kind, item_id=str(row.id), recipient=approver,
                       due_at=row.requested_at + wait,
                       subject={**self._subject(row), "requester": row.requested_by,
                                "requested": row.requested_at},
                       buttons=self._buttons(row.id))
