"""`[digest]`: when the weekly digest for executives goes out, if at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from pmo_rules.config._checks import (
    _bool,
    _clock,
    _day_index,
    _got,
    _Invalid,
    _is_int,
    _no_unknown_keys,
)


@dataclass(frozen=True, slots=True)
class DigestRules:
    """The weekly digest for executives; `weekday` is ISO (1 = Monday .. 7 = Sunday)."""

    weekday: int = 1
    time: time = time(9, 0)
    enabled: bool = True


def _parse_digest(table: dict) -> DigestRules:
    """[digest]: when the weekly digest goes out."""
    _no_unknown_keys(table, "digest", ("weekday", "time", "enabled"))
    return DigestRules(
        weekday=_iso_weekday(table.get("weekday", "monday"), "digest.weekday"),
        time=_clock(table.get("time", "09:00"), "digest.time"),
        enabled=_bool(table.get("enabled", True), "digest.enabled"),
    )


def _iso_weekday(value: Any, key: str) -> int:
    """ISO weekday 1 (Monday) .. 7 from a number or a day name."""
    if _is_int(value) and 1 <= value <= 7:
        return value
    index = _day_index(value)
    if index is None:
        raise _Invalid(key, f'must be a day name such as "monday" or 1 (Monday) to 7{_got(value)}')
    return index + 1
