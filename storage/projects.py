"""Projects and their status updates: the portfolio the PMO oversees.

A project has one phase of the life cycle (initiation → planning → execution → closing → closed)
and a lifecycle state (active, on hold, cancelled, closed). Status updates are history: the latest
one is the project's current RAG; edits replace the row's values and the audit log keeps both.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Connection,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    column,
    exists,
    false,
    func,
    select,
    table,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import audit
from storage.base import Base


class Project(Base):
    __tablename__ = "projects"
    # "Whose status is overdue" is a range scan on this index, whatever the portfolio's size.
    __table_args__ = (Index("ix_projects_status_due", "state", "last_status_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    pm_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    phase: Mapped[str] = mapped_column(String(16), default="initiation")
    state: Mapped[str] = mapped_column(String(16), default="active")
    hold_until: Mapped[datetime | None]
    last_status_at: Mapped[datetime | None]
    digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Whether the project's own weekly digest goes to its channel (`/pmo project KEY digest`)."""
    confidential: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Shown only to those entitled to it (pmo_rules/visibility.py); PMO admins set it."""
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class StatusUpdate(Base):
    __tablename__ = "status_updates"
    __table_args__ = (
        Index("ix_status_updates_project_created", "project_id", "created_at"),
        # The updates that gave each carried value (storage.plan_facts.latest_reported finds
        # the newest such one without walking the updates that did not).
        *(Index(f"ix_status_updates_{name}", "project_id", "created_at", "id",
                sqlite_where=column(name).is_not(None),
                postgresql_where=column(name).is_not(None))
          for name in ("percent_complete", "actual_cost", "estimate_at_completion")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    overall: Mapped[str] = mapped_column(String(5))
    schedule: Mapped[str | None] = mapped_column(String(5))
    cost: Mapped[str | None] = mapped_column(String(5))
    scope: Mapped[str | None] = mapped_column(String(5))
    quality: Mapped[str | None] = mapped_column(String(5))
    percent_complete: Mapped[int | None]
    actual_cost: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    """Actual cost to date (AC) in `[pmo] currency`, as reported (`spent:`)."""
    estimate_at_completion: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    """The PM's own estimate at completion (`eac:`), shown beside the computed EAC."""
    summary: Mapped[str] = mapped_column(Text)
    blockers: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    carried: Mapped[str | None] = mapped_column(String(80))
    """Which ratings a one-liner carried over from the previous update, comma-separated
    (`schedule,percent_complete`): the card says so."""
    card_delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"))


def project_by_key(session: Session, key: str) -> Project | None:
    return session.scalar(select(Project).where(Project.key == key.upper()))


_PLANS = table("project_plans", column("project_id"))
"""storage.plans' table, by name (that module imports this one)."""


def project_for_status(session: Session, key: str,
                       carried: tuple[str, ...]) -> tuple[Project, dict | None, bool] | None:
    """What posting a status update on `key` reads, in one statement: the project, the
    `carried` columns of its latest update (None when it has none) and whether it has a plan
    (the reported-better flag needs one); None for an unknown project."""
    previous = select(StatusUpdate.id).where(StatusUpdate.project_id == Project.id) \
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc()).limit(1) \
        .correlate(Project).scalar_subquery()
    has_plan = exists().where(_PLANS.c.project_id == Project.id)
    row = session.execute(
        select(Project, StatusUpdate.id, *(getattr(StatusUpdate, name) for name in carried),
               has_plan.label("has_plan"))
        .outerjoin(StatusUpdate, StatusUpdate.id == previous)
        .where(Project.key == key.upper())).first()
    if row is None:
        return None
    found = None if row[1] is None else dict(zip(carried, row[2:-1], strict=True))
    return row[0], found, bool(row[-1])


def pm_of(connection: Connection, key: str) -> tuple[str, str, str] | None:
    """(KEY, PM id, state) of project `key`, on a bare connection: the check before a status
    ack."""
    row = connection.execute(select(Project.key, Project.pm_id, Project.state)
                             .where(Project.key == key.upper())).first()
    return (row.key, row.pm_id, row.state) if row else None


def all_projects(session: Session, *, excluding: Collection[int] = ()) -> list[Project]:
    """Every project in KEY order but those `excluding` names (confidential ones a person
    may not see: storage/access.py)."""
    query = select(Project).order_by(Project.key)
    if excluding:
        query = query.where(Project.id.not_in(list(excluding)))
    return list(session.scalars(query))


def list_projects(session: Session, *, pm_id: str | None = None, limit: int | None = None,
                  states: Collection[str] | None = None) -> list[Project]:
    """Projects in KEY order: only those `pm_id` manages and only in `states` when given, at
    most `limit` of them."""
    query = select(Project).order_by(Project.key).limit(limit)
    if pm_id is not None:
        query = query.where(Project.pm_id == pm_id)
    if states is not None:
        query = query.where(Project.state.in_(list(states)))
    return list(session.scalars(query))


def latest_status(session: Session, project_id: int) -> StatusUpdate | None:
    return session.scalar(
        select(StatusUpdate).where(StatusUpdate.project_id == project_id)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc()).limit(1))


def recent_statuses(session: Session, project_id: int, limit: int) -> list[StatusUpdate]:
    return list(session.scalars(
        select(StatusUpdate).where(StatusUpdate.project_id == project_id)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc()).limit(limit)))


def latest_statuses(session: Session,
                    project_ids: Collection[int] | None = None) -> dict[int, StatusUpdate]:
    """The latest update of every project (or of these) in one query: portfolio views must not
    do N+1."""
    newest = select(StatusUpdate.project_id, func.max(StatusUpdate.id).label("id"))
    if project_ids is not None:
        newest = newest.where(StatusUpdate.project_id.in_(list(project_ids)))
    newest = newest.group_by(StatusUpdate.project_id).subquery()
    rows = session.scalars(select(StatusUpdate).join(newest, StatusUpdate.id == newest.c.id))
    return {row.project_id: row for row in rows}


def add_project(session: Session, *, key: str, name: str, pm_id: str, channel_id: str,
                actor: str, now: datetime, confidential: bool = False) -> Project:
    """Insert the project and its audit entry; the unique key settles concurrent adds."""
    project = Project(key=key, name=name, pm_id=pm_id, channel_id=channel_id,
                      phase="initiation", state="active", created_by=actor, created_at=now,
                      confidential=confidential)
    session.add(project)
    session.flush()
    after = {"key": key, "name": name, "pm": pm_id, "channel": channel_id}
    if confidential:
        after["confidential"] = True
    audit.record(session, at=now, actor=actor, action="project.added", subject_type="project",
                 subject_id=project.key, project_id=project.id, after=after)
    return project


def _audited(values: dict[str, object]) -> dict[str, object]:
    """Values as the audit log's JSON holds them: amounts as their exact text (`150000.00`)."""
    return {name: str(value) if isinstance(value, Decimal) else value
            for name, value in values.items()}


def new_status(*, project: Project, author: str, values: dict[str, object],
               now: datetime) -> StatusUpdate:
    """A status update not stored yet (`add_status` stores it): its card can be rendered and
    enqueued first, so the update is inserted with its card's delivery id in one statement."""
    return StatusUpdate(project_id=project.id, author_id=author, created_at=now, **values)


def add_status(session: Session, *, project: Project, author: str, values: dict[str, object],
               now: datetime, status: StatusUpdate | None = None) -> StatusUpdate:
    """Insert a status update (`status`, from `new_status`, or one made of `values`) and its
    audit entry (the card is the caller's to enqueue)."""
    if status is None:
        status = new_status(project=project, author=author, values=values, now=now)
    session.add(status)
    project.last_status_at = now
    session.flush()
    audit.record(session, at=now, actor=author, action="status.posted", subject_type="status",
                 subject_id=status.id, project_id=project.id, after=_audited(values))
    return status


def edit_status(session: Session, *, status: StatusUpdate, editor: str,
                values: dict[str, object], now: datetime) -> None:
    """Replace an update's values; the audit entry keeps the version before and after."""
    before = {name: getattr(status, name) for name in values}
    for name, value in values.items():
        setattr(status, name, value)
    status.edited_at = now
    audit.record(session, at=now, actor=editor, action="status.edited", subject_type="status",
                 subject_id=status.id, project_id=status.project_id, before=_audited(before),
                 after=_audited(values))


def set_digest(session: Session, *, project: Project, on: bool, actor: str,
               now: datetime) -> bool:
    """Turn the project's weekly digest on or off, audited; False when it already was so (then
    nothing is written, so the audit log only holds real changes)."""
    if project.digest == on:
        return False
    before = {"digest": project.digest}
    project.digest = on
    audit.record(session, at=now, actor=actor, action="project.digest_set",
                 subject_type="project", subject_id=project.key, project_id=project.id,
                 before=before, after={"digest": on})
    return True


def set_confidential(session: Session, *, project: Project, on: bool, actor: str,
                     now: datetime) -> bool:
    """Mark the project confidential or not, audited; False when it already was so. A
    conditional update, so two admins racing change it (and audit it) once."""
    changed = session.execute(
        update(Project).where(Project.id == project.id, Project.confidential.is_(not on))
        .values(confidential=on).execution_options(synchronize_session=False)).rowcount
    if not changed:
        return False
    session.refresh(project)
    audit.record(session, at=now, actor=actor, action="project.confidential_set",
                 subject_type="project", subject_id=project.key, project_id=project.id,
                 before={"confidential": not on}, after={"confidential": on})
    return True


EDITABLE = {"pm": "pm_id", "name": "name", "channel": "channel_id"}
"""What `/pmo project KEY pm|rename|channel` may change: the field's word → the column."""


def edit_project(session: Session, *, project: Project, field: str, value: str, actor: str,
                 now: datetime) -> str | None:
    """Set one of the project's `EDITABLE` fields, audited with its value before and after;
    returns the value before, or None when it already was `value` (nothing is written)."""
    column = EDITABLE[field]
    before = getattr(project, column)
    if before == value:
        return None
    setattr(project, column, value)
    audit.record(session, at=now, actor=actor, action=f"project.{field}_changed",
                 subject_type="project", subject_id=project.key, project_id=project.id,
                 before={field: before}, after={field: value})
    return before


def keys_in_channel(session: Session, channel_id: str, *, besides: int | None = None) -> list[str]:
    """The KEYs of the projects whose channel is `channel_id` (other than project `besides`)."""
    query = select(Project.key).where(Project.channel_id == channel_id).order_by(Project.key)
    if besides is not None:
        query = query.where(Project.id != besides)
    return list(session.scalars(query))
