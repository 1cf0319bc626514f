"""Everything the weekly digest shows, read in a fixed handful of queries.

The portfolio part costs three queries whatever the number of projects (the projects, every
project's latest status, every project's status as it stood a week ago) and each source of
overdue items one or two more. The risk and gate sections plug in as `DigestSection`s in
`EXTRA_SECTIONS` (storage/digest_sections.py); each brings one query and its own block
template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.digest import LatestStatus, PortfolioReport, ProjectFacts, compose
from pmo_rules.projects import ACTIVE, ON_HOLD
from storage.digest_sections import GateSection, RiskSection
from storage.projects import Project, StatusUpdate
from storage.sources import all_due_items

PORTFOLIO_STATES = (ACTIVE, ON_HOLD)
"""Closed and cancelled projects are history, not portfolio."""


class DigestSection(Protocol):
    """A part of the digest contributed by another domain (new and high risks, gates decided
    and pending, upcoming due dates). It is rendered by `blocks/digest_<name>.json.j2`."""

    name: str

    def load(self, session: Session, now: datetime, rules: Rules) -> Mapping[str, Any] | None:
        """The template's context (None when there is nothing to say); one or two queries."""
        ...


EXTRA_SECTIONS: tuple[DigestSection, ...] = (RiskSection(), GateSection())


@dataclass(frozen=True)
class DigestData:
    portfolio: PortfolioReport
    extras: tuple[tuple[str, Mapping[str, Any]], ...]


def load_digest(session: Session, now: datetime, rules: Rules) -> DigestData:
    projects = [ProjectFacts(*row) for row in session.execute(
        select(Project.id, Project.key, Project.name, Project.pm_id)
        .where(Project.state.in_(PORTFOLIO_STATES)).order_by(Project.key))]
    latest = {pid: LatestStatus(rag, at) for pid, rag, at in _statuses_as_of(session, None)}
    week_ago = {pid: rag for pid, rag, _ in _statuses_as_of(session, now - timedelta(days=7))}
    report = compose(projects, latest, week_ago, all_due_items(session, now, rules), now,
                     rules.status)
    extras = tuple((section.name, context) for section in EXTRA_SECTIONS
                   if (context := section.load(session, now, rules)) is not None)
    return DigestData(report, extras)


def _statuses_as_of(session: Session, when: datetime | None):
    """(project id, overall, posted at) of each project's newest update up to `when`."""
    newest = select(StatusUpdate.project_id, func.max(StatusUpdate.id).label("id"))
    if when is not None:
        newest = newest.where(StatusUpdate.created_at <= when)
    newest = newest.group_by(StatusUpdate.project_id).subquery()
    return session.execute(
        select(StatusUpdate.project_id, StatusUpdate.overall, StatusUpdate.created_at)
        .join(newest, StatusUpdate.id == newest.c.id))
