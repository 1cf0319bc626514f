"""`pmo-bot export risks|status|gates|audit --format csv [--bom] [--out FILE]`: a log as a
spreadsheet, through the one exporter (services/exports.py: a column list per log).

UTF-8 with a header; `--bom` starts the file with a byte-order mark, which Excel needs to read
UTF-8 (Chinese titles) instead of guessing the legacy code page. Levels are computed under the
rules file in force (PMO_RULES), as the bot shows them. No Slack call: names come from the
users.info cache.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.commands.runtime import require_current
from bot.rules_file import load_rules
from bot.settings import DATABASE_DEFAULT, SettingsError, database_url
from pmo_rules.config import Rules
from services.exports import LOGS, Log, write_csv
from storage.db import Database

COLUMNS = LOGS["risks"].header
BOM = "\ufeff"
NOUNS = {"risks": "risks", "status": "status updates", "gates": "gate requests",
         "audit": "audit entries"}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("export", help="write a log out as a spreadsheet file")
    parser.add_argument("what", choices=list(LOGS), help="which log to export")
    parser.add_argument("--format", choices=["csv"], default="csv", help="file format")
    parser.add_argument("--bom", action="store_true",
                        help="start with a UTF-8 byte-order mark (for Excel)")
    parser.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    parser.set_defaults(func=run_export)


def run_export(args) -> int:
    rules = load_rules(os.environ.get("PMO_RULES") or None)
    db = Database(database_url(os.environ.get("DATABASE_URL") or DATABASE_DEFAULT))
    log = LOGS[args.what]
    try:
        require_current(db)
        if args.out:
            count = _write_file(db, rules, log, Path(args.out), args.bom)
            print(f"exported {count} {NOUNS[log.name]} to {args.out}", file=sys.stderr)
        else:
            _write_stdout(db, rules, log, args.bom)
    finally:
        db.dispose()
    return 0


def _write_file(db: Database, rules: Rules, log: Log, out: Path, bom: bool) -> int:
    """Write beside `out` and rename at the end: an export that fails half-way (a full disk,
    a database error) leaves the previous file as it was instead of a truncated one."""
    partial = out.with_name(out.name + ".part")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            if bom:
                handle.write(BOM)
            count = write_csv(db, rules, log, handle)
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise SettingsError(f"cannot write {out}: {error.strerror or error}") from None
    return count


def _write_stdout(db: Database, rules: Rules, log: Log, bom: bool) -> None:
    """To standard output; a reader that stops early (`| head`) ends the export quietly."""
    try:
        if bom:
            sys.stdout.write(BOM)
        write_csv(db, rules, log, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's advice: point stdout at devnull so the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
