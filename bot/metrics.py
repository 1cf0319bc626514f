"""What the bot counts and times, and `GET /metrics`: Prometheus text, one process or many.

The instruments are created on first use, not at import: prometheus_client decides when a value
is first made whether it lives in this process's memory or in a file under
PROMETHEUS_MULTIPROC_DIR, and `pmo-bot serve` (gunicorn, several worker processes) must set that
directory up before anything is counted (`use_multiprocess_dir`, in the master, before the
fork). A scrape then adds up every worker's files (`MultiProcessCollector`); tests and the
console use the ordinary in-memory registry.

Backlog gauges (how many rows wait, how old the oldest is) are not counted here: each scrape
asks the database (`storage/backlog.py`), so every worker answers the same, true figure.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cache
from types import SimpleNamespace

from storage import backlog
from storage.db import Database

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Acks must come within 3 s: the buckets resolve the fast end finely and stop just past it.
ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TICK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@cache
def _instruments() -> SimpleNamespace:
    from prometheus_client import Counter, Histogram

    return SimpleNamespace(
        requests=Counter("pmo_slack_requests", "Slack requests answered, by kind and outcome",
                         ["kind", "name", "outcome"]),
        ack=Histogram("pmo_ack_seconds", "Time from a Slack request's arrival to its ack",
                      ["kind", "name"], buckets=ACK_BUCKETS),
        job=Histogram("pmo_after_ack_job_seconds",
                      "Work after an ack, from hand-over to finish (queueing included)",
                      ["outcome"], buckets=JOB_BUCKETS),
        deliveries=Counter("pmo_deliveries", "Outbox sends, by outcome", ["outcome"]),
        slack_errors=Counter("pmo_slack_errors", "Errors Slack answered to outbox sends",
                             ["error"]),
        tick=Histogram("pmo_scheduler_tick_seconds", "One scheduler tick: plan and send",
                       ["outcome"], buckets=TICK_BUCKETS),
        db_errors=Counter("pmo_database_errors", "Database errors raised to the bot's code",
                          ["error"]),
    )


# -- what the code calls (each a few microseconds) ------------------------------------------------

def slack_request(kind: str, name: str, outcome: str, seconds: float) -> None:
    m = _instruments()
    m.requests.labels(kind, name, outcome).inc()
    if outcome == "acked":
        m.ack.labels(kind, name).observe(seconds)


def after_ack_job(seconds: float, ok: bool) -> None:
    _instruments().job.labels("ok" if ok else "failed").observe(seconds)


def delivery(outcome: str) -> None:
    """One outbox row settled for now: sent, retried (later) or given_up."""
    _instruments().deliveries.labels(outcome).inc()


def slack_error(error: str) -> None:
    """Slack answered an outbox send with `error` (not_in_channel, ratelimited…)."""
    _instruments().slack_errors.labels(error).inc()


def scheduler_tick(seconds: float, ok: bool) -> None:
    _instruments().tick.labels("ok" if ok else "failed").observe(seconds)


def database_error(context) -> None:
    """SQLAlchemy's `handle_error` engine event: count DBAPI errors (not pre-ping probes)."""
    if getattr(context, "is_pre_ping", False):
        return
    error = context.sqlalchemy_exception or context.original_exception
    _instruments().db_errors.labels(type(error).__name__).inc()


# -- processes ------------------------------------------------------------------------------------

def use_multiprocess_dir(path: str | None = None) -> str:
    """Point prometheus_client at a fresh, empty directory (before workers fork).

    An operator's PROMETHEUS_MULTIPROC_DIR is emptied (files from a previous run would be added
    to this one's); otherwise a temporary one is made. Returns the directory.
    """
    path = path or os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="pmo-bot-metrics-")
    os.makedirs(path, exist_ok=True)
    for entry in os.listdir(path):
        if entry.endswith(".db"):
            os.remove(os.path.join(path, entry))
    os.environ[MULTIPROC_ENV] = path
    if "prometheus_client.values" in sys.modules:  # imported early: choose its values again
        from prometheus_client import values
        values.ValueClass = values.get_value_class()
    return path


def worker_exited(pid: int) -> None:
    """gunicorn's child_exit hook: let the aggregation forget a dead worker's live gauges."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(pid)


def remove_multiprocess_dir(path: str, owner: int) -> None:
    """Remove a directory `use_multiprocess_dir` made, from the process `owner` that made it (a
    forked worker leaving through the same stack must not)."""
    if os.getpid() == owner and os.path.basename(path).startswith("pmo-bot-metrics-"):
        shutil.rmtree(path, ignore_errors=True)


# -- the scrape -----------------------------------------------------------------------------------

class Scrape:
    """The `/metrics` answer for one database: counters and timings, plus backlog gauges."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        from prometheus_client import REGISTRY, CollectorRegistry
        from prometheus_client.multiprocess import MultiProcessCollector

        _instruments()  # every family shows, at zero, from the first scrape
        self._db, self._clock = db, clock
        self._registry = CollectorRegistry(auto_describe=False)
        if os.environ.get(MULTIPROC_ENV):
            MultiProcessCollector(self._registry)
        else:
            self._registry.register(_Forward(REGISTRY))
        self._registry.register(self)

    def render(self) -> bytes:
        from prometheus_client import generate_latest
        return generate_latest(self._registry)

    def collect(self) -> Iterator:
        from prometheus_client.core import GaugeMetricFamily

        depth = GaugeMetricFamily("pmo_backlog_depth", "Rows waiting, by queue", labels=["queue"])
        age = GaugeMetricFamily("pmo_backlog_oldest_age_seconds",
                                "Age of the oldest waiting row, by queue (0 when none waits)",
                                labels=["queue"])
        now = self._clock()
        try:
            with self._db.lookup() as connection:
                figures = backlog.measure(connection)
        except Exception:  # noqa: BLE001 - the counters still answer; the gauges go missing
            yield GaugeMetricFamily("pmo_backlog_up", "1 when the backlog could be measured",
                                    value=0)
            return
        for queue, (count, oldest) in figures.items():
            depth.add_metric([queue], count)
            age.add_metric([queue], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield GaugeMetricFamily("pmo_backlog_up", "1 when the backlog could be measured", value=1)
        yield depth
        yield age


class _Forward:
    """The process's default registry, seen through another registry."""

    def __init__(self, registry) -> None:
        self._source = registry

    def collect(self) -> Iterator:
        return self._source.collect()
