"""The rows each export reads, oldest first within a project, one query a log (streamed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Row, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from storage.actions import Action
from storage.audit import AuditEntry
from storage.changes import ChangeRequest
from storage.decisions import Decision
from storage.gates import GateRequest
from storage.lessons import Lesson
from storage.milestones import Milestone
from storage.plan_facts import latest_reported
from storage.plans import ProjectPlan
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


def change_requests(session: Session) -> Iterator[tuple[ChangeRequest, str]]:
    """Every change request, whatever became of it, with its project's KEY."""
    yield from session.execute(
        select(ChangeRequest, Project.key).join(Project, ChangeRequest.project_id == Project.id)
        .order_by(Project.key, ChangeRequest.number))


def milestones(session: Session) -> Iterator[tuple[Milestone, str]]:
    """Every milestone, open or done, with its project's KEY."""
    yield from session.execute(
        select(Milestone, Project.key).join(Project, Milestone.project_id == Project.id)
        .order_by(Project.key, Milestone.number))


def actions(session: Session) -> Iterator[tuple[Action, str]]:
    """Every action, open or done, with its project's KEY."""
    yield from session.execute(
        select(Action, Project.key).join(Project, Action.project_id == Project.id)
        .order_by(Project.key, Action.number))


def decisions(session: Session) -> Iterator[tuple[Decision, str, int | None]]:
    """Every decision with its project's KEY and the number of the one superseding it."""
    later = aliased(Decision)
    yield from session.execute(
        select(Decision, Project.key, later.number).join(Project, Decision.project_id == Project.id)
        .outerjoin(later, (later.project_id == Decision.project_id)
                   & (later.supersedes_number == Decision.number))
        .order_by(Project.key, Decision.number))


def lessons(session: Session) -> Iterator[tuple[Lesson, str]]:
    """Every lesson learned with its project's KEY, by project then id."""
    yield from session.execute(
        select(Lesson, Project.key).join(Project, Lesson.project_id == Project.id)
        .order_by(Project.key, Lesson.id))


def projects_with_plans(session: Session, before: datetime | None = None) -> list[Row]:
    """Every project, by KEY, with its baseline (columns None without a plan or a baseline;
    `has_plan`): plain rows of `id, key, name, phase, state, pm_id, has_plan, baseline_start,
    baseline_finish, baseline_budget, baselined_at` in that order (the portfolio's indicators
    unpack them). With `before`, also `has_milestones` last: whether it has a milestone added
    before then (an index look-up a project)."""
    columns = [Project.id, Project.key, Project.name, Project.phase, Project.state,
               Project.pm_id, ProjectPlan.project_id.is_not(None).label("has_plan"),
               ProjectPlan.baseline_start, ProjectPlan.baseline_finish,
               ProjectPlan.baseline_budget, ProjectPlan.baselined_at]
    if before is not None:
        columns.append(exists().where(Milestone.project_id == Project.id,
                                      Milestone.created_at < before).label("has_milestones"))
    return list(session.execute(
        select(*columns)
        .outerjoin(ProjectPlan, ProjectPlan.project_id == Project.id).order_by(Project.key)))


def milestones_by_project(session: Session, before: datetime,
                          slipping_on: date | None = None) -> dict[int, list[Row]]:
    """Every milestone added before `before`: its dates and weight, grouped by project id, in
    number order (one query, plain rows of `project_id, number, due_on, forecast_on, done_on,
    weight` in that order: ten thousand projects' indicators unpack them). With
    `slipping_on`, only those that may have slipped by that day: open then, and forecast after
    their baseline date or with the baseline date passed (any other's slip is 0,
    pmo_rules.indicators.slip_of), usually a fraction of them."""
    query = (select(Milestone.project_id, Milestone.number, Milestone.due_on,
                    Milestone.forecast_on, Milestone.done_on, Milestone.weight)
             .where(Milestone.created_at < before))
    if slipping_on is not None:
        query = query.where(or_(Milestone.done_on.is_(None), Milestone.done_on > slipping_on),
                            or_(Milestone.forecast_on > Milestone.due_on,
                                Milestone.due_on < slipping_on))
    grouped: dict[int, list[Row]] = {}
    for row in session.execute(query.order_by(Milestone.project_id, Milestone.number)):
        grouped.setdefault(row[0], []).append(row)
    return grouped


def latest_statuses_by_project(session: Session, before: datetime) -> dict[int, Row]:
    """Each project's latest status update posted before `before` (`created_at` and colours),
    with the percent complete, cost to date and estimate at completion carried forward from its
    latest `plan_facts.RECENT` updates (storage.plan_facts.latest_reported: one query, one
    plain row a project, the carrying done by the database): `project_id, created_at, overall,
    schedule, cost, percent_complete, actual_cost, estimate_at_completion` in that order."""
    latest = latest_reported(before)
    return {row[0]: row for row in session.execute(select(latest))}


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
