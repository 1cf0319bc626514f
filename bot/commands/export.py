"""`pmo-bot export risks|status|gates|changes|audit|milestones|issues|actions|decisions|
indicators|lessons --format csv [--bom] [--out FILE] [--as-of DATE]`: a log as a spreadsheet,
through the one exporter
(services/exports.py: a column list per log). `pmo-bot export raid --format xlsx --out FILE`:
the RAID logs in one workbook, a sheet each (services/workbook.py); any one log also goes to a
one-sheet workbook with `--format xlsx --out FILE`.

UTF-8 with a header; `--bom` starts the file with a byte-order mark, which Excel needs to read
UTF-8 (Chinese titles) instead of guessing the legacy code page. Levels are computed under the
rules file in force (PMO_RULES), as the bot shows them; slips and indicators are counted to
today on the PMO's clock, or to `--as-of DATE` (milestones and indicators only). No Slack call:
names come from the users.info cache.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.commands.runtime import require_current
from bot.rules_file import load_rules
from bot.settings import DATABASE_DEFAULT, SettingsError, database_url
from pmo_rules.config import Rules
from services.exports import LOGS, Log, write_csv
from services.workbook import RAID, raid_logs, write_workbook
from storage.db import Database

COLUMNS = LOGS["risks"].header
BOM = "\ufeff"
NOUNS = {"risks": "risks", "status": "status updates", "gates": "gate requests",
         "audit": "audit entries", "milestones": "milestones", "indicators": "projects",
         "issues": "issues", "actions": "actions", "decisions": "decisions",
         "changes": "change requests", "lessons": "lessons", "portfolio": "proposals"}
DATED = ("milestones", "indicators")
"""The logs counted to a day (`--as-of`); and raid, the workbook that holds milestones."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("export", help="write a log out as a spreadsheet file")
    parser.add_argument("what", choices=[*LOGS, "raid"],
                        help="which log to export; raid: the RAID logs in one workbook")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv",
                        help="file format: csv (default), or xlsx, an Excel workbook (needs "
                             "--out)")
    parser.add_argument("--bom", action="store_true",
                        help="csv: start with a UTF-8 byte-order mark (for Excel)")
    parser.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    parser.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD",
                        help="milestones and indicators: count slips and indicators to this "
                             "day (default: today on the PMO's clock)")
    parser.set_defaults(func=run_export, parser=parser)


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date such as 2026-11-30 (YYYY-MM-DD)") from None
    if not 2000 <= day.year <= 2999:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range: use a year 2000 to 2999")
    return day


def run_export(args) -> int:
    if args.as_of is not None and args.what not in (*DATED, "raid"):
        args.parser.error(f"--as-of applies to {' and '.join(DATED)} only (and to raid, "
                          f"which holds the milestones), not {args.what}")
    _refuse_bad_combinations(args)
    rules = load_rules(os.environ.get("PMO_RULES") or None)
    db = Database(database_url(os.environ.get("DATABASE_URL") or DATABASE_DEFAULT))
    today = args.as_of or datetime.now(UTC).astimezone(rules.pmo.tz).date()
    if args.format == "xlsx":
        logs = raid_logs() if args.what == "raid" else (LOGS[args.what],)
        try:
            require_current(db)
            counts = _write_workbook(db, rules, logs, Path(args.out), today)
        finally:
            db.dispose()
        written = ", ".join(f"{count} {NOUNS.get(name, name)}" for name, count in counts.items())
        print(f"exported {written} to {args.out}", file=sys.stderr)
        return 0
    log = LOGS[args.what]
    try:
        require_current(db)
        if args.out:
            count = _write_file(db, rules, log, Path(args.out), args.bom, today)
            print(f"exported {count} {NOUNS[log.name]} to {args.out}", file=sys.stderr)
        else:
            _write_stdout(db, rules, log, args.bom, today)
    finally:
        db.dispose()
    return 0


def _refuse_bad_combinations(args) -> None:
    """Refuse, with the fix, what cannot be written: exits 2 before anything is read."""
    if args.what == "raid" and args.format != "xlsx":
        args.parser.error("raid is a workbook of several logs, a sheet each: use "
                          f"--format xlsx --out raid.xlsx (or export one log as CSV: "
                          f"{'|'.join(name for name in RAID if name in LOGS)})")
    if args.format == "xlsx" and not args.out:
        args.parser.error("--format xlsx writes a binary Excel file, not text for a terminal or "
                          "a pipe: add --out FILE, e.g. --out raid.xlsx")
    if args.format == "xlsx" and args.out == "-":
        args.parser.error("--format xlsx cannot go to standard output: give a file name, "
                          "e.g. --out raid.xlsx")
    if args.format == "xlsx" and args.bom:
        args.parser.error("--bom is for CSV files only (a workbook needs none): leave it out")


def _write_workbook(db: Database, rules: Rules, logs: tuple[Log, ...], out: Path,
                    today: date) -> dict[str, int]:
    """As `_write_file`: beside `out`, renamed at the end; whatever stops it half-way (a full
    disk, a database error, Ctrl-C) removes the partial file and leaves the old one whole."""
    partial = out.with_name(out.name + ".part")
    try:
        counts = write_workbook(db, rules, logs, partial, today)
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise SettingsError(f"cannot write {out}: {error.strerror or error}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return counts


def _write_file(db: Database, rules: Rules, log: Log, out: Path, bom: bool, today: date) -> int:
    """Write beside `out` and rename at the end: an export that fails half-way (a full disk,
    a database error) leaves the previous file as it was instead of a truncated one."""
    partial = out.with_name(out.name + ".part")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            if bom:
                handle.write(BOM)
            count = write_csv(db, rules, log, handle, today)
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise SettingsError(f"cannot write {out}: {error.strerror or error}") from None
    return count


def _write_stdout(db: Database, rules: Rules, log: Log, bom: bool, today: date) -> None:
    """To standard output; a reader that stops early (`| head`) ends the export quietly."""
    try:
        if bom:
            sys.stdout.write(BOM)
        write_csv(db, rules, log, sys.stdout, today)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's advice: point stdout at devnull so the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
