"""Starting and ending a console session: database, demo data, the bot, the loop.

Exit codes: 0 when the input ends or someone types `:quit` (whatever the bot answered along
the way: a refused command is part of the conversation), 2 when the script, the rules file or
the database cannot be used (bot.cli prints the one line), 1 when the console itself failed.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from bot.console import kept
from bot.console.clock import ConsoleClock, run_clock, starting_instant
from bot.console.demo import Seeded, seed_demo
from bot.console.engine import ConsoleBot
from bot.console.session import ConsoleFailure, Session
from bot.console.terminal import Printer, ScriptReader, TerminalReader
from bot.console.workspace import console_rules, sample_directory
from bot.settings import SettingsError, database_url
from bot.standin import SlackStandIn
from storage.moments import latest_moment

log = logging.getLogger(__name__)
DEFAULT_DB = "pmo-console.sqlite3"


def console_database_url(db: str) -> str:
    """`--db`: a file path for SQLite, or a full sqlite:/postgresql URL."""
    return database_url(db if "://" in db else f"sqlite:///{db}")


def run_console(*, db: str = DEFAULT_DB, demo: bool = False,
                script: Iterable[str] | None = None, stdout: TextIO | None = None,
                locale: str | None = None) -> int:
    """Run one session; `script` lines replace the keyboard (standard input is one too)."""
    printer = Printer(stdout or sys.stdout)
    rules = console_rules(locale=locale)
    slack_file = kept.kept_file(console_database_url(db))
    existed = slack_file is not None and kept.database_exists(console_database_url(db))
    bot = _started(db, rules)
    try:
        if existed:  # what Slack still shows from the last session (not for a new database)
            kept.restore(bot.slack, slack_file)
        seeded = seed_demo(bot.ctx.db, rules) if demo else None
        with bot.ctx.db.read() as session:
            bot.clock.at = starting_instant(latest_moment(session))
        run_clock(bot.ctx)  # as a starting server does: post what is due (the demo's gate cards)
        reader = (ScriptReader(script, printer) if script is not None
                  else TerminalReader(printer))
        console = Session(bot, printer, reader, seen=0,
                          after_line=lambda: kept.save(bot.slack, slack_file))
        _welcome(console, demo=demo, seeded=seeded, interactive=reader.interactive)
        console.run()
    except ConsoleFailure as failure:
        print(f"pmo-bot console: {failure}", file=sys.stderr)
        return 1
    finally:
        try:
            bot.close()
        finally:
            kept.save(bot.slack, slack_file)
    return 0


def _started(db: str, rules) -> ConsoleBot:
    """The bot on `--db`; a database that cannot be opened (a missing folder, a file that is
    not a database, a server that does not answer) is a configuration problem: one line."""
    url = console_database_url(db)
    try:
        return ConsoleBot.start(url, rules, ConsoleClock(starting_instant(None)),
                                SlackStandIn(sample_directory()))
    except DBAPIError as error:
        shown = make_url(db).render_as_string(hide_password=True) if "://" in db else db
        said = str(error.orig).strip().splitlines()
        reason = said[0] if said else type(error.orig).__name__
        raise SettingsError(f"--db {shown}: cannot open the database: {reason}") from None


def _welcome(console: Session, *, demo: bool, seeded: Seeded | None,
             interactive: bool) -> None:
    """Before the first prompt: what `--demo` did not do as asked (in a script too, since the
    output would otherwise puzzle), then, at a keyboard, who and where you are."""
    t = console.t
    if demo and seeded is None:
        console.note(t("console.demo_skipped"))
    if seeded is not None and seeded.left_out:
        console.note(_left_out(console, seeded))
    if sent := console.started_with():
        console.note(sent)
    if interactive:
        console.note(t("console.welcome", user=console.user_name(console.user),
                       channel=console.names.channel(console.channel),
                       seeded=seeded is not None))


def _left_out(console: Session, seeded: Seeded) -> str:
    """One line: how many planned demo gates and risks the rules did not allow, and why."""
    parts = []
    for kind in ("gates", "risks"):
        items = [item for item in seeded.left_out if item.kind == kind]
        if items:
            reasons = dict.fromkeys(console.t(f"console.demo_why_{item.why}", **item.params)
                                    for item in items)
            parts.append(console.t(f"console.demo_left_{kind}", count=len(items),
                                   total=seeded.planned[kind], reasons=list(reasons)))
    return console.t("console.demo_left_out", parts=parts)
