"""How long the offline console takes for what a person does with it (a benchmark, not a test).

Prints: seeding the demo portfolio, starting a session (migrations, the app, the stand-in),
one slash command round trip (signed request in, card and ephemeral reply out, rendered), a
button click, and moving the clock a week and a month (one scheduler tick per hour).
Run: .venv/bin/python bench/console.py [--db postgresql+psycopg://…] (default: a temp SQLite).
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

from bot.console.clock import CONSOLE_START, ConsoleClock
from bot.console.demo import seed_demo
from bot.console.engine import ConsoleBot
from bot.console.session import Session
from bot.console.terminal import Printer, ScriptReader
from bot.console.workspace import sample_directory, sample_rules
from bot.standin import SlackStandIn

ROUNDS = 50


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    url = parser.parse_args().db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    bots: list[ConsoleBot] = []
    start = timed(lambda: bots.append(ConsoleBot.start(url, sample_rules(),
                                                       ConsoleClock(CONSOLE_START),
                                                       SlackStandIn(sample_directory()))))
    bot = bots[0]
    seed = timed(lambda: seed_demo(bot.ctx.db, sample_rules()))
    printer = Printer(io.StringIO())
    session = Session(bot, printer, ScriptReader([], printer))

    def run(*lines: str) -> None:
        session.reader = ScriptReader(lines, printer)
        session.run()

    commands = [timed(lambda i=i: run(f"/status APOLLO green Round {i}")) for i in range(ROUNDS)]
    shows = [timed(lambda: run("/status HERMES")) for _ in range(ROUNDS)]
    week = timed(lambda: run(":time +7d"))
    month = timed(lambda: run(":time +31d"))
    bot.close()
    print(f"database: {url.split('://')[0]}")
    print(f"start a session (migrate, build app, start stand-in): {start:7.1f} ms")
    print(f"seed the demo portfolio:                              {seed:7.1f} ms")
    for name, samples in (("/status post (card + reply)", commands), ("/status show", shows)):
        p50 = statistics.median(samples)
        p99 = sorted(samples)[int(len(samples) * 0.99) - 1]
        print(f"{name:<30} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({ROUNDS} rounds)")
    print(f":time +7d  (168 ticks):  {week:7.1f} ms")
    print(f":time +31d (744 ticks):  {month:7.1f} ms")


if __name__ == "__main__":
    main()
