"""`DayCounter` counts working days between two dates exactly as `WorkCalendar` does (China's
holidays and adjusted working Saturdays included), across year ends and in both directions."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from pmo_rules.schedule import WorkCalendar
from pmo_rules.working_days import DayCounter


@pytest.mark.parametrize("calendar", [WorkCalendar(), WorkCalendar(country="CN"),
                                      WorkCalendar((0, 1, 2, 3, 4, 5), "DE")])
def test_the_counter_agrees_with_the_calendar(calendar):
    counter, draw = DayCounter(calendar), random.Random(11)
    for _ in range(2000):
        start = date(2025, 1, 1) + timedelta(days=draw.randint(0, 1500))
        end = start + timedelta(days=draw.randint(-400, 400))
        assert counter.working_days_between(start, end) == calendar.working_days_between(
            start, end), (start, end)


def test_national_day_and_its_adjusted_saturday():
    counter = DayCounter(WorkCalendar(country="CN"))
    # across the National Day holiday (and its adjusted working days, if any)
    assert counter.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == (
        WorkCalendar(country="CN").working_days_between(date(2026, 9, 30), date(2026, 10, 12)))
    assert counter.working_days_between(date(2026, 10, 16), date(2026, 12, 4)) == 35
