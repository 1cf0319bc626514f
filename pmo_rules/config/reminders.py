"""`[reminders]`: when people are nudged (a daily window in their own time zone), when an item
goes up to the PMO, and how long a snooze lasts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from pmo_rules.config._checks import _clock, _int_in, _Invalid, _no_unknown_keys


@dataclass(frozen=True, slots=True)
class ReminderRules:
    """Nudges and escalation (standard 2): when people are pinged and when it goes up a level."""

    escalate_after: int = 2
    window_start: time = time(9, 0)
    window_end: time = time(18, 0)
    snooze_days: int = 1


def _parse_reminders(table: dict) -> ReminderRules:
    """[reminders]: a window that ends before it starts would never let a reminder out."""
    keys = ("escalate_after", "window_start", "window_end", "snooze_days")
    _no_unknown_keys(table, "reminders", keys)
    d = ReminderRules()
    start = _clock(table.get("window_start", "09:00"), "reminders.window_start")
    end = _clock(table.get("window_end", "18:00"), "reminders.window_end")
    if end <= start:
        raise _Invalid("reminders.window_end", f"must be later than reminders.window_start "
                                               f"({start:%H:%M}) (got {end:%H:%M})")
    return ReminderRules(
        escalate_after=_int_in(
            table.get("escalate_after", d.escalate_after), "reminders.escalate_after", 1, 10
        ),
        window_start=start,
        window_end=end,
        snooze_days=_int_in(table.get("snooze_days", d.snooze_days), "reminders.snooze_days",
                            1, 14),
    )
