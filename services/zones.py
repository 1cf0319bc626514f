"""People's time zones, from Slack's users.info, cached in the database.

Nudges go out in each recipient's civil hours, so the planner needs their zone. It is looked up
once and then trusted for `MAX_AGE` (people travel, so it is refreshed); lookups are capped per
pass to stay far inside Slack's rate limit. Someone Slack cannot tell us about (deleted user,
no zone) gets the PMO's zone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services import directory
from services.context import BotContext
from storage import reminders as store

log = logging.getLogger(__name__)

MAX_AGE = timedelta(days=1)
LOOKUPS_PER_PASS = 50


def as_zone(name: str | None, default: tzinfo) -> tzinfo:
    """The zone called `name`, or `default` when there is none or it is not a zone we know."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r from Slack; using the PMO's", name)
    return default


def cached_zones(rows: Mapping[str, store.CachedZone],
                 default: tzinfo) -> dict[str, tzinfo]:
    return {user: as_zone(row.tz, default) for user, row in rows.items()}


def needing_lookup(users: Iterable[str], rows: Mapping[str, store.CachedZone],
                   now: datetime) -> list[str]:
    """Who has no cached zone, then whose zone is older than MAX_AGE; at most one pass's worth."""
    missing = sorted(u for u in set(users) if u not in rows)
    stale = sorted(u for u, row in rows.items() if now - row.fetched_at > MAX_AGE)
    return (missing + stale)[:LOOKUPS_PER_PASS]


def look_up(ctx: BotContext, users: Iterable[str], now: datetime) -> int:
    """Fetch and cache these people's zones (one users.info each, shared with the directory
    checks: services/directory.py); returns how many were stored."""
    return sum(directory.fetch_person(ctx, user, now) is not None for user in users)
