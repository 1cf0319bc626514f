"""Benchmark (not a test): what keeping a request in the inbox costs before its ack.

Times `Inbox.accept` — one INSERT … ON CONFLICT DO NOTHING RETURNING in a short transaction of
its own, what every changing command, click and form now does before `ack()` — on SQLite and
PostgreSQL, against the bare round trip the listener already made before (one indexed SELECT),
from one thread and from `--threads` racing threads.

    .venv/bin/python bench/inbox_write.py [--requests 2000] [--threads 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.common import postgres_database, sqlite_database  # noqa: E402
from bot.context import make_context  # noqa: E402
from bot.settings import Settings  # noqa: E402
from pmo_rules.config import DEFAULT_RULES  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

PAYLOAD = {"command": "/status", "text": "APOLLO green Cut-over rehearsed end to end",
           "user_id": "UALICE1", "channel_id": "CAPOLLO1", "team_id": "T0PMO",
           "response_url": "https://hooks.slack.com/commands/T0PMO/1/abc"}


def _timed(run, count: int, threads: int) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()
    per = count // threads

    def work(offset: int) -> None:
        mine = []
        for i in range(per):
            start = time.perf_counter()
            run(offset * per + i)
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            times.extend(mine)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sorted(times)


def _line(label: str, times: list[float]) -> str:
    p99 = times[int(len(times) * 0.99) - 1]
    return f"  {label:<34} p50 {statistics.median(times):6.2f} ms   p99 {p99:6.2f} ms"


def measure(url: str, name: str, requests: int, threads: int) -> None:
    upgrade(url)
    settings = Settings(bot_token="xoxb-bench", signing_secret="bench", database_url=url,
                        api_url="http://127.0.0.1:9/api/")
    ctx = make_context(settings, DEFAULT_RULES)
    inbox = ctx.inbox
    run_id = time.time_ns()

    def keep(i: int) -> None:
        inbox.accept(work="status.post", key=f"bench:{run_id}:{i}:{threading.get_ident()}",
                     user="UALICE1", channel="CAPOLLO1", response_url=None,
                     payload={**PAYLOAD, "trigger_id": f"{run_id}.{i}"})

    def look_up(_i: int) -> None:
        with ctx.db.lookup() as connection:
            connection.execute(text("SELECT id FROM projects WHERE key = 'APOLLO'")).first()

    print(f"{name}:")
    for n in (1, threads):
        print(_line(f"indexed SELECT (before), {n} thread(s)", _timed(look_up, requests, n)))
        print(_line(f"inbox write, {n} thread(s)", _timed(keep, requests, n)))
    inbox.close()
    ctx.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with sqlite_database() as url:
        measure(url, "SQLite", args.requests, args.threads)
    with postgres_database() as url:
        if url is None:
            print("PostgreSQL: no server reachable, skipped")
        else:
            measure(url, "PostgreSQL", args.requests, args.threads)


if __name__ == "__main__":
    main()
