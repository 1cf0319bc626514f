"""The approvals engine's storage, whatever is being approved (a stage gate, a change request).

Each subject keeps its own request and vote tables (`gate_requests`/`gate_votes`,
`change_requests`/`change_votes`) with the same columns the engine reads: a request has
`state`, `requested_by`, `requested_at`, `approvers`, `required`, `card_ids`, `decided_by`,
`decided_at`, `reason`; a vote has `request_id`, `approver_id`, `vote`, `reason`, `at`. The
functions here take the subject's two models, so the invariants are written once:

- one vote per (request, approver): a unique constraint on each vote table, hit by `add_vote`;
- deciding is a conditional UPDATE (`… WHERE state = 'open'`): `decide` answers False when
  someone else decided first, so racing clicks never decide twice;
- voting locks the request row (`get_request(lock=True)`: `SELECT … FOR UPDATE` on PostgreSQL;
  SQLite serialises writers already), so approvals that together reach the quorum are counted
  together.

Every write records its audit entry (subject type = the subject's name) in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage import audit
from storage.outbox import Delivery
from storage.projects import Project

OPEN = "open"


def get_request(session: Session, model: type, request_id: int, *, lock: bool = False):
    """The request; with `lock`, its row stays locked until commit (PostgreSQL)."""
    query = select(model).where(model.id == request_id)
    if lock:
        query = query.with_for_update()
    return session.scalar(query.execution_options(populate_existing=lock))


def votes_of(session: Session, vote_model: type, request_id: int) -> list[Any]:
    return list(session.scalars(select(vote_model).where(vote_model.request_id == request_id)
                                .order_by(vote_model.at, vote_model.id)))


@dataclass(frozen=True)
class Pending:
    """An open request with its project and its votes so far."""

    request: Any
    project: Project
    votes: list[Any]


def pending_requests(session: Session, model: type, vote_model: type, *,
                     requested_before: datetime | None = None,
                     request_ids: Collection[int] | None = None) -> list[Pending]:
    """Every open request (made before `requested_before`, among `request_ids`, when given)
    with its project and votes, oldest first, in two queries."""
    query = (select(model, Project).join(Project, Project.id == model.project_id)
             .where(model.state == OPEN))
    if requested_before is not None:
        query = query.where(model.requested_at <= requested_before)
    if request_ids is not None:
        query = query.where(model.id.in_(request_ids))
    rows = session.execute(query.order_by(model.requested_at, model.id)).all()
    votes: dict[int, list[Any]] = {request.id: [] for request, _ in rows}
    if votes:
        for vote in session.scalars(select(vote_model).where(vote_model.request_id.in_(votes))
                                    .order_by(vote_model.at, vote_model.id)):
            votes[vote.request_id].append(vote)
    return [Pending(request, project, votes[request.id]) for request, project in rows]


@dataclass(frozen=True)
class WaitingVote:
    request: Any
    project: Project
    approver_id: str
    requested_at: datetime


def waiting_votes(pending: list[Pending]) -> list[WaitingVote]:
    """Each (open request, approver who has not voted yet), in the order of `pending`: what
    the vote reminders nudge."""
    waiting: list[WaitingVote] = []
    for row in pending:
        voted = {vote.approver_id for vote in row.votes}
        waiting += [WaitingVote(row.request, row.project, approver, row.request.requested_at)
                    for approver in row.request.approvers if approver not in voted]
    return waiting


def card_at(session: Session, request: Any, channel: str, ts: str) -> int | None:
    """Which of the request's cards is the Slack message (channel, ts), if any."""
    return session.scalar(select(Delivery.id).where(Delivery.id.in_(request.card_ids),
                                                    Delivery.slack_channel == channel,
                                                    Delivery.slack_ts == ts))


def add_vote(session: Session, vote_model: type, *, subject: str, request: Any, approver: str,
             vote: str, now: datetime, reason: str | None = None) -> Any:
    """Insert a vote; the unique (request, approver) constraint refuses a second one."""
    row = vote_model(request_id=request.id, approver_id=approver, vote=vote, reason=reason,
                     at=now)
    session.add(row)
    session.flush()
    audit.record(session, at=now, actor=approver, action=f"{subject}.voted",
                 subject_type=subject, subject_id=request.id, project_id=request.project_id,
                 after={"vote": vote, "reason": reason})
    return row


def decide(session: Session, model: type, *, request: Any, state: str, actor: str,
           now: datetime, reason: str | None = None, **more: Any) -> bool:
    """Close an open request as `state` (with `more` columns); False when someone else closed
    it first. The caller records the decision's audit entry (it knows what to say)."""
    result = session.execute(
        update(model).where(model.id == request.id, model.state == OPEN)
        .values(state=state, decided_by=actor, decided_at=now, reason=reason, **more)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    session.refresh(request)
    return True
