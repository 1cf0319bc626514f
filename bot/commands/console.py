"""`pmo-bot console [--demo] [--script FILE|-] [--db PATH] [--locale zh]`: the bot in a
terminal, no Slack needed.

It runs the same app the server runs, against the Slack stand-in shipped in the package; see
bot/console/ for how, and the README section "Try it offline" for what a user can do.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterable
from pathlib import Path

from bot.console.main import DEFAULT_DB, run_console
from bot.console.terminal import ScriptNotText
from bot.settings import SettingsError
from pmo_rules.config import RulesError
from templates.render import LOCALES

log = logging.getLogger(__name__)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "console", help="chat with the bot in this terminal, offline (no Slack workspace)")
    parser.add_argument("--demo", action="store_true",
                        help="fill an empty database with a sample portfolio first")
    parser.add_argument("--script", metavar="FILE",
                        help="read the lines from FILE ('-' for standard input) instead of the "
                             "keyboard and print what a user would see")
    parser.add_argument("--db", metavar="PATH", default=DEFAULT_DB,
                        help=f"SQLite file, or a database URL (default: ./{DEFAULT_DB})")
    parser.add_argument("--locale", choices=LOCALES, default=None,
                        help="the bot's language (default: the rules file's [pmo] locale, "
                             "else en); `--locale zh` tries it in Chinese")
    parser.set_defaults(func=run)


def run(args) -> int:
    _quiet_logs(args.log_level)
    if args.script is None and not sys.stdin.isatty():
        args.script = "-"
    try:
        script = _script(args.script)
    except ScriptUnreadable as error:
        print(f"pmo-bot console: {error}", file=sys.stderr)
        return 2
    try:
        return run_console(db=args.db, demo=args.demo, script=script, locale=args.locale)
    except (SettingsError, RulesError):
        raise  # a configuration problem: bot.cli prints it as one line and exits with 2
    except ScriptNotText:
        print("pmo-bot console: cannot read standard input: it is not UTF-8 text",
              file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - the console failed: one line, details in the log
        log.debug("console failed", exc_info=error)
        print(f"pmo-bot console: stopped by an internal error ({type(error).__name__}: {error})"
              "; run with --log-level DEBUG for the details", file=sys.stderr)
        return 1


class ScriptUnreadable(Exception):
    """The script file cannot be used; str() is the one line to print."""


def _script(name: str | None) -> Iterable[str] | None:
    """The script's lines: a file is read and checked whole before anything runs (a bad byte
    names its line, and nothing is half done); standard input is read as it comes, as UTF-8
    whatever the locale says, so a script means the same on every machine."""
    if name is None:
        return None
    if name == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict")
    try:
        data = Path(name).read_bytes()
    except OSError as error:
        raise ScriptUnreadable(f"cannot read {name}: {error.strerror or error}") from None
    try:
        return io.StringIO(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ScriptUnreadable(f"cannot read {name}: line {line} is not UTF-8 text") from None


def _quiet_logs(level: str) -> None:
    """The conversation is the output: below WARNING, logs would drown it (unless DEBUG)."""
    if level.upper() != "DEBUG":
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
        logging.getLogger("slack_bolt").setLevel(logging.ERROR)
