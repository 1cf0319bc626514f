"""A closing report's figures: planned against actual dates and cost (pure; services/closing.py
reads the rows). Planned means the baseline when there is one, else the plan as it stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PlanVsActual:
    """Planned and actual start, finish and cost; the slip in days (positive: later than
    planned) and the cost variance (positive: over budget), None where a side is unknown."""

    planned_start: date
    planned_finish: date
    budget: float
    baseline: bool
    actual_start: date
    actual_finish: date
    actual_cost: float | None
    slip_days: int
    cost_variance: float | None
    cost_variance_pct: float | None


def plan_vs_actual(*, planned_start: date, planned_finish: date, budget: float, baseline: bool,
                   actual_start: date, actual_finish: date,
                   actual_cost: float | None) -> PlanVsActual:
    variance = None if actual_cost is None else actual_cost - budget
    percent = None if variance is None or not budget else round(100 * variance / budget, 1)
    return PlanVsActual(planned_start, planned_finish, budget, baseline, actual_start,
                        actual_finish, actual_cost, (actual_finish - planned_finish).days,
                        variance, percent)
