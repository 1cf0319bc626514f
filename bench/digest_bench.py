"""The weekly digest for a large portfolio: time and SQL statements, SQLite and PostgreSQL.

1,000 projects with a year of weekly status updates each (52,000 rows, with percent complete
and cost to date), ten risks each (some overdue, some high, some new, some due this week), a
gate request for every fifth project (half open, a quarter waiting on a vote for days, half
decided), and a baselined plan with ten milestones each (10,000: done, on time, re-forecast
late this week, overdue, due in the next 14 days), against 100 projects to show that the number
of statements does not grow with the portfolio. Each project also has 10 open issues, actions,
decisions and change requests (bench/common.py `seed_raid`, issue 12's sections). Target
(issue 12): under 300 ms and a fixed number of statements whatever the portfolio size (issue
11 had asked for at most 12 before the RAID sections; they add one statement each, and their
reminder sources four to the overdue items).

Then the same 1,000 projects with every tenth one confidential (100: `projects.confidential`,
issue 15): the portfolio digest leaves them out and only counts them; still under 300 ms and
the same number of statements.

Then the projects' own digests (`/pmo project KEY digest on`) for every tenth project, all
loaded at once (storage.digest.load_project_digests) and rendered, as the planner does.

    .venv/bin/python -m bench.digest_bench
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, literal, select, text, update

from bench.common import (
    DATABASES,
    context,
    counting_queries,
    median_ms,
    median_times,
    risk_row,
    seed_raid,
)
from pmo_rules.config import DEFAULT_RULES
from pmo_rules.schedule import digest_period
from services.digest import build_digest
from storage.base import UtcDateTime
from storage.digest import load_digest, load_project_digests
from storage.gates import GateRequest, GateVote
from storage.milestones import Milestone
from storage.plans import ProjectPlan
from storage.projects import Project, StatusUpdate
from storage.risks import Risk
from templates.digest import digest_messages, period_label

NOW = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai
RAGS = ("green", "green", "amber", "red")
RULES = DEFAULT_RULES
TODAY = date(2026, 11, 30)
TARGET_MS = 300


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
                 "summary": "Weekly update", "created_at": NOW - timedelta(days=7 * w + pid % 10),
                 "percent_complete": max(0, 60 - w - pid % 30),
                 "actual_cost": Decimal(500_000 - 5_000 * w + pid % 9 * 20_000)}
                for pid in ids for w in range(weeks - 1, -1, -1)]
        for start in range(0, len(rows), 10_000):
            session.execute(insert(StatusUpdate), rows[start:start + 10_000])
        session.execute(insert(Risk), [risk_row(pid, n, NOW) for pid in ids for n in range(1, 11)])
        session.execute(insert(GateRequest), [_gate(pid) for pid in ids if pid % 5 == 0])
        decided = select(GateRequest.id).where(GateRequest.state != "open")
        session.execute(insert(GateVote).from_select(
            ["request_id", "approver_id", "vote", "at"],
            select(decided.subquery().c.id, literal("UGATE01"), literal("approve"),
                   literal(NOW - timedelta(days=2), UtcDateTime()))))
        start = TODAY - timedelta(days=180)
        session.execute(insert(ProjectPlan), [
            {"project_id": pid, "start_on": start, "finish_on": start + timedelta(days=360),
             "budget": Decimal("1000000.00"), "baseline_start": start,
             "baseline_finish": start + timedelta(days=360),
             "baseline_budget": Decimal("1000000.00"), "baselined_at": NOW - timedelta(days=180),
             "updated_by": "UADMIN1", "updated_at": NOW - timedelta(days=180)} for pid in ids])
        session.execute(insert(Milestone), [_milestone(pid, n) for pid in ids
                                            for n in range(1, 11)])
        seed_raid(session, ids, 10 * len(ids), NOW)
    with ctx.db.engine.connect() as conn:  # what autovacuum would have done by the weekly run
        conn.execute(text("ANALYZE"))
        conn.commit()


def _milestone(project_id: int, number: int) -> dict:
    """Ten a project, 36 days apart: the first three done, the fourth re-forecast later (this
    week for every third project), the fifth due between three days ago and ten days ahead
    (overdue or due within 14 days), the rest ahead."""
    due = TODAY + timedelta(days=36 * (number - 5) + 10 - project_id % 14)
    forecast = due + timedelta(days=5 + project_id % 20) if number == 4 else None
    moved = NOW - timedelta(days=2 if project_id % 3 == 0 else 30)
    return {"project_id": project_id, "number": number, "title": f"Milestone {number}",
            "owner_id": f"UOWN{(project_id + number) % 80:04d}", "weight": 1 + number % 3,
            "due_on": due, "forecast_on": forecast, "expected_on": forecast or due,
            "done_on": due if number <= 3 else None, "created_by": "UADMIN1",
            "created_at": NOW - timedelta(days=180), "updated_at": moved}


def _gate(project_id: int) -> dict:
    """Open for 1 or 3 days (waiting on two approvers), or passed two days ago."""
    state = "open" if project_id % 10 == 0 else "passed"
    return {"project_id": project_id, "phase": "execution", "state": state,
            "requested_by": "UPM0001", "requested_at": NOW - timedelta(days=1 + project_id % 3),
            "note": "", "checklist": [], "approvers": ["UGATE01", "UGATE02"], "required": 2,
            "quorum": "all", "card_ids": [],
            "decided_by": None if state == "open" else "UGATE01",
            "decided_at": None if state == "open" else NOW - timedelta(days=2)}


def make_confidential(ctx, every: int = 10) -> int:
    """Every `every`-th project confidential (the ones whose id ends in 3, so not the gate or
    own-digest projects only); how many that is."""
    with ctx.db.write() as session:
        done = session.execute(update(Project).where(Project.id % every == 3)
                               .values(confidential=True)).rowcount
    with ctx.db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return done


def measure(ctx, label: str) -> tuple[float, int]:
    period = digest_period(NOW, RULES.pmo, RULES.digest)
    with counting_queries(ctx) as statements:
        messages = build_digest(ctx, NOW, period)
    total, cpu = median_times(lambda: build_digest(ctx, NOW, period), repeat=5)

    def load() -> None:
        with ctx.db.read() as session:
            load_digest(session, NOW, RULES)

    loading = median_ms(load, repeat=5)
    data = load_digest_data(ctx)
    sections = [name for name, _ in data.extras]
    print(f"  {label}: {total:7.1f} ms (CPU here {cpu:6.1f} ms; loading {loading:6.1f} ms, "
          f"rendering {total - loading:6.1f} ms), {len(statements)} SQL statements, "
          f"{len(messages)} message(s); sections {', '.join(sections)}"
          + (f"; {data.confidential} confidential left out" if data.confidential else ""))
    return total, len(statements)


def load_digest_data(ctx):
    with ctx.db.read() as session:
        return load_digest(session, NOW, RULES)


def measure_projects(ctx, label: str) -> None:
    """Every tenth project's own digest: one load for all of them, then each rendered."""
    with ctx.db.read() as session:
        ids = list(session.scalars(select(Project.id).where(Project.id % 10 == 0)))
    period = period_label(ctx.renderer, digest_period(NOW, RULES.pmo, RULES.digest), NOW)

    def load():
        with ctx.db.read() as session:
            return load_project_digests(session, NOW, RULES, ids)

    def build() -> int:
        return sum(len(digest_messages(ctx.renderer, data, period=period, now=NOW, rules=RULES))
                   for data in load().values())

    with counting_queries(ctx) as statements:
        messages = build()
    total, loading = median_ms(build, repeat=5), median_ms(load, repeat=5)
    print(f"  {label}: {total:7.1f} ms (loading {loading:6.1f} ms, rendering "
          f"{total - loading:6.1f} ms), {len(statements)} SQL statements, "
          f"{messages} message(s) for {len(ids)} project digests")


def main() -> None:
    print("Weekly digest (median of 5; build = load + compose + render every message; "
          f"load average {os.getloadavg()[0]:.1f})")
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
                measure_projects(ctx, f"{projects // 10:5d} project digests   ")
                if projects == 1000:
                    hidden = make_confidential(ctx)
                    results["confidential"] = measure(
                        ctx, f"{projects:5d} projects, {hidden} confidential")
                ctx.db.dispose()
        if 100 in results and 1000 in results:
            (small_ms, small_q), (big_ms, big_q) = results[100], results[1000]
            print(f"  10x the projects: {big_ms / small_ms:.1f}x the time, "
                  f"{big_q - small_q:+d} statements; < {TARGET_MS} ms: "
                  f"{'met' if big_ms < TARGET_MS else 'NOT met'}; a fixed number of "
                  f"statements: {'met' if big_q == small_q else 'NOT met'}")
        if "confidential" in results and 100 in results:
            hidden_ms, hidden_q = results["confidential"]
            small_q = results[100][1]
            print(f"  with 100 confidential: < {TARGET_MS} ms: "
                  f"{'met' if hidden_ms < TARGET_MS else 'NOT met'}; "
                  f"{hidden_q - small_q:+d} statements against 100 projects")


if __name__ == "__main__":
    main()
