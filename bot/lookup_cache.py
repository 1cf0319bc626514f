"""Answers to the look-ups a listener makes before `ack()`, remembered for a minute per process.

Every ack waits on those look-ups, and on PostgreSQL each is a network round trip or two. The
answers (which PM a project has) change rarely, so a process keeps the recent ones. Only an
answer that lets the person go ahead is taken from memory: a refusal is always confirmed against
the database first, and the write after the ack checks the rule again in its transaction. A
stale entry can therefore delay a refusal to the reply after the ack; it never causes a wrong
one, and it never lets a write through.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Any

TTL_SECONDS = 60.0


class LookupCache:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), value)

    def forget(self, kind: str) -> None:
        """Drop every answer whose key is a tuple starting with `kind` (what changed here)."""
        with self._lock:
            for key in [k for k in self._entries if isinstance(k, tuple) and k and k[0] == kind]:
                del self._entries[key]
