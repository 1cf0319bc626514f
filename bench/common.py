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
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.orm import Session

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


# --- bulk seeding of the RAID logs (one INSERT … VALUES per batch, never one row at a time) -----

BATCH = 5_000
SEVERITIES = ("critical", "high", "medium", "low")  # severity_rank 0…3


def bulk_insert(session: Session, model, rows: list[dict]) -> None:
    """`rows` into `model`'s table, BATCH rows a statement (executemany)."""
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start:start + BATCH])


def _spread(projects: list[int], count: int) -> Iterator[tuple[int, int, int]]:
    """(n, project id, number in that project) for `count` rows spread evenly over `projects`."""
    for n in range(count):
        yield n, projects[n % len(projects)], n // len(projects) + 1


def risk_row(project_id: int, number: int, now: datetime) -> dict:
    """An open risk scored 1…25; one in ten overdue for review, one with its response due this
    week, one added this week."""
    today = now.date()
    probability, impact = 1 + (project_id + number) % 5, 1 + (project_id * number) % 5
    return {"project_id": project_id, "number": number, "title": f"Risk {number}",
            "probability": probability, "impact": impact, "score": probability * impact,
            "owner_id": f"UOWN{(project_id + number) % 80:04d}", "status": "open",
            "next_review_on": today + timedelta(days=-3 if number % 10 == 1 else number % 10),
            "due_on": today + timedelta(days=2) if number % 10 == 2 else None,
            "created_by": "UADMIN1", "version": 1, "updated_at": now,
            "created_at": now - timedelta(days=2 if number % 10 == 3 else 90)}


def issue_rows(projects: list[int], count: int, now: datetime) -> list[dict]:
    """Open issues, a quarter each critical/high/medium/low, due from 10 days ago to 20 ahead
    (one in five without a due date), raised over the last 60 days."""
    today = now.date()
    return [{"project_id": pid, "number": number,
             "title": f"Supplier delivery blocked, lot {n}" if n % 7 else f"供应商交付受阻 {n}",
             "severity": SEVERITIES[n % 4], "severity_rank": n % 4, "status": "open",
             "owner_id": f"UOWNER{n % 40:02d}",
             "due_on": None if n % 5 == 0 else today + timedelta(days=n % 30 - 10),
             "last_note": "Waiting on the vendor" if n % 2 else None,
             "created_by": "UADMIN1", "created_at": now - timedelta(days=n % 60),
             "updated_at": now - timedelta(days=n % 20)}
            for n, pid, number in _spread(projects, count)]


def action_rows(projects: list[int], count: int, now: datetime) -> list[dict]:
    """Open actions, due from 10 days ago to 9 ahead (half overdue)."""
    today = now.date()
    return [{"project_id": pid, "number": number, "title": f"Chase the signed SOW {n}",
             "owner_id": f"UOWNER{n % 40:02d}", "due_on": today + timedelta(days=n % 20 - 10),
             "done_on": None, "done_by": None, "done_note": None, "created_by": "UADMIN1",
             "created_at": now - timedelta(days=30), "updated_at": now - timedelta(days=n % 10)}
            for n, pid, number in _spread(projects, count)]


def decision_rows(projects: list[int], count: int, now: datetime) -> list[dict]:
    """Decisions recorded over the last 14 days (half in the digest's week)."""
    return [{"project_id": pid, "number": number, "title": f"Go with vendor B for wave {n}",
             "note": "Cheaper and on time" if n % 3 else None, "decided_by": "UPM0001",
             "recorded_by": "UADMIN1", "recorded_at": now - timedelta(days=n % 14, hours=1),
             "supersedes_number": None}
            for n, pid, number in _spread(projects, count)]


def change_rows(projects: list[int], count: int, now: datetime) -> list[dict]:
    """Open change requests waiting on two approvers, asked 1…10 days ago."""
    return [{"project_id": pid, "number": number, "title": f"Move go-live for wave {n}",
             "schedule_days": n % 30 if n % 2 else None, "new_finish": None,
             "cost_delta": Decimal(1000 * (n % 50)) if n % 3 else None,
             "scope": "Adds the reporting module" if n % 4 else "", "moves": [],
             "state": "open", "requested_by": "UPM0001",
             "requested_at": now - timedelta(days=1 + n % 10),
             "approvers": ["UGATE01", "UGATE02"], "required": 2, "quorum": "all",
             "card_ids": []}
            for n, pid, number in _spread(projects, count)]


def raid_models() -> dict[str, tuple[type, Callable[[list[int], int, datetime], list[dict]]]]:
    from storage.actions import Action
    from storage.changes import ChangeRequest
    from storage.decisions import Decision
    from storage.issues import Issue

    return {"issues": (Issue, issue_rows), "actions": (Action, action_rows),
            "decisions": (Decision, decision_rows), "changes": (ChangeRequest, change_rows)}


def seed_raid(session: Session, projects: list[int], count: int, now: datetime,
              logs: tuple[str, ...] = ("issues", "actions", "decisions", "changes")) -> None:
    """`count` rows into each of `logs`, spread evenly over `projects`, then the numbering
    counters set past them (so the next add gets the next number)."""
    models = raid_models()
    for name in logs:
        model, rows = models[name]
        bulk_insert(session, model, rows(projects, count, now))
    set_counters(session, projects, count, logs)


def set_counters(session: Session, projects: list[int], count: int,
                 logs: tuple[str, ...]) -> None:
    """The numbering counters past `count` rows a log spread over `projects`: risks have their
    own table; issues, actions, decisions and change requests a `raid_counters` row a kind
    (and issues also `issue_counters` while that older table exists)."""
    from storage import issues
    from storage.raid_numbers import RaidCounter
    from storage.risks import RiskCounter

    last = {pid: count // len(projects) + (1 if i < count % len(projects) else 0)
            for i, pid in enumerate(projects)}
    if "risks" in logs:
        bulk_insert(session, RiskCounter, [{"project_id": pid, "last_number": n}
                                           for pid, n in last.items() if n])
    if "issues" in logs and hasattr(issues, "IssueCounter"):
        bulk_insert(session, issues.IssueCounter, [{"project_id": pid, "last_number": n}
                                                   for pid, n in last.items() if n])
    kinds = [kind for kind, log in (("issue", "issues"), ("action", "actions"),
                                    ("decision", "decisions"), ("change", "changes"))
             if log in logs]
    bulk_insert(session, RaidCounter, [{"project_id": pid, "kind": kind, "last_number": n}
                                       for kind in kinds for pid, n in last.items() if n])
