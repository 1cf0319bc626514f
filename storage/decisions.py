"""The decision log: numbered per project (APOLLO-D1, …), never changed once recorded.

A decision may supersede an earlier one of the same project, once: the composite foreign key
(project_id, supersedes_number) → (project_id, number) keeps it within the project, and the
unique (project_id, supersedes_number) lets only one decision supersede a given one, whatever
races. Every function works inside the caller's session (meeting minutes record several).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from storage import audit
from storage.base import Base
from storage.projects import Project
from storage.raid_numbers import next_number

KIND = "decision"


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        UniqueConstraint("project_id", "supersedes_number"),
        ForeignKeyConstraint(["project_id", "supersedes_number"],
                             ["decisions.project_id", "decisions.number"]),
        CheckConstraint("number >= 1 AND (supersedes_number IS NULL "
                        "OR supersedes_number < number)", name="numbers"),
        Index("ix_decisions_recorded", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(String(1000))
    decided_by: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime]
    supersedes_number: Mapped[int | None]

    def ref(self, key: str) -> str:
        return f"{key}-D{self.number}"


def decisions_of(session: Session, project_id: int) -> list[tuple[Decision, int | None]]:
    """Every decision of a project, newest first, each with the number superseding it."""
    later = aliased(Decision)
    query = (select(Decision, later.number)
             .outerjoin(later, (later.project_id == Decision.project_id)
                        & (later.supersedes_number == Decision.number))
             .where(Decision.project_id == project_id).order_by(Decision.number.desc()))
    return [(row[0], row[1]) for row in session.execute(query)]


def decision(session: Session, key: str, number: int) -> tuple[Project, Decision] | None:
    row = session.execute(select(Project, Decision).join(
        Decision, Decision.project_id == Project.id).where(
        Project.key == key.upper(), Decision.number == number)).first()
    return (row[0], row[1]) if row else None


def superseded_by(session: Session, project_id: int, number: int) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.project_id == project_id,
                                                 Decision.supersedes_number == number))


def add(session: Session, *, project: Project, title: str, note: str | None, decided_by: str,
        supersedes: int | None, actor: str, now: datetime) -> Decision:
    row = Decision(project_id=project.id, number=next_number(session, project.id, KIND),
                   title=title, note=note, decided_by=decided_by, recorded_by=actor,
                   recorded_at=now, supersedes_number=supersedes)
    session.add(row)
    session.flush()
    after = {"title": title, "decided_by": decided_by, "note": note}
    if supersedes is not None:
        after["supersedes"] = f"{project.key}-D{supersedes}"
    audit.record(session, at=now, actor=actor, action="decision.recorded",
                 subject_type="decision", subject_id=row.ref(project.key),
                 project_id=project.id, after=after)
    return row
