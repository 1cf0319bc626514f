"""`[pmo]`: who runs the PMO (its admins) and where it lives in time and language: time zone,
locale, the digest channel, public holidays and working days.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pmo_rules.config._checks import (
    _choice,
    _day_index,
    _got,
    _int_in,
    _Invalid,
    _is_int,
    _list,
    _no_unknown_keys,
    _unique,
    _user_ids,
)

_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
_LOCALES = ("en", "zh")
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, slots=True)
class PmoRules:
    """Who runs the PMO and where it lives in time: the context every other rule is read in."""

    admins: tuple[str, ...] = ()
    timezone: str = "Asia/Shanghai"
    locale: str = "en"
    digest_channel: str | None = None
    holidays_country: str | None = None
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    currency: str = "CNY"
    """ISO 4217 code that project budgets and costs are read and shown in."""
    max_years_ahead: int = 10
    """How far ahead a typed date may lie (a due date, a hold's end); further is a typo."""

    @property
    def tz(self) -> ZoneInfo:
        """The PMO's time zone; deadlines and reminder windows are wall-clock times here."""
        return ZoneInfo(self.timezone)


def _parse_pmo(table: dict) -> PmoRules:
    """[pmo]: people, time zone, language, channel and calendar."""
    keys = ("admins", "timezone", "locale", "digest_channel", "holidays_country", "working_days",
            "currency", "max_years_ahead")
    _no_unknown_keys(table, "pmo", keys)
    d = PmoRules()
    return PmoRules(
        admins=_user_ids(table.get("admins", []), "pmo.admins"),
        timezone=_timezone(table.get("timezone", d.timezone), "pmo.timezone"),
        locale=_choice(table.get("locale", d.locale), "pmo.locale", _LOCALES),
        digest_channel=_channel(table.get("digest_channel"), "pmo.digest_channel"),
        holidays_country=_country(table.get("holidays_country"), "pmo.holidays_country"),
        working_days=_working_days(table.get("working_days", list(d.working_days))),
        currency=_currency(table.get("currency", d.currency)),
        max_years_ahead=_int_in(table.get("max_years_ahead", d.max_years_ahead),
                                "pmo.max_years_ahead", 1, 100),
    )


def _timezone(value: Any, key: str) -> str:
    """An IANA name that zoneinfo can load, so reminders never fire at a guessed hour."""
    if isinstance(value, str):
        try:
            ZoneInfo(value)
            return value
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise _Invalid(key, f'must be an IANA time zone such as "Asia/Shanghai"{_got(value)}')


def _channel(value: Any, key: str) -> str | None:
    """A channel id (C… or G…); empty or absent means "no digest channel"."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _CHANNEL_ID.fullmatch(value):
        return value
    raise _Invalid(key, f'must be a Slack channel id such as "C012AB3CD" or ""{_got(value)}')


@functools.cache
def _supported_countries() -> frozenset[str]:
    """Country codes the holidays package knows; imported lazily as it is only sometimes used."""
    import holidays

    return frozenset(holidays.list_supported_countries())


def _country(value: Any, key: str) -> str | None:
    """An ISO country code for public holidays; empty or absent means weekends only."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value in _supported_countries():
        return value
    raise _Invalid(key, f'must be an ISO country code known to the holidays package, such as '
                        f'"CN"{_got(value)}')


def _working_days(value: Any) -> tuple[int, ...]:
    """Days 0 (Monday) .. 6 or names; sorted, because order carries no meaning."""
    key = "pmo.working_days"
    items = _list(value, key)
    if not items:
        raise _Invalid(key, "must name at least one day (got [])")
    days: list[int] = []
    for item in items:
        index = item if _is_int(item) and 0 <= item <= 6 else _day_index(item)
        if index is None:
            raise _Invalid(key, f'must list days as 0 (Monday) to 6 or "mon" to "sun"{_got(item)}')
        days.append(index)
    _unique(days, key)
    return tuple(sorted(days))


def _currency(value: Any) -> str:
    """An ISO 4217 code in capitals ("CNY", "EUR"): budgets are whole amounts in it."""
    if isinstance(value, str) and _CURRENCY.fullmatch(value):
        return value
    raise _Invalid("pmo.currency", f'must be an ISO 4217 currency code such as "CNY"{_got(value)}')
