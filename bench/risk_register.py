"""How the risk register holds up with a large register: prints figures, asserts nothing.

    .venv/bin/python bench/risk_register.py [RISKS] [DATABASE_URL]

Seeds RISKS risks (default 5,000) over 50 projects in a fresh database (a temporary SQLite
file, or the empty database at DATABASE_URL, migrated first), then times what users wait for:
adding a risk (numbering, audit entry), `/pmo risks`, `/risk list KEY`, the reminder planner's
`overdue_risks` scan and the CSV export.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from bot.context import make_context
from bot.settings import Settings
from handlers import risk_views
from pmo_rules.config import DEFAULT_RULES
from services.exports import LOGS, write_csv
from storage import risks as store
from storage.migrate import upgrade
from storage.projects import add_project, project_by_key

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PROJECTS = 50


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    url = sys.argv[2] if len(sys.argv) > 2 else _temporary_sqlite()
    upgrade(url)
    settings = Settings(bot_token="xoxb-bench", signing_secret="bench", database_url=url)
    ctx = make_context(settings, DEFAULT_RULES, clock=lambda: NOW)
    add_times = _seed(ctx, count)
    print(f"risk register benchmark: {count} risks in {PROJECTS} projects ({url.split(':')[0]})")
    print(f"  add a risk (number, row, audit; one transaction): "
          f"median {statistics.median(add_times) * 1000:.2f} ms, "
          f"p95 {_p95(add_times) * 1000:.2f} ms")
    with ctx.db.read() as session:
        project = project_by_key(session, "P00")
        _time("/pmo risks (heat map + top ten, rendered)",
              lambda: risk_views.portfolio(ctx, "U0BENCH"))
        _time("/risk list P00 (rendered)", lambda: risk_views.risk_list(
            ctx, store.project_risks(session, project.id, limit=risk_views.LIST_MAX),
            store.count_risks(session, project_id=project.id), heading="P00"))
        _time("overdue_risks(today)",
              lambda: store.overdue_risks(session, date(2026, 12, 1)))
    _time("export risks --format csv",
          lambda: write_csv(ctx.db, DEFAULT_RULES, LOGS["risks"], io.StringIO(), date.today()))
    ctx.db.dispose()


def _temporary_sqlite() -> str:
    return f"sqlite:///{tempfile.mkdtemp(prefix='pmo-bench-')}/risks.sqlite3"


def _seed(ctx, count: int) -> list[float]:
    with ctx.db.write() as session:
        projects = [add_project(session, key=f"P{n:02d}", name=f"Project {n}", pm_id="UPM0001",
                                channel_id="CBENCH01", actor="UADMIN1", now=NOW)
                    for n in range(PROJECTS)]
    times = []
    for n in range(count):
        values = {"title": f"Risk {n}", "probability": 1 + n % 5, "impact": 1 + n // 5 % 5,
                  "owner_id": f"UOWNER{n % 40:02d}", "status": "open",
                  "next_review_on": date(2026, 11, 23) + timedelta(days=n % 30)}
        started = time.perf_counter()
        with ctx.db.write() as session:
            project = session.merge(projects[n % PROJECTS], load=False)
            store.add_risk(session, project=project, values=values, actor="UADMIN1", now=NOW)
        times.append(time.perf_counter() - started)
    return times


def _time(label: str, work, runs: int = 5) -> None:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    print(f"  {label}: median {statistics.median(samples) * 1000:.1f} ms over {runs} runs")


def _p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95)]


if __name__ == "__main__":
    main()
