"""Everything a listener needs, built once per process and passed in: no module globals.

Tests and the console build their own context (a stand-in Slack, a temporary database, a fixed
clock) and get exactly the production wiring with those parts swapped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import event

from bot import metrics
from bot.after_ack import AfterAck
from bot.dispatcher import Dispatcher
from bot.lookup_cache import LookupCache
from bot.settings import Settings
from pmo_rules.config import Rules
from storage.db import Database
from templates.render import Renderer

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class BotContext:
    settings: Settings
    rules: Rules
    db: Database
    renderer: Renderer
    client: WebClient
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()

    @cached_property
    def dispatcher(self) -> Dispatcher:
        """The process's outbox sender, one per context (its lease owner id is per process)."""
        return Dispatcher(self)

    @cached_property
    def lookups(self) -> LookupCache:
        """Recent answers to the look-ups made before `ack()` (bot/lookup_cache.py)."""
        return LookupCache()

    @cached_property
    def after_ack(self) -> AfterAck:
        """Where listeners put the work that follows their `ack()` (bot/after_ack.py)."""
        return AfterAck()


def make_client(settings: Settings, *, retries: int = 2) -> WebClient:
    """A Web API client that retries rate limits (honouring Retry-After) and transient faults."""
    return WebClient(token=settings.bot_token, base_url=settings.api_url, timeout=10,
                     retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=retries),
                                     RateLimitErrorRetryHandler(max_retry_count=retries),
                                     ServerErrorRetryHandler(max_retry_count=retries)])


def make_context(settings: Settings, rules: Rules, *, clock: Clock = system_clock,
                 client: WebClient | None = None) -> BotContext:
    db = Database(settings.database_url)
    event.listen(db.engine, "handle_error", metrics.database_error)
    return BotContext(settings=settings, rules=rules, db=db,
                      renderer=Renderer(rules.pmo.locale, rules.pmo.tz),
                      client=client or make_client(settings), clock=clock)
