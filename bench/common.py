"""What the benchmarks share: throw-away databases on both engines, a query counter, timing.

Run from the repository root, e.g. `.venv/bin/python -m bench.digest_bench`. PostgreSQL comes
from PMO_TEST_POSTGRES_URL (default: the local server with trust auth) and is skipped, with a
line saying so, when it cannot be reached.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text

from bot.context import BotContext, make_context
from bot.settings import Settings
from pmo_rules.config import Rules
from storage.migrate import upgrade

PG_ADMIN_URL = os.environ.get("PMO_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade(url)
        yield url


@contextmanager
def postgres_database() -> Iterator[str | None]:
    name = f"pmo_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server: say so and go on
        print(f"  PostgreSQL skipped: {type(exc).__name__} at {PG_ADMIN_URL}")
        yield None
        return
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


DATABASES = (("SQLite", sqlite_database), ("PostgreSQL", postgres_database))


def context(url: str, rules: Rules, now) -> BotContext:
    settings = Settings(bot_token="xoxb-bench", signing_secret="bench", database_url=url)
    return make_context(settings, rules, clock=lambda: now)


@contextmanager
def counting_queries(ctx: BotContext) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block (BEGIN/COMMIT are not counted)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", record)


def median_times(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The median wall time and the median CPU time of this process (`time.process_time`:
    what the machine's load does not inflate; PostgreSQL's own work is not in it) of `repeat`
    runs, in milliseconds (after one warm-up run)."""
    run()
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of `repeat` runs, in milliseconds (after one warm-up run)."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
