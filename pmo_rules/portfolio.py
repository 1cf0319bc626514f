"""Where each project stands: its latest RAG, how old that report is, and whether it is overdue.

The portfolio (`/pmo projects`), a project's card (`/pmo project KEY`) and the App Home tab all
show the same judgement, so it is made once, here, from plain values and the rules file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TypeVar

from pmo_rules.clock import days_ago
from pmo_rules.config import StatusRules
from pmo_rules.lifecycle import ACTIVE, in_portfolio

T = TypeVar("T")


@dataclass(frozen=True)
class Standing:
    """One project's reporting standing at `now`.

    `age_days` counts calendar days since the latest report (None when there is none yet); `due`
    means a new report is expected (`[status] cadence_days`), `stale` that it is overdue enough
    to flag in the portfolio (`[status] stale_after_days`). Only active projects are ever due
    or stale.
    """

    rag: str | None
    age_days: int | None
    due: bool
    stale: bool


def standing(*, state: str, created_at: datetime, latest_rag: str | None,
             latest_at: datetime | None, now: datetime, rules: StatusRules,
             tz: tzinfo) -> Standing:
    """A project with no report yet is judged from the day it was registered."""
    silent_days = days_ago(latest_at or created_at, now, tz)
    active = state == ACTIVE
    due_after = rules.cadence_days if latest_at else rules.first_update_within_days
    return Standing(rag=latest_rag,
                    age_days=None if latest_at is None else days_ago(latest_at, now, tz),
                    due=active and silent_days >= due_after,
                    stale=active and silent_days >= rules.stale_after_days)


def split_portfolio(projects: Iterable[T],
                       state: Callable[[T], str]) -> tuple[list[T], list[T]]:
    """The one rule of what "the portfolio" is, for every view that lists or counts it
    (`/pmo projects`, `/pmo risks`, `/pmo gates`, the digest, the Home tab): active and on-hold
    projects count; cancelled and closed ones are history, shown apart (never inside the colour
    counts). Queries apply the same rule with `lifecycle.PORTFOLIO_STATES`."""
    counted: list[T] = []
    ended: list[T] = []
    for project in projects:
        (counted if in_portfolio(state(project)) else ended).append(project)
    return counted, ended


@dataclass(frozen=True)
class Tally:
    """The portfolio's headline numbers."""

    projects: int
    green: int
    amber: int
    red: int
    unreported: int
    stale: int


def tally(standings: Iterable[Standing]) -> Tally:
    items = list(standings)
    colours = Counter(s.rag for s in items)
    return Tally(projects=len(items), green=colours["green"], amber=colours["amber"],
                 red=colours["red"], unreported=colours[None],
                 stale=sum(1 for s in items if s.stale))
