"""The PMO's own effectiveness (issue 14, part 4; standard section 1: "review its own
effectiveness regularly"), pure: from rows storage/report.py reads, the figures of one month
that the executive report shows beside the previous month's.

- status updates on time: each moment a project's update fell due in the month (its first
  within `[status] first_update_within_days` of registration, then `cadence_days` after the
  last one), on time when an update came by then; a period with no update at all is one late
  due per cadence;
- risk reviews on time: each review date in the month, on time when the review was done on or
  before it (a review date passed and still not reviewed counts as late);
- reminder to action: hours from an item's first nudge to the action it asked for (the
  project's next status update, the risk's next review), median over first nudges in the month;
- escalations raised in the month.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Share:
    """`done` of `due` on time; `share` None when nothing fell due."""

    done: int = 0
    due: int = 0

    @property
    def share(self) -> float | None:
        return round(self.done / self.due, 3) if self.due else None

    def __add__(self, other: Share) -> Share:
        return Share(self.done + other.done, self.due + other.due)


@dataclass(frozen=True)
class Effectiveness:
    """One month's figures."""

    updates: Share
    gate_wait_days: float | None
    reviews: Share
    reminder_hours: float | None
    escalations: int


def updates_on_time(anchor: datetime, first_due: datetime, updates: Sequence[datetime],
                    cadence: timedelta, start: datetime, end: datetime) -> Share:
    """How many of a project's status dues in [start, end) were met by an update: `anchor` is
    when the count starts (registration or the last update before `updates`), `first_due` the
    first due moment after it, `updates` the updates after `anchor` (any at it or before are
    not counted), sorted."""
    done = due_count = 0
    due, after = first_due, anchor
    while due < end:
        nxt = bisect.bisect_right(updates, after)
        update = updates[nxt] if nxt < len(updates) else None
        counted = due >= start
        if update is not None and update <= due:
            done += counted
            due_count += counted
            after, due = update, update + cadence
            continue
        due_count += counted
        if update is not None and update <= due + cadence:
            after, due = update, update + cadence
        else:
            due += cadence
    return Share(done, due_count)


def reviews_on_time(reviews: Iterable[tuple[date, date]], pending: Iterable[date], first: date,
                    end: date) -> Share:
    """Risk review dates in [first, end): from (review date, day reviewed) of the reviews done,
    on time when done on or before the date, and the review dates of open risks not reviewed
    yet (late once `end` is reached: pass the day after "today" for the month under way)."""
    done = due = 0
    for on, reviewed in reviews:
        if first <= on < end:
            due += 1
            done += reviewed <= on
    due += sum(1 for on in pending if first <= on < end)
    return Share(done, due)


def median_hours(pairs: Iterable[tuple[datetime, datetime | None]]) -> float | None:
    """The median hours from a first nudge to its action (nudges not acted on yet left out)."""
    hours = [(acted - nudged).total_seconds() / 3600 for nudged, acted in pairs
             if acted is not None]
    return round(statistics.median(hours), 1) if hours else None


def first_after(moments: Sequence[datetime], at: datetime) -> datetime | None:
    """The first of sorted `moments` after `at`."""
    found = bisect.bisect_right(moments, at)
    return moments[found] if found < len(moments) else None
