"""The checks every section of the rules file shares: structure (tables, unknown keys with a
suggestion), values (whole numbers in a range, booleans, words, lists, user ids, roles, days,
clock times) and how a refused value is shown in the one-line message. Each value check returns
the typed value or raises `_Invalid` with the dotted key and a reason; `parse_rules` adds the
file's name.
"""

from __future__ import annotations

import difflib
import json
import re
from datetime import date, datetime, time
from typing import Any

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MAX_SHOWN_CHARS = 60


class _Invalid(Exception):
    """Raised deep in validation, where the source is unknown; parse_rules adds it."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(key, reason)
        self.key = key
        self.reason = reason


def _table(value: Any, key: str) -> dict:
    """A TOML table arrives as a dict; anything else in its place is a mistake."""
    if not isinstance(value, dict):
        raise _Invalid(key, f"must be a table{_got(value)}")
    return value


def _section(table: dict, name: str, key: str | None = None) -> dict:
    """A sub-table that may be absent (then every key in it takes its default)."""
    return _table(table.get(name, {}), key or name)


def _no_unknown_keys(table: dict, prefix: str, accepted: tuple[str, ...],
                     noun: str = "key") -> None:
    """Refuse typos, suggesting the nearest accepted name and listing all of them."""
    for name in table:
        if name in accepted:
            continue
        hint = ""
        if isinstance(name, str):
            close = difflib.get_close_matches(name, accepted, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
        plural = "sections" if noun == "section" else "keys"
        raise _Invalid(_join(prefix, name),
                       f"unknown {noun}{hint}; accepted {plural}: {', '.join(sorted(accepted))}")


def _join(prefix: str, name: Any) -> str:
    """Dotted key as TOML would spell it, quoting names that are not bare keys."""
    if isinstance(name, str) and _BARE_KEY.fullmatch(name):
        part = name
    elif isinstance(name, str):
        part = json.dumps(name, ensure_ascii=False)
    else:
        part = _show(name)
    return f"{prefix}.{part}" if prefix else part


def _is_int(value: Any) -> bool:
    """True for ints but not bools: `quorum = true` must not mean 1."""
    return isinstance(value, int) and not isinstance(value, bool)


def _int_in(value: Any, key: str, low: int, high: int, *, low_name: str = "",
            high_name: str = "", default: bool = False) -> int:
    """A whole number in [low, high]; `*_name` says where a computed bound comes from."""
    if _is_int(value) and low <= value <= high:
        return value
    low_text = f"{low} ({low_name})" if low_name else str(low)
    high_text = f"{high} ({high_name})" if high_name else str(high)
    raise _Invalid(key, f"must be a whole number from {low_text} to {high_text}"
                        f"{_got(value, default=default)}")


def _bool(value: Any, key: str) -> bool:
    """TOML booleans only; "yes" or 1 are refused rather than guessed at."""
    if isinstance(value, bool):
        return value
    raise _Invalid(key, f"must be true or false{_got(value)}")


def _choice(value: Any, key: str, choices: tuple[str, ...]) -> str:
    """One of a fixed set of words, spelled exactly."""
    if isinstance(value, str) and value in choices:
        return value
    raise _Invalid(key, f"must be {_one_of(choices)}{_got(value)}")


def _list(value: Any, key: str) -> list:
    """A TOML array; a lone string where a list belongs is a common slip, so name it."""
    if isinstance(value, list):
        return value
    raise _Invalid(key, f"must be a list{_got(value)}")


def _unique(items: list, key: str) -> None:
    """Refuse repeats: a doubled approver would count twice towards "all"."""
    seen: list = []
    for item in items:
        if item in seen:
            raise _Invalid(key, f"{_show(item)} is listed twice")
        seen.append(item)


def _user_ids(value: Any, key: str) -> tuple[str, ...]:
    """Slack user ids (U… or W…), not names or mentions, which change and can be spoofed."""
    items = _list(value, key)
    for item in items:
        if not (isinstance(item, str) and _USER_ID.fullmatch(item)):
            raise _Invalid(key, f'must list Slack user ids such as "U012AB3CD"{_got(item)}')
    _unique(items, key)
    return tuple(items)


def _roles(value: Any, key: str, accepted: tuple[str, ...]) -> tuple[str, ...]:
    """A non-empty set of roles; an empty list would lock everyone out."""
    items = _list(value, key)
    if not items:
        raise _Invalid(key, f"must name at least one of {_one_of(accepted)} (got [])")
    for item in items:
        if not (isinstance(item, str) and item in accepted):
            raise _Invalid(key, f"must list roles from {_one_of(accepted)}{_got(item)}")
    _unique(items, key)
    return tuple(items)


def _day_index(value: Any) -> int | None:
    """Monday-based index 0..6 of a day name ("mon" or "monday", any case), else None."""
    if not isinstance(value, str):
        return None
    word = value.lower()
    for index, name in enumerate(_DAY_NAMES):
        if word in (name, name[:3]):
            return index
    return None


def _clock(value: Any, key: str) -> time:
    """Wall-clock "HH:MM"; a TOML local time such as 09:00:00 is accepted too."""
    if isinstance(value, time) and value.tzinfo is None and not value.second + value.microsecond:
        return value
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise _Invalid(key, f'must be a time of day "HH:MM" such as "09:00"{_got(value)}')


def _got(value: Any, *, default: bool = False) -> str:
    """The " (got …)" tail; a default is marked so nobody hunts for a line they never wrote."""
    return f" (got {_show(value)}{', the default' if default else ''})"


def _one_of(choices: tuple[str, ...]) -> str:
    """'"a", "b" or "c"' — the accepted words, quoted as they must be written."""
    quoted = [f'"{c}"' for c in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _show(value: Any) -> str:
    """A short, TOML-flavoured rendering of a value for a one-line message."""
    return _shorten(_render(value))


def _render(value: Any) -> str:
    """Render without length limit; strings are quoted so "" and " " are visible."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 64 else "a number too large"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value[:5]) + (", …]" if len(value) > 5 else "]")
    if isinstance(value, float):
        return repr(value)
    return type(value).__name__


def _shorten(text: str) -> str:
    """Cut long values so the message stays one readable line."""
    return text if len(text) <= _MAX_SHOWN_CHARS else text[: _MAX_SHOWN_CHARS - 1] + "…"


def _one_line(text: str) -> str:
    """Escape anything that would break the line (newlines, U+2028, control characters)."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
