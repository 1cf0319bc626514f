"""What the stage-gate surfaces look like: the two forms, status and lists (the approval card,
which the use cases queue in the outbox, is services/gate_cards.py).

Each function turns stored rows into the plain values a template needs and renders it; the
words are in templates/locales/*/gate.toml and the structure in templates/blocks/gate_*.json.j2.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from pmo_rules import gates
from pmo_rules.clock import days_ago
from pmo_rules.ids import Action, Block, Callback
from pmo_rules.lifecycle import next_phase
from pmo_rules.values import GateButton, GateKillForm, GateRequestForm
from services.gate_cards import GateShown, approvals, voters
from services.gates import GateRequest, GateVote, Pending, Project
from templates.render import Message, Renderer

PENDING_SHOWN = 100


def request_form(renderer: Renderer, project: Project, electorate: gates.Electorate,
                 criteria: tuple[str, ...], note: str, *, lessons: tuple = (),
                 ticked: tuple[int, ...] = ()) -> dict[str, Any]:
    """The checklist modal `/gate request` opens; its metadata names the project and phase.
    For the closing gate it lists the lessons learned and ticks their item (`ticked`)."""
    return renderer.view("gate_request_modal", key=project.key, phase=project.phase,
                         next_phase=next_phase(project.phase), criteria=criteria,
                         approvers=electorate.approvers, required=electorate.required,
                         note=note, note_max=gates.NOTE_MAX, lessons=lessons, ticked=ticked,
                         metadata=GateRequestForm(project.key, project.phase).encode(),
                         callback_id=Callback.GATE_REQUEST, check_block=Block.GATE_CHECK,
                         note_block=Block.NOTE, value_action=Action.VALUE)


def reject_form(renderer: Renderer, project: Project, request: GateRequest) -> dict[str, Any]:
    return renderer.view("gate_reject_modal", key=project.key, phase=request.phase,
                         metadata=GateButton(request.id).encode(),
                         callback_id=Callback.GATE_REJECT,
                         reason_block=Block.REASON, value_action=Action.VALUE,
                         reason_max=gates.REASON_MAX)


def kill_form(renderer: Renderer, project: Project, reason: str,
              had_request: bool) -> dict[str, Any]:
    """The confirmation `/gate decide KEY kill …` opens: what a kill does, and the reason."""
    return renderer.view("gate_kill_modal", key=project.key, name=project.name,
                         phase=project.phase, had_request=had_request, reason=reason,
                         metadata=GateKillForm(project.key).encode(),
                         callback_id=Callback.GATE_KILL, reason_block=Block.REASON,
                         value_action=Action.VALUE, reason_max=gates.REASON_MAX)


def notice(renderer: Renderer, message: str) -> dict[str, Any]:
    """A closing modal that says what happened to the form just submitted."""
    return renderer.view("gate_notice_modal", message=message)


def status(renderer: Renderer, project: Project, open_request: GateRequest | None,
           open_votes: list[GateVote], history: list[GateRequest],
           gate: GateShown | None, held: datetime | None = None) -> Message:
    opened = open_request and {"request": open_request, "approvals": approvals(open_votes),
                               "voters": voters(open_request, open_votes)}
    return renderer.message("gate_status", "gate.status.text", key=project.key, project=project,
                            open=opened, history=history, gate=gate, held=held)


def pending(renderer: Renderer, rows: list[Pending], now: datetime) -> Message:
    """`/pmo gates`: open requests oldest first, with their age and who is still to vote."""
    shown = [pending_row(row, now, renderer.tz) for row in rows[:PENDING_SHOWN]]
    return renderer.message("gate_pending", "gate.pending.text", rows=shown, count=len(rows),
                            more=max(0, len(rows) - PENDING_SHOWN))


def pending_row(row: Pending, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """One open request as a line shows it: project, phases, requester, age, votes; and the
    value its Approve and Reject buttons carry."""
    voted = {vote.approver_id for vote in row.votes}
    return {"key": row.project.key, "phase": row.request.phase,
            "next_phase": next_phase(row.request.phase), "requester": row.request.requested_by,
            "age_days": days_ago(row.request.requested_at, now, tz),
            "approvals": approvals(row.votes), "required": row.request.required,
            "waiting": [a for a in row.request.approvers if a not in voted],
            "value": GateButton(row.request.id).encode()}
