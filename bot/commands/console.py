"""`pmo-bot console [--demo] [--script FILE|-] [--db PATH]`: the bot in a terminal, no Slack needed.

It runs the same app the server runs, against the Slack stand-in shipped in the package; see
bot/console/ for how, and the README section "Try it offline" for what a user can do.
"""

from __future__ import annotations

import logging
import sys

from bot.console.main import DEFAULT_DB, run_console
from bot.settings import SettingsError
from pmo_rules.config import RulesError

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
    parser.set_defaults(func=run)


def run(args) -> int:
    _quiet_logs(args.log_level)
    if args.script is None and not sys.stdin.isatty():
        args.script = "-"
    script = sys.stdin if args.script == "-" else None
    if args.script not in (None, "-"):
        try:
            script = open(args.script, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as error:
            print(f"pmo-bot console: cannot read {args.script}: {error.strerror or error}",
                  file=sys.stderr)
            return 2
    try:
        return run_console(db=args.db, demo=args.demo, script=script)
    except (SettingsError, RulesError):
        raise  # a configuration problem: bot.cli prints it as one line and exits with 2
    except Exception as error:  # noqa: BLE001 - the console failed: one line, details in the log
        log.debug("console failed", exc_info=error)
        print(f"pmo-bot console: stopped by an internal error ({type(error).__name__}: {error})"
              "; run with --log-level DEBUG for the details", file=sys.stderr)
        return 1
    finally:
        if script not in (None, sys.stdin):
            script.close()


def _quiet_logs(level: str) -> None:
    """The conversation is the output: below WARNING, logs would drown it (unless DEBUG)."""
    if level.upper() != "DEBUG":
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
        logging.getLogger("slack_bolt").setLevel(logging.ERROR)
