"""Adding issues, actions and decisions (a risk as the baseline), and the digest's RAID sections
over a large log: prints figures, asserts nothing.

    .venv/bin/python -m bench.raid_log [PROJECTS] [--adds N]

For each database (a temporary SQLite file; PostgreSQL when a server answers at
PMO_TEST_POSTGRES_URL): PROJECTS projects (default 1,000) with 10 open risks, issues, actions,
decisions and change requests each, seeded in bulk (bench/common.py `seed_raid`: one INSERT a
5,000-row batch, the numbering counters set past them). Then, round-robin so that all four see
the same moment's load, N times each (default 300): `/risk add`, `/issue add`, `/action add` and
`/decision add` as the services run them after the ack (the caller owns the item, so no Slack
look-up; number from the counter row, row, audit entry, card or DM in the outbox, one
transaction, the reply worded; the outbox sender is stubbed out: its Web API calls come after).
Wall median and p95, and the ratio to the risk's p95 at the same moment. Then the digest's
*Serious issues*, *Overdue actions by owner*, *Decisions this week* and *Change requests*
sections (one statement each, counted). Issue 12 asks for p95 < 10 ms per add (as risks).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select, text

from bench.common import (
    DATABASES,
    context,
    counting_queries,
    median_times,
    risk_row,
    seed_raid,
    set_counters,
)
from pmo_rules import actions as action_rules
from pmo_rules import decisions as decision_rules
from pmo_rules import issues as issue_rules
from pmo_rules.config import DEFAULT_RULES
from pmo_rules.risk import RiskDraft
from services import actions, decisions, issues, risks
from storage.digest_raid import ActionSection, DecisionSection
from storage.digest_sections import ChangeSection, IssueSection, top_of_each
from storage.projects import Project
from storage.risks import Risk

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
USER = "UPM0001"
TARGET_MS = 10.0
WARM_UP = 5


class NoSend:
    """The outbox sender, stubbed: the deliveries stay in the outbox (sent after the reply)."""

    def send(self, ids):
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="?", type=int, default=1000)
    parser.add_argument("--adds", type=int, default=300)
    args = parser.parse_args()
    print(f"RAID log benchmark: {args.projects} projects, 10 open risks, issues, actions, "
          f"decisions and change requests each; load average {_load()}")
    for label, database in DATABASES:
        with database() as url:
            if url is None:
                continue
            ctx = context(url, DEFAULT_RULES, NOW)
            ctx.__dict__["sender"] = NoSend()
            try:
                _run(label, ctx, args.projects, args.adds)
            finally:
                ctx.db.dispose()


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _run(label: str, ctx, count: int, adds: int) -> None:
    started = time.perf_counter()
    with ctx.db.write() as session:
        session.execute(insert(Project), [
            {"key": f"P{n:04d}", "name": f"Project {n}", "pm_id": USER, "channel_id": "CBENCH01",
             "phase": "execution", "state": "active", "created_by": "UADMIN1",
             "created_at": NOW - timedelta(days=90)} for n in range(count)])
        ids = list(session.scalars(select(Project.id).order_by(Project.id)))
        session.execute(insert(Risk), [risk_row(pid, n, NOW) for pid in ids for n in range(1, 11)])
        seed_raid(session, ids, 10 * count, NOW)
        set_counters(session, ids, 10 * count, ("risks",))
    with ctx.db.engine.connect() as conn:  # what autovacuum would have done by then
        conn.execute(text("ANALYZE"))
        conn.commit()
    print(f"  {label}: seeded {count:,} projects x 5 logs x 10 in "
          f"{time.perf_counter() - started:.1f} s (bulk inserts)")
    work = {"risk (baseline)": _add_risk, "issue": _add_issue, "action": _add_action,
            "decision": _add_decision}
    walls: dict[str, list[float]] = {name: [] for name in work}
    cpus: dict[str, list[float]] = {name: [] for name in work}
    for n in range(-WARM_UP, adds):  # the first rounds (templates, caches) are not counted
        key = f"P{n % count:04d}"
        for name, add in work.items():
            wall, cpu = time.perf_counter(), time.process_time()
            reply = add(ctx, key, n)
            if n >= 0:
                walls[name].append((time.perf_counter() - wall) * 1000)
                cpus[name].append((time.process_time() - cpu) * 1000)
            if ":white_check_mark:" not in reply:
                print(f"  unexpected reply for {name}: {reply[:120]}")
    statements = {}
    for name, add in work.items():
        with counting_queries(ctx) as seen:
            add(ctx, "P0000", adds)
        statements[name] = len(seen)
    base = _p95(walls["risk (baseline)"])
    for name in work:
        p95 = _p95(walls[name])
        print(f"  {label}: add {name:16} median {statistics.median(walls[name]):6.2f} ms, "
              f"p95 {p95:6.2f} ms (CPU here: median {statistics.median(cpus[name]):5.2f}, "
              f"p95 {_p95(cpus[name]):5.2f} ms) over {adds}; p95 / risk's {p95 / base:4.2f}; "
              f"{statements[name]} statements; "
              f"p95 < {TARGET_MS:.0f} ms: {'met' if p95 < TARGET_MS else 'NOT met'}")
    print(f"  {label}: load average after the adds {_load()}")
    for section in (IssueSection(), ActionSection(), DecisionSection(), ChangeSection()):
        def read(section=section):
            with ctx.db.read() as session:
                return top_of_each(session, section.lists(NOW, ctx.rules))
        with counting_queries(ctx) as seen:
            read()
        wall, cpu = median_times(read, 5)
        print(f"  {label}: digest section '{section.name}': median {wall:.1f} ms "
              f"(CPU here {cpu:.1f} ms), {len(seen)} statement(s)")


def _add_risk(ctx, key: str, n: int) -> str:
    return risks.add(ctx, USER, RiskDraft(key=key, title=f"New risk {n}", probability=3,
                                          impact=4))


def _add_issue(ctx, key: str, n: int) -> str:
    return issues.add(ctx, USER, issue_rules.Add(key=key, title=f"New issue {n}",
                                                 severity="high", owner_id=None,
                                                 due=date(2026, 12, 11)))


def _add_action(ctx, key: str, n: int) -> str:
    return actions.add(ctx, USER, action_rules.Add(key=key, title=f"New action {n}",
                                                   due=date(2026, 12, 11), owner_id=None))


def _add_decision(ctx, key: str, n: int) -> str:
    return decisions.add(ctx, USER, decision_rules.Add(key=key, title=f"New decision {n}",
                                                       decided_by=None, note=None,
                                                       supersedes=None))


def _p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95)]


if __name__ == "__main__":
    main()
