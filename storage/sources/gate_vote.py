"""Gate requests waiting on a vote: an open request older than `[gates] remind_after_hours`;
each approver who has not voted yet is nudged, with the approval card's own buttons (the
approvals engine's source, storage/sources/approval_vote.py)."""

from __future__ import annotations

from pmo_rules.ids import Action
from pmo_rules.reminders import ButtonSpec
from pmo_rules.values import GateButton
from storage.gates import GateRequest, GateVote
from storage.sources.approval_vote import ApprovalVoteDue

KIND = "gate_vote"


def _buttons(request_id: int) -> tuple[ButtonSpec, ...]:
    value = GateButton(request_id)  # the approval card's own buttons and value
    return (ButtonSpec(Action.GATE_APPROVE, value, primary=True),
            ButtonSpec(Action.GATE_REJECT, value))


SOURCE = ApprovalVoteDue(
    KIND, GateRequest, GateVote, wait_hours=lambda rules: rules.gates.remind_after_hours,
    columns=(GateRequest.phase,),
    subject=lambda row: {"key": row.key, "project": row.key, "name": row.name,
                         "phase": row.phase},
    buttons=_buttons)
