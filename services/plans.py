"""Plan use cases (issue 11): set a project's plan, re-baseline it, freeze the baseline when
the planning gate passes, and the plan with its indicators for `/pmo project KEY`.

Each write is one transaction with its audit entry (storage.plans records before and after).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from pmo_rules import gates, permissions, plans
from pmo_rules.errors import UserError
from pmo_rules.indicators import (
    Baseline,
    Indicators,
    MilestoneDates,
    Progress,
    ReportedBetter,
    compute,
    reported_better,
)
from pmo_rules.lifecycle import in_portfolio
from pmo_rules.plan_watch import flags, progress_of
from pmo_rules.schedule import WorkCalendar
from services import directory
from services.context import BotContext
from storage import milestones as milestone_store
from storage import plans as store
from storage import projects as project_store
from storage.plan_facts import RECENT, plan_facts
from storage.plans import ProjectPlan
from storage.projects import Project, StatusUpdate
from templates.errors import error_text

GATE_REASON = "planning gate passed"


def gate_decided(session: Session, project: Project, phase: str, outcome: str, actor: str,
                 now: datetime) -> None:
    """Called in the gate decision's transaction: passing the planning gate freezes the plan
    as the baseline (a project without a plan, or already baselined, is left as it is)."""
    if outcome != gates.PASSED or phase != plans.BASELINE_GATE:
        return
    plan = store.plan_of(session, project.id)
    if plan is not None and not plan.has_baseline:
        store.take_baseline(session, project=project, actor=actor, now=now, reason=GATE_REASON)


def check_gate_ready(ctx: BotContext, session: Session, project: Project) -> None:
    """Called when a gate is requested: the planning gate needs a plan and a milestone
    (`[plans] gate_needs_plan`), since passing it makes the plan the baseline."""
    if project.phase != plans.BASELINE_GATE or not ctx.rules.plans.gate_needs_plan:
        return
    missing = []
    if store.plan_of(session, project.id) is None:
        missing.append("plan")
    if not milestone_store.milestones_of(session, project.id):
        missing.append("milestone")
    if missing:
        raise UserError("plan.gate_needs_plan", key=project.key, missing=missing)


def set_plan(ctx: BotContext, user: str, cmd: plans.SetPlan) -> str:
    """Store the plan (or, once baselined, the forecast) and say what it is now. A sponsor is
    checked with Slack first (services.directory), as owners and PMs are."""
    now = ctx.now()
    try:
        note = directory.checked(ctx, role="sponsor",
                                 people=[cmd.sponsor_id] if cmd.sponsor_id else [])
        with ctx.db.write() as session:
            project = _project(session, cmd.key)
            if not permissions.may_plan(user, project.pm_id, ctx.rules):
                raise UserError("plan.not_allowed", key=project.key, pm=project.pm_id)
            row = store.plan_of(session, project.id)
            current = None if row is None else values_of(row)
            plan = plans.merged(current, cmd, key=project.key)
            if plan == current:
                return ctx.renderer.t("plan.unchanged", key=project.key)
            had_baseline = row is not None and row.has_baseline
            row = store.save_plan(session, project=project, values=_columns(plan),
                                  baseline=plans.baselined_at_once(project.phase),
                                  actor=user, now=now)
            shown = shown_plan(ctx, row)
    except UserError as error:
        return error_text(ctx.renderer, error)
    if had_baseline:
        outcome = "forecast_set"
    elif row.has_baseline:
        outcome = "set_baselined"
    else:
        outcome = "set"
    return ctx.renderer.t(f"plan.{outcome}", key=cmd.key, plan=shown) + note


def plan_to_edit(ctx: BotContext, user: str,
                 key: str) -> tuple[str, plans.PlanValues | None, str]:
    """Before the plan form opens: the project's KEY, its plan now (None: none yet) and what
    saving it does ("forecast": a baseline exists; "baseline": it is the baseline at once;
    "plan": it waits for the planning gate); or the refusal (an unknown project, someone who
    may not plan it)."""
    with ctx.db.read() as session:
        project = _project(session, key)
        if not permissions.may_plan(user, project.pm_id, ctx.rules):
            raise UserError("plan.not_allowed", key=project.key, pm=project.pm_id)
        row = store.plan_of(session, project.id)
        if row is not None and row.has_baseline:
            return project.key, values_of(row), "forecast"
        stage = "baseline" if plans.baselined_at_once(project.phase) else "plan"
        return project.key, None if row is None else values_of(row), stage


def check_plan(ctx: BotContext, user: str, cmd: plans.SetPlan) -> None:
    """The form's checks before its ack (the change checks again when it is applied)."""
    _key, current, _stage = plan_to_edit(ctx, user, cmd.key)
    plans.merged(current, cmd, key=cmd.key)


def rebaseline(ctx: BotContext, user: str, cmd: plans.Rebaseline) -> str:
    """A PMO admin moves the baseline to the plan as it stands, with a reason (audited)."""
    permissions.require_admin(user, ctx.rules, action="rebaseline")
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            project = _project(session, cmd.key)
            row = store.plan_of(session, project.id)
            if row is None:
                raise UserError("plan.none", key=project.key)
            if row.has_baseline and baseline_of(row) == Baseline(row.start_on, row.finish_on,
                                                                 float(row.budget)):
                raise UserError("plan.rebaseline_same", key=project.key)
            store.take_baseline(session, project=project, actor=user, now=now,
                                reason=cmd.reason, action="plan.rebaselined")
            shown = shown_plan(ctx, row)
    except UserError as error:
        return error_text(ctx.renderer, error)
    return ctx.renderer.t("plan.rebaselined", key=cmd.key, plan=shown, reason=cmd.reason)


def _project(session: Session, key: str) -> Project:
    """The project to plan: it exists and is still running (cancelled and closed are history)."""
    project = project_store.project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", key=key)
    if not in_portfolio(project.state):
        raise UserError("plan.project_ended", key=project.key, state=project.state)
    return project


def values_of(row: ProjectPlan) -> plans.PlanValues:
    return plans.PlanValues(row.start_on, row.finish_on, row.budget, row.sponsor_id, row.method)


def _columns(plan: plans.PlanValues) -> dict[str, object]:
    return {"start_on": plan.start, "finish_on": plan.finish, "budget": plan.budget,
            "sponsor_id": plan.sponsor_id, "method": plan.method}


def baseline_of(row: ProjectPlan | None) -> Baseline | None:
    if row is None or not row.has_baseline:
        return None
    return Baseline(row.baseline_start, row.baseline_finish, float(row.baseline_budget))


# -- what people look at --------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanShown:
    """A plan as the card and the replies show it: forecast, baseline (None before the gate),
    the money's currency and the indicators of today."""

    start: date
    finish: date
    budget: float
    sponsor_id: str | None
    method: str | None
    baseline: Baseline | None
    currency: str
    indicators: Indicators
    flag: ReportedBetter | None = None
    """The latest report's colour is better than the numbers' (None when not, or unknown)."""

    @property
    def moved(self) -> bool:
        """Whether the forecast differs from the baseline."""
        return self.baseline is not None and (
            (self.start, self.finish, self.budget)
            != (self.baseline.start, self.baseline.finish, self.baseline.budget))


def shown_plan(ctx: BotContext, row: ProjectPlan, progress: Progress | None = None,
               milestones: list[MilestoneDates] | None = None) -> PlanShown:
    today = ctx.now().astimezone(ctx.rules.pmo.tz).date()
    baseline = baseline_of(row)
    figures = compute(baseline, progress or Progress(), milestones or [], today,
                      ctx.rules.indicators, WorkCalendar.of(ctx.rules.pmo))
    return PlanShown(row.start_on, row.finish_on, float(row.budget), row.sponsor_id, row.method,
                     baseline, ctx.rules.pmo.currency, figures)


def plan_for_card(ctx: BotContext, project: Project,
                  recent: list[StatusUpdate]) -> PlanShown | None:
    """The plan of one project with today's indicators, from its updates (`recent`, newest
    first: the latest percent complete, cost to date and estimate at completion reported), and
    whether the latest update's colours are
    better than the numbers."""
    with ctx.db.read() as session:
        return _with_indicators(ctx, session, project, recent)


def flag_for_status(ctx: BotContext, session: Session, project: Project,
                    status: StatusUpdate) -> ReportedBetter | None:
    """For a status card, in the caller's session: whether `status` (the latest update) says
    better than the numbers do; None without a plan or when it does not."""
    if store.plan_of(session, project.id) is None:
        return None  # most projects, most of the time: one indexed look-up, nothing loaded
    recent = project_store.recent_statuses(session, project.id, RECENT_FOR_PERCENT)
    if not recent or recent[0].id != status.id:
        recent = [status, *recent]
    shown = _with_indicators(ctx, session, project, recent)
    return None if shown is None else shown.flag


RECENT_FOR_PERCENT = RECENT
"""How far back a percent complete, a cost to date or an estimate at completion is carried
forward when the latest update has none."""


def latest_progress(recent: list[StatusUpdate]) -> Progress:
    """The last known percent complete, cost to date (AC) and estimate at completion among
    `recent` updates (newest first): each carries forward until an update gives a new one."""
    return progress_of(recent)


def flags_of(ctx: BotContext, project_ids: list[int] | None = None
             ) -> dict[int, ReportedBetter]:
    """The reported-better flag of every project among these (None: the portfolio's) that has
    one, by id, for `/pmo projects` and the Home tab: two queries whatever their number
    (storage.plan_facts), the same judgement as `/pmo project KEY`."""
    with ctx.db.read() as session:
        facts = plan_facts(session, project_ids)
    return flags(facts, ctx.now(), ctx.rules)


def _with_indicators(ctx: BotContext, session: Session, project: Project,
                     recent: list[StatusUpdate]) -> PlanShown | None:
    row = store.plan_of(session, project.id)
    if row is None:
        return None
    milestones = [MilestoneDates(m.ref(project.key), m.due_on, m.forecast_on, m.done_on,
                                 m.weight)
                  for m in milestone_store.milestones_of(session, project.id)]
    shown = shown_plan(ctx, row, latest_progress(recent), milestones)
    if not recent:
        return shown
    latest = recent[0]
    reported = {"overall": latest.overall, "schedule": latest.schedule, "cost": latest.cost}
    return replace(shown, flag=reported_better(reported, shown.indicators,
                                               ctx.rules.indicators))
