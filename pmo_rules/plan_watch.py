"""The plans of many projects held against their numbers at once: the reported-better flag of
each (`/pmo projects`, the Home tab) and the digest's two plan sections ("Reported better than
the numbers", "Schedule and cost").

Pure: storage reads the plans, milestones and recent updates of the projects in a fixed number
of queries (storage/plan_facts.py) and hands them here with `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pmo_rules.config import Rules
from pmo_rules.indicators import (
    Baseline,
    Calendar,
    Indicators,
    MilestoneDates,
    Progress,
    ReportedBetter,
    compute,
    reported_better,
    slip_of,
)
from pmo_rules.schedule import WorkCalendar
from pmo_rules.working_days import DayCounter

TOP = 10
"""Entries per digest list; the rest are counted ("…and 12 more")."""
DUE_WITHIN_DAYS = 14
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class MilestoneFact:
    number: int
    title: str
    owner_id: str
    weight: int
    due_on: date
    forecast_on: date | None
    done_on: date | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Reported:
    """One status update as the indicators need it."""

    overall: str | None
    schedule: str | None
    cost: str | None
    percent_complete: int | None
    actual_cost: float | None
    estimate_at_completion: float | None


@dataclass(frozen=True, slots=True)
class PlanFacts:
    """One project's plan (its baseline; None when the plan has none yet), milestones and its
    latest update (`recent`: none, or one, with the percent complete, cost and estimate
    carried forward from the updates before it, as `progress_of` would from all of them)."""

    key: str
    has_plan: bool
    baseline: Baseline | None
    milestones: tuple[MilestoneFact, ...] = ()
    recent: tuple[Reported, ...] = ()
    has_milestones: bool | None = None
    """Whether it has any milestone, when `milestones` holds only those the digest needs
    (storage.plan_facts `digest_on`); None: `milestones` are all of them."""


def progress_of(recent: Sequence[Any]) -> Progress:
    """The last known percent complete, cost to date and estimate at completion among `recent`
    updates (newest first): each carries forward until an update gives a new one."""
    def last(name: str) -> Any:
        return next((getattr(s, name) for s in recent if getattr(s, name) is not None), None)
    actual, estimate = last("actual_cost"), last("estimate_at_completion")
    return Progress(last("percent_complete"), None if actual is None else float(actual),
                    None if estimate is None else float(estimate))


def _dates(facts: PlanFacts) -> list[MilestoneDates]:
    return [MilestoneDates(f"{facts.key}-M{m.number}", m.due_on, m.forecast_on, m.done_on,
                           m.weight) for m in facts.milestones]


def today_of(now: datetime, rules: Rules) -> date:
    return now.astimezone(rules.pmo.tz).date()


def judged(facts: PlanFacts, today: date, rules: Rules,
           calendar: Calendar) -> tuple[Indicators, ReportedBetter | None]:
    """The project's indicators today, and its flag (None without a plan or an update, or when
    the latest update is not better than the numbers) — what `/pmo project KEY` says."""
    figures = compute(facts.baseline, progress_of(facts.recent), _dates(facts), today,
                      rules.indicators, calendar, has_milestones=facts.has_milestones)
    if not facts.has_plan or not facts.recent:
        return figures, None
    latest = facts.recent[0]
    said = {"overall": latest.overall, "schedule": latest.schedule, "cost": latest.cost}
    return figures, reported_better(said, figures, rules.indicators)


def flags(facts: Mapping[int, PlanFacts], now: datetime,
          rules: Rules) -> dict[int, ReportedBetter]:
    """The flag of every project that has one, by project id."""
    today, calendar = today_of(now, rules), DayCounter(WorkCalendar.of(rules.pmo))
    found = {}
    for pid, fact in facts.items():
        if fact.has_plan and fact.recent:
            flag = judged(fact, today, rules, calendar)[1]
            if flag is not None:
                found[pid] = flag
    return found


@dataclass(frozen=True, slots=True)
class Top:
    """The first lines of a list and how many it holds in all (as storage.digest_sections)."""

    rows: tuple[Mapping[str, Any], ...] = ()
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def _top(lines: list[dict[str, Any]]) -> Top:
    return Top(tuple(lines[:TOP]), len(lines))


def digest_sections(facts: Iterable[PlanFacts], now: datetime,
                    rules: Rules) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    """The digest's "Reported better than the numbers" (`plan_flags`) and "Schedule and cost"
    (`plan_schedule`) sections, each left out when it has nothing to say.

    - flagged: projects whose latest reported colour is better than the indicated one, worst
      indicated colour first, with the evidence;
    - worst: projects whose SPI or CPI is below its amber threshold, lowest index first;
    - slipped: open milestones that slipped this week — re-forecast past their baseline date in
      the last seven days, or whose expected date passed in the last seven days without being
      done — most working days late first;
    - due: open milestones expected in the next 14 days (today included), soonest first."""
    today, calendar = today_of(now, rules), DayCounter(WorkCalendar.of(rules.pmo))
    ind = rules.indicators
    horizon = today + timedelta(days=DUE_WITHIN_DAYS)
    flagged, worst, slipped, due = [], [], [], []
    for fact in facts:
        figures, flag = judged(fact, today, rules, calendar)
        if flag is not None:
            flagged.append({"key": fact.key, "flag": flag})
        below = [value for value, amber in ((figures.spi, ind.spi_amber),
                                            (figures.cpi, ind.cpi_amber))
                 if value is not None and round(value, 6) < amber]
        if below:
            worst.append({"key": fact.key, "spi": figures.spi, "cpi": figures.cpi,
                          "lowest": min(below), "schedule": figures.schedule,
                          "cost": figures.cost})
        for m in fact.milestones:
            if m.done_on is not None:
                continue
            expected = m.forecast_on or m.due_on
            soon = today <= expected <= horizon
            moved = m.forecast_on is not None and m.forecast_on > m.due_on \
                and m.updated_at > now - WEEK
            recently = moved or today - WEEK <= expected < today
            if not (soon or recently):
                continue  # in neither list: its slip is not needed
            line = {"ref": f"{fact.key}-M{m.number}", "title": m.title, "owner": m.owner_id,
                    "due": m.due_on, "expected": expected,
                    "slip": slip_of(MilestoneDates("", m.due_on, m.forecast_on), today,
                                    calendar)}
            if recently and line["slip"] > 0:
                slipped.append(line)
            if soon:
                due.append(line)
    flagged.sort(key=lambda f: (-f["flag"].indicated.severity, f["key"]))
    worst.sort(key=lambda w: (w["lowest"], w["key"]))
    slipped.sort(key=lambda m: (-m["slip"], m["ref"]))
    due.sort(key=lambda m: (m["expected"], m["ref"]))
    sections = []
    if flagged:
        sections.append(("plan_flags", {"flagged": _top(flagged)}))
    if worst or slipped or due:
        sections.append(("plan_schedule", {"worst": _top(worst), "slipped": _top(slipped),
                                           "due": _top(due), "within": DUE_WITHIN_DAYS}))
    return tuple(sections)
