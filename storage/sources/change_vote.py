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


def _buttons(request: ChangeRequest) -> tuple[ButtonSpec, ...]:
    value = ChangeButton(request.id)
    return (ButtonSpec(Action.CHANGE_APPROVE, value, primary=True),
            ButtonSpec(Action.CHANGE_REJECT, value))


SOURCE = ApprovalVoteDue(
    KIND, ChangeRequest, ChangeVote, wait_hours=lambda rules: rules.changes.remind_after_hours,
    subject=lambda request, project: {"key": project.key, "project": project.key,
                                      "name": project.name, "ref": request.ref(project.key),
                                      "title": request.title},
    buttons=_buttons)
