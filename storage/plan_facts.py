"""The plans, milestones and latest updates of many projects, in two queries whatever their
number: what `/pmo projects`, the Home tab and the digest hold against the numbers
(pmo_rules/plan_watch.py).

1. the plans (with their baselines) of the projects, each beside its latest `RECENT` updates
   (a ranked sub-select, outer-joined), from which percent complete and cost carry forward;
2. their milestones (projects without a plan too: a milestone slips whatever the plan).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from pmo_rules.indicators import Baseline
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.plan_watch import MilestoneFact, PlanFacts, Reported
from storage.milestones import Milestone
from storage.plans import ProjectPlan
from storage.projects import Project, StatusUpdate

RECENT = 10
"""How far back a percent complete or a cost is carried forward (services.plans)."""
_REPORTED = ("overall", "schedule", "cost", "percent_complete", "actual_cost",
             "estimate_at_completion")


def _narrowed(query: Select, project_ids: Collection[int] | None) -> Select:
    """Of these projects, or (None) of the portfolio's (active and on hold)."""
    if project_ids is None:
        return query.where(Project.state.in_(PORTFOLIO_STATES))
    return query.where(Project.id.in_(list(project_ids)))


def plan_facts(session: Session,
               project_ids: Collection[int] | None = None) -> dict[int, PlanFacts]:
    """By project id, every project of these (or of the portfolio) that has a plan or a
    milestone; two statements."""
    if project_ids is not None and not project_ids:
        return {}
    ranked = select(StatusUpdate.project_id, StatusUpdate.overall, StatusUpdate.schedule,
                    StatusUpdate.cost, StatusUpdate.percent_complete, StatusUpdate.actual_cost,
                    StatusUpdate.estimate_at_completion,
                    func.row_number().over(
                        partition_by=StatusUpdate.project_id,
                        order_by=(StatusUpdate.created_at.desc(), StatusUpdate.id.desc()))
                    .label("rank")).join(ProjectPlan,
                                         ProjectPlan.project_id == StatusUpdate.project_id)
    if project_ids is not None:
        ranked = ranked.where(StatusUpdate.project_id.in_(list(project_ids)))
    ranked = ranked.subquery()
    plans: dict[int, tuple] = {}
    recent: dict[int, list[Reported]] = defaultdict(list)
    for row in session.execute(_narrowed(
            select(Project.id, Project.key, ProjectPlan.baseline_start,
                   ProjectPlan.baseline_finish, ProjectPlan.baseline_budget,
                   *[ranked.c[name] for name in _REPORTED])
            .join(ProjectPlan, ProjectPlan.project_id == Project.id)
            .outerjoin(ranked, and_(ranked.c.project_id == Project.id,
                                    ranked.c.rank <= RECENT))
            .order_by(Project.id, ranked.c.rank), project_ids)):
        plans[row[0]] = row[:5]
        if row.overall is not None:
            actual, estimate = row.actual_cost, row.estimate_at_completion
            recent[row[0]].append(Reported(row.overall, row.schedule, row.cost,
                                           row.percent_complete,
                                           None if actual is None else float(actual),
                                           None if estimate is None else float(estimate)))
    keys = {pid: row[1] for pid, row in plans.items()}
    milestones: dict[int, list[MilestoneFact]] = defaultdict(list)
    for row in session.execute(_narrowed(
            select(Project.id, Project.key, Milestone.number, Milestone.title, Milestone.owner_id,
                   Milestone.weight, Milestone.due_on, Milestone.forecast_on, Milestone.done_on,
                   Milestone.updated_at).join(Milestone, Milestone.project_id == Project.id)
            .order_by(Project.id, Milestone.number), project_ids)):
        keys[row[0]] = row[1]
        milestones[row[0]].append(MilestoneFact(*row[2:]))
    with_plan = {pid: (None if start is None else Baseline(start, finish, float(budget)))
                 for pid, _key, start, finish, budget in plans.values()}
    return {pid: PlanFacts(key, pid in with_plan, with_plan.get(pid),
                           tuple(milestones.get(pid, ())), tuple(recent.get(pid, ())))
            for pid, key in keys.items()}
