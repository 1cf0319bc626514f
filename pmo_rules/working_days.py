"""Working days between many pairs of dates at once: the portfolio's slips.

`WorkCalendar.working_days_between` walks the days between two dates, which is right for one
milestone and slow for the tens of thousands a portfolio export counts. `DayCounter` answers the
same question from a running count of working days, built a whole year at a time on first use
(the calendar decides each day once), so each pair is two look-ups.
"""

from __future__ import annotations

from datetime import date

from pmo_rules.schedule import WorkCalendar


class DayCounter:
    """`working_days_between` as WorkCalendar answers it, for many pairs of dates."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self._years: tuple[int, int] | None = None
        self._first = 0  # the ordinal of 1 January of the first year counted
        self._running: list[int] = []  # working days from that day up to each day, inclusive

    def is_working_day(self, day: date) -> bool:
        return self.calendar.is_working_day(day)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is
        earlier (as WorkCalendar.working_days_between)."""
        low, high = start.toordinal() - self._first, end.toordinal() - self._first
        size = len(self._running)
        if not (0 <= low < size and 0 <= high < size):
            for day in (start, end):
                if self._years is None or not self._years[0] <= day.year <= self._years[1]:
                    self._count_years(day.year)
            low, high = start.toordinal() - self._first, end.toordinal() - self._first
        return self._running[high] - self._running[low]

    def _count_years(self, year: int) -> None:
        first, last = (year, year) if self._years is None else (
            min(year, self._years[0]), max(year, self._years[1]))
        self._years, self._first = (first, last), date(first, 1, 1).toordinal()
        running, total = [], 0
        for ordinal in range(self._first, date(last, 12, 31).toordinal() + 1):
            total += self.calendar.is_working_day(date.fromordinal(ordinal))
            running.append(total)
        self._running = running


Calendar = WorkCalendar | DayCounter
"""Either counts working days the same way; a DayCounter is faster for many dates."""
