"""Proposals and their board scores (issue 13): `proposals` (PR-1, PR-2, … numbered across the
portfolio) and `proposal_scores` (one row per board member and proposal: the database keeps it
to one, as gate votes are). Changes are audited (subject "proposal", id "PR-3").

A decision is a conditional update (`decide`): only a proposal still open moves, so two board
members approving at the same moment make one project, and the second is told it was decided.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import audit
from storage.base import Base
from storage.projects import Project

MONEY = Numeric(18, 2)
OPEN = ("submitted", "screening")


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_state", "state", "created_at"),
        CheckConstraint("number >= 1 AND cost > 0 AND months >= 1 "
                        "AND delivery_risk BETWEEN 1 AND 5", name="numbers"),
        CheckConstraint("state IN ('submitted', 'screening', 'approved', 'declined', "
                        "'withdrawn')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(150))
    proposer_id: Mapped[str] = mapped_column(String(32))
    sponsor_id: Mapped[str | None] = mapped_column(String(32))
    objective: Mapped[str] = mapped_column(Text)
    themes: Mapped[list] = mapped_column(JSON)
    cost: Mapped[Decimal] = mapped_column(MONEY)
    benefit_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    benefit: Mapped[str | None] = mapped_column(Text)
    months: Mapped[int]
    delivery_risk: Mapped[int]
    people: Mapped[str | None] = mapped_column(String(200))
    """People needed as typed (mentions as `<@U123>`)."""
    needs: Mapped[list | None] = mapped_column(JSON)
    """The same, structured (pmo_rules.people_needed.Need.to_wire): None on proposals from
    before it was (their text is shown unchecked)."""
    own_scores: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    """Why it was declined."""
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), unique=True)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def ref(self) -> str:
        return f"PR-{self.number}"


class ProposalScore(Base):
    __tablename__ = "proposal_scores"
    __table_args__ = (UniqueConstraint("proposal_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    member_id: Mapped[str] = mapped_column(String(32))
    scores: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


def _audited(values: dict[str, object]) -> dict[str, object]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def add(session: Session, *, values: dict[str, object], proposer: str,
        now: datetime) -> Proposal:
    """The next number; the unique number settles a race (the caller says so)."""
    number = (session.scalar(select(func.max(Proposal.number))) or 0) + 1
    row = Proposal(number=number, proposer_id=proposer, state="submitted", created_at=now,
                   updated_at=now, **values)
    session.add(row)
    session.flush()
    audit.record(session, at=now, actor=proposer, action="proposal.submitted",
                 subject_type="proposal", subject_id=row.ref, after=_audited(values))
    return row


def by_number(session: Session, number: int) -> Proposal | None:
    return session.scalar(select(Proposal).where(Proposal.number == number))


def listed(session: Session, *, states: tuple[str, ...] | None, limit: int) -> list[Proposal]:
    query = select(Proposal).order_by(Proposal.number.desc()).limit(limit)
    if states is not None:
        query = query.where(Proposal.state.in_(states))
    return list(session.scalars(query))


def scores_of(session: Session, proposal_ids: list[int]) -> dict[int, list[ProposalScore]]:
    found: dict[int, list[ProposalScore]] = {i: [] for i in proposal_ids}
    if proposal_ids:
        for row in session.scalars(select(ProposalScore).where(
                ProposalScore.proposal_id.in_(proposal_ids)).order_by(ProposalScore.id)):
            found[row.proposal_id].append(row)
    return found


def score_of(session: Session, proposal_id: int, member: str) -> ProposalScore | None:
    return session.scalar(select(ProposalScore).where(
        ProposalScore.proposal_id == proposal_id, ProposalScore.member_id == member))


def save_score(session: Session, *, proposal: Proposal, member: str, scores: dict[str, int],
               now: datetime) -> bool:
    """Insert or replace the member's score set (audited); True when it was their first."""
    row = score_of(session, proposal.id, member)
    before = None if row is None else dict(row.scores)
    if row is None:
        session.add(ProposalScore(proposal_id=proposal.id, member_id=member, scores=scores,
                                  created_at=now, updated_at=now))
    else:
        row.scores, row.updated_at = scores, now
    session.flush()
    audit.record(session, at=now, actor=member, action="proposal.scored",
                 subject_type="proposal", subject_id=proposal.ref, before=before, after=scores)
    return row is None


def move(session: Session, *, proposal: Proposal, to: str, actor: str, now: datetime,
         reason: str | None = None, project_id: int | None = None,
         from_states: tuple[str, ...] = OPEN) -> bool:
    """Move an open proposal to `to` if it is still in one of `from_states` (a conditional
    update: of two moves at the same moment, one wins); audited. False when it was not."""
    decided = to not in OPEN
    values: dict[str, object] = {"state": to, "updated_at": now}
    if decided:
        values |= {"decided_by": actor, "decided_at": now, "reason": reason,
                   "project_id": project_id}
    moved = session.execute(
        update(Proposal).where(Proposal.id == proposal.id, Proposal.state.in_(from_states))
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if not moved:
        return False
    before = proposal.state
    session.refresh(proposal)
    audit.record(session, at=now, actor=actor, action=f"proposal.{to}", subject_type="proposal",
                 subject_id=proposal.ref, project_id=project_id, before={"state": before},
                 after={"state": to, "reason": reason} if reason else {"state": to})
    return True


def set_people(session: Session, *, proposal: Proposal, people: str | None, needs: list,
               actor: str, now: datetime) -> None:
    """Change an open proposal's people needed (audited)."""
    before = {"people": proposal.people, "needs": proposal.needs}
    proposal.people, proposal.needs, proposal.updated_at = people, needs, now
    session.flush()
    audit.record(session, at=now, actor=actor, action="proposal.people", subject_type="proposal",
                 subject_id=proposal.ref, before=before,
                 after={"people": people, "needs": needs})


def of_project(session: Session, project_id: int) -> Proposal | None:
    return session.scalar(select(Proposal).where(Proposal.project_id == project_id))


def approved_in_portfolio(session: Session, states: tuple[str, ...],
                          limit: int) -> list[tuple[Proposal, str]]:
    """Approved proposals whose project is still in the portfolio, with the project's KEY."""
    rows = session.execute(select(Proposal, Project.key).join(
        Project, Project.id == Proposal.project_id).where(
        Proposal.state == "approved", Project.state.in_(states))
        .order_by(Proposal.number).limit(limit))
    return [(row[0], row[1]) for row in rows]
