"""What an issue looks like: the card (project channel, `/issue show`, the owner's DM), the
message that takes an escalated or critical issue to the PMO (admins' DMs and `[pmo]
digest_channel`, with "I'll coordinate"), and the reads behind `/issue list|show`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pmo_rules import issues as rules
from pmo_rules.errors import UserError
from pmo_rules.ids import IssueAction
from pmo_rules.values import IssueButton
from services.context import BotContext
from storage import issues as store
from storage.audit import AuditEntry
from storage.issues import Issue
from storage.projects import Project, project_by_key
from storage.risks import risk_by_id
from templates.render import Message


@dataclass(frozen=True)
class IssueShown:
    """An issue as cards and lists show it."""

    id: int
    ref: str
    key: str
    name: str
    title: str
    severity: str
    status: str
    owner_id: str
    due: date | None
    overdue: bool
    note: str | None
    risk: str | None
    escalated_at: datetime | None
    escalated_by: str | None
    escalation_reason: str | None
    coordinator_id: str | None
    coordinated_at: datetime | None
    resolution: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    created_by: str
    created_at: datetime


def today(ctx: BotContext, at: datetime | None = None) -> date:
    return (at or ctx.now()).astimezone(ctx.rules.pmo.tz).date()


def shown(ctx: BotContext, key: str, name: str, row: Issue,
          risk: str | None = None) -> IssueShown:
    return IssueShown(
        id=row.id, ref=row.ref(key), key=key, name=name,
        title=row.title, severity=row.severity, status=row.status, owner_id=row.owner_id,
        due=row.due_on, overdue=rules.overdue(row.status, row.due_on, today(ctx)),
        note=row.last_note, risk=risk, escalated_at=row.escalated_at,
        escalated_by=row.escalated_by, escalation_reason=row.escalation_reason,
        coordinator_id=row.coordinator_id, coordinated_at=row.coordinated_at,
        resolution=row.resolution, resolved_at=row.resolved_at, resolved_by=row.resolved_by,
        created_by=row.created_by, created_at=row.created_at)


def risk_ref(session, project: Project, row: Issue) -> str | None:
    """The readable id of the risk the issue was raised from (same project or another)."""
    if row.risk_id is None:
        return None
    risk = risk_by_id(session, row.risk_id)
    return None if risk is None else str(risk.ref)


def card(ctx: BotContext, issue: IssueShown, event: str = "shown", *, intro: str | None = None,
         history: list[AuditEntry] | None = None, **facts: object) -> Message:
    text = intro or ctx.renderer.t("issue.card_text", i=issue, event=event)
    blocks = ctx.renderer.blocks("issue_card", i=issue, event=event, intro=intro,
                                 history=history, facts=facts)
    return Message(text=text, blocks=blocks)


def to_pmo(ctx: BotContext, issue: IssueShown, why: str, by: str,
           reason: str | None = None) -> Message:
    """The message to PMO admins and the digest channel: why it came (critical, escalated),
    the card, and "I'll coordinate" until an admin takes it."""
    intro = ctx.renderer.t(f"issue.to_pmo.{why}", i=issue, by=by, reason=reason or "")
    blocks = ctx.renderer.blocks("issue_card", i=issue, event="shown", intro=intro,
                                 history=None, facts={},
                                 coordinate=(IssueAction.COORDINATE,
                                             IssueButton(issue.id).encode()))
    return Message(text=intro, blocks=blocks)


# --- reads ---------------------------------------------------------------------------------------

def with_history(ctx: BotContext, ref: rules.IssueRef) -> tuple[IssueShown, list[AuditEntry]]:
    with ctx.db.read() as session:
        found = store.issue(session, ref.key, ref.number)
        if found is None:
            raise UserError("issue.unknown", ref=str(ref), key=ref.key)
        project, row = found
        return (shown(ctx, project.key, project.name, row, risk_ref(session, project, row)),
                store.history(session, str(ref)))


def listing(ctx: BotContext, user: str, cmd: rules.ListIssues,
            limit: int) -> tuple[Project | None, list[IssueShown], int]:
    """A project's issues, or (without a KEY) the caller's own."""
    with ctx.db.read() as session:
        project = None
        if cmd.key is not None:
            project = project_by_key(session, cmd.key)
            if project is None:
                raise UserError("project.unknown", key=cmd.key, usage=rules.LIST_USAGE)
        rows, total = store.listed(session, project_id=project and project.id,
                                   owner_id=None if project else user,
                                   include_resolved=cmd.include_resolved, limit=limit)
        name = project.name if project else ""
        return project, [shown(ctx, key, name, row) for key, row in rows], total


def counts_of(ctx: BotContext, project_id: int) -> list[tuple[str, int]]:
    """A project's open issues by severity, most severe first (`/pmo project KEY`)."""
    with ctx.db.read() as session:
        counts = store.open_counts(session, project_id)
    return [(word, counts[word]) for word in reversed(rules.SEVERITIES) if counts.get(word)]
