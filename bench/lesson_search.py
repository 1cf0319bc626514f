"""`/lesson search` over many lessons (issue 14: 100,000 lessons, p95 under 50 ms on both
databases, Chinese and English), through the one storage function (`storage.lessons.search`).

The lessons are made from a vocabulary of English and Chinese phrases over 100 projects, so a
word such as "dns" matches a few per cent of them and "割接" (two characters: matched by a scan
of what the other words leave, or of everything when alone) about as many. Each query runs
REPEAT times after a warm-up; the figures are the median and the 95th percentile.

    .venv/bin/python -m bench.lesson_search [LESSONS] [REPEAT]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from bench.common import DATABASES, context
from pmo_rules.config import DEFAULT_RULES
from storage import lessons as store
from storage.lessons import Lesson
from storage.projects import Project

NOW = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
TARGET_MS = 50
EN = ("freeze the dns runbook", "rehearse the cutover", "book the vendor early",
      "lower the ttl a week before", "agree the test data with the business",
      "keep the sponsor informed weekly", "plan the migration in waves",
      "budget contingency for licences", "name one owner per interface",
      "archive the documents at closing", "train the support team before go-live")
ZH = ("割接前一周冻结操作手册", "提前预订供应商资源", "数据迁移要留回退窗口", "每周向发起人汇报",
      "上线前培训支持团队", "接口要有唯一负责人", "预留许可证预算")
QUERIES = (("en, two words", ("dns", "runbook")), ("en, one word", ("vendor",)),
           ("en, rare", ("licences", "contingency")), ("zh, 2 characters", ("割接",)),
           ("zh, 4 characters", ("回退窗口",)), ("zh + filter", ("供应商",)))


def seed(ctx, count: int) -> None:
    rng = random.Random(14)
    with ctx.db.write() as session:
        session.execute(insert(Project), [
            {"key": f"P{n:04d}", "name": f"Project {n}", "pm_id": "UPM00001",
             "channel_id": "CBENCH1", "phase": "closing", "state": "active",
             "created_by": "UADMIN1", "created_at": NOW - timedelta(days=400)}
            for n in range(100)])
        ids = list(session.scalars(select(Project.id).order_by(Project.id)))
        batch = []
        for n in range(count):
            learned = " ".join(rng.sample(EN, 2)) if n % 3 else "".join(rng.sample(ZH, 2))
            tags = tuple(rng.sample(("dns", "cutover", "vendor", "data", "people"), 2))
            batch.append({"project_id": ids[n % 100], "happened": "", "learned": learned,
                          "recommendation": "", "category": rng.choice(
                              DEFAULT_RULES.lessons.categories),
                          "tags": "," + ",".join(tags) + ",", "went": None,
                          "body": store.body_of("", learned, "", tags), "not_useful": 0,
                          "created_by": "UPM00001",
                          "created_at": NOW - timedelta(minutes=n)})
            if len(batch) == 5000:
                session.execute(insert(Lesson), batch)
                batch = []
        if batch:
            session.execute(insert(Lesson), batch)
    if ctx.db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE lessons"))
            conn.execute(text("ANALYZE projects"))


def timed(ctx, terms, repeat: int, **filters) -> tuple[float, float, int]:
    def run() -> int:
        with ctx.db.read() as session:
            return len(store.search(session, terms, limit=10, **filters))
    hits = run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], hits


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    print(f"/lesson search over {count:,} lessons, {repeat} runs a query "
          f"(target p95 < {TARGET_MS} ms)")
    for name, database in DATABASES:
        with database() as url:
            if url is None:
                continue
            ctx = context(url, DEFAULT_RULES, NOW)
            start = time.perf_counter()
            seed(ctx, count)
            print(f"  {name}: seeded in {time.perf_counter() - start:.1f} s (index kept by the "
                  f"writes)")
            for label, terms in QUERIES:
                filters = {"category": "vendor"} if "filter" in label else {}
                median, p95, hits = timed(ctx, terms, repeat, **filters)
                print(f"    {label:<18} {' '.join(terms):<22} median {median:6.1f} ms  "
                      f"p95 {p95:6.1f} ms  ({p95 / TARGET_MS:.2f}× target)  {hits} shown")
            ctx.db.dispose()


if __name__ == "__main__":
    main()
