"""Stage-gate use cases: each is one transaction that checks, stores, audits and queues cards.

The listeners in handlers/gate.py call these, and render what the queries here return with
handlers/gate_cards.py. A `check_*` function runs the same checks on a
read-only session before Slack is answered, so a refusal is the ack itself; the use case runs
them again inside its write transaction, because the world may have changed in between. Every
message that goes out (cards, card updates, notices to the PM) is queued in the outbox in that
transaction and its ids are returned, so the caller sends them after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmo_rules import gates, permissions
from pmo_rules.approvals import Quorum
from pmo_rules.config import GateRule
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import CLOSED, in_portfolio, next_phase
from services import access, approvals, closing, lessons, plans
from services import gate_cards as cards
from services import risks as risk_flow
from services.approvals import Done as Done
from services.context import BotContext
from storage import gates as store
from storage import outbox
from storage.gates import GateRequest as GateRequest  # the rows handlers/gate_views.py shows
from storage.gates import GateVote as GateVote
from storage.gates import Pending as Pending
from storage.projects import Project, project_by_key

HISTORY_SHOWN = 10


class StaleRequest(approvals.StaleRequest):
    """A click or form for a gate request that is no longer open: refuse, and refresh its
    card."""

    def __init__(self, request_id: int, key: str, state: str) -> None:
        super().__init__(request_id, key, state, subject="gate")


class GateSubject:
    """A stage gate, as the approvals engine (services/approvals.py) sees it: its tables, its
    card, and what its decision does to the project."""

    name = "gate"
    request_model = store.GateRequest
    vote_model = store.GateVote
    states = {"approved": gates.PASSED, "rejected": gates.REJECTED}

    def label(self, project: Project, request: store.GateRequest) -> str:
        return project.key

    def stale(self, project: Project, request: store.GateRequest) -> StaleRequest:
        return StaleRequest(request.id, project.key, request.state)

    def decide(self, session: Session, **kwargs) -> bool:
        return store.decide(session, **kwargs)

    def card(self, ctx: BotContext, project: Project, request: store.GateRequest,
             votes: list[store.GateVote]):
        return cards.card(ctx.renderer, project, request, votes)

    def decided(self, ctx: BotContext, session: Session, project: Project,
                request: store.GateRequest, actor: str, now: datetime) -> list[int]:
        ended = _apply(ctx, session, project, request, actor, now)
        return _tell(ctx, session, project, request, actor, now) + ended

    def vote_reply(self, ctx: BotContext, project: Project, request: store.GateRequest,
                   votes: dict[str, str], choice: str) -> str:
        return _vote_reply(ctx, project, request, votes, choice)


SUBJECT = approvals.register(GateSubject())


# ---------------------------------------------------------------------------------------------
# Requesting a gate
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    project: Project
    electorate: gates.Electorate
    criteria: tuple[str, ...]
    lessons: tuple = ()
    """The closing gate: the project's lessons learned (services.lessons.for_closing)."""
    ticked: tuple[int, ...] = ()
    """Checklist items the bot ticks itself: the lessons-learned item of the closing gate."""


def prepare_request(ctx: BotContext, session: Session, user: str, key: str) -> Prepared:
    """Everything a request needs, or the reason it can't be made now."""
    project = find_project(session, key)
    permissions.require_gate_requester(user, key=project.key, pm_id=project.pm_id,
                                       phase=project.phase, state=project.state,
                                       hold_until=project.hold_until, now=ctx.now(),
                                       rules=ctx.rules)
    existing = store.open_request(session, project.id)
    if existing is not None:
        raise UserError("gate.already_open", key=project.key, phase=existing.phase,
                        requester=existing.requested_by)
    plans.check_gate_ready(ctx, session, project)
    rule = gate_rule(ctx, session, project, project.phase)
    electorate = gates.electorate(rule, user, self_approval=ctx.rules.gates.self_approval,
                                  key=project.key, phase=project.phase)
    criteria = rule.criteria or cards.default_criteria(ctx.renderer, project.phase)
    recorded = lessons.for_closing(ctx, session, project)
    ticked = ()
    if recorded:
        item = cards.default_criteria(ctx.renderer, project.phase)[-1]
        ticked = tuple(i for i, text in enumerate(criteria) if text == item)
    return Prepared(project, electorate, criteria, tuple(recorded), ticked)


def check_request(ctx: BotContext, user: str, key: str) -> Prepared:
    """What the checklist modal for `/gate request` shows, after the checks that would refuse
    it."""
    with ctx.db.read() as session:
        return prepare_request(ctx, session, user, key)


def submit_request(ctx: BotContext, user: str, key: str, phase: str, ticked: set[int],
                   note: str) -> Done:
    """Store the request and post its cards: one in the project channel, one per approver."""
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            prepared = prepare_request(ctx, session, user, key)
            project = prepared.project
            if project.phase != phase:
                raise UserError("gate.phase_changed", key=key, phase=project.phase)
            checklist = [{"text": text, "done": index in ticked}
                         for index, text in enumerate(prepared.criteria)]
            request = store.add_request(session, project=project, requester=user, now=now,
                                        note=gates.check_note(note), checklist=checklist,
                                        electorate=prepared.electorate)
            card_ids = approvals.post_cards(ctx, session, SUBJECT, project, request, user, now)
    except IntegrityError:  # another request for this project was stored a moment ago
        raise UserError("gate.already_open", key=key, phase=phase, requester=user) from None
    reply = ctx.renderer.t("gate.requested_reply", key=key, phase=phase,
                           approvers=request.approvers, required=request.required,
                           channel=project.channel_id)
    return Done(reply, card_ids)


def gate_rule(ctx: BotContext, session: Session, project: Project, phase: str) -> GateRule:
    """The rules file's gate for `phase`, with the project's approver override laid over it."""
    override = store.approver_overrides(session, project.id).get(phase)
    if override is None:
        return ctx.rules.gate(phase)
    quorum = Quorum.parse(override.quorum).value if override.quorum else None
    return gates.effective_gate(ctx.rules.gate(phase), tuple(override.approvers), quorum)


# ---------------------------------------------------------------------------------------------
# Voting
# ---------------------------------------------------------------------------------------------


def check_reject(ctx: BotContext, user: str,
                 request_id: int) -> tuple[Project, store.GateRequest]:
    """What the reason modal for a Reject click names, once the click is known to be a valid
    vote."""
    return approvals.check_reject(ctx, SUBJECT, user, request_id)


def vote(ctx: BotContext, user: str, request_id: int, choice: str,
         reason: str | None = None) -> Done:
    """Record one approver's vote and, if it settles the gate, the decision and its effects
    (the approvals engine: services.approvals.vote)."""
    return approvals.vote(ctx, SUBJECT, user, request_id, choice, reason)


def _vote_reply(ctx: BotContext, project: Project, request: store.GateRequest,
                votes: dict[str, str], choice: str) -> str:
    common = dict(key=project.key, phase=request.phase)
    if choice == gates.REJECT:
        return ctx.renderer.t("gate.rejected_reply", requester=request.requested_by, **common)
    if request.state == gates.PASSED:
        return ctx.renderer.t("gate.passed_reply", next=next_phase(request.phase), **common)
    approvals = sum(1 for value in votes.values() if value == gates.APPROVE)
    return ctx.renderer.t("gate.approved_reply", approvals=approvals, required=request.required,
                          **common)


def check_voter(session: Session, user: str, request: store.GateRequest,
                project: Project) -> dict[str, str]:
    """The votes so far by approver, after checking that `user` may add theirs."""
    return approvals.check_voter(session, SUBJECT, user, request, project)


def refresh_stale(ctx: BotContext, request_id: int,
                  clicked: tuple[str, str] | None = None) -> list[int]:
    """Bring the clicked card (or every card, when it is not known) up to date."""
    return approvals.refresh_stale(ctx, SUBJECT, request_id, clicked)


def refresh_cards(ctx: BotContext, session: Session, project: Project,
                  request: store.GateRequest, card_ids: list[int] | None = None) -> list[int]:
    """Queue chat.update for the request's cards (or the given ones) to show it as it is now."""
    return approvals.refresh_cards(ctx, session, SUBJECT, project, request, card_ids)


# ---------------------------------------------------------------------------------------------
# Deciding: the end of a request, and what it does to the project
# ---------------------------------------------------------------------------------------------


def _close(ctx: BotContext, session: Session, project: Project, request: store.GateRequest,
           state: str, actor: str, now: datetime, *, reason: str | None = None,
           hold_until: datetime | None = None) -> list[int]:
    """Decide the request (only if still open), apply it to the project, tell the people."""
    return approvals.close(ctx, session, SUBJECT, project, request, state, actor, now,
                           reason=reason, hold_until=hold_until)


def _apply(ctx: BotContext, session: Session, project: Project, request: store.GateRequest,
           actor: str, now: datetime) -> list[int]:
    """Move the project as the decision says; a project that ends (cancelled, closed) closes
    its open risks in the same transaction (services.risks.close_with_project)."""
    change = gates.project_after(request.state, request.phase)
    if change is None:
        return []
    store.move_project(session, project=project, from_phase=request.phase,
                       phase=change.phase, state=change.state,
                       hold_until=request.hold_until, actor=actor, now=now)
    plans.gate_decided(session, project, request.phase, request.state, actor, now)
    if in_portfolio(change.state):
        return []
    ended = risk_flow.close_with_project(ctx, session, project, actor=actor, ended=change.state)
    if change.state == CLOSED:  # the closing gate passed: the closing report, same transaction
        ended += closing.report(ctx, session, project, actor, now)
    return ended


def _tell(ctx: BotContext, session: Session, project: Project, request: store.GateRequest,
          actor: str, now: datetime) -> list[int]:
    """A DM to the requester and the PM (not to whoever made the decision)."""
    message = ctx.renderer.text(f"gate.tell.{request.state}", key=project.key,
                                phase=request.phase, next=next_phase(request.phase),
                                by=actor, reason=request.reason or "",
                                until=request.hold_until)
    people = dict.fromkeys((request.requested_by, project.pm_id))
    return [outbox.enqueue(session, kind="gate_notice", channel=person,
                           payload=message.as_payload(), now=now, requested_by=actor).id
            for person in people if person != actor]


def check_withdraw(ctx: BotContext, user: str, command: gates.Withdraw) -> None:
    with ctx.db.read() as session:
        _withdrawal(ctx, session, user, command)


def _withdrawal(ctx: BotContext, session: Session, user: str,
                command: gates.Withdraw) -> tuple[Project, store.GateRequest, str]:
    """The open request and how it ends; an admin cancelling someone else's request must say
    why, since the requester is told."""
    project = find_project(session, command.key)
    request = store.open_request(session, project.id)
    if request is None:
        raise UserError("gate.none_open", key=project.key)
    outcome = permissions.withdrawal_by(user, key=project.key, requester=request.requested_by,
                                        rules=ctx.rules)
    if outcome == gates.WITHDRAWN_BY_ADMIN and not command.reason:
        raise UserError("gate.cancel_needs_reason", usage=gates.USAGE, key=project.key,
                        requester=request.requested_by)
    return project, request, outcome


def withdraw(ctx: BotContext, user: str, command: gates.Withdraw) -> Done:
    """The requester withdraws their request, or an admin cancels it (with a reason the
    requester is sent); the cards say so."""
    now = ctx.now()
    with ctx.db.write() as session:
        project, request, outcome = _withdrawal(ctx, session, user, command)
        deliveries = _close(ctx, session, project, request, outcome, user, now,
                            reason=command.reason or None)
        deliveries += refresh_cards(ctx, session, project, request)
    reply = ctx.renderer.t(f"gate.{outcome}_reply", key=project.key, phase=request.phase,
                           requester=request.requested_by)
    return Done(reply, deliveries)


def check_decide(ctx: BotContext, user: str, command: gates.Decide) -> tuple[Project, bool]:
    """The checks a Hold or Kill must pass; the project, and whether a request is open (what
    the kill's confirmation form says)."""
    with ctx.db.read() as session:
        project, _until = _decision(ctx, session, user, command)
        return project, store.open_request(session, project.id) is not None


def _decision(ctx: BotContext, session: Session, user: str,
              command: gates.Decide) -> tuple[Project, datetime | None]:
    permissions.require_gate_decider(user, ctx.rules)
    project = find_project(session, command.key)
    gates.check_running(key=project.key, phase=project.phase, state=project.state)
    if command.until is None:
        return project, None
    tz = ctx.rules.pmo.tz
    gates.check_hold_until(command.until, ctx.now().astimezone(tz).date())
    return project, gates.hold_end(command.until, tz)


def decide(ctx: BotContext, user: str, command: gates.Decide) -> Done:
    """An admin's Hold or Kill: closes the open request if there is one, or records the
    decision at the current gate on its own, so the gate history shows it either way."""
    now = ctx.now()
    with ctx.db.write() as session:
        project, until = _decision(ctx, session, user, command)
        request = store.open_request(session, project.id)
        had_request = request is not None
        if had_request:
            deliveries = _close(ctx, session, project, request, command.outcome, user, now,
                                reason=command.reason, hold_until=until)
            deliveries += refresh_cards(ctx, session, project, request)
        else:
            request = store.add_decision(session, project=project, state=command.outcome,
                                         actor=user, now=now, reason=command.reason,
                                         hold_until=until)
            deliveries = _apply(ctx, session, project, request, user, now)
            deliveries += _tell(ctx, session, project, request, user, now)
    reply = ctx.renderer.t(f"gate.{command.outcome}_reply", key=project.key, until=until,
                           had_request=had_request)
    return Done(reply, deliveries)


# ---------------------------------------------------------------------------------------------
# What people look at
# ---------------------------------------------------------------------------------------------


class GateStatus(NamedTuple):
    """What `/gate status KEY` shows (handlers/gate_cards.status takes it in this order)."""

    project: Project
    request: store.GateRequest | None
    votes: list[store.GateVote]
    history: list[store.GateRequest]
    gate: cards.GateShown | None
    held: datetime | None


def gate_status(ctx: BotContext, key: str) -> GateStatus:
    """`/gate status KEY`: the open request with its votes, who approves, the history."""
    with ctx.db.read() as session:
        project = find_project(session, key)
        request = store.open_request(session, project.id)
        votes = store.votes_of(session, request.id) if request else []
        history = store.history(session, project.id, HISTORY_SHOWN)
        gate = None
        if gates.is_running(project.phase, project.state):
            overridden = project.phase in store.approver_overrides(session, project.id)
            gate = cards.gate_shown(gate_rule(ctx, session, project, project.phase), overridden)
    held = gates.held_until(project.state, project.hold_until, ctx.now())
    return GateStatus(project, request, votes, history, gate, held)


def pending_requests(ctx: BotContext, user: str) -> list[store.Pending]:
    """`/pmo gates`: every open request of the portfolio (pmo_rules.portfolio's rule) that
    `user` may see, with its project and votes."""
    with ctx.db.read() as session:
        hidden = access.hidden_from(ctx, session, user)
        rows = store.pending_requests(session)
    return [row for row in rows if in_portfolio(row.project.state) and row.project.id not in hidden]


def waiting_for(ctx: BotContext, user: str) -> list[store.Pending]:
    """The open requests `user` may still vote on (an approver who has not voted), oldest
    first: what their Home tab lists."""
    with ctx.db.read() as session:
        return approvals.waiting_for(session, SUBJECT, user)


def find_project(session: Session, key: str) -> Project:
    project = project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", key=key)
    return project
