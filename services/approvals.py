"""The approvals engine: one vote flow for every subject (a stage gate, a change request).

What subjects share lives here, once: casting a vote (the request row locked, the voter
checked — an approver, not the requester unless self-approval is on, not twice — the vote
stored under its unique constraint, the quorum counted by `pmo_rules.approvals.outcome_of`),
deciding (a conditional update, so racing clicks decide once), the cards updated in place
(chat.update of the channel card and each approver's DM), the Approve / Reject buttons'
stale-click refresh, and the vote reminders' due items (storage/sources/approval_vote.py).

A `Subject` says only what is its own: its tables, its message keys, how its card renders,
and what happens once it is decided (`services.gates.SUBJECT`, `services.changes.SUBJECT`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmo_rules import permissions
from pmo_rules.approvals import APPROVE, REJECT, outcome_of
from pmo_rules.errors import UserError
from services.context import BotContext
from storage import approvals as store
from storage import outbox
from storage.projects import Project
from templates.render import Message

OPEN = store.OPEN


@dataclass
class Done:
    """What a use case tells the person who acted, and the deliveries to send after commit."""

    reply: str
    deliveries: list[int] = field(default_factory=list)


class StaleRequest(UserError):
    """A click or form for a request that is no longer open: refuse, and refresh its card.
    `subject` names the engine's subject ("gate", "change") whose cards to refresh."""

    def __init__(self, request_id: int, key: str, state: str, *, subject: str = "gate",
                 **words: Any) -> None:
        super().__init__(f"{subject}.request_closed", key=key, state=state, **words)
        self.request_id = request_id
        self.subject = subject


class Subject(Protocol):
    """What one kind of approval says about itself; the engine does the rest."""

    name: str
    """"gate" or "change": the message-key prefix, the audit subject type, the card kind."""
    request_model: type
    vote_model: type
    states: dict[str, str]
    """The state a request takes when the votes approve or reject it ("passed" for a gate)."""

    def label(self, project: Project, request: Any) -> str:
        """How messages name the request: the project KEY for a gate, APOLLO-C1 for a
        change."""

    def stale(self, project: Project, request: Any) -> StaleRequest: ...

    def decide(self, session: Session, *, request: Any, state: str, actor: str, now: datetime,
               reason: str | None = None, **more: Any) -> bool:
        """Close the request as `state` only if still open (a conditional update: storage's
        `decide`, which records the decision in the audit log); False when it was not."""

    def card(self, ctx: BotContext, project: Project, request: Any, votes: list[Any]) -> Message:
        """The approval card as it should look now: buttons while open, the decision after."""

    def decided(self, ctx: BotContext, session: Session, project: Project, request: Any,
                actor: str, now: datetime) -> list[int]:
        """What the decision does (in its transaction), and whom it tells: outbox ids."""

    def vote_reply(self, ctx: BotContext, project: Project, request: Any,
                   votes: dict[str, str], choice: str) -> str: ...


def open_request(session: Session, subject: Subject, request_id: int, *,
                 lock: bool = False) -> tuple[Any, Project]:
    """The request and its project, or the refusal for a bad or stale button."""
    request = store.get_request(session, subject.request_model, request_id, lock=lock)
    if request is None:
        raise UserError(f"{subject.name}.bad_button")
    project = session.get(Project, request.project_id)
    if request.state != OPEN:
        raise subject.stale(project, request)
    return request, project


def check_voter(session: Session, subject: Subject, user: str, request: Any,
                project: Project) -> dict[str, str]:
    """The votes so far by approver, after checking that `user` may add theirs (an approver,
    the self-approval rule as the electorate fixed it, one vote each)."""
    votes = {v.approver_id: v.vote
             for v in store.votes_of(session, subject.vote_model, request.id)}
    permissions.require_voter(user, key=subject.label(project, request),
                              approvers=request.approvers, requester=request.requested_by,
                              votes=votes,
                              subject=subject.name)
    return votes


def vote(ctx: BotContext, subject: Subject, user: str, request_id: int, choice: str,
         reason: str | None = None) -> Done:
    """Record one approver's vote and, if it settles the request, the decision and its effects.

    The request row is locked first, so concurrent votes are counted one after the other: two
    approvals that together reach "all" decide it, and a repeated click finds its own vote.
    """
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            request, project = open_request(session, subject, request_id, lock=True)
            votes = check_voter(session, subject, user, request, project)
            store.add_vote(session, subject.vote_model, subject=subject.name, request=request,
                           approver=user, vote=choice, now=now, reason=reason)
            votes[user] = choice
            outcome = outcome_of(votes, request.required)
            state = subject.states.get(outcome)
            deliveries = close(ctx, session, subject, project, request, state, user, now,
                               reason=reason) if state else []
            deliveries += refresh_cards(ctx, session, subject, project, request)
    except IntegrityError:  # the unique (request, approver) vote: a racing duplicate
        raise UserError(f"{subject.name}.vote_conflict") from None
    return Done(subject.vote_reply(ctx, project, request, votes, choice), deliveries)


def close(ctx: BotContext, session: Session, subject: Subject, project: Project, request: Any,
          state: str, actor: str, now: datetime, *, reason: str | None = None,
          **more: Any) -> list[int]:
    """Decide the request (only if still open) and let the subject apply it and tell people."""
    if not subject.decide(session, request=request, state=state, actor=actor, now=now,
                          reason=reason, **more):
        session.refresh(request)
        raise subject.stale(project, request)
    return subject.decided(ctx, session, project, request, actor, now)


def post_cards(ctx: BotContext, session: Session, subject: Subject, project: Project,
               request: Any, actor: str, now: datetime) -> list[int]:
    """Queue the approval card to the project channel and to each approver by DM; the
    request remembers them so that every one is updated in place."""
    payload = subject.card(ctx, project, request, []).as_payload()
    card_ids = [outbox.enqueue(session, kind=f"{subject.name}_card", channel=channel,
                               payload=payload, now=now, requested_by=actor).id
                for channel in (project.channel_id, *request.approvers)]
    request.card_ids = card_ids
    return card_ids


def refresh_cards(ctx: BotContext, session: Session, subject: Subject, project: Project,
                  request: Any, card_ids: list[int] | None = None) -> list[int]:
    """Queue chat.update for the request's cards (or the given ones) to show it as it is now."""
    votes = store.votes_of(session, subject.vote_model, request.id)
    payload = subject.card(ctx, project, request, votes).as_payload()
    now = ctx.now()
    updates = [outbox.enqueue_card_update(session, card_id, payload, now)
               for card_id in (card_ids or request.card_ids)]
    return [update.id for update in updates if update is not None]


_SUBJECTS: dict[str, Subject] = {}


def register(subject: Subject) -> Subject:
    """Make `subject` known by its name, so a refusal (`StaleRequest.subject`) finds whose
    cards to refresh without the handler knowing which kind of request it was."""
    _SUBJECTS[subject.name] = subject
    return subject


def refresh_for(ctx: BotContext, error: StaleRequest,
                clicked: tuple[str, str] | None = None) -> list[int]:
    """The cards of the request `error` refused, brought up to date (the clicked one, when
    known); what to send."""
    return refresh_stale(ctx, _SUBJECTS[error.subject], error.request_id, clicked)


def refresh_stale(ctx: BotContext, subject: Subject, request_id: int,
                  clicked: tuple[str, str] | None = None) -> list[int]:
    """Bring the clicked card (or every card, when it is not known) up to date."""
    with ctx.db.write() as session:
        request = store.get_request(session, subject.request_model, request_id)
        if request is None:
            return []
        project = session.get(Project, request.project_id)
        card = store.card_at(session, request, *clicked) if clicked else None
        return refresh_cards(ctx, session, subject, project, request, [card] if card else None)


def check_reject(ctx: BotContext, subject: Subject, user: str,
                 request_id: int) -> tuple[Project, Any]:
    """What the reason modal for a Reject click names, once the click is a valid vote."""
    with ctx.db.read() as session:
        request, project = open_request(session, subject, request_id)
        check_voter(session, subject, user, request, project)
    return project, request


def approvals(votes: list[Any]) -> int:
    return sum(1 for vote in votes if vote.vote == APPROVE)


def voters(request: Any, votes: list[Any]) -> list[dict[str, Any]]:
    """Each approver of the request with their vote, its time and its note or reason (None
    while waiting)."""
    by_approver = {vote.approver_id: vote for vote in votes}
    return [{"id": approver,
             "vote": by_approver[approver].vote if approver in by_approver else None,
             "at": by_approver[approver].at if approver in by_approver else None,
             "note": by_approver[approver].reason if approver in by_approver else None}
            for approver in request.approvers]


def waiting_for(session: Session, subject: Subject, user: str) -> list[store.Pending]:
    """The open requests `user` may still vote on (an approver who has not voted), oldest
    first."""
    return [pending for pending in store.pending_requests(session, subject.request_model,
                                                          subject.vote_model)
            if user in pending.request.approvers
            and user not in {vote.approver_id for vote in pending.votes}]


__all__ = ["APPROVE", "REJECT", "Done", "StaleRequest", "Subject", "refresh_for", "register"]
