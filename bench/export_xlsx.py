"""How long the RAID workbook takes, and how much memory: prints figures, asserts nothing.

    .venv/bin/python -m bench.export_xlsx [ROWS] [--repeat N]

Fills a fresh database on each engine (SQLite, then PostgreSQL from PMO_TEST_POSTGRES_URL)
with ROWS records (default 50,000) spread evenly over the RAID logs that exist and have a
seeder in `SEEDERS` (risks, issues, actions, decisions, change requests and milestones: 8,333
or 8,334 each by default),
over 100 projects, with 40 people's names cached. Then, each in a fresh subprocess, it times
`pmo-bot export raid --format xlsx` (services/workbook.py) and, as the baseline, the same logs
written as CSV files (services/exports.py), and reads the subprocess's peak RSS with
resource.getrusage (wall time, and the CPU time the process used: on a shared machine the wall
time grows with the load, the CPU time much less). Issue 12's target: 50,000 rows in under 10 s
and 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from bench.common import DATABASES, bulk_insert, raid_models
from storage.db import Database

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
PROJECTS = 100
PEOPLE = 40


def _risks(session: Session, projects: list[int], count: int) -> None:
    from storage.risks import Risk

    rows = []
    for n in range(count):
        p, i = 1 + n % 5, 1 + n // 5 % 5
        rows.append({
            "project_id": projects[n % PROJECTS], "number": n // PROJECTS + 1,
            "title": f"Vendor may slip the API, wave {n}" if n % 7 else f"供应商接口延期 {n}",
            "description": "The vendor's interface is late; the cut-over depends on it.",
            "trigger": "No drop by the end of the sprint" if n % 3 else None,
            "probability": p, "impact": i, "score": p * i, "owner_id": f"UOWNER{n % PEOPLE:02d}",
            "response": "mitigate", "due_on": TODAY + timedelta(days=n % 60),
            "next_review_on": TODAY + timedelta(days=n % 30),
            "last_reviewed_at": NOW - timedelta(days=n % 20) if n % 2 else None,
            "last_reviewed_by": f"UOWNER{n % PEOPLE:02d}" if n % 2 else None,
            "status": "open" if n % 4 else "closed", "last_note": "Escalated to the sponsor",
            "created_by": "UADMIN1", "created_at": NOW - timedelta(days=90),
            "updated_at": NOW - timedelta(days=n % 30),
            "closed_at": None if n % 4 else NOW, "closed_by": None if n % 4 else "UADMIN1"})
    _insert(session, Risk, rows)


def _milestones(session: Session, projects: list[int], count: int) -> None:
    from storage.milestones import Milestone

    rows = []
    for n in range(count):
        due = TODAY + timedelta(days=n % 90 - 30)
        forecast = due + timedelta(days=7) if n % 3 == 0 else None
        rows.append({
            "project_id": projects[n % PROJECTS], "number": n // PROJECTS + 1,
            "title": f"Wave {n} cut-over", "owner_id": f"UOWNER{n % PEOPLE:02d}",
            "weight": 1 + n % 3, "due_on": due, "forecast_on": forecast,
            "expected_on": forecast or due, "done_on": due if n % 5 == 0 else None,
            "created_by": "UADMIN1", "created_at": NOW - timedelta(days=90),
            "updated_at": NOW - timedelta(days=n % 30)})
    _insert(session, Milestone, rows)


def _raid(name: str) -> Callable[[Session, list[int], int], None]:
    """Issues, actions, decisions and change requests: bench/common.py's rows, in bulk."""
    def seeder(session: Session, projects: list[int], count: int) -> None:
        model, rows = raid_models()[name]
        _insert(session, model, rows(projects, count, NOW))
    return seeder


SEEDERS: dict[str, Callable[[Session, list[int], int], None]] = {
    "risks": _risks, "milestones": _milestones,
    **{name: _raid(name) for name in ("issues", "actions", "decisions", "changes")},
}
"""How to fill each RAID log with `count` rows over the projects: add one as a log lands."""


def _insert(session: Session, model, rows: list[dict]) -> None:
    bulk_insert(session, model, rows)


def seed(url: str, total: int) -> dict[str, int]:
    from services.workbook import raid_logs
    from storage.projects import add_project
    from storage.reminders import UserZone

    logs = [log.name for log in raid_logs() if log.name in SEEDERS]
    counts = {name: total // len(logs) + (1 if i < total % len(logs) else 0)
              for i, name in enumerate(logs)}
    db = Database(url)
    try:
        with db.write() as session:
            projects = [add_project(session, key=f"P{n:03d}", name=f"Project {n}",
                                    pm_id="UPM0001", channel_id="CBENCH01", actor="UADMIN1",
                                    now=NOW).id for n in range(PROJECTS)]
            _insert(session, UserZone, [{"user_id": f"UOWNER{n:02d}", "tz": "Asia/Shanghai",
                                         "fetched_at": NOW, "standing": "person",
                                         "name": f"Person {n} 张三"} for n in range(PEOPLE)])
        for name, count in counts.items():
            with db.write() as session:
                SEEDERS[name](session, projects, count)
    finally:
        db.dispose()
    return counts


def child(kind: str, url: str, folder: str) -> None:
    """In a fresh process: one export, then its time and this process's peak RSS as JSON."""
    from pmo_rules.config import DEFAULT_RULES
    from services.exports import write_csv
    from services.workbook import raid_logs, write_workbook

    logs = [log for log in raid_logs() if log.name in SEEDERS]
    db = Database(url)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    if kind == "xlsx":
        write_workbook(db, DEFAULT_RULES, logs, Path(folder) / "raid.xlsx", TODAY)
    else:
        for log in logs:
            with open(Path(folder) / f"{log.name}.csv", "w", encoding="utf-8",
                      newline="") as handle:
                write_csv(db, DEFAULT_RULES, log, handle, TODAY)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu  # KiB on Linux
    size = sum(f.stat().st_size for f in Path(folder).iterdir())
    db.dispose()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak / 1024,
                      "imports_mb": before / 1024, "file_mb": size / 1e6}))


def measure(kind: str, url: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="pmo-bench-xlsx-") as folder:
        done = subprocess.run([sys.executable, "-m", "bench.export_xlsx", "--child", kind,
                               url, folder], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "URL", "FOLDER"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    for label, database in DATABASES:
        with database() as url:
            if url is None:
                continue
            started = time.perf_counter()
            counts = seed(url, args.rows)
            print(f"  load average {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")
            shown = ", ".join(f"{count:,} {name}" for name, count in counts.items())
            print(f"{label}: {shown} seeded in {time.perf_counter() - started:.1f} s")
            runs = {kind: [measure(kind, url) for _ in range(args.repeat)]
                    for kind in ("csv", "xlsx")}
            median = {kind: {key: statistics.median(r[key] for r in runs[kind])
                             for key in runs[kind][0]} for kind in runs}
            for kind, name in (("csv", "CSV files (baseline)"), ("xlsx", "raid workbook")):
                m = median[kind]
                print(f"  {name:22} {m['seconds']:6.2f} s (CPU {m['cpu']:5.2f} s)  "
                      f"peak RSS {m['peak_mb']:5.0f} MB "
                      f"(after imports {m['imports_mb']:3.0f} MB)  file {m['file_mb']:5.1f} MB"
                      f"  [median of {args.repeat}]")
            csv, xlsx = median["csv"], median["xlsx"]
            print(f"  workbook / CSV: time x{xlsx['seconds'] / csv['seconds']:.2f} "
                  f"(CPU x{xlsx['cpu'] / csv['cpu']:.2f}), "
                  f"peak RSS x{xlsx['peak_mb'] / csv['peak_mb']:.2f}")


if __name__ == "__main__":
    main()
