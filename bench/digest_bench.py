"""The weekly digest for a large portfolio: time and SQL statements, SQLite and PostgreSQL.

1,000 projects with a year of weekly status updates each (52,000 rows), against 100 projects
to show that the number of statements does not grow with the portfolio. Target: under 300 ms
and at most 10 statements. Risks and gates are not in the digest yet: when their sections join
(storage/digest.py EXTRA_SECTIONS), seed ten risks per project here and measure again.

    .venv/bin/python -m bench.digest_bench
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from bench.common import DATABASES, context, counting_queries, median_ms
from bot.planner import build_digest
from pmo_rules.config import DEFAULT_RULES
from pmo_rules.schedule import digest_period
from storage.digest import load_digest
from storage.projects import Project, StatusUpdate

NOW = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai
RAGS = ("green", "green", "amber", "red")
RULES = DEFAULT_RULES


def seed(ctx, projects: int, weeks: int = 52) -> None:
    """`projects` active projects, each with a weekly update for `weeks` weeks (oldest first)."""
    with ctx.db.write() as session:
        session.execute(insert(Project), [
            {"key": f"P{n:05d}", "name": f"Project {n}", "pm_id": f"UPM{n % 50:04d}",
             "channel_id": "CBENCH1", "phase": "execution", "state": "active",
             "created_by": "UADMIN1", "created_at": NOW - timedelta(days=7 * weeks + 30),
             "last_status_at": NOW - timedelta(days=n % 10)} for n in range(projects)])
        ids = list(session.scalars(select(Project.id).order_by(Project.id)))
        rows = [{"project_id": pid, "author_id": "UPM0001", "overall": RAGS[(pid + w) % 4],
                 "summary": "Weekly update", "created_at": NOW - timedelta(days=7 * w + pid % 10)}
                for pid in ids for w in range(weeks - 1, -1, -1)]
        for start in range(0, len(rows), 10_000):
            session.execute(insert(StatusUpdate), rows[start:start + 10_000])


def measure(ctx, label: str) -> tuple[float, int]:
    period = digest_period(NOW, RULES.pmo, RULES.digest)
    with counting_queries(ctx) as statements:
        messages = build_digest(ctx, NOW, period)
    total = median_ms(lambda: build_digest(ctx, NOW, period), repeat=5)

    def load() -> None:
        with ctx.db.read() as session:
            load_digest(session, NOW, RULES)

    loading = median_ms(load, repeat=5)
    print(f"  {label}: {total:7.1f} ms (loading {loading:6.1f} ms, rendering "
          f"{total - loading:6.1f} ms), {len(statements)} SQL statements, "
          f"{len(messages)} message(s)")
    return total, len(statements)


def main() -> None:
    print("Weekly digest (median of 5; build = load + compose + render every message)")
    for name, make_database in DATABASES:
        print(f"{name}:")
        results = {}
        for projects in (100, 1000):
            with make_database() as url:
                if url is None:
                    break
                ctx = context(url, RULES, NOW)
                seed(ctx, projects)
                results[projects] = measure(ctx, f"{projects:5d} projects x 52 weeks")
                ctx.db.dispose()
        if len(results) == 2:
            (small_ms, small_q), (big_ms, big_q) = results[100], results[1000]
            print(f"  10x the projects: {big_ms / small_ms:.1f}x the time, "
                  f"{big_q - small_q:+d} statements; target < 300 ms and <= 10 statements: "
                  f"{'met' if big_ms < 300 and big_q <= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
