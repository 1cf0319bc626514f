"""Starting and ending a console session: database, demo data, the bot, the loop.

Exit codes: 0 when the input ends or someone types `:quit` (whatever the bot answered along
the way: a refused command is part of the conversation), 1 when the console itself failed.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.console.clock import ConsoleClock, run_clock, starting_instant
from bot.console.demo import seed_demo
from bot.console.engine import ConsoleBot
from bot.console.session import ConsoleFailure, Session
from bot.console.terminal import Printer, ScriptReader, TerminalReader
from bot.console.workspace import console_rules, sample_directory
from bot.settings import database_url
from bot.standin import SlackStandIn
from storage.audit import last_entry_at

log = logging.getLogger(__name__)
DEFAULT_DB = "pmo-console.sqlite3"


def console_database_url(db: str) -> str:
    """`--db`: a file path for SQLite, or a full sqlite:/postgresql URL."""
    return database_url(db if "://" in db else f"sqlite:///{db}")


def run_console(*, db: str = DEFAULT_DB, demo: bool = False,
                script: Iterable[str] | None = None, stdout: TextIO | None = None) -> int:
    """Run one session; `script` lines replace the keyboard (standard input is one too)."""
    printer = Printer(stdout or sys.stdout)
    rules = console_rules()
    bot = ConsoleBot.start(console_database_url(db), rules, ConsoleClock(starting_instant(None)),
                           SlackStandIn(sample_directory()))
    try:
        seeded = seed_demo(bot.ctx.db, rules) if demo else None
        with bot.ctx.db.read() as session:
            bot.clock.at = starting_instant(last_entry_at(session))
        run_clock(bot.ctx)  # as a starting server does: post what is due (the demo's gate cards)
        reader = (ScriptReader(script, printer) if script is not None
                  else TerminalReader(printer))
        console = Session(bot, printer, reader)
        if reader.interactive or seeded is False:
            _welcome(console, seeded, interactive=reader.interactive)
        console.run()
    except ConsoleFailure as failure:
        print(f"pmo-bot console: {failure}", file=sys.stderr)
        return 1
    finally:
        bot.close()
    return 0


def _welcome(console: Session, seeded: bool | None, *, interactive: bool) -> None:
    t = console.t
    if seeded is False:
        console.note(t("console.demo_skipped"))
    if interactive:
        console.note(t("console.welcome", user=console.user_name(console.user),
                       channel=console.names.channel(console.channel),
                       seeded=bool(seeded)))
