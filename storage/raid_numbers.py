"""Per-project numbers of the RAID log's entries and change requests (APOLLO-I1, APOLLO-A1,
APOLLO-D1, APOLLO-C1, …): one counter row per (project, kind), bumped under its row lock, so
two entries added at the same moment never get the same number; each log's unique
(project_id, number) backs that up."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, upsert_insert


class RaidCounter(Base):
    """The last number handed out in a project for one kind of entry ("issue",
    "action", "decision", "change")."""

    __tablename__ = "raid_counters"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


def next_number(session: Session, project_id: int, kind: str) -> int:
    """Hand out the project's next number of `kind`; concurrent callers queue on the row."""
    session.execute(upsert_insert(session)(RaidCounter)
                    .values(project_id=project_id, kind=kind, last_number=0)
                    .on_conflict_do_nothing(index_elements=["project_id", "kind"]))
    return session.scalar(
        update(RaidCounter).where(RaidCounter.project_id == project_id, RaidCounter.kind == kind)
        .values(last_number=RaidCounter.last_number + 1).returning(RaidCounter.last_number)
        .execution_options(synchronize_session=False))
