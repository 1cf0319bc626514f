"""What the executive report reads besides the charts and indicators: gate decisions of a
period, and the rows of the PMO's effectiveness page — status updates, risk reviews, first
nudges and escalations (services/report.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmo_rules.gates import HELD, KILLED, PASSED, REJECTED
from pmo_rules.lifecycle import ACTIVE
from pmo_rules.risk import ACTIVE_STATUSES
from storage.audit import AuditEntry
from storage.gates import GateRequest
from storage.projects import Project, StatusUpdate
from storage.reminders import ReminderLedger
from storage.risks import Risk

DECISIONS = (PASSED, REJECTED, HELD, KILLED)
"""A request withdrawn was not decided: it is left out."""


def gates_decided(session: Session, start: datetime, end: datetime,
                  excluding: Collection[int] = ()) -> list[tuple]:
    """(KEY, phase, state, requested at, decided at) of the gate requests decided (passed,
    rejected, held, killed) in [start, end), oldest decision first; the projects `excluding`
    names (confidential ones, for a channel) left out."""
    return [tuple(row) for row in session.execute(
        select(Project.key, GateRequest.phase, GateRequest.state, GateRequest.requested_at,
               GateRequest.decided_at)
        .join(Project, Project.id == GateRequest.project_id)
        .where(GateRequest.state.in_(DECISIONS), GateRequest.decided_at >= start,
               GateRequest.decided_at < end,
               *([GateRequest.project_id.not_in(excluding)] if excluding else []))
        .order_by(GateRequest.decided_at, GateRequest.id))]


# --- the PMO's own effectiveness (pmo_rules/effectiveness.py judges) -------------------------

RISK_REVIEWED = "risk.reviewed"


def status_history(session: Session, since: datetime, end: datetime
                   ) -> list[tuple[int, datetime, datetime | None, list[datetime]]]:
    """(project id, registered at, its last update before `since`, its updates in [since,
    end) sorted) of every active project registered before `end`: two statements."""
    projects = session.execute(
        select(Project.id, Project.created_at)
        .where(Project.state == ACTIVE, Project.created_at < end)).all()
    before = dict(session.execute(
        select(StatusUpdate.project_id, func.max(StatusUpdate.created_at))
        .join(Project, Project.id == StatusUpdate.project_id)
        .where(Project.state == ACTIVE, StatusUpdate.created_at < since)
        .group_by(StatusUpdate.project_id)).all())
    updates: dict[int, list[datetime]] = {}
    for project_id, at in session.execute(
            select(StatusUpdate.project_id, StatusUpdate.created_at)
            .join(Project, Project.id == StatusUpdate.project_id)
            .where(Project.state == ACTIVE, StatusUpdate.created_at >= since,
                   StatusUpdate.created_at < end)
            .order_by(StatusUpdate.project_id, StatusUpdate.created_at)):
        updates.setdefault(project_id, []).append(at)
    return [(pid, created, before.get(pid), updates.get(pid, [])) for pid, created in projects]


def risk_reviews(session: Session, since: datetime, end: datetime
                 ) -> tuple[list[tuple[str, datetime, date | None]], list[date]]:
    """The reviews recorded in [since, end) as (risk id, when, the review date it met), and
    the review dates of the active risks (of active projects) not reviewed yet."""
    reviews = [(subject, at, _day((before or {}).get("next_review_on")))
               for subject, at, before in session.execute(
                   select(AuditEntry.subject_id, AuditEntry.at, AuditEntry.before)
                   .where(AuditEntry.action == RISK_REVIEWED, AuditEntry.at >= since,
                          AuditEntry.at < end)
                   .order_by(AuditEntry.at, AuditEntry.id))]
    pending = list(session.scalars(
        select(Risk.next_review_on).join(Project, Project.id == Risk.project_id)
        .where(Risk.status.in_(ACTIVE_STATUSES), Project.state == ACTIVE)))
    return reviews, pending


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def first_nudges(session: Session, start: datetime, end: datetime,
                 kinds: Collection[str]) -> list[tuple[str, str, datetime]]:
    """(kind, item id, first nudged at) of the items of `kinds` first nudged in [start, end)."""
    return [tuple(row) for row in session.execute(
        select(ReminderLedger.kind, ReminderLedger.item_id, ReminderLedger.created_at)
        .where(ReminderLedger.kind.in_(kinds), ReminderLedger.nudges > 0,
               ReminderLedger.created_at >= start, ReminderLedger.created_at < end))]


def escalations(session: Session, start: datetime, end: datetime) -> int:
    """How many items were escalated in [start, end)."""
    return session.scalar(select(func.count()).select_from(ReminderLedger)
                          .where(ReminderLedger.escalated_at >= start,
                                 ReminderLedger.escalated_at < end)) or 0
