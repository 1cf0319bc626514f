"""Milestones: numbered per project (APOLLO-M1, …), each with its baseline date (`due_on`,
kept), its forecast, its done date, owner and weight; changes are audited (subject
"milestone", id "APOLLO-M1"), which is also the history `/milestone show` lists.

`expected_on` (the forecast, else the baseline date) is stored so that the reminder source
reads open milestones from one index range on (done_on, expected_on).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import audit
from storage.base import Base
from storage.projects import Project


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        Index("ix_milestones_open", "done_on", "expected_on"),
        CheckConstraint("number >= 1 AND weight >= 1", name="numbers"),
        CheckConstraint("expected_on = COALESCE(forecast_on, due_on)", name="expected"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(150))
    owner_id: Mapped[str] = mapped_column(String(32))
    weight: Mapped[int]
    due_on: Mapped[date]
    forecast_on: Mapped[date | None]
    expected_on: Mapped[date]
    done_on: Mapped[date | None]
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def ref(self, key: str) -> str:
        return f"{key}-M{self.number}"


def milestones_of(session: Session, project_id: int) -> list[Milestone]:
    return list(session.scalars(select(Milestone).where(Milestone.project_id == project_id)
                                .order_by(Milestone.number)))


def milestone(session: Session, key: str, number: int) -> tuple[Project, Milestone] | None:
    row = session.execute(select(Project, Milestone).join(
        Milestone, Milestone.project_id == Project.id).where(
        Project.key == key.upper(), Milestone.number == number)).first()
    return (row[0], row[1]) if row else None


def add(session: Session, *, project: Project, title: str, due: date, owner: str, weight: int,
        actor: str, now: datetime) -> Milestone:
    """The next number of the project; the unique (project, number) settles a race."""
    number = (session.scalar(select(func.max(Milestone.number))
                             .where(Milestone.project_id == project.id)) or 0) + 1
    row = Milestone(project_id=project.id, number=number, title=title, owner_id=owner,
                    weight=weight, due_on=due, forecast_on=None, expected_on=due, done_on=None,
                    created_by=actor, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    audit.record(session, at=now, actor=actor, action="milestone.added",
                 subject_type="milestone", subject_id=row.ref(project.key),
                 project_id=project.id,
                 after={"title": title, "due": due.isoformat(), "owner": owner,
                        "weight": weight})
    return row


def set_forecast(session: Session, *, project: Project, row: Milestone, on: date, reason: str,
                 actor: str, now: datetime) -> None:
    before = {"forecast": _iso(row.forecast_on)}
    row.forecast_on, row.expected_on, row.updated_at = on, on, now
    audit.record(session, at=now, actor=actor, action="milestone.forecast",
                 subject_type="milestone", subject_id=row.ref(project.key),
                 project_id=project.id, before=before,
                 after={"forecast": on.isoformat(), "reason": reason})


def set_done(session: Session, *, project: Project, row: Milestone, on: date, actor: str,
             now: datetime) -> None:
    before = {"done": _iso(row.done_on)}
    row.done_on, row.updated_at = on, now
    audit.record(session, at=now, actor=actor, action="milestone.done",
                 subject_type="milestone", subject_id=row.ref(project.key),
                 project_id=project.id, before=before, after={"done": on.isoformat()})


def history(session: Session, key: str, number: int) -> list[audit.AuditEntry]:
    return audit.entries_for(session, "milestone", f"{key}-M{number}")


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def move_baseline(session: Session, *, project: Project, row: Milestone, on: date, actor: str,
                  now: datetime, ref: str) -> dict[str, str | None]:
    """An approved change request (`ref`) moves the milestone's baseline date (audited)."""
    before = {"due": _iso(row.due_on)}
    row.due_on = on
    row.expected_on = row.forecast_on or on
    row.updated_at = now
    session.flush()
    audit.record(session, at=now, actor=actor, action="milestone.rebaselined",
                 subject_type="milestone", subject_id=row.ref(project.key),
                 project_id=project.id, before=before, after={"due": on.isoformat(),
                                                              "change": ref})
    return {"ref": row.ref(project.key), "before": before["due"], "after": on.isoformat()}
