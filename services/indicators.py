"""The indicators of every project on one day, read in a fixed number of queries.

The export (`pmo-bot export indicators`) and the benchmark (bench/indicators.py) read the whole
portfolio this way: every project with its plan, every milestone, and each project's latest
update (with the percent complete, cost to date and estimate carried forward from the ten before
it by the database) are three queries whatever the number of projects; the figures are
`pmo_rules.indicators.compute`, as on `/pmo project KEY`. Slips are counted by a
`DayCounter` (two look-ups a milestone), not day by day.

As of a past day, the updates are those posted by the end of that day (the PMO's clock), a
milestone done later counts as open, one added later and a baseline taken later are left out.
Forecasts are the current ones (their history is in the audit log, not replayed here).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import Row
from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.indicators import (
    Baseline,
    Indicators,
    MilestoneDates,
    Progress,
    ReportedBetter,
    compute,
    reported_better,
)
from pmo_rules.schedule import WorkCalendar
from pmo_rules.working_days import DayCounter
from services.bulk import cycles_paused
from storage import exports as store


class ProjectFigures(NamedTuple):
    """One project's indicators on one day: nothing indicated without a plan (as on its card).
    `project` has the project's id, key, name, phase, state and pm_id; `latest` is the last
    update by that day (overall, schedule, cost, created_at, …); `flag` whether its colours say
    better than the numbers."""

    project: Row
    baseline: Baseline | None
    indicators: Indicators
    latest: Row | None
    flag: ReportedBetter | None


def end_of(today: date, rules: Rules) -> datetime:
    """The end of `today` on the PMO's clock, an aware datetime."""
    return datetime.combine(today + timedelta(days=1), time(), rules.pmo.tz)


def portfolio_indicators(session: Session, rules: Rules, today: date) -> Iterator[ProjectFigures]:
    """Every project, by KEY, with its indicators on `today` (a local date)."""
    end = end_of(today, rules)
    calendar = DayCounter(WorkCalendar.of(rules.pmo))
    # Unless the planned value is the milestones' share, only the milestones that may have
    # slipped are read (the worst slip is all the others are needed for), and whether each
    # project has any.
    every = rules.indicators.planned_value == "milestones"
    with cycles_paused():
        projects = store.projects_with_plans(session, end)
        milestones = store.milestones_by_project(session, end, None if every else today)
        statuses = store.latest_statuses_by_project(session, end)
        for project in projects:
            yield figures_of(project, milestones.get(project.id, ()), statuses.get(project.id),
                             today, end, rules, calendar,
                             has_milestones=None if every else project.has_milestones)


def figures_of(project: Row, milestones: Sequence[Row], latest: Row | None, today: date,
               end: datetime, rules: Rules, calendar: DayCounter, *,
               has_milestones: bool | None = None) -> ProjectFigures:
    """`latest` carries the percent complete, cost and estimate forward (latest_statuses_by_
    project), so it is the progress too. `milestones` are all the project's, or, with
    `has_milestones`, those that may have slipped (pmo_rules.indicators.compute)."""
    (_id, key, _name, _phase, _state, _pm, has_plan, baseline_start, baseline_finish,
     baseline_budget, baselined_at, *_more) = project
    if not has_plan:
        return ProjectFigures(project, None, Indicators(), latest, None)
    baseline = None
    if baselined_at is not None and baselined_at < end:
        baseline = Baseline(baseline_start, baseline_finish, float(baseline_budget))
    # Rows unpacked, not read by name: a row's attribute is a look-up (0.3 µs), and ten
    # thousand projects read about twenty each (storage.exports gives the columns' order).
    dates = [MilestoneDates(f"{key}-M{number}", due_on, forecast_on,
                            done_on if done_on and done_on <= today else None, weight)
             for _project, number, due_on, forecast_on, done_on, weight in milestones]
    if latest is None:
        return ProjectFigures(project, baseline, compute(
            baseline, Progress(), dates, today, rules.indicators, calendar,
            has_milestones=has_milestones), None, None)
    _project, _at, overall, schedule, cost, percent, actual, estimate = latest
    figures = compute(baseline, Progress(percent, _float(actual), _float(estimate)), dates,
                      today, rules.indicators, calendar, has_milestones=has_milestones)
    flag = reported_better({"overall": overall, "schedule": schedule, "cost": cost}, figures,
                           rules.indicators)
    return ProjectFigures(project, baseline, figures, latest, flag)


def _float(value) -> float | None:
    return None if value is None else float(value)
