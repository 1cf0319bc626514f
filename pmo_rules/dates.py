"""Calendar dates as people type them into commands and forms: the one decoder every command
and form that takes a date uses (`/risk … due: review:`, the risk form, `/gate decide … hold
until:`).

Accepted: `YYYY-MM-DD` and `YYYY/MM/DD`; `today` and `tomorrow` (also 今天, 明天); `+7d` and
`+2w` (days and weeks from today, up to 999). Relative words are resolved against `today`, the
PMO's date on its clock at the moment the request was sent (callers derive it from the `now`
they were given and the PMO's time zone); the reply then shows the resolved date, so nobody has
to trust a guess. Other spellings (20261201, 2026-W48, 12/01) are read two ways by different
people, so they are refused as typos, each command in its own words.

A date further ahead than `[pmo] max_years_ahead` years is surely a typo (`9999-12-31`): it is
refused by `check_horizon`, with the reason and the last day accepted.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from pmo_rules.errors import UserError

_DAY = re.compile(r"([0-9]{4})([-/])([0-9]{2})\2([0-9]{2})")
_RELATIVE = re.compile(r"\+([0-9]{1,3})([dw])")
_WORDS = {"today": 0, "tomorrow": 1, "今天": 0, "明天": 1}
EXAMPLES = "YYYY-MM-DD, YYYY/MM/DD, today, tomorrow, +7d, +2w"
"""What the refusals list as accepted (the catalogue's `date.*` entries show it)."""


def iso_day(value: str | None) -> date | None:
    """The date `value` names when written YYYY-MM-DD or YYYY/MM/DD, else None (also for a date
    that does not exist, 2026-02-30). Relative words need `day`."""
    match = _DAY.fullmatch((value or "").strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError:
        return None


def day(value: str | None, today: date | None) -> date | None:
    """The date `value` names, relative words resolved against `today`; None when it is none
    of the accepted spellings (see the module's docstring), or a relative word and no `today`
    was given."""
    text = (value or "").strip().lower()
    if today is None:
        return iso_day(text)
    if text in _WORDS:
        return today + timedelta(days=_WORDS[text])
    if match := _RELATIVE.fullmatch(text):
        count = int(match[1])
        return today + timedelta(days=count * (7 if match[2] == "w" else 1))
    return iso_day(text)


def is_relative(value: str | None) -> bool:
    """Whether `value` is a relative word (`today`, `+2w`…), whose date the reply should show."""
    text = (value or "").strip().lower()
    return text in _WORDS or bool(_RELATIVE.fullmatch(text))


def horizon(today: date, max_years_ahead: int) -> date:
    """The last day accepted: `max_years_ahead` years from `today` (28 February for 29)."""
    try:
        return today.replace(year=today.year + max_years_ahead)
    except ValueError:
        return today.replace(year=today.year + max_years_ahead, day=28)


def check_horizon(value: date, today: date, max_years_ahead: int, *, field: str | None = None,
                  usage: str | None = None) -> date:
    """`value`, or the refusal `date.too_far` when it lies beyond `horizon`."""
    last = horizon(today, max_years_ahead)
    if value > last:
        raise UserError("date.too_far", field=field, usage=usage, value=value.isoformat(),
                        years=max_years_ahead, last=last.isoformat())
    return value
