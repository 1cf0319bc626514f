"""Indicators for a large portfolio (issue 11: 10,000 projects in under 500 ms), SQLite and
PostgreSQL: the path `pmo-bot export indicators` takes (services/indicators.py, the one reader
`/pmo projects` can share), timed with the figures alone (what the target is about) and with
the CSV written too (37 columns of 10,000 rows), and its SQL statements counted, against 1,000
projects to show the count does not grow.

Each project is in execution with a baselined plan, five milestones (one done, one forecast
late, three open) and WEEKS weekly status updates (default 12) with percent complete and cost to
date; the export reads each project's last ten.

    .venv/bin/python -m bench.indicators [PROJECTS] [WEEKS]
"""

from __future__ import annotations

import io
import os
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import insert, select, text

from bench.common import DATABASES, context, counting_queries, median_times
from pmo_rules.config import DEFAULT_RULES
from services.exports import LOGS, write_csv
from services.indicators import portfolio_indicators
from storage.milestones import Milestone
from storage.plans import ProjectPlan
from storage.projects import Project, StatusUpdate

NOW = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai
TODAY = date(2026, 11, 30)
TARGET_MS = 500
RAGS = ("green", "green", "amber", "red")
RULES = DEFAULT_RULES


def seed(ctx, projects: int, weeks: int) -> None:
    start = TODAY - timedelta(days=200)
    with ctx.db.write() as session:
        session.execute(insert(Project), [
            {"key": f"P{n:05d}", "name": f"Project {n}", "pm_id": f"UPM{n % 50:04d}",
             "channel_id": "CBENCH1", "phase": "execution", "state": "active",
             "created_by": "UADMIN1", "created_at": NOW - timedelta(days=400)}
            for n in range(projects)])
        ids = list(session.scalars(select(Project.id).order_by(Project.id)))
        budget = Decimal("1000000.00")
        session.execute(insert(ProjectPlan), [
            {"project_id": pid, "start_on": start, "finish_on": start + timedelta(days=300),
             "budget": budget, "baseline_start": start,
             "baseline_finish": start + timedelta(days=300), "baseline_budget": budget,
             "baselined_at": NOW - timedelta(days=200), "updated_by": "UADMIN1",
             "updated_at": NOW - timedelta(days=200)} for pid in ids])
        session.execute(insert(Milestone), [_milestone(pid, n, start) for pid in ids
                                            for n in range(1, 6)])
        rows = [{"project_id": pid, "author_id": "UPM0001", "overall": RAGS[(pid + w) % 4],
                 "summary": "Weekly update", "percent_complete": min(100, 5 * (weeks - w)),
                 "actual_cost": Decimal(40_000 * (weeks - w) + pid % 7 * 1000),
                 "created_at": NOW - timedelta(days=7 * w + pid % 7)}
                for pid in ids for w in range(weeks - 1, -1, -1)]
        for first in range(0, len(rows), 10_000):
            session.execute(insert(StatusUpdate), rows[first:first + 10_000])
    with ctx.db.engine.connect() as conn:  # what autovacuum would have done by then
        conn.execute(text("ANALYZE"))
        conn.commit()


def _milestone(pid: int, number: int, start: date) -> dict:
    due = start + timedelta(days=50 * number)
    forecast = due + timedelta(days=10 + pid % 20) if number == 2 else None
    return {"project_id": pid, "number": number, "title": f"Milestone {number}",
            "owner_id": "UOWNER1", "weight": number, "due_on": due, "forecast_on": forecast,
            "expected_on": forecast or due, "done_on": due if number == 1 else None,
            "created_by": "UADMIN1", "created_at": NOW - timedelta(days=200),
            "updated_at": NOW - timedelta(days=200)}


def figures(ctx) -> int:
    with ctx.db.read() as session:
        return len(list(portfolio_indicators(session, RULES, TODAY)))


def export(ctx) -> int:
    return write_csv(ctx.db, RULES, LOGS["indicators"], io.StringIO(), TODAY)


def main() -> None:
    projects = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    weeks = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    print(f"indicators benchmark: {projects:,} projects, 5 milestones and {weeks} weekly "
          f"updates each; target < {TARGET_MS} ms; median of 3 (load average "
          f"{os.getloadavg()[0]:.1f})")
    for label, database in DATABASES:
        with database() as url:
            if url is None:
                continue
            for size in (projects // 10, projects):
                ctx = context(url, RULES, NOW)
                with ctx.db.write() as session:
                    session.execute(text("DELETE FROM status_updates"))
                    session.execute(text("DELETE FROM milestones"))
                    session.execute(text("DELETE FROM project_plans"))
                    session.execute(text("DELETE FROM projects"))
                seed(ctx, size, weeks)
                assert figures(ctx) == size
                with counting_queries(ctx) as seen:
                    export(ctx)
                alone, alone_cpu = median_times(partial(figures, ctx), repeat=3)
                written, written_cpu = median_times(partial(export, ctx), repeat=3)
                verdict = "within" if alone < TARGET_MS else "OVER"
                also = "also within" if written < TARGET_MS else "over"
                print(f"  {label}, {size:,} projects: indicators {alone:.0f} ms "
                      f"(CPU here {alone_cpu:.0f} ms; {verdict} the target), export with CSV "
                      f"{written:.0f} ms (CPU here {written_cpu:.0f} ms; {also} it with the "
                      f"file written), {len(seen)} SQL statements")
                ctx.db.dispose()


if __name__ == "__main__":
    main()
