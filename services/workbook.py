"""The RAID workbook: several logs of the one exporter (services/exports.py) in one .xlsx file,
a sheet per log — the file a PMO would otherwise build by hand.

Every sheet has the log's CSV header (bold, frozen) and an autofilter over its rows. Cells are
typed from the Python values the exporter's row functions give (`exports.records`): a date is
an Excel date, a time an Excel date-time **in UTC**, an int or float a number, a Decimal money
(two decimals), text always text (never run as a formula, whatever it starts with: `=`, `+`,
`-`, `@`), a list of ids space-separated, before/after values JSON. A column named in
`LEVEL_COLUMNS` (a risk's `level`, an issue's `severity`, a RAG colour) is filled by the word in
it (`LEVEL_FILLS`: low/green green, medium/amber amber, high/red red, critical dark red); other
words stay unfilled. Columns are sized from the header and the first rows.

Written with XlsxWriter in `constant_memory` mode: each row goes to disk as it is written
(inline strings, no shared-string table), so memory stays flat whatever the number of rows.
A log joins the workbook by being registered in `exports.LOGS` under a name in `RAID`.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from pmo_rules.config import Rules
from services.exports import LOGS, Log, records, text_of
from storage.db import Database

RAID = ("risks", "issues", "actions", "decisions", "changes", "milestones")
"""The logs that make up the RAID workbook, in sheet order; one not registered in `LOGS` (not
built yet) is left out."""

LEVEL_COLUMNS = frozenset({"level", "severity", "priority", "rag", "overall", "schedule",
                           "cost", "scope", "quality", "reported_overall", "reported_schedule",
                           "reported_cost", "indicated_overall", "indicated_schedule",
                           "indicated_cost"})
"""Columns holding a level or a RAG colour: their cells are filled by `LEVEL_FILLS` (a value
that is not one of those words, e.g. a cost delta, is written as it is, unfilled)."""

GREEN, AMBER, RED = ("#C6EFCE", "#006100"), ("#FFEB9C", "#9C5700"), ("#FFC7CE", "#9C0006")
LEVEL_FILLS: dict[str, tuple[str, str]] = {
    "low": GREEN, "medium": AMBER, "high": RED, "critical": ("#C00000", "#FFFFFF"),
    "green": GREEN, "amber": AMBER, "red": RED,
}
"""Fill and font colour per word (Excel's own good / neutral / bad styles)."""

MAX_TEXT = 32_767
"""Excel's limit on a cell's characters."""
SAMPLED_ROWS = 200
"""Column widths are sized from the header and this many first rows."""
WIDTHS = {"date": 11.0, "datetime": 19.0}
MIN_WIDTH, MAX_WIDTH = 6.0, 60.0


def raid_logs() -> tuple[Log, ...]:
    """The RAID logs registered so far, in sheet order."""
    return tuple(LOGS[name] for name in RAID if name in LOGS)


def write_workbook(db: Database, rules: Rules, logs: Iterable[Log], path: Path,
                   today: date) -> dict[str, int]:
    """Write one sheet per log to the .xlsx file `path` (zipped at the end: the caller writes
    to a temporary name and renames it); returns the rows written per log. A file that cannot
    be written is an OSError, found before anything is read."""
    with open(path, "wb"):
        pass  # a missing folder or no permission: say so now, not after reading every row
    with tempfile.TemporaryDirectory(prefix="pmo-xlsx-") as scratch:  # the sheets' rows
        book = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "tmpdir": scratch, "strings_to_formulas": False,
            "strings_to_urls": False, "strings_to_numbers": False})
        styles = _Styles(book)
        counts = {log.name: _write_sheet(book, styles, db, rules, log, today) for log in logs}
        try:
            book.close()
        except FileCreateError as error:
            cause = error.args[0] if error.args else None
            raise cause if isinstance(cause, OSError) else OSError(str(error)) from None
    return counts


class _Styles:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#D9E1F2", "bottom": 1,
                                       "valign": "top"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.money = book.add_format({"num_format": "#,##0.00"})
        self.levels = {word: book.add_format({"bg_color": fill, "font_color": font})
                       for word, (fill, font) in LEVEL_FILLS.items()}


def _write_sheet(book: xlsxwriter.Workbook, styles: _Styles, db: Database, rules: Rules,
                 log: Log, today: date) -> int:
    sheet = book.add_worksheet(log.name)
    header = log.header
    for column, name in enumerate(header):
        sheet.write_string(0, column, name, styles.header)
    sheet.freeze_panes(1, 0)
    widths = [_width(name) + 2 for name in header]  # room for the filter's arrow
    writers = [_writer(sheet, styles, name in LEVEL_COLUMNS, widths, column)
               for column, name in enumerate(header)]
    count = 0
    for values in records(db, rules, log, today):
        count += 1
        sample = count <= SAMPLED_ROWS
        for column, value in enumerate(values):
            if value is not None:
                writers[column](count, value, sample)
    sheet.autofilter(0, 0, count, len(header) - 1)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, max(MIN_WIDTH, min(width, MAX_WIDTH)))
    return count


Write = Callable[[int, object, bool], None]


def _writer(sheet, styles: _Styles, level: bool, widths: list[float], column: int) -> Write:
    """The function that writes one column's cells, by the type of each value."""

    def grow(width: float) -> None:
        if width > widths[column]:
            widths[column] = width

    def write(row: int, value: object, sample: bool) -> None:
        kind = type(value)
        if kind is str:
            text = value[:MAX_TEXT]
            fill = styles.levels.get(text) if level else None
            sheet.write_string(row, column, text, fill)
            if sample:
                grow(_width(text))
        elif kind is datetime:
            moment = value.astimezone(UTC) if value.tzinfo else value  # naive: stored as UTC
            sheet.write_datetime(row, column, moment.replace(tzinfo=None), styles.datetime)
            if sample:
                grow(WIDTHS["datetime"])
        elif kind is date:
            sheet.write_datetime(row, column, value, styles.date)
            if sample:
                grow(WIDTHS["date"])
        elif kind is bool:
            sheet.write_boolean(row, column, value)
        elif kind is int or kind is float:
            sheet.write_number(row, column, value)
            if sample:
                grow(len(str(value)) + 1)
        elif kind is Decimal:
            sheet.write_number(row, column, float(value), styles.money)
            if sample:
                grow(len(f"{value:,.2f}") + 1)
        else:  # lists of ids, before/after values
            write(row, str(text_of(value)), sample)

    return write


def _width(text: str) -> float:
    """Characters as Excel counts column width: a wide (CJK) character takes two; the longest
    line of a multi-line text."""
    longest = 0
    for line in text.splitlines() or [""]:
        if line.isascii():
            longest = max(longest, len(line))
        else:
            longest = max(longest, sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1
                                       for ch in line))
    return float(longest)
