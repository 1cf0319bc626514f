"""Where each project stands: its latest RAG, how old that report is, and whether it is overdue.

The portfolio (`/pmo projects`), a project's card (`/pmo project KEY`) and the App Home tab all
show the same judgement, so it is made once, here, from plain values and the rules file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from pmo_rules.config import StatusRules
from pmo_rules.lifecycle import ACTIVE


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


def days_between(then: datetime, now: datetime, tz: tzinfo) -> int:
    """Calendar days from `then` to `now` on the PMO's clock: last night's report is 1 day old,
    and a report due "every 7 days" is due on the same weekday, whatever the hour."""
    return max(0, (now.astimezone(tz).date() - then.astimezone(tz).date()).days)


def standing(*, state: str, created_at: datetime, latest_rag: str | None,
             latest_at: datetime | None, now: datetime, rules: StatusRules,
             tz: tzinfo) -> Standing:
    """A project with no report yet is judged from the day it was registered."""
    silent_days = days_between(latest_at or created_at, now, tz)
    active = state == ACTIVE
    due_after = rules.cadence_days if latest_at else rules.first_update_within_days
    return Standing(rag=latest_rag,
                    age_days=None if latest_at is None else days_between(latest_at, now, tz),
                    due=active and silent_days >= due_after,
                    stale=active and silent_days >= rules.stale_after_days)


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
