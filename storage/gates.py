"""Gate requests, votes and per-project approvers: the stage-gate reviews of section 3.1.

The invariants that racing clicks could break live in the database: one vote per (request,
approver) is a unique constraint; one open request per project is a partial unique index; and
deciding a request is a conditional UPDATE (`… WHERE state = 'open'`), so two approvers clicking
at the same moment, a double click or a retried request never decide twice or move a project
two phases. Voting also locks the request row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite
serialises writers already), so two approvals that together reach "all" are counted together.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from pmo_rules.approvals import Electorate
from pmo_rules.gates import OPEN, REQUEST_STATES
from pmo_rules.lifecycle import ACTIVE, ON_HOLD
from storage import approvals as engine
from storage import audit
from storage.approvals import Pending as Pending
from storage.approvals import WaitingVote as WaitingVote
from storage.base import Base
from storage.projects import Project

_OPEN_ONLY = text("state = 'open'")
_STATES = ", ".join(f"'{state}'" for state in REQUEST_STATES)


class GateRequest(Base):
    """One request for a phase's exit gate; `approvers`/`required` are fixed when it is made."""

    __tablename__ = "gate_requests"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES})", name="state"),
        Index("uq_gate_requests_one_open", "project_id", unique=True,
              sqlite_where=_OPEN_ONLY, postgresql_where=_OPEN_ONLY),
        Index("ix_gate_requests_state_requested", "state", "requested_at"),
        Index("ix_gate_requests_project_requested", "project_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(10), default=OPEN)
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    checklist: Mapped[list[Any]] = mapped_column(JSON)
    approvers: Mapped[list[Any]] = mapped_column(JSON)
    required: Mapped[int]
    quorum: Mapped[str] = mapped_column(String(8))
    card_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    hold_until: Mapped[datetime | None]


class GateVote(Base):
    __tablename__ = "gate_votes"
    __table_args__ = (UniqueConstraint("request_id", "approver_id"),
                      CheckConstraint("vote IN ('approve', 'reject')", name="vote"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("gate_requests.id", ondelete="CASCADE"))
    approver_id: Mapped[str] = mapped_column(String(32))
    vote: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class GateApprovers(Base):
    """An admin's per-project override of one gate's approvers (and optionally its quorum)."""

    __tablename__ = "gate_approvers"
    __table_args__ = (UniqueConstraint("project_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(16))
    approvers: Mapped[list[Any]] = mapped_column(JSON)
    quorum: Mapped[str | None] = mapped_column(String(8))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime]


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def get_request(session: Session, request_id: int, *, lock: bool = False) -> GateRequest | None:
    """The request; with `lock`, its row stays locked until commit (PostgreSQL)."""
    return engine.get_request(session, GateRequest, request_id, lock=lock)


def open_request(session: Session, project_id: int) -> GateRequest | None:
    return session.scalar(select(GateRequest).where(GateRequest.project_id == project_id,
                                                    GateRequest.state == OPEN))


def votes_of(session: Session, request_id: int) -> list[GateVote]:
    return engine.votes_of(session, GateVote, request_id)


def history(session: Session, project_id: int, limit: int) -> list[GateRequest]:
    """The project's newest requests first."""
    return list(session.scalars(
        select(GateRequest).where(GateRequest.project_id == project_id)
        .order_by(GateRequest.requested_at.desc(), GateRequest.id.desc()).limit(limit)))


def pending_requests(session: Session, *, requested_before: datetime | None = None,
                     request_ids: Collection[int] | None = None) -> list[Pending]:
    """Every open request (made before `requested_before`, among `request_ids`, when given)
    with its project and votes, oldest first, in two queries (storage.approvals)."""
    return engine.pending_requests(session, GateRequest, GateVote,
                                   requested_before=requested_before, request_ids=request_ids)


def waiting_votes(session: Session, *, requested_before: datetime | None = None,
                  request_ids: Collection[int] | None = None) -> list[WaitingVote]:
    """Each (open request, approver who has not voted yet), oldest request first.

    What the reminders feature scans (storage/sources/approval_vote.py) to nudge approvers
    after `[gates] remind_after_hours`; its nudges carry the card's Approve and Reject buttons.
    """
    return engine.waiting_votes(pending_requests(session, requested_before=requested_before,
                                                 request_ids=request_ids))


def card_at(session: Session, request: GateRequest, channel: str, ts: str) -> int | None:
    """Which of the request's cards is the Slack message (channel, ts), if any."""
    return engine.card_at(session, request, channel, ts)


def approver_overrides(session: Session, project_id: int) -> dict[str, GateApprovers]:
    """The project's overrides by phase."""
    rows = session.scalars(select(GateApprovers).where(GateApprovers.project_id == project_id))
    return {row.phase: row for row in rows}


# ---------------------------------------------------------------------------------------------
# Writing (each inside the caller's transaction, with its audit entry)
# ---------------------------------------------------------------------------------------------


def add_request(session: Session, *, project: Project, requester: str, now: datetime, note: str,
                checklist: list[dict[str, Any]], electorate: Electorate) -> GateRequest:
    """Insert an open request; a second open one for the project fails on the unique index."""
    request = GateRequest(project_id=project.id, phase=project.phase, state=OPEN,
                          requested_by=requester, requested_at=now, note=note,
                          checklist=checklist, approvers=list(electorate.approvers),
                          required=electorate.required, quorum=electorate.quorum, card_ids=[])
    session.add(request)
    session.flush()
    audit.record(session, at=now, actor=requester, action="gate.requested", subject_type="gate",
                 subject_id=request.id, project_id=project.id,
                 after={"phase": request.phase, "approvers": request.approvers,
                        "required": request.required, "note": note, "checklist": checklist})
    return request


def add_decision(session: Session, *, project: Project, state: str, actor: str, now: datetime,
                 reason: str, hold_until: datetime | None) -> GateRequest:
    """An admin's Hold or Kill with no request open: recorded as a decided request at the
    project's current gate, so the gate history shows it like any other decision."""
    request = GateRequest(project_id=project.id, phase=project.phase, state=state,
                          requested_by=actor, requested_at=now, note="", checklist=[],
                          approvers=[], required=0, quorum="-", card_ids=[], decided_by=actor,
                          decided_at=now, reason=reason, hold_until=hold_until)
    session.add(request)
    session.flush()
    _record_decision(session, request, before=None)
    return request


def add_vote(session: Session, *, request: GateRequest, approver: str, vote: str, now: datetime,
             reason: str | None = None) -> GateVote:
    """Insert a vote; the unique (request, approver) constraint refuses a second one."""
    return engine.add_vote(session, GateVote, subject="gate", request=request,
                           approver=approver, vote=vote, now=now, reason=reason)


def decide(session: Session, *, request: GateRequest, state: str, actor: str, now: datetime,
           reason: str | None = None, hold_until: datetime | None = None) -> bool:
    """Close an open request as `state`; False when someone else closed it first."""
    if not engine.decide(session, GateRequest, request=request, state=state, actor=actor,
                         now=now, reason=reason, hold_until=hold_until):
        return False
    _record_decision(session, request, before={"state": OPEN})
    return True


def _record_decision(session: Session, request: GateRequest, *, before: dict | None) -> None:
    audit.record(session, at=request.decided_at, actor=request.decided_by,
                 action=f"gate.{request.state}", subject_type="gate", subject_id=request.id,
                 project_id=request.project_id, before=before,
                 after={"phase": request.phase, "state": request.state, "reason": request.reason,
                        "hold_until": _iso(request.hold_until)})


def _iso(when: datetime | None) -> str | None:
    return when and when.isoformat()


def move_project(session: Session, *, project: Project, from_phase: str, phase: str, state: str,
                 hold_until: datetime | None, actor: str, now: datetime) -> bool:
    """Set the project's phase and state, only if it is still in `from_phase`."""
    before = {"phase": project.phase, "state": project.state,
              "hold_until": _iso(project.hold_until)}
    result = session.execute(
        update(Project).where(Project.id == project.id, Project.phase == from_phase)
        .values(phase=phase, state=state, hold_until=hold_until)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    session.refresh(project)
    audit.record(session, at=now, actor=actor, action="project.gate_outcome",
                 subject_type="project", subject_id=project.key, project_id=project.id,
                 before=before,
                 after={"phase": phase, "state": state, "hold_until": _iso(hold_until)})
    return True


def set_approvers(session: Session, *, project: Project, phase: str,
                  approvers: tuple[str, ...] | None, quorum: str | int | None, actor: str,
                  now: datetime) -> None:
    """Store (or, with `approvers` None, remove) the project's override for one gate."""
    row = approver_overrides(session, project.id).get(phase)
    before = row and {"approvers": row.approvers, "quorum": row.quorum}
    after = None if approvers is None else {
        "approvers": list(approvers), "quorum": None if quorum is None else str(quorum)}
    if approvers is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(GateApprovers(project_id=project.id, phase=phase, set_by=actor, set_at=now,
                                  **after))
    else:
        row.approvers, row.quorum, row.set_by, row.set_at = (
            after["approvers"], after["quorum"], actor, now)
    session.flush()
    audit.record(session, at=now, actor=actor, action="gate.approvers_set", subject_type="project",
                 subject_id=project.key, project_id=project.id, before=before,
                 after={"phase": phase, **(after or {"approvers": "rules file"})})


def resume_ended_holds(session: Session, now: datetime) -> list[Project]:
    """Make held projects whose hold has ended active again; returns them.

    For the scheduler's tick: a hold is a pause, not a decision, so nobody has to remember to
    lift it.
    """
    held = list(session.scalars(select(Project).where(Project.state == ON_HOLD,
                                                      Project.hold_until <= now)
                                .order_by(Project.key)))
    return [project for project in held
            if resume(session, project=project, actor="system", now=now) is not None]


def resume(session: Session, *, project: Project, actor: str, now: datetime,
           note: str | None = None) -> datetime | None:
    """Make a held project active again (audited, before and after); returns the end its hold
    had, or None when it was no longer on hold (another tick or admin was first)."""
    until = project.hold_until
    result = session.execute(
        update(Project).where(Project.id == project.id, Project.state == ON_HOLD)
        .values(state=ACTIVE, hold_until=None).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return None
    session.refresh(project)
    audit.record(session, at=now, actor=actor, action="project.resumed",
                 subject_type="project", subject_id=project.key, project_id=project.id,
                 before={"state": ON_HOLD, "hold_until": _iso(until)},
                 after={"state": ACTIVE, "note": note} if note else {"state": ACTIVE})
    return until or now
