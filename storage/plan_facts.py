"""The plans, milestones and latest updates of many projects, in two queries whatever their
number: what `/pmo projects`, the Home tab and the digest hold against the numbers
(pmo_rules/plan_watch.py).

1. the plans (with their baselines) of the projects, each beside its latest update with the
   percent complete, cost and estimate carried forward from its latest `RECENT` updates, worked
   out by the database (`latest_reported`: one row a project, not ten, from index look-ups);
2. their milestones (projects without a plan too: a milestone slips whatever the plan).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import Select, Subquery, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from pmo_rules.indicators import Baseline
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.plan_watch import DUE_WITHIN_DAYS as DIGEST_DAYS
from pmo_rules.plan_watch import MilestoneFact, PlanFacts, Reported
from storage.milestones import Milestone
from storage.plans import ProjectPlan
from storage.projects import Project, StatusUpdate

RECENT = 10
"""How far back a percent complete or a cost is carried forward (services.plans)."""
_REPORTED = ("overall", "schedule", "cost", "percent_complete", "actual_cost",
             "estimate_at_completion")


def _narrowed(query: Select, project_ids: Collection[int] | None,
              shown_only: bool = False) -> Select:
    """Of these projects, or (None) of the portfolio's (active and on hold; with `shown_only`,
    not the confidential ones)."""
    if project_ids is None:
        query = query.where(Project.state.in_(PORTFOLIO_STATES))
        return query.where(Project.confidential.is_(False)) if shown_only else query
    return query.where(Project.id.in_(list(project_ids)))


def latest_reported(before: datetime | None = None, project_ids: Collection[int] | None = None,
                    *, planned_only: bool = False) -> Subquery:
    """Each project's latest update (posted before `before`, when given; of these projects,
    when given; of projects with a plan only, when `planned_only`), one row a project:
    `project_id`, `created_at`, its `overall`, `schedule` and `cost`, and the last known
    `percent_complete`, `actual_cost` and `estimate_at_completion` among its latest `RECENT`
    updates — each carried forward until an update gives a new one, as
    pmo_rules.plan_watch.progress_of does.

    Each value is a correlated sub-select that walks the project's newest updates backwards on
    the index on (project_id, created_at), at most `RECENT` of them, so the cost follows the
    number of projects, not the length of their history (ranking every update with a window
    function sorted the whole table: three times slower on SQLite, bench/indicators.py)."""
    def newest(*columns, of=Project.id, table=StatusUpdate) -> Select:
        query = select(*columns).where(table.project_id == of)
        if before is not None:
            query = query.where(table.created_at < before)
        return query.order_by(table.created_at.desc(), table.id.desc())

    heads = select(Project.id.label("project_id"),
                   newest(StatusUpdate.id).correlate(Project).limit(1).scalar_subquery()
                   .label("latest_id"))
    if planned_only:
        heads = heads.join(ProjectPlan, ProjectPlan.project_id == Project.id)
    if project_ids is not None:
        heads = heads.where(Project.id.in_(list(project_ids)))
    heads = heads.offset(0).subquery()  # OFFSET 0: each latest id looked up once, not per use

    def carried(name: str):
        """The latest update's value, else (COALESCE reads no further when it has one) the
        newest one given, when it is among the project's latest `RECENT`: found on the
        partial index of the updates that gave one (`ix_status_updates_<name>`), so a
        project that never gave an estimate costs one empty look-up, not a walk through ten
        updates (bench/indicators.py: 40 ms of 100 on SQLite for 10,000 projects)."""
        given, newer = aliased(StatusUpdate), aliased(StatusUpdate)
        value = getattr(given, name)
        later = select(newer.id).where(
            newer.project_id == given.project_id,
            or_(newer.created_at > given.created_at,
                and_(newer.created_at == given.created_at, newer.id > given.id))
        ).correlate(given)
        if before is not None:
            later = later.where(newer.created_at < before)
        within = (select(func.count()).select_from(later.limit(RECENT).subquery())
                  .scalar_subquery() < RECENT)
        found = newest(value, of=heads.c.project_id, table=given).where(
            value.is_not(None), within).correlate(heads).limit(1).scalar_subquery()
        column = StatusUpdate.__table__.c[name]
        return func.coalesce(at_latest(column), found, type_=column.type).label(name)

    def at_latest(column):
        """The latest update's `column`, read by its primary key: joined instead, PostgreSQL
        hashed every update of every project to find a thousand (25 ms → 19 ms for 52,000)."""
        return (select(column).where(StatusUpdate.id == heads.c.latest_id)
                .correlate(heads).scalar_subquery())

    return (select(heads.c.project_id,
                   *[at_latest(StatusUpdate.__table__.c[name]).label(name)
                     for name in ("created_at", "overall", "schedule", "cost")],
                   *[carried(name) for name in _CARRIED])
            .where(heads.c.latest_id.is_not(None)).subquery())


_CARRIED = ("percent_complete", "actual_cost", "estimate_at_completion")


def plan_facts(session: Session, project_ids: Collection[int] | None = None, *,
               digest_on: date | None = None, shown_only: bool = False) -> dict[int, PlanFacts]:
    """By project id, every project of these (or of the portfolio) that has a plan or a
    milestone; two statements.

    With `digest_on` (a day on the PMO's clock), only the milestones the digest's plan
    sections need: the open ones that may have slipped (forecast after their
    baseline date, or the baseline date passed) or are expected within `DIGEST_DAYS`, and
    whether it has any milestone (`has_milestones`); every other milestone's slip is 0 and
    it is in no list (pmo_rules.plan_watch.digest_sections). Not when the planned value is the
    milestones' share: that needs them all. With `shown_only` (the portfolio digest, posted to
    a channel), confidential projects are left out."""
    if project_ids is not None and not project_ids:
        return {}
    latest = latest_reported(None, project_ids, planned_only=True)
    plans: dict[int, tuple] = {}
    recent: dict[int, tuple[Reported, ...]] = {}
    has_milestones: dict[int, bool] = {}
    columns = [Project.id, Project.key, ProjectPlan.baseline_start, ProjectPlan.baseline_finish,
               ProjectPlan.baseline_budget, *[latest.c[name] for name in _REPORTED]]
    if digest_on is not None:
        columns.append(exists().where(Milestone.project_id == Project.id)
                       .label("has_milestones"))
    for row in session.execute(_narrowed(
            select(*columns)
            .join(ProjectPlan, ProjectPlan.project_id == Project.id)
            .outerjoin(latest, latest.c.project_id == Project.id)
            .order_by(Project.id), project_ids, shown_only)):
        plans[row[0]] = row[:5]
        if digest_on is not None:
            has_milestones[row[0]] = row.has_milestones
        if row.overall is not None:
            actual, estimate = row.actual_cost, row.estimate_at_completion
            recent[row[0]] = (Reported(row.overall, row.schedule, row.cost,
                                       row.percent_complete,
                                       None if actual is None else float(actual),
                                       None if estimate is None else float(estimate)),)
    keys = {pid: row[1] for pid, row in plans.items()}
    milestones: dict[int, list[MilestoneFact]] = defaultdict(list)
    query = (select(Project.id, Project.key, Milestone.number, Milestone.title,
                    Milestone.owner_id, Milestone.weight, Milestone.due_on,
                    Milestone.forecast_on, Milestone.done_on, Milestone.updated_at)
             .join(Milestone, Milestone.project_id == Project.id)
             .order_by(Project.id, Milestone.number))
    if digest_on is not None:
        query = query.where(
            Milestone.done_on.is_(None),
            or_(Milestone.forecast_on > Milestone.due_on, Milestone.due_on < digest_on,
                Milestone.expected_on <= digest_on + timedelta(days=DIGEST_DAYS)))
    for row in session.execute(_narrowed(query, project_ids, shown_only)):
        keys[row[0]] = row[1]
        milestones[row[0]].append(MilestoneFact(*row[2:]))
    with_plan = {pid: (None if start is None else Baseline(start, finish, float(budget)))
                 for pid, _key, start, finish, budget in plans.values()}
    return {pid: PlanFacts(key, pid in with_plan, with_plan.get(pid),
                           tuple(milestones.get(pid, ())), recent.get(pid, ()),
                           None if digest_on is None else has_milestones.get(pid, True))
            for pid, key in keys.items()}
