"""Actions: numbered per project (APOLLO-A1, …), each with its title, owner, due date and,
once done, when, by whom and a note. Changes are audited (subject "action", id "APOLLO-A1"),
which is also the history `/action show` lists. The reminder source reads open actions from one
index range on (done_on, due_on).

Every function works inside the caller's session, so one transaction may record several
actions (meeting minutes).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import audit
from storage.base import Base
from storage.decisions import Decision
from storage.projects import Project
from storage.raid_numbers import next_number

KIND = "action"


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        Index("ix_actions_open", "done_on", "due_on"),
        Index("ix_actions_owner", "owner_id", "done_on"),
        CheckConstraint("number >= 1", name="numbers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date]
    done_on: Mapped[date | None]
    done_by: Mapped[str | None] = mapped_column(String(32))
    done_note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def ref(self, key: str) -> str:
        return f"{key}-A{self.number}"


def actions_of(session: Session, project_id: int, *, include_done: bool = False) -> list[Action]:
    query = select(Action).where(Action.project_id == project_id)
    if not include_done:
        query = query.where(Action.done_on.is_(None))
    return list(session.scalars(query.order_by(Action.due_on, Action.number)))


def actions_owned(session: Session, owner: str, *, include_done: bool = False,
                  limit: int | None = None) -> list[tuple[str, Action]]:
    """(project KEY, action) of `owner`, soonest due first."""
    query = (select(Project.key, Action).join(Project, Project.id == Action.project_id)
             .where(Action.owner_id == owner))
    if not include_done:
        query = query.where(Action.done_on.is_(None))
    query = query.order_by(Action.due_on, Project.key, Action.number)
    if limit is not None:
        query = query.limit(limit)
    return [(row[0], row[1]) for row in session.execute(query)]


def action(session: Session, key: str, number: int, *,
           for_update: bool = False) -> tuple[Project, Action] | None:
    query = select(Project, Action).join(Action, Action.project_id == Project.id).where(
        Project.key == key.upper(), Action.number == number)
    if for_update:
        query = query.with_for_update(of=Action)
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def add(session: Session, *, project: Project, title: str, due: date, owner: str, actor: str,
        now: datetime) -> Action:
    row = Action(project_id=project.id, number=next_number(session, project.id, KIND),
                 title=title, owner_id=owner, due_on=due, done_on=None, done_by=None,
                 done_note=None, created_by=actor, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    audit.record(session, at=now, actor=actor, action="action.added", subject_type="action",
                 subject_id=row.ref(project.key), project_id=project.id,
                 after={"title": title, "due": due.isoformat(), "owner": owner})
    return row


def change(session: Session, *, project: Project, row: Action, due: date | None,
           owner: str | None, actor: str, now: datetime) -> None:
    before, after = {}, {}
    if due is not None and due != row.due_on:
        before["due"], after["due"] = row.due_on.isoformat(), due.isoformat()
        row.due_on = due
    if owner is not None and owner != row.owner_id:
        before["owner"], after["owner"] = row.owner_id, owner
        row.owner_id = owner
    row.updated_at = now
    audit.record(session, at=now, actor=actor, action="action.updated", subject_type="action",
                 subject_id=row.ref(project.key), project_id=project.id, before=before,
                 after=after)


def set_done(session: Session, *, project: Project, row: Action, on: date, note: str | None,
             actor: str, now: datetime) -> None:
    row.done_on, row.done_by, row.done_note, row.updated_at = on, actor, note, now
    audit.record(session, at=now, actor=actor, action="action.done", subject_type="action",
                 subject_id=row.ref(project.key), project_id=project.id,
                 after={"done": on.isoformat(), "note": note})


def history(session: Session, key: str, number: int) -> list[audit.AuditEntry]:
    return audit.entries_for(session, "action", f"{key}-A{number}")


def raid_counts(session: Session, project_id: int, today: date) -> tuple[int, int, int]:
    """(open actions, overdue actions, decisions) of a project, in one statement."""
    open_actions = select(Action.id).where(Action.project_id == project_id,
                                           Action.done_on.is_(None))
    row = session.execute(select(
        select(func.count()).select_from(open_actions.subquery()).scalar_subquery(),
        select(func.count()).select_from(
            open_actions.where(Action.due_on < today).subquery()).scalar_subquery(),
        select(func.count(Decision.id)).where(Decision.project_id == project_id)
        .scalar_subquery())).one()
    return int(row[0]), int(row[1]), int(row[2])
