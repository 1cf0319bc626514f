"""The reminder planner over many open items: it must grow with the items that are due.

100,000 active projects (the open items a status source watches), 1% of them overdue, 2,000
PMs with cached time zones. Measured: a first pass (finds the due items,
enqueues one nudge record per PM; the outbox sender renders each when it sends it, and that cost
is printed beside) and a steady-state pass later the same day (everyone already nudged: what
each one-minute tick costs). The same 1,000 due items among 10,000 projects, and 2% due among
100,000, show what the cost follows. Target: under 200 ms.

Then the same for the milestone source (storage/sources/milestone_due.py, issue 11): 100,000
open milestones of 1,000 projects (whose status updates are all on time), owned by the 2,000
people; 1% of them due, half overdue and half within the heads-up before their date, against
the same 1,000 due among 10,000 and 2% due among 100,000.

    .venv/bin/python -m bench.planner_bench [status|milestones]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert, select

from bench.common import DATABASES, context, counting_queries, median_ms
from pmo_rules.config import DEFAULT_RULES
from services.reminders import enqueue_reminders, reminder_plan
from storage.milestones import Milestone
from storage.outbox import Delivery
from storage.projects import Project
from storage.reminders import ReminderLedger, UserZone
from templates.reminders import stored_message

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
TODAY = date(2026, 11, 30)
PEOPLE = 2000
RULES = DEFAULT_RULES


def seed(ctx, total: int, due: int) -> None:
    """`total` active projects of 2,000 PMs; `due` of them, picked at random, reported 8 days
    ago (overdue), the others within the last 6 days."""
    overdue = set(random.Random(7).sample(range(total), due))
    with ctx.db.write() as session:
        session.execute(insert(UserZone), [
            {"user_id": f"UPM{n:05d}", "tz": ("Asia/Shanghai", "Asia/Singapore")[n % 2],
             "fetched_at": NOW} for n in range(PEOPLE)])
        rows = [{"key": f"P{n:06d}", "name": f"Project {n}", "pm_id": f"UPM{n % PEOPLE:05d}",
                 "channel_id": "CBENCH1", "phase": "execution", "state": "active",
                 "created_by": "UADMIN1", "created_at": NOW - timedelta(days=100),
                 "last_status_at": NOW - timedelta(days=8 if n in overdue else n % 6)}
                for n in range(total)]
        for start in range(0, len(rows), 20_000):
            session.execute(insert(Project), rows[start:start + 20_000])


MILESTONE_PROJECTS = 1000


def seed_milestones(ctx, total: int, due: int) -> None:
    """`total` open milestones over 1,000 active projects (statuses all on time), owners among
    the 2,000 people; `due` of them, picked at random, half overdue (expected two days ago) and
    half within the heads-up (expected tomorrow); the others 20 to 400 days ahead."""
    picked = random.Random(11).sample(range(total), due)
    expected = {n: TODAY + timedelta(days=1 if i % 2 else -2) for i, n in enumerate(picked)}
    with ctx.db.write() as session:
        session.execute(insert(UserZone), [
            {"user_id": f"UPM{n:05d}", "tz": ("Asia/Shanghai", "Asia/Singapore")[n % 2],
             "fetched_at": NOW} for n in range(PEOPLE)])
        session.execute(insert(Project), [
            {"key": f"P{n:05d}", "name": f"Project {n}", "pm_id": f"UPM{n % PEOPLE:05d}",
             "channel_id": "CBENCH1", "phase": "execution", "state": "active",
             "created_by": "UADMIN1", "created_at": NOW - timedelta(days=100),
             "last_status_at": NOW - timedelta(days=n % 6)} for n in range(MILESTONE_PROJECTS)])
        ids = list(session.scalars(select(Project.id).order_by(Project.id)))
        per = total // len(ids)
        rows = []
        for n in range(total):
            day = expected.get(n, TODAY + timedelta(days=20 + n % 380))
            rows.append({"project_id": ids[n // per], "number": 1 + n % per,
                         "title": f"Milestone {n}", "owner_id": f"UPM{n % PEOPLE:05d}",
                         "weight": 1, "due_on": day, "forecast_on": None, "expected_on": day,
                         "done_on": None, "created_by": "UADMIN1",
                         "created_at": NOW - timedelta(days=100),
                         "updated_at": NOW - timedelta(days=100)})
        for start in range(0, len(rows), 20_000):
            session.execute(insert(Milestone), rows[start:start + 20_000])


def reset_nudges(ctx) -> None:
    with ctx.db.write() as session:
        session.execute(delete(Delivery))
        session.execute(delete(ReminderLedger))


def first_pass(ctx, repeat: int = 5) -> tuple[float, float, float, int, int]:
    """Median (deciding, writing) ms of a first pass, the median CPU ms of this process for
    the whole pass (`time.process_time`: what the machine's load inflates least; PostgreSQL's
    own work is not in it), the nudges it wrote and its statements; the nudges and ledger are
    wiped before each run, outside the timing."""
    deciding, writing, cpus = [], [], []
    for _ in range(repeat + 1):
        reset_nudges(ctx)
        with counting_queries(ctx) as statements:
            start, cpu = time.perf_counter(), time.process_time()
            plan = reminder_plan(ctx, NOW)
            middle = time.perf_counter()
            result = enqueue_reminders(ctx, plan, NOW)
            deciding.append((middle - start) * 1000)
            writing.append((time.perf_counter() - middle) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    return (statistics.median(deciding[1:]), statistics.median(writing[1:]),
            statistics.median(cpus[1:]), len(result.nudged), len(statements))


def send_time_rendering(ctx) -> float:
    """Milliseconds to render every stored nudge, as the outbox sender does one by one."""
    with ctx.db.read() as session:
        payloads = list(session.scalars(select(Delivery.payload)))
    start = time.perf_counter()
    for payload in payloads:
        stored_message(ctx.renderer, payload, ctx.rules.reminders)
    return (time.perf_counter() - start) * 1000


def measure(ctx) -> tuple[float, float, int, int, int]:
    deciding, writing, cpu, nudged, statements = first_pass(ctx)
    with counting_queries(ctx) as steady_statements:
        assert not reminder_plan(ctx, NOW).nudges
    steady = median_ms(lambda: reminder_plan(ctx, NOW), repeat=5)
    rendering = send_time_rendering(ctx)
    print(f"    first pass: deciding {deciding:6.1f} ms + writing {nudged} nudges "
          f"{writing:6.1f} ms ({writing / nudged:.2f} ms each; CPU here {cpu:6.1f} ms in all), "
          f"{statements} statements; rendered when sent: {rendering / nudged:.2f} ms each")
    return deciding + writing, steady, nudged, statements, len(steady_statements)


def main() -> None:
    which = sys.argv[1:] or ["status", "milestones"]
    for kind in which:
        run(kind)


def run(kind: str) -> None:
    seeding = {"status": seed, "milestones": seed_milestones}[kind]
    print(f"Reminder planner, {kind} source (median; first pass = plan + enqueue the nudges; "
          f"load average {os.getloadavg()[0]:.1f})")
    cases = ((10_000, 1_000), (100_000, 1_000), (100_000, 2_000))
    for name, make_database in DATABASES:
        print(f"{name}:")
        figures = {}
        for total, due in cases:
            with make_database() as url:
                if url is None:
                    break
                ctx = context(url, RULES, NOW)
                seeding(ctx, total, due)
                first, steady, nudged, statements, steady_statements = measure(ctx)
                figures[(total, due)] = (first, steady)
                print(f"  {total:7,d} open, {due:5,d} due: first pass {first:6.1f} ms "
                      f"({nudged} nudges, {statements} statements), steady tick {steady:6.1f} ms "
                      f"({steady_statements} statements)")
                ctx.db.dispose()
        if len(figures) == len(cases):
            base, bigger, more_due = (figures[c] for c in cases)
            print(f"  10x the open items, same due: {bigger[0] / base[0]:.2f}x (first), "
                  f"{bigger[1] / base[1]:.2f}x (steady); 2x the due items: "
                  f"{more_due[0] / bigger[0]:.2f}x (first), {more_due[1] / bigger[1]:.2f}x "
                  f"(steady); target < 200 ms: "
                  f"{'met' if max(bigger) < 200 else 'NOT met'} at 100,000 open / 1% due")


if __name__ == "__main__":
    main()
