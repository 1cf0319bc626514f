"""People's allocations to projects (issue 13): one row per person and project (the database
keeps it to one; `/pmo allocate` is an upsert, and 0% keeps the row at 0 so a PM set to 0 on
their own project stays at 0 instead of the `[portfolio] pm_allocation` default). Changes are
audited (subject "allocation", id "U123/APOLLO").

`shares` is every running project's allocations plus the PMs' defaults, in one statement;
`over_allocated` sums it per person in SQL for the digest.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Select,
    String,
    UniqueConstraint,
    and_,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from pmo_rules.capacity import Share
from pmo_rules.lifecycle import PORTFOLIO_STATES
from storage import audit
from storage.base import Base
from storage.projects import Project


class Allocation(Base):
    __tablename__ = "allocations"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),
                      CheckConstraint("percent BETWEEN 0 AND 100", name="percent"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    percent: Mapped[int]
    until: Mapped[date | None] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


def of(session: Session, user_id: str, project_id: int) -> Allocation | None:
    return session.scalar(select(Allocation).where(Allocation.user_id == user_id,
                                                   Allocation.project_id == project_id))


def save(session: Session, *, project: Project, user_id: str, percent: int,
         until: date | None, actor: str, now: datetime) -> tuple[int, int]:
    """Set (or end, at 0) one person's allocation on one project; (percent before, after).
    Two people setting the same one at once: the unique pair refuses the second insert
    (IntegrityError), and the caller tries again as an update."""
    row = of(session, user_id, project.id)
    before = None if row is None else {"percent": row.percent, "until": _day(row.until)}
    if row is None:
        row = Allocation(user_id=user_id, project_id=project.id, percent=percent, until=until,
                         set_by=actor, created_at=now, updated_at=now)
        session.add(row)
    else:
        row.percent, row.until, row.set_by, row.updated_at = percent, until, actor, now
    session.flush()
    audit.record(session, at=now, actor=actor,
                 action="allocation.ended" if percent == 0 else "allocation.set",
                 subject_type="allocation", subject_id=f"{user_id}/{project.key}",
                 project_id=project.id, before=before,
                 after={"percent": percent, "until": _day(until)})
    return (0 if before is None else int(before["percent"] or 0)), percent


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _shares_query(*, today: date, pm_allocation: int,
                  user_ids: Collection[str] | None = None) -> Select:
    running = Project.state.in_(PORTFOLIO_STATES)
    explicit = (select(Allocation.user_id.label("user_id"), Project.key.label("key"),
                       Allocation.percent.label("percent"), Allocation.until.label("until"),
                       false().label("pm_default"))
                .join(Project, Project.id == Allocation.project_id)
                .where(running, Allocation.percent > 0,
                       or_(Allocation.until.is_(None), Allocation.until >= today)))
    if user_ids is not None:
        explicit = explicit.where(Allocation.user_id.in_(list(user_ids)))
    if pm_allocation <= 0:
        return explicit
    defaults = (select(Project.pm_id.label("user_id"), Project.key.label("key"),
                       literal(pm_allocation).label("percent"),
                       null().cast(Date).label("until"), true().label("pm_default"))
                .where(running, ~exists().where(and_(Allocation.user_id == Project.pm_id,
                                                     Allocation.project_id == Project.id))))
    if user_ids is not None:
        defaults = defaults.where(Project.pm_id.in_(list(user_ids)))
    return union_all(explicit, defaults)


def shares(session: Session, *, today: date, pm_allocation: int,
           user_ids: Collection[str] | None = None) -> list[Share]:
    """Each running project's allocations still in force on `today` (or these people's), and
    each PM's default share where nothing is set for them."""
    query = _shares_query(today=today, pm_allocation=pm_allocation, user_ids=user_ids)
    return [Share(r.user_id, r.key, int(r.percent), r.until, bool(r.pm_default))
            for r in session.execute(query)]


def total_of(session: Session, *, user_id: str, today: date, pm_allocation: int) -> int:
    part = _shares_query(today=today, pm_allocation=pm_allocation,
                         user_ids=(user_id,)).subquery()
    return int(session.scalar(select(func.coalesce(func.sum(part.c.percent), 0))) or 0)


def totals(session: Session, *, today: date, pm_allocation: int,
           user_ids: Collection[str] | None = None) -> list[tuple[str, int]]:
    """Every allocated person's total (or these people's), summed in SQL (the listing then
    reads the shares of the first page of people only; `/pmo rank` the totals of the people
    proposals name)."""
    part = _shares_query(today=today, pm_allocation=pm_allocation,
                         user_ids=user_ids).subquery()
    query = select(part.c.user_id, func.sum(part.c.percent)).group_by(part.c.user_id)
    return [(user, int(total)) for user, total in session.execute(query)]


def over_allocated_query(*, today: date, pm_allocation: int) -> tuple[Select, tuple]:
    """The people above 100% (user_id, load: their total) and their order (most loaded first): the
    digest's "Over-allocated people" list (storage/digest_capacity.py)."""
    part = _shares_query(today=today, pm_allocation=pm_allocation).subquery()
    total = func.sum(part.c.percent)
    query = (select(part.c.user_id.label("user_id"), total.label("load"))
             .group_by(part.c.user_id).having(total > 100))
    return query, (total.desc(), part.c.user_id)
