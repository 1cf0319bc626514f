"""`/pmo people` with 5,000 people and 20,000 allocations (issue 13: under 200 ms), SQLite and
PostgreSQL: the whole answer (services/capacity.people: everyone's totals summed in SQL, then
the shares of the first 20 people shown, and the text rendered), one person's (`/pmo people
@user`), and the digest's "Over-allocated people" section (one statement, summed in SQL). The
baseline is reading every share (storage.allocations.shares for everyone: the first version of
the listing, which grouped in Python), so the ratio is the answer's time over it.

1,000 running projects, each with its own PM among the people; each person has four
allocations on four projects (10–60%, a few with an `until:` date, some already past), so some
are over 100%.

    .venv/bin/python -m bench.people [PEOPLE] [PER_PERSON]
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, date, datetime, timedelta
from functools import partial

from sqlalchemy import insert, select, text

from bench.common import DATABASES, context, counting_queries, median_times
from pmo_rules.capacity import People
from pmo_rules.config import DEFAULT_RULES
from services import capacity
from storage import allocations as store
from storage.allocations import Allocation
from storage.digest import top_of_each
from storage.digest_capacity import OverAllocatedSection
from storage.projects import Project

NOW = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
TODAY = date(2026, 11, 30)
TARGET_MS = 200
VIEWER = "U0BENCH"
"""Who asks (`/pmo people` answers whoever asks; nothing here is confidential)."""
PROJECTS = 1000
RULES = DEFAULT_RULES


def seed(ctx, people: int, per_person: int) -> None:
    rng = random.Random(13)
    with ctx.db.write() as session:
        session.execute(insert(Project), [
            {"key": f"P{n:05d}", "name": f"Project {n}", "pm_id": f"U{(n * 7) % people:07d}",
             "channel_id": "CBENCH1", "phase": "execution", "state": "active",
             "created_by": "UADMIN1", "created_at": NOW - timedelta(days=400)}
            for n in range(PROJECTS)])
        ids = list(session.scalars(select(Project.id).order_by(Project.id)))
        rows = []
        for person in range(people):
            for pid in rng.sample(ids, per_person):
                until = rng.choice((None, None, None, TODAY + timedelta(days=90),
                                    TODAY - timedelta(days=5)))
                rows.append({"user_id": f"U{person:07d}", "project_id": pid,
                             "percent": rng.choice((10, 20, 25, 30, 40, 50, 60)),
                             "until": until, "set_by": "UADMIN1", "created_at": NOW,
                             "updated_at": NOW})
        for first in range(0, len(rows), 10_000):
            session.execute(insert(Allocation), rows[first:first + 10_000])
    with ctx.db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def statement_alone(ctx) -> int:
    with ctx.db.read() as session:
        return len(store.shares(session, today=TODAY, pm_allocation=20))


def digest_section(ctx) -> int:
    section = OverAllocatedSection()
    with ctx.db.read() as session:
        return top_of_each(session, section.lists(NOW, RULES))["people"].total


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    per_person = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    print(f"people benchmark: {people:,} people, {people * per_person:,} allocations on "
          f"{PROJECTS:,} projects; target < {TARGET_MS} ms; median of 5 (load average "
          f"{os.getloadavg()[0]:.1f})")
    for label, database in DATABASES:
        with database() as url:
            if url is None:
                continue
            ctx = context(url, RULES, NOW)
            seed(ctx, people, per_person)
            with counting_queries(ctx) as seen:
                capacity.people(ctx, People(), VIEWER)
            base, _ = median_times(partial(statement_alone, ctx), repeat=5)
            whole, whole_cpu = median_times(partial(capacity.people, ctx, People(), VIEWER),
                                            repeat=5)
            one, _ = median_times(partial(capacity.people, ctx, People("U0000042"), VIEWER),
                                  repeat=5)
            over, _ = median_times(partial(digest_section, ctx), repeat=5)
            verdict = "within" if whole < TARGET_MS else "OVER"
            print(f"  {label}: /pmo people {whole:.0f} ms "
                  f"(CPU here {whole_cpu:.0f} ms; "
                  f"{verdict} the target; {len(seen)} SQL statements), baseline reading "
                  f"every share {base:.0f} ms "
                  f"(ratio {whole / base:.2f}), one person {one:.1f} ms, digest "
                  f"section {over:.0f} ms ({digest_section(ctx):,} over 100%)")
            ctx.db.dispose()


if __name__ == "__main__":
    main()
