"""The rows the charts are made from (pmo_rules/charts.py turns them into numbers).

A chart covers the portfolio (active and on-hold projects) or one project (`project_id`). Each
loader is a fixed number of queries whatever the portfolio's size: the RAG history reads the
updates of its window plus each project's last one before it, not every update ever posted.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.risk import ACTIVE_STATUSES
from storage.projects import Project, StatusUpdate
from storage.risks import Risk


def _projects(project_id: int | None, excluding: Collection[int] = ()):
    query = select(Project.id, Project.created_at)
    if project_id is None:
        query = query.where(Project.state.in_(PORTFOLIO_STATES))
        return query.where(Project.id.not_in(list(excluding))) if excluding else query
    return query.where(Project.id == project_id)


def rag_rows(session: Session, since: datetime, project_id: int | None = None,
             excluding: Collection[int] = ()
             ) -> tuple[list[tuple[int, datetime]], list[tuple[int, datetime, str]]]:
    """(id, registered at) of the projects counted (the portfolio's but those `excluding`
    names, or one project), and (project id, posted at, overall) of their updates posted from
    `since` on plus each one's last update before `since`."""
    projects = [(pid, at) for pid, at in session.execute(_projects(project_id, excluding))]
    ids = _projects(project_id, excluding).with_only_columns(Project.id).scalar_subquery()
    before = (select(func.max(StatusUpdate.id))
              .where(StatusUpdate.created_at < since, StatusUpdate.project_id.in_(ids))
              .group_by(StatusUpdate.project_id))
    columns = (StatusUpdate.project_id, StatusUpdate.created_at, StatusUpdate.overall)
    window = select(*columns).where(StatusUpdate.created_at >= since,
                                    StatusUpdate.project_id.in_(ids))
    earlier = select(*columns).where(StatusUpdate.id.in_(before))
    updates = [(pid, at, overall) for query in (earlier, window)
               for pid, at, overall in session.execute(query)]
    return projects, updates


def risk_counts(session: Session, project_id: int | None = None,
                excluding: Collection[int] = ()) -> dict[tuple[int, int], int]:
    """Active risks counted by (probability, impact): the portfolio's (but those of the
    projects `excluding` names) or one project's."""
    query = (select(Risk.probability, Risk.impact, func.count())
             .join(Project, Project.id == Risk.project_id)
             .where(Risk.status.in_(ACTIVE_STATUSES)))
    query = (query.where(Project.state.in_(PORTFOLIO_STATES)) if project_id is None
             else query.where(Project.id == project_id))
    if excluding and project_id is None:
        query = query.where(Project.id.not_in(list(excluding)))
    rows = session.execute(query.group_by(Risk.probability, Risk.impact))
    return {(p, i): n for p, i, n in rows}
