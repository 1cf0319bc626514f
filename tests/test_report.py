"""`pmo-bot report --month YYYY-MM --out FILE`: the executive report as a PDF, run as an operator
does (the CLI in a subprocess), checked as a PDF: its pages and the text on them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zlib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pmo_rules.report import needing_attention, parse_month
from storage import plans as plan_store
from storage import projects as project_store
from tests.support import ADMIN, ALICE, Bot
from tests.support.scheduling import say


def pmo_bot(bot: Bot, *args: str, locale: str | None = None,
            tmp: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": bot.ctx.settings.database_url}
    env.pop("PMO_RULES", None)
    if locale is not None:
        rules = tmp / "rules.toml"
        rules.write_text(f'[pmo]\nlocale = "{locale}"\n', encoding="utf-8")
        env["PMO_RULES"] = str(rules)
    return subprocess.run([str(Path(sys.executable).with_name("pmo-bot")), "report", *args],
                          env=env, capture_output=True, timeout=180)


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages (each `[…] TJ` array's strings joined), one line each; glyphs
    outside Latin-1 are drawn as shapes, so only their Latin parts show here."""
    lines = []
    # Not `\r?\nendstream`: a compressed stream may end in a CR byte of its own, and the
    # decompressor leaves whatever follows the end of the data aside.
    for stream in re.finditer(rb"stream\r?\n(.*?)\nendstream", data, re.S):
        try:
            content = zlib.decompressobj().decompress(stream.group(1))
        except zlib.error:
            continue
        for array in re.finditer(rb"\[(.*?)\]\s*TJ", content, re.S):
            parts = re.findall(rb"\(((?:\\.|[^\\)])*)\)", array.group(1))
            lines.append(b"".join(re.sub(rb"\\(.)", rb"\1", p) for p in parts).decode("latin-1"))
    return "\n".join(lines)


def november(bot: Bot) -> None:
    """APOLLO in November 2026: a baselined plan half spent, red, and a gate put on hold."""
    now = bot.clock.at
    with bot.ctx.db.write() as session:
        apollo = project_store.project_by_key(session, "APOLLO")
        plan_store.save_plan(session, project=apollo, actor=ADMIN, now=now, baseline=True,
                             values={"start_on": date(2026, 9, 1),
                                     "finish_on": date(2027, 3, 1),
                                     "budget": Decimal("400000")})
        project_store.add_status(session, project=apollo, author=ALICE,
                                 now=now - timedelta(days=2),
                                 values={"overall": "red", "summary": "Racks late",
                                         "percent_complete": 10,
                                         "actual_cost": Decimal("300000")})
    say(bot, "/gate", "decide APOLLO hold until:2027-02-01 Budget frozen", ADMIN)


def test_the_month_report_is_a_pdf_with_its_pages_and_words(apollo, tmp_path):
    november(apollo)
    out = tmp_path / "report.pdf"
    done = pmo_bot(apollo, "--month", "2026-11", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert b"wrote the 2026-11 report to" in done.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    # Cover, RAG history, risk heat map? (no open risk: left out), SPI vs CPI, attention, gates,
    # the PMO's effectiveness.
    assert pdf_pages(data) == 6
    text = pdf_text(data)
    assert "PMO executive report · 2026-11" in text
    assert "As of 2026-11-30." in text
    # (a dash is outside Latin-1: drawn as a shape, it splits the line here)
    assert "Portfolio: 1 projects" in text and "0 green, 0 amber, 1 red, 0 without a status." \
        in text
    assert "Gates decided this month: 1 (1 put on hold)." in text
    assert "APOLLO · Apollo data-centre migration" in text
    assert ("reported red, SPI under its red threshold, CPI under its red threshold · SPI 0.20 "
            "· CPI 0.13") in text
    assert "Median wait for a gate decision: 0.0 days (previous month: no decision)." in text
    assert "2026-11-23 · APOLLO · Initiation gate put on hold after 0.0 days" in text
    assert "Portfolio RAG, last 12 weeks" in text
    assert not list(tmp_path.glob("*.partial"))


def test_the_report_in_chinese_draws_its_glyphs(apollo, tmp_path):
    november(apollo)
    out = tmp_path / "report.pdf"
    done = pmo_bot(apollo, "--month", "2026-11", "--out", str(out), locale="zh", tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert pdf_pages(data) == 6
    assert b"NotoSansSC" in data  # the bundled CJK font is embedded
    assert "PMO" in pdf_text(data) and "2026-11" in pdf_text(data)


def test_a_month_that_is_not_one_or_has_not_started_is_refused(apollo, tmp_path):
    for month, says in (("2026-13", b"is not a month"), ("November", b"is not a month"),
                        ("2999-12", b"has not started yet")):
        done = pmo_bot(apollo, "--month", month, "--out", str(tmp_path / "r.pdf"))
        assert done.returncode == 2 and says in done.stderr, done.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_attention_and_months_are_judged_plainly():
    rows = [("A", "a", "green", 1.0, 1.0, False), ("B", "b", "red", 0.7, 1.0, False),
            ("C", "c", "amber", None, None, True), ("D", "d", None, 1.2, 0.5, False)]
    found = needing_attention(rows, spi_red=0.85, cpi_red=0.85)
    assert [(a.key, a.reasons) for a in found] == [
        ("B", ("red", "spi")), ("C", ("reported_better",)), ("D", ("cpi",))]
    assert parse_month("2026-02") == date(2026, 2, 1)


def test_the_report_as_html_and_as_a_workbook(apollo, tmp_path):
    import base64
    import io

    from openpyxl import load_workbook
    from PIL import Image

    november(apollo)
    page = tmp_path / "report.html"
    done = pmo_bot(apollo, "--month", "2026-11", "--format", "html", "--out", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<title>PMO executive report · 2026-11" in html
    assert "<h2>The PMO&#x27;s own effectiveness</h2>" in html
    assert "APOLLO · Apollo data-centre migration" in html
    assert "Median wait for a gate decision: 0.0 days (previous month: none)." in html
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)"', html)
    assert len(images) == 2  # RAG history and SPI vs CPI (no open risk)
    for data, alt in images:
        assert Image.open(io.BytesIO(base64.b64decode(data))).size == (800, 450) and alt
    assert "http" not in html.split("<body>", 1)[1]  # nothing fetched when it is opened

    book_path = tmp_path / "report.xlsx"
    done = pmo_bot(apollo, "--month", "2026-11", "--format", "xlsx", "--out", str(book_path))
    assert done.returncode == 0, done.stderr
    book = load_workbook(book_path)
    assert book.sheetnames == ["Report", "The PMO's own effectiveness",
                               "Projects needing attention", "Gates decided", "Charts"]
    assert book["Report"]["A1"].value == "PMO executive report · 2026-11"
    rows = list(book["The PMO's own effectiveness"].iter_rows(values_only=True))
    assert rows[0] == ("Measure", "This month", "Previous month")
    assert rows[2] == ("Median wait for a gate decision", "0.0 days", "none")
    assert rows[5] == ("Escalations raised", "0", "0")
    assert len(book["Charts"]._images) == 2


def test_the_milestone_slip_chart_bands_the_worst_slips_and_draws_them():
    from pmo_rules.charts import SLIP_BARS, is_empty, slip_bars
    from services import charts
    from templates.render import Renderer
    from tests.test_charts import assert_chart_png

    chart = slip_bars([("A", 3, "A-M1"), ("B", 20, "B-M4"), ("C", 0, "C-M1"),
                       ("D", 6, "D-M2")], amber=5, red=15)
    assert [(b["key"], b["days"], b["band"]) for b in chart["bars"]] == [
        ("B", 20, "red"), ("D", 6, "amber"), ("A", 3, "green")]
    assert chart["total"] == 3 and not is_empty(chart)
    assert is_empty(slip_bars([("C", 0, "C-M1")], amber=5, red=15))
    many = slip_bars([(f"P{n:03d}", n, f"P{n:03d}-M1") for n in range(1, 60)], amber=5, red=15)
    assert len(many["bars"]) == SLIP_BARS and many["total"] == 59
    for locale in ("en", "zh"):
        renderer = Renderer(locale)
        assert_chart_png(charts.render_png(renderer, many))
    alt = charts.alt_text(Renderer("en"), chart)
    assert alt == ("Bar chart of the projects whose milestones slipped: 3 projects, 1 of them "
                   "red. Worst: B-M4, 20 working days late.")


def test_a_slipped_milestone_adds_the_slip_chart_to_the_report(apollo, tmp_path):
    from storage import milestones as milestone_store

    with apollo.ctx.db.write() as session:
        project = project_store.project_by_key(session, "APOLLO")
        row = milestone_store.add(session, project=project, title="Racks delivered",
                                  due=date(2026, 12, 15), owner=ALICE, weight=1, actor=ADMIN,
                                  now=apollo.clock.at)
        milestone_store.set_forecast(session, project=project, row=row, on=date(2027, 1, 29),
                                     reason="vendor", actor=ALICE, now=apollo.clock.at)
    november(apollo)  # the baseline is taken after the milestone: its date is the baseline's
    out = tmp_path / "report.pdf"
    done = pmo_bot(apollo, "--month", "2026-11", "--out", str(out))
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert pdf_pages(data) == 7
    text = pdf_text(data)
    assert "Milestone slip, worst milestone per project" in text
    assert "APOLLO-M1" in text and "33 (R)" in text  # 33 working days late: red
