"""The rows each export reads, oldest first within a project, one query a log (streamed)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.audit import AuditEntry
from storage.gates import GateRequest
from storage.projects import Project, StatusUpdate
from storage.reminders import UserZone


def status_updates(session: Session) -> Iterator[tuple[StatusUpdate, str]]:
    """Every status update with its project's KEY."""
    yield from session.execute(
        select(StatusUpdate, Project.key).join(Project, StatusUpdate.project_id == Project.id)
        .order_by(Project.key, StatusUpdate.created_at, StatusUpdate.id))


def gate_requests(session: Session) -> Iterator[tuple[GateRequest, str]]:
    """Every gate request, whatever became of it, with its project's KEY."""
    yield from session.execute(
        select(GateRequest, Project.key).join(Project, GateRequest.project_id == Project.id)
        .order_by(Project.key, GateRequest.requested_at, GateRequest.id))


def audit_entries(session: Session, project_id: int | None = None, *, offset: int = 0,
                  limit: int | None = None, newest_first: bool = False
                  ) -> Iterator[tuple[AuditEntry, str | None]]:
    """Audit entries with their project's KEY (None: no project, or one since removed); all
    of them, or one project's page."""
    query = select(AuditEntry, Project.key).outerjoin(Project,
                                                      AuditEntry.project_id == Project.id)
    if project_id is not None:
        query = query.where(AuditEntry.project_id == project_id)
    order = (AuditEntry.id.desc(),) if newest_first else (AuditEntry.id,)
    yield from session.execute(query.order_by(*order).offset(offset).limit(limit))


def count_audit_entries(session: Session, project_id: int) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.project_id == project_id)) or 0


def cached_names(session: Session) -> dict[str, str]:
    """People's names as users.info last gave them (the time-zone cache); no Slack call."""
    rows = session.execute(select(UserZone.user_id, UserZone.name)
                           .where(UserZone.name.is_not(None)))
    return {user: name for user, name in rows}
