"""Adding actions and decisions, and the digest's two sections over a large log: prints
figures, asserts nothing.

    .venv/bin/python bench/raid_log.py [PROJECTS]

For each database (a temporary SQLite file; PostgreSQL when a server answers at
PMO_TEST_POSTGRES_URL): PROJECTS projects (default 1,000) with 10 open actions and 10 decisions
each, then the time to add one action and one decision (number from the counter row, row, audit
entry, the DM or card in the outbox; one transaction each: median and p95) and to read the
digest's *Overdue actions by owner* and *Decisions this week* (one statement each, counted).
Issue 12 asks for p95 < 10 ms per add.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

from bench.common import DATABASES, context, counting_queries, median_ms
from pmo_rules.config import DEFAULT_RULES
from services import actions, decisions
from storage import actions as action_store
from storage import decisions as decision_store
from storage.digest_raid import ActionSection, DecisionSection
from storage.digest_sections import top_of_each
from storage.projects import add_project, project_by_key

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ADDS = 300


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(f"RAID log benchmark: {count} projects, 10 open actions and 10 decisions each")
    for label, database in DATABASES:
        with database() as url:
            if url is None:
                continue
            ctx = context(url, DEFAULT_RULES, NOW)
            try:
                _run(label, ctx, count)
            finally:
                ctx.db.dispose()


def _run(label: str, ctx, count: int) -> None:
    started = time.perf_counter()
    with ctx.db.write() as session:
        for n in range(count):
            project = add_project(session, key=f"P{n:04d}", name=f"Project {n}",
                                  pm_id="UPM0001", channel_id="CBENCH01", actor="UADMIN1",
                                  now=NOW)
            for i in range(10):
                action_store.add(session, project=project, title=f"Action {i}",
                                 due=date(2026, 11, 13) + timedelta(days=i), owner=f"U{i:07d}",
                                 actor="UADMIN1", now=NOW)
                decision_store.add(session, project=project, title=f"Decision {i}", note=None,
                                   decided_by="UPM0001", supersedes=None, actor="UADMIN1",
                                   now=NOW - timedelta(days=i))
    print(f"  {label}: seeded in {time.perf_counter() - started:.1f} s")
    add_action, add_decision = [], []
    for n in range(ADDS):
        key = f"P{n % count:04d}"
        add_action.append(_timed(lambda key=key, n=n: _add_action(ctx, key, n)))
        add_decision.append(_timed(lambda key=key, n=n: _add_decision(ctx, key, n)))
    for name, samples in (("add an action", add_action), ("add a decision", add_decision)):
        print(f"  {label}: {name} (number, row, audit, outbox; one transaction): median "
              f"{statistics.median(samples):.2f} ms, p95 {_p95(samples):.2f} ms over {ADDS}")
    for section in (ActionSection(), DecisionSection()):
        def read(section=section):
            with ctx.db.read() as session:
                return top_of_each(session, section.lists(NOW, ctx.rules))
        with counting_queries(ctx) as seen:
            read()
        selects = len([s for s in seen if "SELECT" in s.upper()])
        print(f"  {label}: digest section '{section.name}': median {median_ms(read, 5):.1f} ms, "
              f"{selects} statement")


def _add_action(ctx, key: str, n: int) -> None:
    with ctx.db.write() as session:
        actions.record(ctx, session, project=project_by_key(session, key), title=f"New {n}",
                       due=date(2026, 12, 11), owner="UOWNER01", actor="UADMIN1", now=NOW)


def _add_decision(ctx, key: str, n: int) -> None:
    with ctx.db.write() as session:
        decisions.record(ctx, session, project=project_by_key(session, key), title=f"New {n}",
                         note=None, decided_by="UPM0001", supersedes=None, actor="UADMIN1",
                         now=NOW)


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def _p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95)]


if __name__ == "__main__":
    main()
