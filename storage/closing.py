"""What a closing report reads about one project (services/closing.py): its plan, the cost to
date last reported, the risks that occurred, the issues raised, the change requests approved."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmo_rules.changes import APPROVED
from pmo_rules.risk import OCCURRED
from storage.changes import ChangeRequest
from storage.issues import Issue
from storage.projects import StatusUpdate
from storage.risks import Risk

LISTED = 10
"""A report names at most this many of each (and says how many there are in all)."""


def last_actual_cost(session: Session, project_id: int) -> Decimal | None:
    """The newest cost to date (AC) any update reported."""
    return session.scalar(
        select(StatusUpdate.actual_cost)
        .where(StatusUpdate.project_id == project_id, StatusUpdate.actual_cost.is_not(None))
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc()).limit(1))


def occurred_risks(session: Session, project_id: int) -> list[tuple[int, str]]:
    """(number, title) of the risks that occurred, by number."""
    return [(n, t) for n, t in session.execute(
        select(Risk.number, Risk.title)
        .where(Risk.project_id == project_id, Risk.status == OCCURRED).order_by(Risk.number))]


def issues_raised(session: Session, project_id: int) -> list[tuple[int, str, str, str]]:
    """(number, title, severity, status) of every issue raised, by number."""
    return [tuple(row) for row in session.execute(
        select(Issue.number, Issue.title, Issue.severity, Issue.status)
        .where(Issue.project_id == project_id).order_by(Issue.number))]


def approved_changes(session: Session, project_id: int) -> list[tuple[int, str]]:
    """(number, title) of the change requests approved, by number."""
    return [(n, t) for n, t in session.execute(
        select(ChangeRequest.number, ChangeRequest.title)
        .where(ChangeRequest.project_id == project_id, ChangeRequest.state == APPROVED)
        .order_by(ChangeRequest.number))]
