"""What each chart shows, as plain numbers: the portfolio's RAG week by week, the risk heat map,
SPI against CPI. Pure: the caller loads the rows and passes `now`; services/charts.py draws the
picture and templates word its alt text from the same numbers.

Every chart is a JSON-ready dict (it rides in an outbox row and is drawn by the dispatcher):
`{"chart": "rag"|"risks"|"indicators", "subject": KEY or None, ...its numbers}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from pmo_rules.errors import UserError
from pmo_rules.projects import parse_key
from pmo_rules.rag import Rag
from pmo_rules.risk import LEVELS, heat_map, level_of

RAG, RISKS, INDICATORS = "rag", "risks", "indicators"
CHARTS = (RAG, RISKS, INDICATORS)
WEEKS = 12
"""How many weeks the RAG history covers (the digest's chart and `/pmo chart rag`)."""
NONE = "none"
BANDS = (Rag.GREEN.value, Rag.AMBER.value, Rag.RED.value, NONE)
"""The RAG chart's stacked bands, bottom up: green, amber, red, no status yet."""
CHART_USAGE = "pmo_chart"

# Where a project sits on the SPI/CPI plane (1.0 splits each axis).
ON_TRACK, LATE, OVER, BOTH = "on_track", "late", "over_budget", "late_and_over"
QUADRANTS = (ON_TRACK, LATE, OVER, BOTH)


@dataclass(frozen=True)
class ChartRequest:
    """`/pmo chart rag|risks|indicators [KEY]`: a chart sent to the person who asked only."""

    chart: str
    key: str | None = None


def parse_chart(words: list[str]) -> ChartRequest:
    """The words after `/pmo chart`."""
    if not words or words[0].lower() not in CHARTS or len(words) > 2:
        raise UserError("chart.usage", usage=CHART_USAGE, word=" ".join(words)[:40])
    key = parse_key(words[1], usage=CHART_USAGE) if len(words) == 2 else None
    return ChartRequest(words[0].lower(), key)


# ---------------------------------------------------------------------------------------------
# The RAG history
# ---------------------------------------------------------------------------------------------


def week_ends(now: datetime, tz: tzinfo, weeks: int = WEEKS) -> list[datetime]:
    """The ends of the last `weeks` weeks, oldest first: each Monday 00:00 (PMO time) after a
    week, and the newest is `now` itself (this week so far)."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    ends = [datetime.combine(monday - timedelta(weeks=n), time(), tz)
            for n in range(weeks - 1, 0, -1)]
    return [*ends, now]


def rag_history(projects: Iterable[tuple[int, datetime]],
                updates: Iterable[tuple[int, datetime, str]], now: datetime, tz: tzinfo,
                *, weeks: int = WEEKS, subject: str | None = None) -> dict:
    """Counts by colour at the end of each of the last `weeks` weeks.

    `projects`: (id, registered at) of the projects counted; `updates`: (project id, posted
    at, overall) of their updates — those of the window and, for each project, its last one
    before it (what it stood at when the window opened). A project counts from the week it was
    registered; before its first update it is "none"."""
    ends = week_ends(now, tz, weeks)
    registered = dict(projects)
    history: dict[int, list[tuple[datetime, str]]] = {pid: [] for pid in registered}
    for pid, at, overall in updates:
        if pid in history:
            history[pid].append((at, overall))
    counts = {band: [0] * len(ends) for band in BANDS}
    for pid, items in history.items():
        items.sort()
        position, latest = 0, NONE
        for n, end in enumerate(ends):
            while position < len(items) and items[position][0] <= end:
                latest = items[position][1] if items[position][1] in BANDS else NONE
                position += 1
            if registered[pid] <= end:
                counts[latest][n] += 1
    labels = [(end - timedelta(days=1)).astimezone(tz).date().isoformat() if n < len(ends) - 1
              else now.astimezone(tz).date().isoformat() for n, end in enumerate(ends)]
    return {"chart": RAG, "subject": subject, "weeks": labels, "counts": counts}


def rag_summary(chart: dict) -> dict:
    """The numbers the alt text says: the first and the last week's counts."""
    counts = chart["counts"]
    first = {band: counts[band][0] for band in BANDS}
    last = {band: counts[band][-1] for band in BANDS}
    return {"weeks": len(chart["weeks"]), "start": chart["weeks"][0], "end": chart["weeks"][-1],
            "first": first, "last": last, "total": sum(last.values())}


# ---------------------------------------------------------------------------------------------
# The risk heat map
# ---------------------------------------------------------------------------------------------


def risk_heat(counts: dict[tuple[int, int], int], scale: int, levels,
              subject: str | None = None) -> dict:
    """Active risks by probability and impact: the grid (rows impact `scale` … 1, columns
    probability 1 … `scale`), each cell's level, and how many risks each level has."""
    grid = heat_map(counts, scale)
    cell_levels = [[level_of(p, scale - row, levels) for p in range(1, scale + 1)]
                   for row in range(scale)]
    by_level = dict.fromkeys(LEVELS, 0)
    for row in range(scale):
        for column in range(scale):
            by_level[cell_levels[row][column]] += grid[row][column]
    return {"chart": RISKS, "subject": subject, "scale": scale, "grid": grid,
            "levels": cell_levels, "by_level": by_level}


def heat_summary(chart: dict) -> dict:
    """The total, the count per level and the most crowded cell (None when there is no risk)."""
    scale, grid = chart["scale"], chart["grid"]
    cells = [(grid[row][column], column + 1, scale - row)
             for row in range(scale) for column in range(scale)]
    count, probability, impact = max(cells, key=lambda c: (c[0], c[2], c[1]))
    total = sum(c[0] for c in cells)
    busiest = None if total == 0 else {"count": count, "probability": probability,
                                       "impact": impact}
    return {"total": total, "by_level": chart["by_level"], "scale": scale, "busiest": busiest}


# ---------------------------------------------------------------------------------------------
# SPI against CPI
# ---------------------------------------------------------------------------------------------


def quadrant(spi: float, cpi: float) -> str:
    if spi >= 1 and cpi >= 1:
        return ON_TRACK
    if cpi >= 1:
        return LATE
    if spi >= 1:
        return OVER
    return BOTH


def indicator_points(figures: Iterable[tuple[str, float | None, float | None]],
                     subject: str | None = None) -> dict:
    """Projects with both indices (those with a baseline and progress), by KEY, rounded to two
    places: the scatter's points, each with its quadrant."""
    points = [{"key": key, "spi": round(spi, 2), "cpi": round(cpi, 2),
               "quadrant": quadrant(spi, cpi)}
              for key, spi, cpi in figures if spi is not None and cpi is not None]
    points.sort(key=lambda p: p["key"])
    return {"chart": INDICATORS, "subject": subject, "points": points}


def indicator_summary(chart: dict) -> dict:
    """How many projects in each quadrant, and the worst one (lowest SPI x CPI)."""
    points = chart["points"]
    by_quadrant = dict.fromkeys(QUADRANTS, 0)
    for point in points:
        by_quadrant[point["quadrant"]] += 1
    worst = min(points, key=lambda p: (p["spi"] * p["cpi"], p["key"])) if points else None
    return {"total": len(points), "by_quadrant": by_quadrant, "worst": worst}


SLIP = "slip"
"""The milestone-slip chart: in the executive report and the weekly digest's thread (not in
CHARTS: `/pmo chart` draws the three above)."""
SLIP_BARS = 20


def slip_bars(figures: Iterable[tuple[str, int, str]], amber: int, red: int,
              subject: str | None = None) -> dict:
    """From (KEY, worst milestone slip in working days, that milestone's ID): the projects
    that slipped, worst first, at most SLIP_BARS of them, each banded by `[indicators]
    slip_amber_days` / `slip_red_days`; `total` counts every project that slipped."""
    slipped = sorted(((key, days, label) for key, days, label in figures if days > 0),
                     key=lambda f: (-f[1], f[0]))
    bars = [{"key": key, "days": days, "label": label,
             "band": Rag.RED.value if days >= red else Rag.AMBER.value if days >= amber
             else Rag.GREEN.value} for key, days, label in slipped[:SLIP_BARS]]
    return {"chart": SLIP, "subject": subject, "bars": bars, "total": len(slipped)}


def slip_summary(chart: dict) -> dict:
    bars = chart["bars"]
    return {"total": chart["total"], "shown": len(bars), "worst": bars[0] if bars else None,
            "red": sum(1 for bar in bars if bar["band"] == Rag.RED.value)}


def summary(chart: dict) -> dict:
    return {RAG: rag_summary, RISKS: heat_summary, INDICATORS: indicator_summary,
            SLIP: slip_summary}[chart["chart"]](chart)


def is_empty(chart: dict) -> bool:
    """Nothing to draw: no project counted, no active risk, no project with both indices."""
    if chart["chart"] == RAG:
        return not any(sum(values) for values in chart["counts"].values())
    if chart["chart"] == RISKS:
        return not any(sum(row) for row in chart["grid"])
    if chart["chart"] == SLIP:
        return not chart["bars"]
    return not chart["points"]


def filename(chart: dict, day: date) -> str:
    """`rag-2026-11-30.png`, `risks-APOLLO-2026-11-30.png`."""
    parts = [chart["chart"], *([chart["subject"]] if chart.get("subject") else []),
             day.isoformat()]
    return "-".join(parts) + ".png"
