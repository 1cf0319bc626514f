"""`pmo-bot …`: the command line. Each sub-command lives in its own module under bot/commands/.

A module in COMMANDS exposes `add_parser(subparsers)`, which registers its arguments and sets
`func(args) -> int`. Configuration problems end the process with one clear line and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from importlib import metadata

from bot.commands import (
    console,
    db,
    digest,
    doctor,
    export,
    inbox,
    manifest,
    remind,
    report,
    scheduler,
    serve,
    standin,
)
from bot.settings import SettingsError
from pmo_rules.config import RulesError

COMMANDS = (db, serve, scheduler, remind, digest, manifest, export, report, doctor, inbox,
            console, standin)

DESCRIPTION = """\
PMO Bot runs a Project Management Office's routine in Slack: status updates (/status), the
portfolio (/pmo), the risk register (/risk), stage gates with approvals (/gate), reminders,
escalations and the weekly digest.

Start offline with `pmo-bot console --demo` (no Slack needed). To run it in Slack: set
SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and DATABASE_URL, run `pmo-bot db upgrade`, then
`pmo-bot serve`; `pmo-bot manifest` prints the Slack app to create and `pmo-bot doctor` checks
the setup. `pmo-bot COMMAND --help` describes each command."""

# Commands that start and stop: Alembic's INFO lines (its context, each migration) are noise
# there; `serve` keeps them, since they say what a start-up changed.
_QUIET_ALEMBIC_EXCEPT = ("serve",)


def version() -> str:
    try:
        return metadata.version("pmo-bot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pmo-bot", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"pmo-bot {version()}")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command not in _QUIET_ALEMBIC_EXCEPT and logging.getLogger().level > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except (SettingsError, RulesError) as error:
        print(f"pmo-bot: {error}", file=sys.stderr)
        return 2
