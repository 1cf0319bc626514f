"""The console's own time: a still clock that `:time +3d` moves, running the scheduler as it goes.

A console session starts at a fixed instant (so transcripts never show today's date), or where
the database left off if it has seen a later moment (storage.moments: audited changes and what
the scheduler planned or sent), so time never runs backwards across restarts.
Moving the clock runs one scheduler tick at every full hour on the way and one at the end: what
the production scheduler would have done in that time, hour by hour, so a reminder due at 09:00
goes out at 09:00 and the weekly digest on its day, not all at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.scheduler import tick
from pmo_rules.errors import UserError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.context import BotContext

# Friday 20 November 2026, 10:00 in Asia/Shanghai: `:time +3d` crosses Monday's 09:00 digest.
CONSOLE_START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TICK = timedelta(hours=1)
MAX_STEP = timedelta(days=31)  # 744 hourly ticks: a few seconds with the planner
_STEP = re.compile(r"^\+(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


@dataclass
class ConsoleClock:
    """The bot's clock in the console: still until `:time` moves it."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at


def starting_instant(last_seen: datetime | None) -> datetime:
    """The fixed start, or the database's latest moment when that is later."""
    return max(CONSOLE_START, last_seen) if last_seen else CONSOLE_START


def parse_step(word: str) -> timedelta:
    """`+3d`, `+2h`, `+1w2d`, `+90m` → a timedelta from one minute to MAX_STEP.

    The range is checked on the count of minutes, before a timedelta is made: `+99999999999d`
    is then a step too long, not an overflow that would stop the console."""
    match = _STEP.match(word.strip().lower())
    if not match or not any(match.groups()):
        raise UserError("console.time_malformed", usage="console_time", word=word[:40])
    weeks, days, hours, minutes = (int(g or 0) for g in match.groups())
    total = ((weeks * 7 + days) * 24 + hours) * 60 + minutes
    if not 1 <= total <= MAX_STEP // timedelta(minutes=1):
        raise UserError("console.time_range", usage="console_time", word=word[:40],
                        days=MAX_STEP.days)
    return timedelta(minutes=total)


def ticks(start: datetime, end: datetime) -> Iterator[datetime]:
    """Every full hour after `start` and before `end`, then `end` itself."""
    at = start.replace(minute=0, second=0, microsecond=0) + TICK
    while at < end:
        yield at
        at += TICK
    yield end


def advance(ctx: BotContext, clock: ConsoleClock, step: timedelta) -> None:
    """Move the clock forward by `step`, running the scheduler at each tick on the way."""
    for at in ticks(clock.at, clock.at + step):
        clock.at = at
        run_clock(ctx)


def run_clock(ctx: BotContext) -> None:
    """One scheduler tick at `ctx.now()`, the very pass the production clock runs every
    minute: the planner (reminders, escalations, the weekly digest), then the outbox sender."""
    tick(ctx)
