"""Queues that must drain: how many rows wait in each and since when.

One function per queue, each `(connection) -> (count, oldest created_at or None)`, an indexed
count over the rows still waiting. `/metrics` (bot/metrics.py) turns them into gauges at scrape
time and `pmo-bot doctor` reports them; a new queue (the inbox) adds one line to SOURCES.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

from storage import inbox, outbox

Backlog = tuple[int, datetime | None]

SOURCES: dict[str, Callable[[Connection], Backlog]] = {
    "outbox": outbox.backlog,
    "inbox": inbox.backlog,
}


def measure(connection: Connection) -> dict[str, Backlog]:
    """Every queue's (count, oldest created_at), in SOURCES order."""
    return {name: source(connection) for name, source in SOURCES.items()}
