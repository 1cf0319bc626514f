"""The risk register's tables and queries: risks, their per-project numbers, and their history.

Each risk has a readable ID per project (APOLLO-R1, APOLLO-R2, …). Numbers come from a
per-project counter row that is bumped with one conditional `UPDATE … RETURNING`: concurrent adds
queue on that row's lock (PostgreSQL) or on the write lock (SQLite), so two adds never get the
same number, and the unique (project_id, number) constraint backs that up. A risk's history is
its audit trail (`audit_log`, subject "risk"): every change is recorded there with the values
before and after, so there is one source for "what happened" and it cannot be edited.

Changes lock the risk row first (`FOR UPDATE` on PostgreSQL; SQLite writes are serialised), so a
double click or two people closing at once see each other's result instead of both writing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.risk import ACTIVE_STATUSES, OCCURRED, RESPONSES, STATUSES, RiskRef, score
from storage import audit
from storage.audit import AuditEntry
from storage.base import Base
from storage.issues import Issue, ref_of_risk_issue
from storage.outbox import DEAD, Delivery
from storage.projects import Project

SUBJECT = "risk"


def _in(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(w) for w in words)})"


class Risk(Base):
    __tablename__ = "risks"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(f"response IS NULL OR {_in('response', RESPONSES)}", name="response"),
        CheckConstraint("probability >= 1 AND impact >= 1 AND score = probability * impact",
                        name="rating"),
        # What the list, the portfolio view and the reminder planner scan.
        Index("ix_risks_status_next_review_on", "status", "next_review_on"),
        Index("ix_risks_status_due_on", "status", "due_on"),
        Index("ix_risks_status_score", "status", "score"),
        Index("ix_risks_owner_id_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str | None] = mapped_column(Text)
    probability: Mapped[int]
    impact: Mapped[int]
    score: Mapped[int]
    owner_id: Mapped[str] = mapped_column(String(32))
    response: Mapped[str | None] = mapped_column(String(16))
    due_on: Mapped[date | None]
    next_review_on: Mapped[date]
    last_reviewed_at: Mapped[datetime | None]
    last_reviewed_by: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    last_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(default=1)
    card_delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"))
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("risks.id", ondelete="SET NULL"), index=True)
    """The risk this one was closed as a duplicate of (`/risk close … duplicate:KEY-R1`)."""

    project: Mapped[Project] = relationship(lazy="joined", innerjoin=True)

    @property
    def ref(self) -> RiskRef:
        return RiskRef(self.project.key, self.number)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class RiskCounter(Base):
    """The last risk number handed out in a project; bumped under a row lock."""

    __tablename__ = "risk_counters"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


# ---------------------------------------------------------------------------------------------
# Changes (each inside the caller's write transaction, each audited)
# ---------------------------------------------------------------------------------------------


def next_number(session: Session, project_id: int) -> int:
    """Hand out the project's next risk number; concurrent callers queue on the counter row."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(RiskCounter).values(project_id=project_id, last_number=0)
                    .on_conflict_do_nothing(index_elements=["project_id"]))
    return session.scalar(
        update(RiskCounter).where(RiskCounter.project_id == project_id)
        .values(last_number=RiskCounter.last_number + 1).returning(RiskCounter.last_number)
        .execution_options(synchronize_session=False))


def add_risk(session: Session, *, project: Project, values: dict[str, Any], actor: str,
             now: datetime, note: str | None = None) -> Risk:
    """Insert a risk with the project's next number, and its audit entry."""
    risk = Risk(project_id=project.id, number=next_number(session, project.id),
                score=score(values["probability"], values["impact"]), created_by=actor,
                created_at=now, updated_at=now, version=1, last_note=note, **values)
    risk.project = project
    session.add(risk)
    session.flush()
    after = {**values, "score": risk.score, **({"note": note} if note else {})}
    _audit(session, risk, "risk.added", actor, now, None, after)
    return risk


def change_risk(session: Session, risk: Risk, values: dict[str, Any], *, actor: str,
                now: datetime, note: str | None = None, action: str = "risk.updated",
                duplicate_of: Risk | None = None) -> None:
    """Apply `values` (only what changes), keep the score and closing stamps in step, audit.

    A note with no field change is still recorded: "talked to the vendor" is history too.
    `duplicate_of` links a risk being closed to the one it duplicates (its note, if none is
    given, is cleared: the link says why); reopening a risk drops such a link.
    """
    before = {name: getattr(risk, name) for name in values}
    for name, value in values.items():
        setattr(risk, name, value)
    after = dict(values)
    if {"probability", "impact"} & values.keys():
        before["score"], risk.score = risk.score, score(risk.probability, risk.impact)
        after["score"] = risk.score
    if "status" in values:
        _stamp_closing(risk, actor, now)
    if duplicate_of is not None or (risk.active and risk.duplicate_of_id is not None):
        before["duplicate_of"] = _ref_of(session, risk.duplicate_of_id)
        after["duplicate_of"] = duplicate_of and str(duplicate_of.ref)
        risk.duplicate_of_id = duplicate_of and duplicate_of.id
        if duplicate_of is not None and not note:
            risk.last_note = None
    if note:
        risk.last_note = after["note"] = note
    risk.updated_at = now
    risk.version += 1
    _audit(session, risk, action, actor, now, before, after)


def _ref_of(session: Session, risk_id: int | None) -> str | None:
    if risk_id is None:
        return None
    other = session.get(Risk, risk_id)
    return str(other.ref) if other is not None else None


def _stamp_closing(risk: Risk, actor: str, now: datetime) -> None:
    """Closed and occurred risks carry who ended them and when; reopening clears that."""
    if risk.active:
        risk.closed_at = risk.closed_by = None
    elif risk.closed_at is None:
        risk.closed_at, risk.closed_by = now, actor


def mark_reviewed(session: Session, risk: Risk, *, actor: str, now: datetime,
                  next_review_on: date, note: str | None = None) -> None:
    """Stamp a review and move the next review date."""
    before = {"next_review_on": risk.next_review_on, "last_reviewed_at": risk.last_reviewed_at,
              "last_reviewed_by": risk.last_reviewed_by}
    risk.next_review_on, risk.last_reviewed_at, risk.last_reviewed_by = next_review_on, now, actor
    after = {"next_review_on": next_review_on, "last_reviewed_at": now, "last_reviewed_by": actor}
    if note:
        risk.last_note = after["note"] = note
    risk.updated_at = now
    risk.version += 1
    _audit(session, risk, "risk.reviewed", actor, now, before, after)


def _audit(session: Session, risk: Risk, action: str, actor: str, now: datetime,
           before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    audit.record(session, at=now, actor=actor, action=action, subject_type=SUBJECT,
                 subject_id=risk.id, project_id=risk.project_id,
                 before=_jsonable(before, risk) if before is not None else None,
                 after=_jsonable(after, risk))


def _jsonable(values: dict[str, Any], risk: Risk) -> dict[str, Any]:
    """Dates as ISO text (JSON has no date type), with the risk's readable ID alongside."""
    shown = {name: v.isoformat() if isinstance(v, (date, datetime)) else v
             for name, v in values.items()}
    return {"risk": str(risk.ref), **shown}


# ---------------------------------------------------------------------------------------------
# Look-ups
# ---------------------------------------------------------------------------------------------


def risk_by_ref(session: Session, ref: RiskRef, *, for_update: bool = False) -> Risk | None:
    query = (select(Risk).join(Project, Risk.project_id == Project.id)
             .where(Project.key == ref.key, Risk.number == ref.number))
    return _one(session, query, for_update)


def risk_by_id(session: Session, risk_id: int, *, for_update: bool = False) -> Risk | None:
    return _one(session, select(Risk).where(Risk.id == risk_id), for_update)


def _one(session: Session, query, for_update: bool) -> Risk | None:
    """One risk; with `for_update` its row is locked until the transaction ends."""
    if for_update:
        query = query.with_for_update(of=Risk).execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def _ranked(query, include_closed: bool):
    """Highest score first; among equals the earliest response due, then the oldest."""
    if not include_closed:
        query = query.where(Risk.status.in_(ACTIVE_STATUSES))
    return query.order_by(Risk.score.desc(), Risk.due_on.asc().nulls_last(), Risk.id)


@dataclass(frozen=True)
class Filter:
    """What a risk list narrows to (`/risk list` filters): a project, an owner, a score range
    (a level: from `scores[0]`, below `scores[1]` when not None) and overdue on `late_on`
    (the PMO's today: a review or response date before it, on an active risk)."""

    project_id: int | None = None
    owner_id: str | None = None
    include_closed: bool = False
    scores: tuple[int, int | None] | None = None
    late_on: date | None = None
    excluding: frozenset[int] = frozenset()
    """Projects left out (confidential ones the person may not see: storage/access.py)."""

    def where(self, query):
        if self.project_id is not None:
            query = query.where(Risk.project_id == self.project_id)
        if self.excluding:
            query = query.where(Risk.project_id.not_in(list(self.excluding)))
        if self.owner_id is not None:
            query = query.where(Risk.owner_id == self.owner_id)
        if self.scores is not None:
            low, high = self.scores
            query = query.where(Risk.score >= low)
            if high is not None:
                query = query.where(Risk.score < high)
        if self.late_on is not None:
            query = query.where(Risk.status.in_(ACTIVE_STATUSES), or_(
                Risk.next_review_on < self.late_on,
                and_(Risk.due_on.is_not(None), Risk.due_on < self.late_on)))
        return query


def listed_risks(session: Session, wanted: Filter, *, limit: int | None = None) -> list[Risk]:
    """The risks `wanted` selects, ranked (highest score first), at most `limit`."""
    query = _ranked(wanted.where(select(Risk)), wanted.include_closed)
    return list(session.scalars(query.limit(limit)))


def project_risks(session: Session, project_id: int, *, include_closed: bool = False,
                  limit: int | None = None) -> list[Risk]:
    return listed_risks(session, Filter(project_id=project_id, include_closed=include_closed),
                        limit=limit)


def owned_risks(session: Session, owner_id: str, *, include_closed: bool = False,
                limit: int | None = None) -> list[Risk]:
    return listed_risks(session, Filter(owner_id=owner_id, include_closed=include_closed),
                        limit=limit)


def count_risks(session: Session, *, project_id: int | None = None, owner_id: str | None = None,
                include_closed: bool = False, wanted: Filter | None = None) -> int:
    """How many a list would hold in full (lists are cut to what Slack can show)."""
    wanted = wanted or Filter(project_id=project_id, owner_id=owner_id,
                              include_closed=include_closed)
    query = wanted.where(select(func.count()).select_from(Risk))
    if not wanted.include_closed:
        query = query.where(Risk.status.in_(ACTIVE_STATUSES))
    return session.scalar(query)


def _in_portfolio(query, excluding: Collection[int] = ()):
    """Only the portfolio's risks: those of active and on-hold projects (PORTFOLIO_STATES),
    but those `excluding` names."""
    query = (query.join(Project, Project.id == Risk.project_id)
             .where(Project.state.in_(PORTFOLIO_STATES)))
    return query.where(Project.id.not_in(list(excluding))) if excluding else query


def top_risks(session: Session, limit: int = 10, *,
              excluding: Collection[int] = ()) -> list[Risk]:
    """The portfolio's highest-scored active risks, across its projects."""
    return list(session.scalars(_ranked(_in_portfolio(select(Risk), excluding), False)
                                .limit(limit)))


def heat_counts(session: Session, *, excluding: Collection[int] = ()) -> dict[tuple[int, int], int]:
    """The portfolio's active risks counted by (probability, impact), in one grouped query."""
    rows = session.execute(
        _in_portfolio(select(Risk.probability, Risk.impact, func.count()), excluding)
        .where(Risk.status.in_(ACTIVE_STATUSES)).group_by(Risk.probability, Risk.impact))
    return {(p, i): n for p, i, n in rows}


def open_risks_locked(session: Session, project_id: int) -> list[Risk]:
    """A project's active risks, locked, by number: what closing the project closes."""
    query = (select(Risk).where(Risk.project_id == project_id,
                                Risk.status.in_(ACTIVE_STATUSES))
             .order_by(Risk.number).with_for_update(of=Risk))
    return list(session.scalars(query))


def overdue_risks(session: Session, today: date) -> list[Risk]:
    """Active risks whose next review date or response due date is before `today` (the PMO's
    date): what the reminder planner nudges owners about. Pass tomorrow's date to include
    what falls due today. `pmo_rules.risk.overdue_reasons` says which of the two applies."""
    late = or_(Risk.next_review_on < today, and_(Risk.due_on.is_not(None), Risk.due_on < today))
    query = (select(Risk).where(Risk.status.in_(ACTIVE_STATUSES), late)
             .order_by(Risk.owner_id, Risk.score.desc(), Risk.id))
    return list(session.scalars(query))


def every_risk(session: Session) -> Iterable[Risk]:
    """The whole register, project by project, for exports; streamed, not loaded at once."""
    query = (select(Risk).join(Project, Risk.project_id == Project.id)
             .order_by(Project.key, Risk.number).execution_options(yield_per=500))
    return session.scalars(query)


def readable_refs(session: Session) -> Iterable[tuple[int, str]]:
    """(risk id, APOLLO-R1) of every risk an issue was raised from: for the issue export."""
    query = (select(Risk.id, Project.key, Risk.number).join(Project, Project.id == Risk.project_id)
             .where(Risk.id.in_(select(Issue.risk_id).where(Issue.risk_id.is_not(None)))))
    return ((risk_id, f"{key}-R{number}") for risk_id, key, number in session.execute(query))


def live_card(session: Session, risk: Risk) -> int | None:
    """The risk's channel card to update in place; None when there is none, or when Slack
    refused it for good (then a fresh card is posted instead of updating one never shown)."""
    if risk.card_delivery_id is None:
        return None
    card = session.get(Delivery, risk.card_delivery_id)
    return None if card is None or card.state == DEAD else card.id


def projects_taking_risks(session: Session, *, limit: int) -> list[Project]:
    """Projects a new risk may be added to, by KEY (the form's project select)."""
    query = (select(Project).where(Project.state.in_(PORTFOLIO_STATES)).order_by(Project.key)
             .limit(limit))
    return list(session.scalars(query))


@dataclass(frozen=True)
class Links:
    """What a risk's card links to: the risk it was closed as a duplicate of, and the risks
    closed as duplicates of it (readable IDs)."""

    duplicate_of: str | None = None
    duplicates: tuple[str, ...] = ()
    issue: str | None = None
    """The issue raised from the risk when it occurred (storage.issues), if any."""


def links(session: Session, risk: Risk) -> Links:
    """The duplicate links of `risk`, both ways, and the issue raised from it (three indexed
    look-ups; the last only for a risk that occurred)."""
    original = _ref_of(session, risk.duplicate_of_id)
    query = (select(Risk).where(Risk.duplicate_of_id == risk.id)
             .order_by(Risk.project_id, Risk.number))
    issue = ref_of_risk_issue(session, risk.id) if risk.status == OCCURRED else None
    return Links(original, tuple(str(r.ref) for r in session.scalars(query)), issue)


def history(session: Session, risk_id: int) -> list[AuditEntry]:
    """A risk's changes, oldest first, straight from the audit trail."""
    return audit.entries_for(session, SUBJECT, risk_id)
