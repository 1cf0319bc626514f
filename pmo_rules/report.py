"""The executive report's judgements (issue 14, part 4), pure: which month, which projects need
attention, and the median wait of a gate decision. services/report.py reads the rows."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

RED_RAG = "red"


def parse_month(text: str) -> date:
    """`2026-11` → its first day; ValueError for anything else (years 2000 to 2999)."""
    year, _, month = text.partition("-")
    if not (len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit()
            and 1 <= int(month) <= 12):
        raise ValueError(f"{text!r} is not a month: write YYYY-MM, e.g. 2026-11")
    first = date(int(year), int(month), 1)
    if not 2000 <= first.year <= 2999:
        raise ValueError(f"{text!r} is out of range: years 2000 to 2999")
    return first


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def bounds(first: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The month's start and end (exclusive) on the PMO's clock, aware."""
    return (datetime.combine(first, time(), tz), datetime.combine(next_month(first), time(), tz))


@dataclass(frozen=True)
class Attention:
    """A project that needs the executives' attention, and why (reason codes, worst first)."""

    key: str
    name: str
    reasons: tuple[str, ...]
    spi: float | None
    cpi: float | None


def needing_attention(rows: Iterable[tuple[str, str, str | None, float | None, float | None,
                                           bool]], *, spi_red: float, cpi_red: float
                      ) -> list[Attention]:
    """From (key, name, latest RAG, SPI, CPI, reported better than the numbers): those red,
    with an index under its red threshold, or reported better than the numbers; most reasons
    first, then by KEY."""
    found = []
    for key, name, rag, spi, cpi, better in rows:
        reasons = [reason for reason, hit in (
            ("red", rag == RED_RAG), ("spi", spi is not None and spi < spi_red),
            ("cpi", cpi is not None and cpi < cpi_red), ("reported_better", better)) if hit]
        if reasons:
            found.append(Attention(key, name, tuple(reasons), spi, cpi))
    return sorted(found, key=lambda a: (-len(a.reasons), a.key))


def median_wait_days(pairs: Iterable[tuple[datetime, datetime]]) -> float | None:
    """The median days from request to decision (None without any decision)."""
    waits = [(decided - requested).total_seconds() / 86400 for requested, decided in pairs]
    return round(statistics.median(waits), 1) if waits else None


# --- the monthly post ------------------------------------------------------------------------

def post_day(first: date, day: int | None, calendar) -> date:
    """The day of month `first` on which the previous month's report is posted: `day` of the
    month, or (None) the month's first working day on `calendar` (a WorkCalendar)."""
    if day is not None:
        return first.replace(day=day)
    found = first
    while not calendar.is_working_day(found) and found.month == first.month:
        found += timedelta(days=1)
    return found if found.month == first.month else first


CATCH_UP = timedelta(days=7)
"""A post missed by downtime is made up within a week of its moment, as the weekly digest's
latest week is; after that the next month's post comes instead (`pmo-bot report` writes any
month on demand)."""


def due_report_month(now: datetime, tz: tzinfo, day: int | None, at: time,
                     calendar) -> date | None:
    """The month whose report is due at `now`: the month before the one whose posting moment
    (`post_day` at `at` on the PMO's wall clock) was reached less than CATCH_UP ago, else
    None. After downtime it is still the latest, so one post catches up and no backlog is sent;
    the moment is compared on the wall clock, so a clock change can neither skip it nor post
    it twice."""
    local = now.astimezone(tz)
    this_month = local.date().replace(day=1)
    for first in (this_month, previous_month(this_month)):
        slot = datetime.combine(post_day(first, day, calendar), at)
        if local.replace(tzinfo=None) >= slot or now >= slot.replace(tzinfo=tz):
            reached = slot.replace(tzinfo=tz)
            return previous_month(first) if now < reached + CATCH_UP else None
    return None


def report_key(channel: str, month: date) -> str:
    """The monthly post's outbox key: once per channel and month."""
    return f"report:{channel}:{month:%Y-%m}"
