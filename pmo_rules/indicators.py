"""Earned value and schedule indicators of one project, and the RAG they indicate.

Pure: the baseline, the latest progress and the milestones come in, with `today` (a local date
in the PMO's time zone) and the work calendar; nothing is read or stored here.

Definitions (issue 11, PMBOK's earned-value terms):
- PV = BAC × planned share. The share is, by default, the calendar days from the baseline start
  to today over the days from start to finish, clamped to 0–1; with `[indicators]
  planned_value = "milestones"` the weight share of milestones whose baseline date has passed
  (a project without milestones falls back to the calendar share).
- EV = BAC × percent complete; AC = actual cost to date.
- SPI = EV / PV, CPI = EV / AC, SV = EV − PV, CV = EV − AC, EAC = BAC / CPI (the PM's own
  estimate is kept beside it), VAC = BAC − EAC, TCPI = (BAC − EV) / (BAC − AC).
- Worst open slip: the largest slip, in working days, of a milestone not done: its forecast
  against its baseline date, or today against it once it is overdue.

Edge cases give None, never an exception: no baseline → nothing is indicated; PV = 0 (before
the start) → no SPI; AC missing or 0 → no CPI, EAC or VAC; percent missing → no EV and nothing
derived from it; AC at or over BAC → no TCPI (no remaining budget to work against). A budget
of 0 and a finish before the start are refused where the plan is typed (`pmo_rules.plans`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from pmo_rules.config import IndicatorRules
from pmo_rules.rag import Rag
from pmo_rules.working_days import Calendar


class Baseline(NamedTuple):
    """The plan the numbers are held against: dates and the budget at completion (BAC)."""

    start: date
    finish: date
    budget: float


class Progress(NamedTuple):
    """What the PM last reported: percent complete, actual cost to date, own estimate."""

    percent: int | None = None
    actual_cost: float | None = None
    estimate: float | None = None


class MilestoneDates(NamedTuple):
    """A milestone as the indicators see it."""

    label: str
    baseline: date
    forecast: date | None = None
    done_on: date | None = None
    weight: int = 1


class Slip(NamedTuple):
    label: str
    days: int


class Indicators(NamedTuple):
    """Every figure of one project on one day; None where it is not defined (see above)."""

    bac: float | None = None
    pv: float | None = None
    ev: float | None = None
    ac: float | None = None
    spi: float | None = None
    cpi: float | None = None
    sv: float | None = None
    cv: float | None = None
    eac: float | None = None
    pm_eac: float | None = None
    vac: float | None = None
    tcpi: float | None = None
    worst_slip: Slip | None = None
    schedule: Rag | None = None
    cost: Rag | None = None

    @property
    def overall(self) -> Rag | None:
        """The worse of the schedule and cost colours (None when neither is indicated)."""
        return worse(self.schedule, self.cost)


def worse(*colours: Rag | None) -> Rag | None:
    found = None
    for colour in colours:  # a loop, not max(): ten thousand projects call this thrice each
        if colour is not None and (found is None or colour.severity > found.severity):
            found = colour
    return found


def calendar_share(baseline: Baseline, today: date) -> float:
    """Share of the baseline's calendar days elapsed by `today`, 0–1."""
    if today <= baseline.start:
        return 0.0
    if today >= baseline.finish:
        return 1.0
    return (today - baseline.start).days / (baseline.finish - baseline.start).days


def milestone_share(milestones: Sequence[MilestoneDates], today: date) -> float | None:
    """Weight share of milestones whose baseline date has passed (is before `today`, or is
    `today`); None without milestones (or with weights all 0)."""
    total = sum(m.weight for m in milestones)
    if total <= 0:
        return None
    return sum(m.weight for m in milestones if m.baseline <= today) / total


def slip_of(milestone: MilestoneDates, today: date, calendar: Calendar) -> int:
    """Working days an open milestone is late: its forecast against its baseline, or today
    against it once even the forecast has passed; 0 when on time or early; 0 when done."""
    if milestone.done_on is not None:
        return 0
    expected = milestone.forecast or milestone.baseline
    if today > expected:
        expected = today
    return max(0, calendar.working_days_between(milestone.baseline, expected))


def worst_open_slip(milestones: Sequence[MilestoneDates], today: date,
                    calendar: Calendar) -> Slip | None:
    """The open milestone that slipped most (the first one on a tie); None when nothing open
    has slipped."""
    worst: Slip | None = None
    for milestone in milestones:
        days = slip_of(milestone, today, calendar)
        if days > 0 and (worst is None or days > worst.days):
            worst = Slip(milestone.label, days)
    return worst


def compute(baseline: Baseline | None, progress: Progress, milestones: Sequence[MilestoneDates],
            today: date, rules: IndicatorRules, calendar: Calendar, *,
            has_milestones: bool | None = None) -> Indicators:
    """Every indicator of one project on `today` (a local date in the PMO's time zone).

    `milestones` are all of the project's; or, with `has_milestones` (whether it has any),
    only those that may have slipped (any other's slip is 0), when the planned value is not
    the milestones' share: what a portfolio reads (services/indicators.py)."""
    slip = worst_open_slip(milestones, today, calendar)
    planned = bool(milestones) if has_milestones is None else has_milestones
    if baseline is None or baseline.budget <= 0:
        return Indicators(worst_slip=slip, schedule=_slip_rag(slip, planned, rules),
                          pm_eac=progress.estimate, ac=progress.actual_cost)
    bac = baseline.budget
    share = None
    if rules.planned_value == "milestones":
        if has_milestones is not None:
            raise ValueError("the milestones' planned value needs every milestone")
        share = milestone_share(milestones, today)
    if share is None:
        share = calendar_share(baseline, today)
    pv = bac * share
    ev = None if progress.percent is None else bac * progress.percent / 100
    ac = progress.actual_cost
    spi = ev / pv if ev is not None and pv > 0 else None
    cpi = ev / ac if ev is not None and ac else None
    eac = bac / cpi if cpi else None
    return Indicators(
        bac=bac, pv=pv, ev=ev, ac=ac, spi=spi, cpi=cpi,
        sv=None if ev is None else ev - pv,
        cv=None if ev is None or ac is None else ev - ac,
        eac=eac, pm_eac=progress.estimate,
        vac=None if eac is None else bac - eac,
        tcpi=(bac - ev) / (bac - ac) if ev is not None and ac is not None and ac < bac else None,
        worst_slip=slip,
        schedule=worse(_index_rag(spi, rules.spi_amber, rules.spi_red),
                       _slip_rag(slip, planned, rules)),
        cost=worse(_index_rag(cpi, rules.cpi_amber, rules.cpi_red),
                   _overrun_rag(bac, (eac, progress.estimate), rules)))


def _index_rag(index: float | None, amber: float, red: float) -> Rag | None:
    if index is None:
        return None
    index = round(index, 6)
    if index < red:
        return Rag.RED
    return Rag.AMBER if index < amber else Rag.GREEN


def _slip_rag(slip: Slip | None, has_milestones: bool, rules: IndicatorRules) -> Rag | None:
    """The slip's colour; None without milestones (nothing to slip), green when none slipped."""
    if not has_milestones:
        return None
    days = slip.days if slip else 0
    if days >= rules.slip_red_days:
        return Rag.RED
    return Rag.AMBER if days >= rules.slip_amber_days else Rag.GREEN


def _overrun_rag(bac: float, estimates: tuple[float | None, ...],
                 rules: IndicatorRules) -> Rag | None:
    """The colour of the highest estimate at completion (computed or the PM's) against BAC."""
    known = [e for e in estimates if e is not None]
    if not known:
        return None
    overrun = round((max(known) / bac - 1) * 100, 6)
    if overrun >= rules.overrun_red_pct:
        return Rag.RED
    return Rag.AMBER if overrun >= rules.overrun_amber_pct else Rag.GREEN


_RAG = {rag.value: rag for rag in Rag}
"""A stored colour's Rag without the enum's call (ten thousand projects, three colours each)."""


class ReportedBetter(NamedTuple):
    """The PM reported a better colour than the numbers indicate ("watermelon": green outside,
    red inside): which aspect, both colours, and the evidence past its amber threshold."""

    aspect: str
    reported: Rag
    indicated: Rag
    spi: float | None = None
    cpi: float | None = None
    slip: Slip | None = None
    overrun_pct: int | None = None


def reported_better(reported: dict[str, str | None], figures: Indicators,
                    rules: IndicatorRules) -> ReportedBetter | None:
    """The first of overall, schedule and cost where the reported colour (`reported`, by
    aspect; None when not reported) is better than the indicated one; None when none is. The
    PM is not overruled: this only says so, with the evidence."""
    indicated = {"overall": figures.overall, "schedule": figures.schedule, "cost": figures.cost}
    for aspect in ("overall", "schedule", "cost"):
        said, numbers = reported.get(aspect), indicated[aspect]
        if said is None or numbers is None or \
                (_RAG.get(said) or Rag(said)).severity >= numbers.severity:
            continue
        estimates = [e for e in (figures.eac, figures.pm_eac) if e is not None]
        overrun = (round((max(estimates) / figures.bac - 1) * 100)
                   if estimates and figures.bac else None)
        return ReportedBetter(
            aspect, Rag(said), numbers,
            spi=figures.spi if figures.spi is not None and round(figures.spi, 6)
            < rules.spi_amber and aspect != "cost" else None,
            cpi=figures.cpi if figures.cpi is not None and round(figures.cpi, 6)
            < rules.cpi_amber and aspect != "schedule" else None,
            slip=figures.worst_slip if figures.worst_slip is not None and
            figures.worst_slip.days >= rules.slip_amber_days and aspect != "cost" else None,
            overrun_pct=overrun if overrun is not None and overrun >= rules.overrun_amber_pct
            and aspect != "schedule" else None)
    return None
