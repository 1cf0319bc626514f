"""The process's wiring of a `BotContext` (services/context.py): its Slack client, its outbox
sender, its after-ack pool and its look-up cache.

`BotContext`, `Clock` and `system_clock` are re-exported here for the modules that still import
them from bot.context; new code in handlers/ and services/ imports services.context.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import event

from bot import metrics
from bot.after_ack import AfterAck
from bot.inbox import Inbox
from bot.lookup_cache import LookupCache
from bot.outbox_sender import OutboxSender
from bot.settings import Settings
from pmo_rules.config import Rules
from services.context import BotContext, Clock, ProcessParts, system_clock
from storage.db import Database
from templates.render import Renderer

__all__ = ["PROCESS_PARTS", "BotContext", "Clock", "make_client", "make_context",
           "system_clock"]

PROCESS_PARTS = ProcessParts(sender=OutboxSender, after_ack=AfterAck, lookups=LookupCache,
                             inbox=Inbox)
"""bot/'s outbox sender, after-ack pool, look-up cache and inbox, one of each per context."""


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
                      client=client or make_client(settings), clock=clock, parts=PROCESS_PARTS)
