"""The part of a listener's job that comes after `ack()`: on threads of its own, acks first.

bolt (with `process_before_response=False`) runs each listener on one of a handful of listener
threads and answers Slack as soon as the listener calls `ack()`. A listener that then stores,
renders and calls the Web API on that same thread keeps it busy, and under load the next
request's ack queues behind it: ack latency becomes the latency of the whole job. Handing the
rest of the job to this pool frees bolt's thread the moment the ack is sent.

Slack gives an ack three seconds and the work after it no deadline, but in one Python process
both compete for the same interpreter lock. So a job holds back while requests are waiting for
their acks (the WSGI app wraps each in `serving()`), for at most `defer` seconds: under a burst
the acks go out first and the work follows in the lulls and right after; at a normal pace there
is no lull to wait for. A lull is `quiet` seconds without a request, not the blink between two
requests of a burst (a job started in one of those delayed the acks that came during it), and a
job gives way again before its Web API calls (`give_way`, called by the outbox sender).
A job that fails is logged and, where the listener says how, the person is told; it never fails
silently.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from bot import metrics

log = logging.getLogger(__name__)

Job = Callable[[], None]


class AfterAck:
    def __init__(self, threads: int = 2, defer: float = 0.5, quiet: float = 0.01) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="after-ack")
        self._defer = defer
        self._quiet = quiet
        self._waiting_for_ack = 0
        self._last_acked = 0.0
        self._changed = threading.Condition()
        self._local = threading.local()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Around each incoming request: jobs give way while it waits for its ack."""
        with self._changed:
            self._waiting_for_ack += 1
        try:
            yield
        finally:
            with self._changed:
                self._waiting_for_ack -= 1
                self._last_acked = time.monotonic()
                if not self._waiting_for_ack:
                    self._changed.notify_all()

    def give_way(self) -> None:
        """On this pool's threads: wait for a lull in the requests (at most `defer` seconds)
        before going on; elsewhere (the scheduler's tick, a test's thread) return at once."""
        if getattr(self._local, "job", False):
            self._wait_for_lull()

    def _wait_for_lull(self) -> None:
        deadline = time.monotonic() + self._defer
        with self._changed:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if not self._waiting_for_ack:
                    quiet_for = now - self._last_acked
                    if quiet_for >= self._quiet:
                        return
                    self._changed.wait(min(self._quiet - quiet_for, deadline - now))
                else:
                    self._changed.wait(deadline - now)

    def run(self, job: Job, *, on_error: Job | None = None) -> Future:
        """Start `job` soon; if it raises, log it and call `on_error` (e.g. "please retry")."""
        return self._pool.submit(self._guarded, job, on_error, time.perf_counter())

    def _guarded(self, job: Job, on_error: Job | None, handed_over: float) -> None:
        self._local.job = True
        self._wait_for_lull()
        try:
            job()
            metrics.after_ack_job(time.perf_counter() - handed_over, ok=True)
        except Exception as error:  # noqa: BLE001 - reported, never silent
            metrics.after_ack_job(time.perf_counter() - handed_over, ok=False)
            log.exception("work after ack failed: %s", type(error).__name__)
            if on_error is not None:
                try:
                    on_error()
                except Exception:  # noqa: BLE001 - the log already has the cause
                    log.warning("could not tell the user about the failure")

    def drain(self) -> None:
        """Finish every job already started or queued (tests, and a clean shutdown)."""
        self._pool.shutdown(wait=True)
