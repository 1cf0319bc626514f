"""One clock for every age and every "overdue by" a person reads.

Cards, `/pmo` lists, the Home tab, the digest, reminders, dry runs and exports all count days the
same way: calendar days on the PMO's clock (`[pmo] timezone`), whatever the hour. A report posted
last night is "yesterday" this morning, not "today" because fewer than 24 hours have passed, and
the same moment reads as the same number of days everywhere. The words ("today", "yesterday",
"3 days ago"; "due today", "2 days overdue") are the catalogues' `clock.*` keys.
"""

from __future__ import annotations

from datetime import datetime, tzinfo


def days_ago(then: datetime, now: datetime, tz: tzinfo) -> int:
    """Calendar days from `then` to `now` on the PMO's clock: 0 is today, 1 yesterday. A moment
    in the future (a clock skew) is today."""
    return max(0, (now.astimezone(tz).date() - then.astimezone(tz).date()).days)


def overdue_by(due_at: datetime, now: datetime, tz: tzinfo) -> int:
    """Calendar days an item has been overdue on the PMO's clock: 0 when it fell due today (read
    "due today", never "0 days overdue"), 1 when it fell due yesterday."""
    return days_ago(due_at, now, tz)
