"""The bot's sense of time: working days, civil hours and the weekly digest period.

Everything here is a pure function of `now` (an aware UTC datetime) and the rules. Periods are
keyed by *local dates* — the recipient's for nudges, the PMO's for the digest — never by UTC
hours, so a daylight-saving change (a 23- or 25-hour day, or Lord Howe's 30-minute shift) can
neither skip a period nor create a second one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from pmo_rules.config import DigestRules, PmoRules, ReminderRules


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Which local dates are working days: `[pmo] working_days` minus public holidays.

    Where the `holidays` package knows a country's adjusted working days (China moves weekend
    days to make long holidays: a Saturday or Sunday that is worked), those count as working
    days even though they fall on a day that is normally off.
    """

    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    country: str | None = None

    @classmethod
    def of(cls, pmo: PmoRules) -> WorkCalendar:
        return cls(pmo.working_days, pmo.holidays_country)

    def is_working_day(self, day: date) -> bool:
        if self.country is None:
            return day.weekday() in self.working_days
        public, made_up = _holidays(self.country, day.year)
        if day in made_up:
            return True
        return day.weekday() in self.working_days and day not in public

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is
        earlier. A milestone due on Friday and forecast for Monday slips 1 working day."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1)
                   if self.is_working_day(start + timedelta(days=n)))


@functools.cache
def _holidays(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays, adjusted working days) of one country and year, computed once.

    Frozen sets rather than the package's lazily growing dict, so threads can share them.
    """
    import holidays

    calendar = holidays.country_holidays(country, years=year)
    made_up = getattr(calendar, "weekend_workdays", ())
    return (frozenset(calendar), frozenset(d for d in made_up if d.year == year))


def local_now(now: datetime, tz: tzinfo) -> datetime:
    """`now` on the wall clock of `tz`."""
    return now.astimezone(tz)


def in_civil_hours(now: datetime, tz: tzinfo, reminders: ReminderRules,
                   calendar: WorkCalendar) -> bool:
    """May a nudge reach someone in `tz` now: a working day, between window_start and window_end?"""
    local = local_now(now, tz)
    return (calendar.is_working_day(local.date())
            and reminders.window_start <= local.time().replace(tzinfo=None) < reminders.window_end)


def snooze_end(now: datetime, tz: tzinfo, days: int) -> datetime:
    """When a snooze clicked at `now` runs out: the start of the local day after `days` days.

    "Snooze 1 day" on Monday skips Tuesday's nudge and lets Wednesday's through; the end is
    local midnight so that it is the same whatever hour the button was clicked.
    """
    resume = local_now(now, tz).date() + timedelta(days=days + 1)
    return datetime.combine(resume, time(0, 0), tzinfo=tz)


@dataclass(frozen=True, slots=True)
class DigestPeriod:
    """One weekly digest: its ISO week in the PMO's time zone and when it was scheduled."""

    year: int
    week: int
    scheduled_on: date

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def digest_period(now: datetime, pmo: PmoRules, digest: DigestRules) -> DigestPeriod:
    """The latest weekly digest whose scheduled local moment is at or before `now`.

    After downtime this is still the most recent period, so the bot sends that one (once, as
    the latest) and never a backlog. The week is keyed by the scheduled *local date*, so a
    daylight-saving change can neither skip it nor start a second one.
    """
    tz = pmo.tz
    local = local_now(now, tz).replace(tzinfo=None)
    day = local.date() - timedelta(days=local.isoweekday() - digest.weekday)
    if not _reached(now, local, datetime.combine(day, digest.time), tz):
        day -= timedelta(days=7)
    year, week, _ = day.isocalendar()
    return DigestPeriod(year=year, week=week, scheduled_on=day)


def _reached(now: datetime, local: datetime, slot: datetime, tz: tzinfo) -> bool:
    """Has the wall clock reached `slot`? Once reached it stays reached: in a spring-forward
    gap the slot counts as reached when the clock jumps past it; in a repeated autumn hour,
    from its first occurrence on (fold=0), even while the clock shows the earlier times again.
    """
    return local >= slot or now >= slot.replace(tzinfo=tz)
