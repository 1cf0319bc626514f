"""`pmo-bot …`: one entry point; each sub-command lives in its own module under bot/commands/.

A module in COMMANDS exposes `add_parser(subparsers)`, which registers its arguments and sets
`func(args) -> int`. Configuration problems end the process with one clear line and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bot.commands import (
    console,
    db,
    digest,
    doctor,
    export,
    inbox,
    manifest,
    remind,
    scheduler,
    serve,
)
from bot.settings import SettingsError
from pmo_rules.config import RulesError

COMMANDS = (db, serve, scheduler, remind, digest, manifest, export, doctor, inbox, console)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pmo-bot", description=__doc__.splitlines()[0])
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except (SettingsError, RulesError) as error:
        print(f"pmo-bot: {error}", file=sys.stderr)
        return 2
