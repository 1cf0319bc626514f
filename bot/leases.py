"""The heartbeat that keeps a live process's leases alive, so a dead one's are short.

Work claimed from a table (outbox deliveries; later, inbox rows) is leased for a short time,
30 seconds for the outbox. While the process that holds it is alive, a `LeaseKeeper` renews its
leases every few seconds from a small daemon thread (one UPDATE per registered table, in one
transaction); when the process dies, the renewals stop and another process takes the work over
as soon as the lease runs out — half a minute, however long a Web API call may take.

The thread only runs while something is held: work is wrapped in `with keeper.holding():`, the
thread starts with the first holder and ends at the first beat that finds none, so an idle
process neither keeps a thread nor writes to the database. `stop()` ends it at once (shutdown).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from storage.db import Database

log = logging.getLogger(__name__)

Renew = Callable[["Session", str, datetime], int]
"""(session, owner, now) -> rows renewed: extend the leases `owner` holds in one table."""
EVERY = timedelta(seconds=10)


def owner_id() -> str:
    """This process's name on the leases it holds: host, pid and a random part (a restarted
    process with a reused pid is still someone else)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class LeaseKeeper:
    """Renews the leases `owner` holds, every `every`, while some work holds them."""

    def __init__(self, db: Database, owner: str, renew: Renew | None = None, *,
                 every: timedelta = EVERY, clock: Callable[[], datetime] = _utcnow) -> None:
        self.db = db
        self.owner = owner
        self.every = every
        self.clock = clock
        self._renewals: list[Renew] = [renew] if renew is not None else []
        self._holders = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.beats = 0
        """Beats done so far (what tests and the log can read)."""

    def add(self, renew: Renew) -> None:
        """Renew one more table's leases on every beat (e.g. the inbox's)."""
        with self._lock:
            self._renewals.append(renew)

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Around work that holds leases: the heartbeat runs at least until it ends."""
        with self._lock:
            self._holders += 1
            if self._thread is None or self._stop.is_set():
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(self._stop,),
                                                name=f"lease-keeper-{self.owner}", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1

    def beat(self) -> int:
        """Renew now, in one transaction; how many leases were renewed."""
        with self._lock:
            renewals = list(self._renewals)
        now = self.clock()
        with self.db.write() as session:
            renewed = sum(renew(session, self.owner, now) for renew in renewals)
        self.beats += 1
        return renewed

    def stop(self, timeout: float = 5.0) -> None:
        """End the heartbeat thread now (work still held is no longer renewed)."""
        with self._lock:
            thread, stop = self._thread, self._stop
        stop.set()
        if thread is not None:
            thread.join(timeout)

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self.every.total_seconds()):
            with self._lock:
                if self._holders == 0:  # decided under the lock: a new holder starts a thread
                    if self._thread is threading.current_thread():
                        self._thread = None
                    return
            try:
                self.beat()
            except Exception as exc:  # noqa: BLE001 - a missed beat is retried at the next one
                log.warning("lease renewal for %s failed: %s", self.owner, type(exc).__name__)
        with self._lock:
            if self._thread is threading.current_thread():
                self._thread = None
