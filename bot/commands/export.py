"""`pmo-bot export risks --format csv [--out FILE]`: the whole risk register as a spreadsheet.

One row a risk, every field, with a header; dates and times in ISO 8601 (times in UTC), UTF-8.
The level is computed under the rules file in force (PMO_RULES), as the bot shows it. Text that
a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) is
written with a leading apostrophe, the usual guard against CSV formula injection: titles come
from anyone in the workspace and the file is opened by PMO staff.
"""

from __future__ import annotations

import csv
import os
import sys
from datetime import date, datetime
from pathlib import Path

from bot.commands.runtime import require_current
from bot.rules_file import load_rules
from bot.settings import DATABASE_DEFAULT, SettingsError, database_url
from pmo_rules.config import Rules
from storage import risks as store
from storage.db import Database
from storage.risks import Risk

COLUMNS = ("id", "project", "number", "title", "description", "trigger", "probability",
           "impact", "score", "level", "owner", "response", "due_on", "next_review_on",
           "last_reviewed_at", "last_reviewed_by", "status", "last_note", "created_by",
           "created_at", "updated_at", "closed_at", "closed_by")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("export", help="write a register out as a file")
    parser.add_argument("what", choices=["risks"], help="what to export")
    parser.add_argument("--format", choices=["csv"], default="csv", help="file format")
    parser.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    parser.set_defaults(func=run_export)


def run_export(args) -> int:
    rules = load_rules(os.environ.get("PMO_RULES") or None)
    db = Database(database_url(os.environ.get("DATABASE_URL") or DATABASE_DEFAULT))
    try:
        require_current(db)
        if args.out:
            count = _write_file(db, rules, Path(args.out))
            print(f"exported {count} risks to {args.out}", file=sys.stderr)
        else:
            _write_stdout(db, rules)
    finally:
        db.dispose()
    return 0


def _write_file(db: Database, rules: Rules, out: Path) -> int:
    """Write beside `out` and rename at the end: an export that fails half-way (a full disk,
    a database error) leaves the previous file as it was instead of a truncated one."""
    partial = out.with_name(out.name + ".part")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            count = write_csv(db, rules, handle)
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise SettingsError(f"cannot write {out}: {error.strerror or error}") from None
    return count


def _write_stdout(db: Database, rules: Rules) -> None:
    """To standard output; a reader that stops early (`| head`) ends the export quietly."""
    try:
        write_csv(db, rules, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's advice: point stdout at devnull so the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def write_csv(db: Database, rules: Rules, handle) -> int:
    """Write the header and one row per risk; returns how many risks were written."""
    writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="raise")
    writer.writeheader()
    count = 0
    with db.read() as session:
        for risk in store.every_risk(session):
            writer.writerow({name: _cell(value) for name, value in record(risk, rules).items()})
            count += 1
    return count


def record(risk: Risk, rules: Rules) -> dict[str, object]:
    """Every field of a risk by column name, with its level under `rules`."""
    return {"id": str(risk.ref), "project": risk.project.key, "number": risk.number,
            "title": risk.title, "description": risk.description, "trigger": risk.trigger,
            "probability": risk.probability, "impact": risk.impact, "score": risk.score,
            "level": rules.risk.levels.level_of(risk.score), "owner": risk.owner_id,
            "response": risk.response, "due_on": risk.due_on,
            "next_review_on": risk.next_review_on, "last_reviewed_at": risk.last_reviewed_at,
            "last_reviewed_by": risk.last_reviewed_by, "status": risk.status,
            "last_note": risk.last_note, "created_by": risk.created_by,
            "created_at": risk.created_at, "updated_at": risk.updated_at,
            "closed_at": risk.closed_at, "closed_by": risk.closed_by}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """ISO dates and times; empty for a field that is not set; text never a live formula."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)
