"""`[report]`: the monthly executive report posted to a channel (issue 14, part 4): where, on
which day of the month and at what time, if at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from pmo_rules.config._checks import _bool, _clock, _got, _Invalid, _is_int, _no_unknown_keys
from pmo_rules.config.pmo import _channel

FIRST_WORKING_DAY = "first_working_day"


@dataclass(frozen=True, slots=True)
class ReportRules:
    """The monthly post of the previous month's report (a PDF). `channel` None: `[pmo]
    digest_channel`; `day` None: the month's first working day on the PMO's calendar, else a
    day of the month (1 to 28); `time` on the PMO's clock."""

    enabled: bool = True
    channel: str | None = None
    day: int | None = None
    time: time = time(10, 0)


def _parse_report(table: dict) -> ReportRules:
    """[report]: when and where the monthly report is posted."""
    _no_unknown_keys(table, "report", ("enabled", "channel", "day", "time"))
    return ReportRules(
        enabled=_bool(table.get("enabled", True), "report.enabled"),
        channel=_channel(table.get("channel"), "report.channel"),
        day=_day(table.get("day", FIRST_WORKING_DAY), "report.day"),
        time=_clock(table.get("time", "10:00"), "report.time"),
    )


def _day(value: Any, key: str) -> int | None:
    if value == FIRST_WORKING_DAY:
        return None
    if _is_int(value) and 1 <= value <= 28:
        return value
    raise _Invalid(key, f'must be "{FIRST_WORKING_DAY}" or a day of the month from 1 to 28'
                        f"{_got(value)}")
