"""The append-only audit log: who changed what, when, with the values before and after.

The database itself refuses UPDATE and DELETE on this table (triggers in the migration), so the
trail stays trustworthy even against a bug in our own code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


def record(session: Session, *, at: datetime, actor: str, action: str, subject_type: str,
           subject_id: object, project_id: int | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Append one entry inside the caller's transaction, so it commits with the change itself."""
    session.add(AuditEntry(at=at, actor_id=actor, action=action, subject_type=subject_type,
                           subject_id=str(subject_id), project_id=project_id,
                           before=before, after=after))


def entries_for(session: Session, subject_type: str, subject_id: object) -> list[AuditEntry]:
    return list(session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == subject_type,
                                 AuditEntry.subject_id == str(subject_id))
        .order_by(AuditEntry.id)))


def last_entry_at(session: Session) -> datetime | None:
    """When the newest entry was written: the latest moment the data has seen (None if empty)."""
    return session.scalar(select(func.max(AuditEntry.at)))
