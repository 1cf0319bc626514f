"""Issues (issue 12): numbered per project (APOLLO-I1, …) from a per-project counter bumped with
one conditional `UPDATE … RETURNING` (as risks are numbered), each with its severity, owner,
due date, the risk it was raised from (unique: one issue per occurred risk), its escalation to
the PMO and the admin coordinating it (set once: a conditional update, first click wins).

Changes are audited (subject "issue", id "APOLLO-I1"): that is the history `/issue show` lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    case,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from pmo_rules.issues import OPEN, SEVERITIES, STATUSES
from pmo_rules.lifecycle import PORTFOLIO_STATES
from storage import audit
from storage.audit import AuditEntry
from storage.base import Base
from storage.outbox import DEAD, Delivery
from storage.projects import Project
from storage.raid_numbers import next_number

SUBJECT = "issue"


def _in(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(w) for w in words)})"


class Issue(Base):
    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        UniqueConstraint("risk_id"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint("number >= 1 AND severity_rank BETWEEN 0 AND 3", name="numbers"),
        Index("ix_issues_status_due_on", "status", "due_on"),
        Index("ix_issues_status_severity", "status", "severity_rank", "created_at"),
        Index("ix_issues_owner_id_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(150))
    severity: Mapped[str] = mapped_column(String(16))
    severity_rank: Mapped[int]
    """0 critical … 3 low (pmo_rules.issues.rank): what lists and the digest sort by."""
    status: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date | None]
    last_note: Mapped[str | None] = mapped_column(Text)
    risk_id: Mapped[int | None] = mapped_column(ForeignKey("risks.id", ondelete="SET NULL"))
    escalated_at: Mapped[datetime | None]
    escalated_by: Mapped[str | None] = mapped_column(String(32))
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    coordinator_id: Mapped[str | None] = mapped_column(String(32))
    coordinated_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    card_delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"))

    def ref(self, key: str) -> str:
        return f"{key}-I{self.number}"


def add(session: Session, *, project: Project, title: str, severity: str, rank: int,
        owner: str, due: date | None, actor: str, now: datetime,
        risk_id: int | None = None, risk_ref: str | None = None) -> Issue:
    row = Issue(project_id=project.id, number=next_number(session, project.id, "issue"),
                title=title,
                severity=severity, severity_rank=rank, status=OPEN, owner_id=owner,
                due_on=due, risk_id=risk_id, created_by=actor, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    after = {"title": title, "severity": severity, "owner": owner,
             "due": due and due.isoformat()}
    if risk_ref:
        after["risk"] = risk_ref
    record(session, project, row, "issue.added", actor, now, None, after)
    return row


def record(session: Session, project: Project, row: Issue, action: str, actor: str,
           now: datetime, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    audit.record(session, at=now, actor=actor, action=action, subject_type=SUBJECT,
                 subject_id=row.ref(project.key), project_id=project.id,
                 before=before, after=after)


def take_coordination(session: Session, issue_id: int, user: str, now: datetime) -> bool:
    """Set the coordinator unless one is set: True for the one click that wins."""
    result = session.execute(
        update(Issue).where(Issue.id == issue_id, Issue.coordinator_id.is_(None))
        .values(coordinator_id=user, coordinated_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


# --- look-ups ------------------------------------------------------------------------------------

def issue(session: Session, key: str, number: int, *,
          for_update: bool = False) -> tuple[Project, Issue] | None:
    query = (select(Project, Issue).join(Issue, Issue.project_id == Project.id)
             .where(Project.key == key.upper(), Issue.number == number))
    if for_update:
        query = query.with_for_update(of=Issue).execution_options(populate_existing=True)
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def issue_by_id(session: Session, issue_id: int, *,
                for_update: bool = False) -> tuple[Project, Issue] | None:
    query = (select(Project, Issue).join(Issue, Issue.project_id == Project.id)
             .where(Issue.id == issue_id))
    if for_update:
        query = query.with_for_update(of=Issue).execution_options(populate_existing=True)
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def issue_of_risk(session: Session, risk_id: int) -> tuple[Project, Issue] | None:
    row = session.execute(select(Project, Issue).join(Issue, Issue.project_id == Project.id)
                          .where(Issue.risk_id == risk_id)).first()
    return (row[0], row[1]) if row else None


def ref_of_risk_issue(session: Session, risk_id: int) -> str | None:
    """The readable id of the issue raised from a risk, if any (the risk card names it)."""
    row = session.execute(select(Project.key, Issue.number)
                          .join(Issue, Issue.project_id == Project.id)
                          .where(Issue.risk_id == risk_id)).first()
    return f"{row[0]}-I{row[1]}" if row else None


def listed(session: Session, *, project_id: int | None = None, owner_id: str | None = None,
           include_resolved: bool = False, limit: int = 40) -> tuple[list[tuple[str, Issue]], int]:
    """(KEY, issue) most severe first, then oldest; and how many there are in all."""
    query = select(Project.key, Issue).join(Project, Project.id == Issue.project_id)
    counted = select(func.count()).select_from(Issue)
    for where in _filters(project_id, owner_id, include_resolved):
        query, counted = query.where(where), counted.where(where)
    query = query.order_by(case((Issue.status == OPEN, 0), else_=1), Issue.severity_rank,
                           Issue.created_at, Issue.id)
    return [(key, row) for key, row in session.execute(query.limit(limit))], session.scalar(counted)


def _filters(project_id: int | None, owner_id: str | None, include_resolved: bool) -> list:
    found = []
    if project_id is not None:
        found.append(Issue.project_id == project_id)
    if owner_id is not None:
        found.append(Issue.owner_id == owner_id)
    if not include_resolved:
        found.append(Issue.status == OPEN)
    return found


def open_counts(session: Session, project_id: int) -> dict[str, int]:
    """A project's open issues counted by severity (one grouped query)."""
    rows = session.execute(select(Issue.severity, func.count()).where(
        Issue.project_id == project_id, Issue.status == OPEN).group_by(Issue.severity))
    return dict(rows.all())


def serious_open(session: Session, limit: int = 10):
    """The portfolio's open critical and high issues (first `limit`, most severe and oldest
    first) with their total: one statement (a window count rides on each row)."""
    total = func.count().over().label("total")
    query = (select(Project.key, Issue.number, Issue.title, Issue.severity, Issue.owner_id,
                    Issue.due_on, Issue.coordinator_id, total)
             .join(Project, Project.id == Issue.project_id)
             .where(Issue.status == OPEN, Issue.severity_rank <= 1,
                    Project.state.in_(PORTFOLIO_STATES))
             .order_by(Issue.severity_rank, Issue.created_at, Issue.id).limit(limit))
    return list(session.execute(query))


def every_issue(session: Session) -> Iterable[tuple[str, Issue]]:
    """The whole log, project by project, for exports; streamed."""
    query = (select(Project.key, Issue).join(Project, Issue.project_id == Project.id)
             .order_by(Project.key, Issue.number).execution_options(yield_per=500))
    return session.execute(query)


def live_card(session: Session, row: Issue) -> int | None:
    if row.card_delivery_id is None:
        return None
    card = session.get(Delivery, row.card_delivery_id)
    return None if card is None or card.state == DEAD else card.id


def history(session: Session, ref: str) -> list[AuditEntry]:
    return audit.entries_for(session, SUBJECT, ref)

