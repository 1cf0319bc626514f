"""What the stage-gate surfaces look like: the approval card, the two forms, status and lists.

Each function turns stored rows into the plain values a template needs and renders it; the
words are in templates/locales/*/gate.toml and the structure in templates/blocks/gate_*.json.j2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pmo_rules import gates
from pmo_rules.config import GateRule
from pmo_rules.ids import Action, Block, Callback
from pmo_rules.lifecycle import next_phase
from pmo_rules.values import GateButton, GateRequestForm
from storage.gates import GateRequest, GateVote, Pending
from storage.projects import Project
from templates.render import Message, Renderer

PENDING_SHOWN = 100


def default_criteria(renderer: Renderer, phase: str) -> tuple[str, ...]:
    """The standard's exit checklist for `phase` (section 3.1), in the bot's language."""
    return tuple(line.strip() for line in renderer.t(f"gate.criteria.{phase}").splitlines()
                 if line.strip())


def _voters(request: GateRequest, votes: list[GateVote]) -> list[dict[str, Any]]:
    """Each approver of the request with their vote and its time (None while waiting)."""
    by_approver = {vote.approver_id: vote for vote in votes}
    return [{"id": approver,
             "vote": by_approver[approver].vote if approver in by_approver else None,
             "at": by_approver[approver].at if approver in by_approver else None}
            for approver in request.approvers]


def _approvals(votes: list[GateVote]) -> int:
    return sum(1 for vote in votes if vote.vote == gates.APPROVE)


def card(renderer: Renderer, project: Project, request: GateRequest,
         votes: list[GateVote]) -> Message:
    """The approval card as it should look now: buttons while open, the decision after."""
    context = dict(key=project.key, name=project.name, request=request,
                   next_phase=next_phase(request.phase), voters=_voters(request, votes),
                   approvals=_approvals(votes), value=GateButton(request.id).encode(),
                   approve_action=Action.GATE_APPROVE, reject_action=Action.GATE_REJECT)
    return Message(text=renderer.t("gate.card_text", key=project.key, phase=request.phase,
                                   state=request.state, requester=request.requested_by),
                   blocks=renderer.blocks("gate_card", **context))


def request_form(renderer: Renderer, project: Project, electorate: gates.Electorate,
                 criteria: tuple[str, ...], note: str) -> dict[str, Any]:
    """The checklist modal `/gate request` opens; its metadata names the project and phase."""
    return renderer.view("gate_request_modal", key=project.key, phase=project.phase,
                         next_phase=next_phase(project.phase), criteria=criteria,
                         approvers=electorate.approvers, required=electorate.required,
                         note=note, note_max=gates.NOTE_MAX,
                         metadata=GateRequestForm(project.key, project.phase).encode(),
                         callback_id=Callback.GATE_REQUEST, check_block=Block.GATE_CHECK,
                         note_block=Block.NOTE, value_action=Action.VALUE)


def reject_form(renderer: Renderer, project: Project, request: GateRequest) -> dict[str, Any]:
    return renderer.view("gate_reject_modal", key=project.key, phase=request.phase,
                         metadata=GateButton(request.id).encode(),
                         callback_id=Callback.GATE_REJECT,
                         reason_block=Block.REASON, value_action=Action.VALUE,
                         reason_max=gates.REASON_MAX)


def notice(renderer: Renderer, message: str) -> dict[str, Any]:
    """A closing modal that says what happened to the form just submitted."""
    return renderer.view("gate_notice_modal", message=message)


@dataclass(frozen=True)
class GateShown:
    """The current gate's approvers as `/gate status` shows them."""

    approvers: tuple[str, ...]
    quorum: str | int
    quorum_kind: str
    override: bool


def gate_shown(rule: GateRule, override: bool) -> GateShown:
    kind = rule.quorum if rule.quorum in ("any", "all") else "count"
    return GateShown(rule.approvers, rule.quorum, kind, override)


def status(renderer: Renderer, project: Project, open_request: GateRequest | None,
           open_votes: list[GateVote], history: list[GateRequest],
           gate: GateShown | None, held: datetime | None = None) -> Message:
    opened = open_request and {"request": open_request, "approvals": _approvals(open_votes),
                               "voters": _voters(open_request, open_votes)}
    return renderer.message("gate_status", "gate.status.text", key=project.key, project=project,
                            open=opened, history=history, gate=gate, held=held)


def pending(renderer: Renderer, rows: list[Pending], now: datetime) -> Message:
    """`/pmo gates`: open requests oldest first, with their age and who is still to vote."""
    shown = [_pending_row(row, now) for row in rows[:PENDING_SHOWN]]
    return renderer.message("gate_pending", "gate.pending.text", rows=shown, count=len(rows),
                            more=max(0, len(rows) - PENDING_SHOWN))


def _pending_row(row: Pending, now: datetime) -> dict[str, Any]:
    voted = {vote.approver_id for vote in row.votes}
    count, unit = gates.age(row.request.requested_at, now)
    return {"key": row.project.key, "phase": row.request.phase,
            "next_phase": next_phase(row.request.phase), "requester": row.request.requested_by,
            "age": count, "age_unit": unit, "approvals": _approvals(row.votes),
            "required": row.request.required,
            "waiting": [a for a in row.request.approvers if a not in voted]}
