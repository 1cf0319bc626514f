"""How long Slack waits for the bot's answer on the stage-gate paths that write before they ack.

The request form and the reason form store their result before acknowledging (only the ack can
put an error on a form), so that transaction must stay far inside Slack's 3 seconds. This drives
the real WSGI app with signed requests, as the tests do, on SQLite and (if reachable)
PostgreSQL, and prints the median and 95th percentile in milliseconds. It asserts nothing.

    .venv/bin/python bench/gate_acks.py [--projects 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.standin import SlackStandIn  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.support import ADMIN, ALICE, BOB, make_bot, sample_directory  # noqa: E402
from tests.support.gates import gate_rules, open_form, quiesce, submit_form  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def measure(url: str, slack: SlackStandIn, projects: int) -> dict[str, list[float]]:
    bot = make_bot(url, slack, gate_rules())
    timings: dict[str, list[float]] = {"request form": [], "approve click": []}
    for n in range(projects):
        key = f"P{n:04d}"
        bot.command("/pmo", f"project add {key} Project {n} pm:{ALICE}", user=ADMIN)
    slack.wait_for_response(projects, timeout=120)
    for n in range(projects):
        _, view = open_form(bot, f"P{n:04d}")
        started = time.perf_counter()
        submit_form(bot, view, ticks=(0,), note="bench")
        timings["request form"].append((time.perf_counter() - started) * 1000)
    while len(cards := [m for m in slack.messages(BOB) if m["blocks"]]) < projects:
        bot.ctx.sender.send_due(limit=10_000)  # a send takes 50; the tick sends the rest
        time.sleep(0.05)
    for message in cards:
        value = next(e["value"] for b in message["blocks"] if b["type"] == "actions"
                     for e in b["elements"] if e["action_id"] == "gate_approve")
        started = time.perf_counter()
        bot.driver.block_action(user=BOB, channel=message["channel"], message=message,
                                action={"type": "button", "action_id": "gate_approve",
                                        "value": value})
        timings["approve click"].append((time.perf_counter() - started) * 1000)
    slack.wait_for_response(projects * 2, timeout=120)
    quiesce(bot)  # listeners finish after their ack: let them, before the database goes
    bot.ctx.db.dispose()
    return timings


def report(name: str, timings: dict[str, list[float]]) -> None:
    for what, values in timings.items():
        values = sorted(values)
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"{name:10} {what:14} n={len(values):4}  median {statistics.median(values):6.1f} ms"
              f"  p95 {p95:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    args = parser.parse_args()
    with SlackStandIn(sample_directory()) as slack, tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        report("sqlite", measure(url, slack, args.projects))
        slack.reset()
        name = f"pmo_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001 - no server: report SQLite only
            print(f"postgresql skipped: {type(exc).__name__}")
            return
        try:
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
            upgrade(url)
            report("postgresql", measure(url, slack, args.projects))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
