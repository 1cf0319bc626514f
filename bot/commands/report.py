"""`pmo-bot report --month 2026-11 [--format pdf|html|xlsx] --out FILE`: the executive report
of a month (services/report.py), in the rules file's language, read from the database; no
Slack call. It is for operators: confidential projects are in it (the monthly post to `[report]
channel`, planned by the scheduler, leaves them out).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.runtime import require_current
from bot.rules_file import load_rules
from bot.settings import DATABASE_DEFAULT, database_url
from pmo_rules.report import parse_month
from services.report import FORMATS, build, render
from storage.db import Database
from templates.render import Renderer


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("report", help="write a month's executive report (PDF, HTML "
                                                  "or XLSX)")
    parser.add_argument("--month", type=_month, required=True, metavar="YYYY-MM",
                        help="the month, e.g. 2026-11 (the month under way: as of now)")
    parser.add_argument("--format", choices=FORMATS, default="pdf",
                        help="pdf (the default), html (one self-contained page) or xlsx")
    parser.add_argument("--out", metavar="FILE", required=True, help="the file to write")
    parser.set_defaults(func=run_report, parser=parser)


def _month(text: str):
    try:
        return parse_month(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run_report(args) -> int:
    rules = load_rules(os.environ.get("PMO_RULES") or None)
    now = datetime.now(UTC)
    if args.month > now.astimezone(rules.pmo.tz).date():
        args.parser.error(f"{args.month:%Y-%m} has not started yet: give this month or an "
                          f"earlier one")
    db = Database(database_url(os.environ.get("DATABASE_URL") or DATABASE_DEFAULT))
    try:
        require_current(db)
        with db.read() as session:
            report = build(rules, session, args.month, now)
    finally:
        db.dispose()
    data = render(Renderer(rules.pmo.locale, rules.pmo.tz), report, args.format)
    target = Path(args.out)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)  # never a half-written report under the name asked for
    print(f"wrote the {args.month:%Y-%m} report to {args.out} ({len(data) // 1024} KB)",
          file=sys.stderr)
    return 0
