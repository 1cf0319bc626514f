"""Change requests and their votes (issue 12): numbered per project (APOLLO-C1, …), approved
through the approvals engine (storage/approvals.py) like a stage gate.

The same invariants as gates, kept by the database: one vote per (request, approver) is a
unique constraint; one number per project a unique constraint (two requests at the same moment
cannot take the same id); deciding is a conditional UPDATE (`… WHERE state = 'open'`). What an
approved change did (the baseline and milestones before and after) is stored on the request
(`applied`) and in the audit log.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from pmo_rules.approvals import Electorate
from pmo_rules.changes import OPEN, STATES
from storage import approvals as engine
from storage import audit
from storage.base import Base
from storage.projects import Project
from storage.raid_numbers import next_number

_STATES = ", ".join(f"'{state}'" for state in STATES)


class ChangeRequest(Base):
    """One change request; `approvers`/`required` are fixed when it is made."""

    __tablename__ = "change_requests"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        CheckConstraint(f"state IN ({_STATES})", name="state"),
        CheckConstraint("number >= 1", name="number"),
        Index("ix_change_requests_state_requested", "state", "requested_at"),
        Index("ix_change_requests_decided", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(150))
    schedule_days: Mapped[int | None]
    new_finish: Mapped[date | None]
    cost_delta: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    scope: Mapped[str] = mapped_column(Text, default="")
    moves: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(10), default=OPEN)
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime]
    approvers: Mapped[list[Any]] = mapped_column(JSON)
    required: Mapped[int]
    quorum: Mapped[str] = mapped_column(String(8))
    card_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    applied: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def ref(self, key: str) -> str:
        return f"{key}-C{self.number}"


class ChangeVote(Base):
    __tablename__ = "change_votes"
    __table_args__ = (UniqueConstraint("request_id", "approver_id"),
                      CheckConstraint("vote IN ('approve', 'reject')", name="vote"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id", ondelete="CASCADE"))
    approver_id: Mapped[str] = mapped_column(String(32))
    vote: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


# -- reading -------------------------------------------------------------------------------------

def get_request(session: Session, request_id: int, *, lock: bool = False) -> ChangeRequest | None:
    return engine.get_request(session, ChangeRequest, request_id, lock=lock)


def by_ref(session: Session, key: str, number: int) -> tuple[Project, ChangeRequest] | None:
    row = session.execute(select(Project, ChangeRequest).join(
        ChangeRequest, ChangeRequest.project_id == Project.id).where(
        Project.key == key.upper(), ChangeRequest.number == number)).first()
    return (row[0], row[1]) if row else None


def of_project(session: Session, project_id: int, *, only_open: bool) -> list[ChangeRequest]:
    query = select(ChangeRequest).where(ChangeRequest.project_id == project_id)
    if only_open:
        query = query.where(ChangeRequest.state == OPEN)
    return list(session.scalars(query.order_by(ChangeRequest.number.desc())))


def votes_of(session: Session, request_id: int) -> list[ChangeVote]:
    return engine.votes_of(session, ChangeVote, request_id)


def pending_requests(session: Session, *, requested_before: datetime | None = None,
                     request_ids: Collection[int] | None = None) -> list[engine.Pending]:
    return engine.pending_requests(session, ChangeRequest, ChangeVote,
                                   requested_before=requested_before, request_ids=request_ids)


def history(session: Session, request: ChangeRequest) -> list[audit.AuditEntry]:
    """The request's audit entries, oldest first (requested, votes, decision, applied)."""
    return audit.entries_for(session, "change", request.id)


# -- writing -------------------------------------------------------------------------------------

def add_request(session: Session, *, project: Project, requester: str, now: datetime,
                title: str, schedule_days: int | None, new_finish: date | None,
                cost_delta: Decimal | None, scope: str, moves: list[dict[str, Any]],
                electorate: Electorate) -> ChangeRequest:
    """The project's next number from its counter row (storage/raid_numbers.py, as issues,
    actions and decisions); the unique (project, number) backs it up."""
    number = next_number(session, project.id, "change")
    request = ChangeRequest(project_id=project.id, number=number, title=title,
                            schedule_days=schedule_days, new_finish=new_finish,
                            cost_delta=cost_delta, scope=scope, moves=moves, state=OPEN,
                            requested_by=requester, requested_at=now,
                            approvers=list(electorate.approvers), required=electorate.required,
                            quorum=electorate.quorum, card_ids=[])
    session.add(request)
    session.flush()
    audit.record(session, at=now, actor=requester, action="change.requested",
                 subject_type="change", subject_id=request.id, project_id=project.id,
                 after={"ref": request.ref(project.key), "title": title,
                        "schedule_days": schedule_days,
                        "new_finish": new_finish and new_finish.isoformat(),
                        "cost_delta": None if cost_delta is None else str(cost_delta),
                        "scope": scope, "moves": moves, "approvers": request.approvers,
                        "required": request.required})
    return request


def decide(session: Session, *, request: ChangeRequest, state: str, actor: str, now: datetime,
           reason: str | None = None) -> bool:
    """Close an open request as `state`; False when someone else closed it first."""
    if not engine.decide(session, ChangeRequest, request=request, state=state, actor=actor,
                         now=now, reason=reason):
        return False
    audit.record(session, at=now, actor=actor, action=f"change.{state}", subject_type="change",
                 subject_id=request.id, project_id=request.project_id, before={"state": OPEN},
                 after={"state": state, "reason": reason})
    return True
