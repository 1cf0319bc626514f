"""The stage-gate approval card, as the outbox posts and updates it, and the gate shown with
its approvers; the use cases in services/gates.py and services/projects.py render these inside
their transactions, and handlers/gate_views.py reuses the parts for `/gate status`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmo_rules.config import GateRule
from pmo_rules.ids import Action
from pmo_rules.lifecycle import next_phase
from pmo_rules.values import GateButton
from services import approvals as engine
from storage.gates import GateRequest, GateVote
from storage.projects import Project
from templates.render import Message, Renderer


def default_criteria(renderer: Renderer, phase: str) -> tuple[str, ...]:
    """The standard's exit checklist for `phase` (section 3.1), in the bot's language."""
    return tuple(line.strip() for line in renderer.t(f"gate.criteria.{phase}").splitlines()
                 if line.strip())


voters = engine.voters
"""Each approver with their vote, its time and its note or reason (the approvals engine's)."""
approvals = engine.approvals


def card(renderer: Renderer, project: Project, request: GateRequest,
         votes: list[GateVote]) -> Message:
    """The approval card as it should look now: buttons while open, the decision after."""
    context = dict(key=project.key, name=project.name, request=request,
                   next_phase=next_phase(request.phase), voters=voters(request, votes),
                   approvals=approvals(votes), value=GateButton(request.id).encode(),
                   approve_action=Action.GATE_APPROVE, reject_action=Action.GATE_REJECT)
    return Message(text=renderer.t("gate.card_text", key=project.key, phase=request.phase,
                                   state=request.state, requester=request.requested_by),
                   blocks=renderer.blocks("gate_card", **context))


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
