"""Gate requests waiting on a vote: an open request older than `[gates] remind_after_hours`;
each approver who has not voted yet is nudged, with the approval card's own buttons."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.ids import Action
from pmo_rules.reminders import ButtonSpec, DueItem
from pmo_rules.values import GateButton
from storage.gates import WaitingVote, waiting_votes

KIND = "gate_vote"


class GateVoteDue:
    kind = KIND

    def due_items(self, session: Session, now: datetime, rules: Rules, *,
                  item_ids: Collection[str] | None = None) -> list[DueItem]:
        wait = timedelta(hours=rules.gates.remind_after_hours)
        ids = None if item_ids is None else [int(i) for i in item_ids if i.isdigit()]
        return [_item(row, wait)
                for row in waiting_votes(session, requested_before=now - wait, request_ids=ids)]


def _item(row: WaitingVote, wait: timedelta) -> DueItem:
    request, project = row.request, row.project
    value = GateButton(request.id)  # the approval card's own buttons and value
    return DueItem(kind=KIND, item_id=str(request.id), recipient=row.approver_id,
                   due_at=row.requested_at + wait,
                   subject={"key": project.key, "project": project.key, "name": project.name,
                            "phase": request.phase,
                            "requester": request.requested_by, "requested": row.requested_at},
                   buttons=(ButtonSpec(Action.GATE_APPROVE, value, primary=True),
                            ButtonSpec(Action.GATE_REJECT, value)))


SOURCE = GateVoteDue()
