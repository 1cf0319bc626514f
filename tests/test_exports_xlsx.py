"""`pmo-bot export raid --format xlsx --out FILE` (issue 12, item 6): the RAID logs in one
workbook, run as an operator does (the CLI in a subprocess) on both databases, and the file read
back with openpyxl: sheets, header, frozen pane, autofilter, cell types, level fills, rows."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from services import zones
from services.exports import LOGS
from services.workbook import raid_logs
from tests.support import BOB, Bot
from tests.support.gates import say
from tests.support.risks import add
from tests.test_exports import pmo_bot, rows

FORMULA = '=HYPERLINK("http://evil.example","click")'


def some_raid(bot: Bot) -> None:
    """Four risks, one a level each (a formula-like title, Chinese text), and two milestones."""
    add(bot, f"供应商延期 p:1 i:2 owner:<@{BOB}|bob> due:2026-12-15")  # 2: low
    add(bot, "+cmd|' /C calc'!A0 p:2 i:3")  # 6: medium
    add(bot, "-2+3 budget cut p:3 i:4")  # 12: high
    add(bot, f"{FORMULA} p:4 i:5")  # 20: critical
    say(bot, "/milestone", f"add APOLLO Wave 1 cut-over due:2026-11-27 owner:<@{BOB}|bob> "
                           "weight:3")
    say(bot, "/milestone", "add APOLLO @SUM(A1) kick-off due:2026-11-24")
    zones.look_up(bot.ctx, [BOB], bot.clock())


def folder(tmp_path: Path) -> Path:
    """A folder of its own (the SQLite database lives in tmp_path)."""
    made = tmp_path / "out"
    made.mkdir()
    return made


def sheet_rows(sheet) -> list[dict[str, object]]:
    header, *body = sheet.iter_rows()
    names = [cell.value for cell in header]
    return [{name: cell for name, cell in zip(names, line, strict=True)} for line in body]


def test_the_raid_workbook_has_a_typed_sheet_per_log(apollo, tmp_path):
    some_raid(apollo)
    out = folder(tmp_path) / "raid.xlsx"
    done = pmo_bot(apollo, "raid", "--format", "xlsx", "--out", str(out), "--as-of",
                   "2026-11-23")
    assert done.returncode == 0, done.stderr
    assert b"exported 4 risks, " in done.stderr and b", 2 milestones to" in done.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["raid.xlsx"]  # no .part left
    book = load_workbook(out)
    assert book.sheetnames[0] == "risks" and book.sheetnames[-1] == "milestones"
    assert [log.name for log in raid_logs()] == book.sheetnames

    for sheet, log, count in ((book["risks"], LOGS["risks"], 4),
                              (book["milestones"], LOGS["milestones"], 2)):
        assert [c.value for c in sheet[1]] == list(log.header)
        assert all(c.font.b for c in sheet[1])
        assert sheet.freeze_panes == "A2"
        last = get_column_letter(len(log.header))
        assert sheet.auto_filter.ref == f"A1:{last}{count + 1}"
        assert sheet.max_row == count + 1
        assert all(sheet.column_dimensions[get_column_letter(i)].width >= 6
                   for i in range(1, len(log.header) + 1))

    risks = sheet_rows(book["risks"])
    csv_risks = rows(pmo_bot(apollo, "risks").stdout)
    low, medium, high, critical = risks
    assert low["title"].value == "供应商延期" and low["owner_name"].value == "Bob"
    assert low["due_on"].is_date and low["due_on"].number_format == "yyyy-mm-dd"
    assert low["due_on"].value == datetime(2026, 12, 15)
    created = datetime.fromisoformat(csv_risks[0]["created_at"])
    assert low["created_at"].is_date  # a date-time, in UTC as the CSV's
    assert low["created_at"].value == created.replace(tzinfo=None, microsecond=0)
    assert low["closed_at"].value is None
    for cell, score in ((low, 2), (medium, 6), (high, 12), (critical, 20)):
        assert cell["score"].data_type == "n" and cell["score"].value == score
        assert cell["probability"].data_type == "n" and cell["probability"].value == int(
            csv_risks[risks.index(cell)]["probability"])
    # text that looks like a formula is text, never a formula
    assert critical["title"].data_type == "s" and critical["title"].value == FORMULA
    assert medium["title"].value.startswith("+cmd") and medium["title"].data_type == "s"
    assert high["title"].value == "-2+3 budget cut" and high["title"].data_type == "s"
    fills = {r["level"].value: r["level"].fill.fgColor.rgb for r in risks}
    assert fills == {"low": "FFC6EFCE", "medium": "FFFFEB9C", "high": "FFFFC7CE",
                     "critical": "FFC00000"}
    assert critical["level"].font.color.rgb == "FFFFFFFF"
    assert low["status"].fill.fill_type is None  # only level columns are filled

    m1, m2 = sheet_rows(book["milestones"])
    assert (m1["id"].value, m1["weight"].value, m1["due_on"].value) == (
        "APOLLO-M1", 3, datetime(2026, 11, 27))
    assert m2["title"].value == "@SUM(A1) kick-off" and m2["title"].data_type == "s"
    assert m2["slip_days"].value == 0 and m2["owner_name"].value == "Alice"
    book.close()


def test_one_log_as_a_one_sheet_workbook_and_an_empty_log(apollo, tmp_path):
    add(apollo, "Vendor may slip p:4 i:5")
    out = tmp_path / "risks.xlsx"
    done = pmo_bot(apollo, "risks", "--format", "xlsx", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert b"exported 1 risks to" in done.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["risks"] and book["risks"].max_row == 2
    book.close()
    empty = tmp_path / "gates.xlsx"
    assert pmo_bot(apollo, "gates", "--format", "xlsx", "--out", str(empty)).returncode == 0
    sheet = load_workbook(empty)["gates"]
    last = get_column_letter(len(LOGS["gates"].header))
    assert sheet.max_row == 1 and sheet.auto_filter.ref == f"A1:{last}1"


def test_bad_combinations_are_refused_with_the_fix_and_write_nothing(apollo, tmp_path):
    out = folder(tmp_path) / "raid.xlsx"
    for args, says in (
            (("raid",), b"raid is a workbook of several logs, a sheet each: use --format xlsx "
                        b"--out raid.xlsx"),
            (("raid", "--format", "csv", "--out", str(out)), b"use --format xlsx"),
            (("raid", "--format", "xlsx"), b"add --out FILE, e.g. --out raid.xlsx"),
            (("raid", "--format", "xlsx", "--out", "-"), b"cannot go to standard output"),
            (("raid", "--format", "xlsx", "--bom", "--out", str(out)), b"--bom is for CSV"),
            (("risks", "--format", "xlsx", "--as-of", "2026-11-23", "--out", str(out)),
             b"--as-of applies to"),
            (("raid", "--format", "pdf", "--out", str(out)), b"invalid choice: 'pdf'")):
        done = pmo_bot(apollo, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert says in done.stderr, (args, done.stderr)
        assert done.stdout == b"" and b"Traceback" not in done.stderr
    assert list(out.parent.iterdir()) == []


def test_a_failed_export_leaves_the_old_file_whole_and_no_partial_file(apollo, tmp_path):
    out = folder(tmp_path) / "raid.xlsx"
    out.write_bytes(b"last week's workbook")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{out.parent / 'missing.sqlite3'}"}
    done = subprocess.run([str(Path(sys.executable).with_name("pmo-bot")), "export", "raid",
                           "--format", "xlsx", "--out", str(out)],
                          env=env, capture_output=True, timeout=120)
    assert done.returncode == 2 and b"there is no database" in done.stderr
    assert out.read_bytes() == b"last week's workbook"
    nowhere = out.parent / "no-such-folder" / "raid.xlsx"
    done = pmo_bot(apollo, "raid", "--format", "xlsx", "--out", str(nowhere))
    assert done.returncode == 2 and b"cannot write" in done.stderr, done.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["raid.xlsx"]


def test_dates_are_excel_dates_not_text(apollo, tmp_path):
    """openpyxl reads an Excel date back as a datetime; a date stored as text would be str."""
    some_raid(apollo)
    out = tmp_path / "raid.xlsx"
    assert pmo_bot(apollo, "raid", "--format", "xlsx", "--out", str(out)).returncode == 0
    book = load_workbook(out, read_only=True)
    for line in book["milestones"].iter_rows(min_row=2, values_only=True):
        header = LOGS["milestones"].header
        values = dict(zip(header, line, strict=False))
        assert isinstance(values["due_on"], datetime) and isinstance(values["created_at"],
                                                                     datetime)
        assert values["due_on"].date() in (date(2026, 11, 27), date(2026, 11, 24))
    book.close()
