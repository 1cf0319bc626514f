"""What the weekly digest says about the portfolio: health, trends, compliance, overdue work.

Pure: the caller loads each project's facts, its latest RAG and its RAG a week ago, and the
overdue items from every source; `compose` decides the figures and the order. Sections about
risks and gates are added beside this one by their own modules (see storage/digest.py).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from pmo_rules.clock import days_ago
from pmo_rules.config import StatusRules
from pmo_rules.rag import Rag, trend
from pmo_rules.reminders import DueItem

NONE = "none"
"""The "colour" of a project without any status update."""
CATEGORIES = (Rag.RED.value, Rag.AMBER.value, Rag.GREEN.value, NONE)


WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    id: int
    key: str
    name: str
    pm_id: str
    created_at: datetime | None = None
    """When it was registered (None: long ago); a project younger than a week has no "last
    week" to change from."""

    def existed(self, when: datetime) -> bool:
        return self.created_at is None or self.created_at <= when


@dataclass(frozen=True, slots=True)
class LatestStatus:
    overall: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ProjectRow:
    """One line of the digest's project list."""

    key: str
    name: str
    pm_id: str
    rag: str | None
    trend: str
    age_days: int | None
    compliance: str  # "ok", "late" (past the cadence), "stale", "missing" or "grace" (new)


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category: str
    now: int
    change: int


@dataclass(frozen=True, slots=True)
class OwnerItems:
    owner: str
    items: tuple[DueItem, ...]
    more: int = 0
    """Their overdue items beyond the first `ITEMS_PER_OWNER` (counted, not listed)."""


@dataclass(frozen=True, slots=True)
class PortfolioReport:
    counts: tuple[CategoryCount, ...]
    rows: tuple[ProjectRow, ...]
    on_time: int
    missing: tuple[ProjectRow, ...]
    stale: tuple[ProjectRow, ...]
    overdue: tuple[OwnerItems, ...]
    new: int = 0
    """Projects registered in the last seven days: counted in `counts`, not as a change."""

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def counted(self) -> int:
        """The projects the compliance line counts: all but new ones still in their grace
        (`[status] first_update_within_days`) without an update."""
        return sum(row.compliance != "grace" for row in self.rows)

    def count(self, category: str) -> int:
        return next(c.now for c in self.counts if c.category == category)


@dataclass(frozen=True)
class DigestData:
    """Everything one digest message shows: the portfolio report and the other domains'
    sections as `(name, template context)` (storage.digest reads it; templates.digest shows
    it)."""

    portfolio: PortfolioReport
    extras: tuple[tuple[str, Mapping[str, Any]], ...]
    project: ProjectFacts | None = None
    """The project a project's own digest is about (None: the portfolio digest)."""
    confidential: int = 0
    """Active and on-hold confidential projects left out of the portfolio digest (counted
    only: README, Who sees what)."""


def compose(projects: Iterable[ProjectFacts], latest: Mapping[int, LatestStatus],
            week_ago: Mapping[int, str], overdue: Iterable[DueItem], now: datetime,
            status: StatusRules, *, tz: tzinfo,
            overdue_totals: Mapping[str, int] | None = None) -> PortfolioReport:
    """The report for `now`; `week_ago` holds each project's RAG seven days before; ages are
    calendar days on the PMO's clock `tz` (pmo_rules.clock). `overdue` is every overdue item,
    or, with `overdue_totals` (each owner's number of overdue items), at least each owner's
    oldest `ITEMS_PER_OWNER` of them (storage.sources.overdue_by_owner)."""
    projects = list(projects)
    rows = [_row(p, latest.get(p.id), week_ago.get(p.id), now, status, tz) for p in projects]
    counts = _counts(projects, rows, week_ago, now)
    rows.sort(key=_severity_first)
    return PortfolioReport(
        counts=counts, rows=tuple(rows), new=sum(not p.existed(now - WEEK) for p in projects),
        on_time=sum(row.compliance == "ok" for row in rows),
        missing=tuple(row for row in rows if row.compliance == "missing"),
        stale=tuple(sorted((r for r in rows if r.compliance == "stale"),
                           key=lambda r: (-(r.age_days or 0), r.key))),
        overdue=_by_owner(overdue, overdue_totals))


def _counts(projects: list[ProjectFacts], rows: list[ProjectRow], week_ago: Mapping[int, str],
            now: datetime) -> tuple[CategoryCount, ...]:
    """Projects by colour now, each with its change since last week. The change is counted
    over the projects that existed a week ago (`rows` in `projects`' order): a project
    registered since then was nothing last week, not "no update yet", so its colour is news
    (`PortfolioReport.new`), not a change."""
    now_counts = Counter(row.rag or NONE for row in rows)
    old = [(p, row) for p, row in zip(projects, rows, strict=True) if p.existed(now - WEEK)]
    then_counts = Counter(week_ago.get(p.id, NONE) for p, _ in old)
    old_now = Counter(row.rag or NONE for _, row in old)
    return tuple(CategoryCount(c, now_counts[c], old_now[c] - then_counts[c])
                 for c in CATEGORIES)


def _row(project: ProjectFacts, latest: LatestStatus | None, before: str | None,
         now: datetime, status: StatusRules, tz: tzinfo) -> ProjectRow:
    if latest is None:
        grace = (project.created_at is not None and now - project.created_at
                 < timedelta(days=status.first_update_within_days))
        return ProjectRow(project.key, project.name, project.pm_id, None, "flat", None,
                          "grace" if grace else "missing")
    age = days_ago(latest.created_at, now, tz)
    direction = "new" if before is None else trend(Rag(before), Rag(latest.overall))
    return ProjectRow(project.key, project.name, project.pm_id, latest.overall, direction, age,
                      _compliance(age, status))


def _compliance(age_days: int, status: StatusRules) -> str:
    if age_days >= status.stale_after_days:
        return "stale"
    return "late" if age_days >= status.cadence_days else "ok"


def _severity_first(row: ProjectRow) -> tuple[int, str]:
    """Red, amber, green, then projects without an update; by key within each."""
    return (CATEGORIES.index(row.rag or NONE), row.key)


ITEMS_PER_OWNER = 5
"""Overdue items listed per owner in the digest; the rest are counted ("+3 more"). Each owner
has their full list in their own daily nudge: the digest says who is behind, and on what first."""


def _by_owner(items: Iterable[DueItem],
              totals: Mapping[str, int] | None = None) -> tuple[OwnerItems, ...]:
    """Each owner's overdue items, oldest first and at most `ITEMS_PER_OWNER` of them; owners
    with the most items first (counted from `totals` when given, else from `items`)."""
    grouped: dict[str, list[DueItem]] = defaultdict(list)
    for item in items:
        grouped[item.recipient].append(item)
    count = {owner: len(theirs) for owner, theirs in grouped.items()} if totals is None else totals
    ranked = sorted(grouped, key=lambda owner: (-count[owner], owner))
    return tuple(OwnerItems(owner, _oldest(grouped[owner]),
                            max(0, count[owner] - ITEMS_PER_OWNER))
                 for owner in ranked)


def _oldest(items: list[DueItem]) -> tuple[DueItem, ...]:
    """The first `ITEMS_PER_OWNER` by due moment, then by item key; only the items due no
    later than the last one kept are given keys and sorted."""
    if len(items) > ITEMS_PER_OWNER:
        cut = heapq.nsmallest(ITEMS_PER_OWNER, (item.due_at for item in items))[-1]
        items = [item for item in items if item.due_at <= cut]
    return tuple(sorted(items, key=lambda i: (i.due_at, i.key))[:ITEMS_PER_OWNER])
