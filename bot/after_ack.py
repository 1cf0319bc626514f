"""The part of a listener's job that comes after `ack()`, run on threads of its own.

bolt (with `process_before_response=False`) runs each listener on one of a handful of listener
threads and answers Slack as soon as the listener calls `ack()`. A listener that then stores,
renders and calls the Web API on that same thread keeps it busy, and under load the next
request's ack queues behind it: ack latency becomes the latency of the whole job. Handing the
rest of the job to this pool frees bolt's thread the moment the ack is sent.

Jobs are few and short in a PMO's day; the pool is small so that a burst of them shares the
process with the acks instead of starving them. A job that fails is logged and, where the
listener says how, the person is told; it never fails silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)

Job = Callable[[], None]


class AfterAck:
    def __init__(self, threads: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="after-ack")

    def run(self, job: Job, *, on_error: Job | None = None) -> Future:
        """Start `job` soon; if it raises, log it and call `on_error` (e.g. "please retry")."""
        return self._pool.submit(self._guarded, job, on_error)

    @staticmethod
    def _guarded(job: Job, on_error: Job | None) -> None:
        try:
            job()
        except Exception as error:  # noqa: BLE001 - reported, never silent
            log.exception("work after ack failed: %s", type(error).__name__)
            if on_error is not None:
                try:
                    on_error()
                except Exception:  # noqa: BLE001 - the log already has the cause
                    log.warning("could not tell the user about the failure")

    def drain(self) -> None:
        """Finish every job already started or queued (tests, and a clean shutdown)."""
        self._pool.shutdown(wait=True)
