"""Approvals waiting on a vote, for any subject of the approvals engine (a gate request, a
change request): an open request older than the subject's `remind_after_hours`; each approver
who has not voted yet is nudged, with the approval card's own buttons. `gate_vote.py` and
`change_vote.py` are the two sources built from this one class."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.reminders import ButtonSpec, DueItem
from storage import approvals as engine


class ApprovalVoteDue:
    """The reminder source of one approval subject."""

    def __init__(self, kind: str, request_model: type, vote_model: type, *,
                 wait_hours: Callable[[Rules], int], subject: Callable[[Any, Any], dict],
                 buttons: Callable[[Any], tuple[ButtonSpec, ...]]) -> None:
        self.kind = kind
        self._models = (request_model, vote_model)
        self._wait_hours, self._subject, self._buttons = wait_hours, subject, buttons

    def due_items(self, session: Session, now: datetime, rules: Rules, *,
                  item_ids: Collection[str] | None = None) -> list[DueItem]:
        wait = timedelta(hours=self._wait_hours(rules))
        ids = None if item_ids is None else [int(i) for i in item_ids if i.isdigit()]
        pending = engine.pending_requests(session, *self._models,
                                          requested_before=now - wait, request_ids=ids)
        return [DueItem(kind=self.kind, item_id=str(row.request.id), recipient=row.approver_id,
                        due_at=row.requested_at + wait,
                        subject={**self._subject(row.request, row.project),
                                 "requester": row.request.requested_by,
                                 "requested": row.requested_at},
                        buttons=self._buttons(row.request))
                for row in engine.waiting_votes(pending)]
