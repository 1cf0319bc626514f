"""Earned value and schedule indicators (issue 11): every formula against hand-worked numbers,
published examples, the edge cases, slip on the Chinese calendar, and the indicated RAG."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pmo_rules.config import DEFAULT_RULES, IndicatorRules, RulesError, parse_rules
from pmo_rules.errors import UserError
from pmo_rules.indicators import (
    Baseline,
    MilestoneDates,
    Progress,
    calendar_share,
    compute,
    milestone_share,
    slip_of,
    worst_open_slip,
)
from pmo_rules.money import format_amount, parse_amount
from pmo_rules.rag import Rag
from pmo_rules.schedule import WorkCalendar

RULES = DEFAULT_RULES.indicators
WEEKDAYS = WorkCalendar()
CN = WorkCalendar(country="CN")
approx = pytest.approx


def at_share(bac: float, share: float, percent: int, ac: float | None,
             estimate: float | None = None):
    """Indicators on a 100-day baseline, `share` of it elapsed (calendar PV)."""
    start = date(2026, 1, 1)
    baseline = Baseline(start, date(2026, 4, 11), bac)  # 100 days
    today = date.fromordinal(start.toordinal() + round(share * 100))
    return compute(baseline, Progress(percent, ac, estimate), [], today, RULES, WEEKDAYS)


# --- published examples ---------------------------------------------------------------------

def test_textbook_example_schwalbe_web_server_activity():
    """Kathy Schwalbe, *Information Technology Project Management* (Cengage; chapter 7,
    "Project Cost Management", in the editions checked against), the earned value of one
    activity after week one. The book's setup, as quoted by course material: buying and
    installing a new web server was planned to take one week and cost $10,000 in all; it took
    two weeks and cost $20,000, $15,000 of it in week one. After week one, half the work is
    done (the book's 50% "rate of performance").

    Worked by hand from that setup (the book's table gives the same CV, SV, CPI and SPI):
      PV = $10,000 (all of it was scheduled by the end of week one: planned share 1, BAC 10,000)
      EV = 50% × $10,000 = $5,000;  AC = $15,000
      CV = EV − AC = −$10,000;  SV = EV − PV = −$5,000
      CPI = 5,000 / 15,000 = 0.333 (33%);  SPI = 5,000 / 10,000 = 0.5 (50%)
    Ours beyond the book's table: EAC = BAC / CPI = 30,000, VAC = 10,000 − 30,000 = −20,000,
    and no TCPI (AC is already over BAC)."""
    figures = at_share(10_000, 1.0, 50, 15_000)
    assert (figures.pv, figures.ev, figures.ac) == (10_000, 5_000, 15_000)
    assert figures.cv == -10_000 and figures.sv == -5_000
    assert figures.cpi == approx(1 / 3) and figures.spi == approx(0.5)
    assert figures.eac == approx(30_000)  # BAC / CPI
    assert figures.vac == approx(-20_000)
    assert figures.tcpi is None  # AC already over BAC: no budget left to work against
    assert figures.schedule is Rag.RED and figures.cost is Rag.RED


def test_textbook_example_ten_houses():
    """The ten-houses example (M. Salama, "Chapter 14: Earned Value Overview", slides; stored
    at https://ru.scribd.com/document/374082681/1-Earned-Value): ten houses at $1,000 in ten
    weeks, reported at the end of week 4 with 3 houses built for $6,000 → BAC 10,000, PV 4,000,
    EV 3,000, AC 6,000, CV −3,000, SV −1,000, SPI 0.75, CPI 0.5."""
    figures = at_share(10_000, 0.4, 30, 6_000)
    assert figures.pv == approx(4_000) and figures.ev == approx(3_000)
    assert figures.cv == approx(-3_000) and figures.sv == approx(-1_000)
    assert figures.spi == approx(0.75) and figures.cpi == approx(0.5)
    assert figures.eac == approx(20_000) and figures.vac == approx(-10_000)
    assert figures.tcpi == approx(7_000 / 4_000)  # (BAC − EV) / (BAC − AC)


def test_hand_worked_apollo():
    """APOLLO: CNY 400,000 over 5 Jan – 30 Oct 2026 (298 days), seen on 1 Jun (147 days in):
    PV = 400,000 × 147/298 = 197,315.44; 40% done → EV 160,000; AC 150,000.
    SPI = 160,000 / 197,315.44 = 0.8109 (red, < 0.85); CPI = 1.0667 (green);
    EAC = 375,000; VAC = 25,000; TCPI = 240,000 / 250,000 = 0.96; SV = −37,315.44; CV = 10,000."""
    baseline = Baseline(date(2026, 1, 5), date(2026, 10, 30), 400_000)
    figures = compute(baseline, Progress(40, 150_000), [], date(2026, 6, 1), RULES, WEEKDAYS)
    assert figures.pv == approx(197_315.436, abs=0.01)
    assert figures.ev == 160_000
    assert figures.spi == approx(0.81088, abs=1e-5)
    assert figures.cpi == approx(1.066667, abs=1e-6)
    assert figures.sv == approx(-37_315.44, abs=0.01) and figures.cv == 10_000
    assert figures.eac == approx(375_000) and figures.vac == approx(25_000)
    assert figures.tcpi == approx(0.96)
    assert figures.schedule is Rag.RED and figures.cost is Rag.GREEN
    assert figures.overall is Rag.RED


# --- planned value ----------------------------------------------------------------------------

def test_calendar_share_is_clamped():
    baseline = Baseline(date(2026, 1, 1), date(2026, 1, 11), 100)
    assert calendar_share(baseline, date(2025, 12, 1)) == 0
    assert calendar_share(baseline, date(2026, 1, 1)) == 0
    assert calendar_share(baseline, date(2026, 1, 6)) == 0.5
    assert calendar_share(baseline, date(2026, 1, 11)) == 1
    assert calendar_share(baseline, date(2027, 1, 1)) == 1


def test_milestone_share_counts_weights_of_passed_baseline_dates():
    milestones = [MilestoneDates("M1", date(2026, 3, 1), weight=1),
                  MilestoneDates("M2", date(2026, 6, 1), weight=3, forecast=date(2026, 7, 1)),
                  MilestoneDates("M3", date(2026, 9, 1), weight=4)]
    assert milestone_share(milestones, date(2026, 2, 28)) == 0
    assert milestone_share(milestones, date(2026, 3, 1)) == 1 / 8
    assert milestone_share(milestones, date(2026, 6, 2)) == 4 / 8  # the baseline date counts
    assert milestone_share([], date(2026, 6, 2)) is None
    rules = IndicatorRules(planned_value="milestones")
    baseline = Baseline(date(2026, 1, 1), date(2026, 12, 31), 80_000)
    figures = compute(baseline, Progress(50, 40_000), milestones, date(2026, 6, 2), rules,
                      WEEKDAYS)
    assert figures.pv == 40_000 and figures.spi == 1


def test_milestone_planned_value_without_milestones_falls_back_to_calendar():
    rules = IndicatorRules(planned_value="milestones")
    baseline = Baseline(date(2026, 1, 1), date(2026, 1, 11), 1_000)
    assert compute(baseline, Progress(), [], date(2026, 1, 6), rules, WEEKDAYS).pv == 500


# --- edge cases -------------------------------------------------------------------------------

def test_no_baseline_indicates_nothing_but_the_slip():
    figures = compute(None, Progress(50, 1_000, 2_000), [], date(2026, 6, 1), RULES, WEEKDAYS)
    assert figures.pv is None and figures.spi is None and figures.cpi is None
    assert figures.schedule is None and figures.cost is None and figures.overall is None
    assert figures.ac == 1_000 and figures.pm_eac == 2_000
    late = [MilestoneDates("APOLLO-M1", date(2026, 5, 1))]
    assert compute(None, Progress(), late, date(2026, 6, 1), RULES,
                   WEEKDAYS).schedule is Rag.RED


def test_before_the_start_pv_is_zero_and_spi_undefined():
    figures = at_share(10_000, 0, 5, 100)
    assert figures.pv == 0 and figures.ev == 500 and figures.sv == 500
    assert figures.spi is None and figures.cpi == 5
    assert figures.schedule is None and figures.cost is Rag.GREEN


def test_no_actual_cost_or_zero_leaves_cost_indices_undefined():
    for ac in (None, 0):
        figures = at_share(10_000, 0.5, 50, ac)
        assert figures.cpi is None and figures.eac is None and figures.vac is None
        assert figures.spi == 1 and figures.cost is None and figures.schedule is Rag.GREEN
    assert at_share(10_000, 0.5, 50, 0).tcpi == approx(0.5)
    assert at_share(10_000, 0.5, 50, None).cv is None


def test_percent_missing_leaves_earned_value_undefined():
    figures = at_share(10_000, 0.5, None, 4_000)  # type: ignore[arg-type]
    assert figures.pv == 5_000 and figures.ac == 4_000
    assert None is figures.ev is figures.spi is figures.cpi is figures.sv is figures.cv
    assert figures.eac is None and figures.tcpi is None
    assert figures.schedule is None and figures.cost is None


def test_the_pms_estimate_stands_beside_eac_and_can_make_cost_worse():
    figures = at_share(100_000, 0.5, 50, 50_000, estimate=120_000)
    assert figures.eac == approx(100_000) and figures.pm_eac == 120_000
    assert figures.cpi == 1 and figures.cost is Rag.RED  # the PM expects 20% over
    assert at_share(100_000, 0.5, 50, 50_000, estimate=106_000).cost is Rag.AMBER


# --- indicated RAG thresholds -----------------------------------------------------------------

@pytest.mark.parametrize(("percent", "colour"), [(50, Rag.GREEN), (48, Rag.GREEN),
                                                 (47, Rag.AMBER), (43, Rag.AMBER), (42, Rag.RED)])
def test_spi_thresholds(percent, colour):
    # PV 5,000: SPI 1.0, 0.96, 0.94, 0.86, 0.84
    assert at_share(10_000, 0.5, percent, None).schedule is colour


def test_thresholds_at_the_boundaries():
    # SPI exactly 0.95 is green, exactly 0.85 amber; EAC exactly 5% over is amber.
    assert at_share(10_000, 0.2, 19, None).schedule is Rag.GREEN  # 1,900 / 2,000 = 0.95
    assert at_share(10_000, 0.2, 17, None).schedule is Rag.AMBER  # 0.85
    assert at_share(10_000, 0.5, 50, 5_250).cost is Rag.AMBER  # CPI 0.952, EAC +5%
    assert at_share(10_000, 0.5, 50, 5_000, estimate=11_500).cost is Rag.RED  # +15%


def test_schedule_takes_the_worse_of_spi_and_slip():
    baseline = Baseline(date(2026, 1, 1), date(2026, 12, 31), 100_000)
    slipped = [MilestoneDates("M1", date(2026, 6, 1), forecast=date(2026, 6, 8))]  # 5 days
    figures = compute(baseline, Progress(50, 50_000), slipped, date(2026, 7, 2), RULES,
                      WEEKDAYS)
    assert figures.spi == 1 and figures.worst_slip.days == 23  # overdue: today counts
    assert figures.schedule is Rag.RED
    on_time = [MilestoneDates("M1", date(2026, 8, 3), forecast=date(2026, 8, 10))]
    figures = compute(baseline, Progress(50, 50_000), on_time, date(2026, 7, 2), RULES,
                      WEEKDAYS)
    assert figures.worst_slip.days == 5 and figures.schedule is Rag.AMBER


def test_threshold_rules_are_checked():
    assert parse_rules({"indicators": {"spi_amber": 0.9, "spi_red": 0.8}}).indicators.spi_red == 0.8
    for table, key in (({"spi_red": 0.99}, "indicators.spi_red"),
                       ({"cpi_amber": 0}, "indicators.cpi_amber"),
                       ({"cpi_amber": True}, "indicators.cpi_amber"),
                       ({"slip_amber_days": 10, "slip_red_days": 5}, "indicators.slip_red_days"),
                       ({"planned_value": "weights"}, "indicators.planned_value"),
                       ({"spi": 1}, "indicators.spi")):
        with pytest.raises(RulesError) as refused:
            parse_rules({"indicators": table})
        assert refused.value.key == key
    assert parse_rules({"pmo": {"currency": "EUR"}}).pmo.currency == "EUR"
    with pytest.raises(RulesError, match="pmo.currency"):
        parse_rules({"pmo": {"currency": "yuan"}})


# --- slip in working days ---------------------------------------------------------------------

def test_slip_counts_working_days_not_calendar_days():
    friday, monday = date(2026, 11, 27), date(2026, 11, 30)
    assert WEEKDAYS.working_days_between(friday, monday) == 1
    assert WEEKDAYS.working_days_between(monday, friday) == -1
    assert WEEKDAYS.working_days_between(friday, friday) == 0
    assert slip_of(MilestoneDates("M", friday, forecast=monday), friday, WEEKDAYS) == 1
    assert slip_of(MilestoneDates("M", monday, forecast=friday), friday, WEEKDAYS) == 0  # early
    done = MilestoneDates("M", friday, done_on=monday)
    assert slip_of(done, date(2026, 12, 31), WEEKDAYS) == 0  # done: not open


def test_slip_over_golden_week_with_the_adjusted_working_saturday():
    """China 2026: 1–7 October are holidays and Saturday 10 October is worked. A milestone due
    Wednesday 30 September, forecast Monday 12 October, slips 8 calendar-working-days of a
    plain week calendar but 4 on the PMO's: 8, 9, 10 (the adjusted Saturday) and 12 October."""
    due, forecast = date(2026, 9, 30), date(2026, 10, 12)
    assert CN.working_days_between(due, forecast) == 4
    assert WEEKDAYS.working_days_between(due, forecast) == 8
    late = MilestoneDates("APOLLO-M2", due, forecast=forecast)
    assert slip_of(late, date(2026, 9, 1), CN) == 4
    # overdue and no new forecast: today counts, through the holiday
    overdue = MilestoneDates("APOLLO-M3", due)
    assert slip_of(overdue, date(2026, 10, 10), CN) == 3
    assert worst_open_slip([late, overdue], date(2026, 10, 10), CN).label == "APOLLO-M2"


# --- money --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "amount"), [
    ("400000", "400000"), ("400,000", "400000"), ("400000.50", "400000.50"),
    ("1,234,567.8", "1234567.80"), ("40万", "400000"), ("1.5亿", "150000000"),
    ("400k", "400000"), ("400K", "400000"), ("1.2m", "1200000"), ("1.2M", "1200000"),
    (" 12.5万 ", "125000"),
])
def test_amounts_people_type(typed, amount):
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["4e5", "400.000", "4,00,000", "40,0000", "-5000", "¥400000",
                                   "400000 CNY", "400 000", "1.2mm", "", "万", "0.000001k",
                                   "1.005"])
def test_amounts_refused(typed):
    with pytest.raises(UserError) as refused:
        parse_amount(typed)
    assert refused.value.key == "money.malformed"


def test_zero_and_huge_budgets_are_refused():
    for typed in ("0", "0.00", "0万"):
        with pytest.raises(UserError, match="money.zero"):
            parse_amount(typed)
    assert parse_amount("0", allow_zero=True) == 0
    with pytest.raises(UserError, match="money.too_large"):
        parse_amount("100000亿")


def test_amounts_shown():
    assert format_amount(Decimal("400000"), "CNY") == "CNY 400,000"
    assert format_amount(1234.5, "EUR") == "EUR 1,234.50"
    assert format_amount(-25000, "CNY") == "CNY −25,000"
    assert format_amount(367_723.34, "CNY", whole=True) == "CNY 367,723"


# --- reported better than the numbers -----------------------------------------------------------

def test_reported_green_while_the_numbers_say_red_is_flagged_with_the_evidence():
    from pmo_rules.indicators import reported_better
    baseline = Baseline(date(2026, 1, 1), date(2026, 11, 27), 100_000)  # 330 days
    slipped = [MilestoneDates("APOLLO-M2", date(2026, 5, 1), forecast=date(2026, 5, 19))]
    # 13 May is 132 days in: PV 40,000; 30% done → EV 30,000, SPI 0.75; AC 40,000 → CPI 0.75,
    # EAC 133,333 (33% over); M2 forecast 12 working days after its Friday 1 May
    figures = compute(baseline, Progress(30, 40_000), slipped, date(2026, 5, 13), RULES,
                      WEEKDAYS)
    assert figures.worst_slip.days == 12 and figures.overall is Rag.RED
    flag = reported_better({"overall": "green", "schedule": None, "cost": None}, figures, RULES)
    assert (flag.aspect, flag.reported, flag.indicated) == ("overall", Rag.GREEN, Rag.RED)
    assert flag.spi == approx(0.75) and flag.cpi == approx(0.75)
    assert flag.slip.label == "APOLLO-M2" and flag.overrun_pct == 33
    # reporting the same colour (or worse) is not flagged; the schedule alone names its evidence
    assert reported_better({"overall": "red"}, figures, RULES) is None
    flag = reported_better({"overall": "red", "schedule": "amber"}, figures, RULES)
    assert flag.aspect == "schedule" and flag.cpi is None and flag.overrun_pct is None
    assert reported_better({"overall": "green"}, compute(None, Progress(), [], date(2026, 5, 13),
                                                         RULES, WEEKDAYS), RULES) is None
