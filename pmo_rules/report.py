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
