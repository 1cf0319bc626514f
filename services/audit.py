"""Reading a project's audit trail (`/pmo audit KEY [page]`): one page, newest first.

Read-only: no transaction beyond the read, no audit of the reading itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pmo_rules.errors import UserError
from services.context import BotContext
from storage import exports as store
from storage import projects as project_store

PAGE_SIZE = 10


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class AuditPage:
    key: str
    page: int
    pages: int
    total: int
    entries: list[Entry]


def audit_page(ctx: BotContext, key: str, page: int) -> AuditPage:
    """Page `page` (1 = newest) of project `key`'s audit trail; an unknown project is refused."""
    with ctx.db.read() as session:
        project = project_store.project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        total = store.count_audit_entries(session, project.id)
        pages = max(1, -(-total // PAGE_SIZE))
        rows = store.audit_entries(session, project.id, offset=(page - 1) * PAGE_SIZE,
                                   limit=PAGE_SIZE, newest_first=True)
        entries = [Entry(e.at, e.actor_id, e.action, e.subject_type, e.subject_id, e.before,
                         e.after) for e, _key in rows]
        return AuditPage(project.key, page, pages, total, entries)
