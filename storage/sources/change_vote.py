"""Change requests waiting on a vote: an open request older than `[changes]
remind_after_hours`; each approver who has not voted yet is nudged, with the card's own
Approve and Reject buttons (the approvals engine's source, storage/sources/approval_vote.py)."""

from __future__ import annotations

from pmo_rules.ids import Action
from pmo_rules.reminders import ButtonSpec
from pmo_rules.values import ChangeButton
from storage.changes import ChangeRequest, ChangeVote
from storage.sources.approval_vote import ApprovalVoteDue

KIND = "change_vote"


def _buttons(request_id: int) -> tuple[ButtonSpec, ...]:
    value = ChangeButton(request_id)
    return (ButtonSpec(Action.CHANGE_APPROVE, value, primary=True),
            ButtonSpec(Action.CHANGE_REJECT, value))


SOURCE = ApprovalVoteDue(
    KIND, ChangeRequest, ChangeVote, wait_hours=lambda rules: rules.changes.remind_after_hours,
    columns=(ChangeRequest.number, ChangeRequest.title),
    subject=lambda row: {"key": row.key, "project": row.key, "name": row.name,
                         "ref": f"{row.key}-C{row.number}", "title": row.title},
    buttons=_buttons)
