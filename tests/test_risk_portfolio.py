"""`/pmo risks` (heat map and top ten) and `pmo-bot export risks` (the register as CSV)."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands.export import COLUMNS
from pmo_rules.config import RiskLevels
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, GENERAL, make_bot, rules_with
from tests.support.risks import add, risk


def _portfolio(bot) -> dict:
    answer = bot.command("/pmo", "risks", user=CAROL, channel=GENERAL)  # anyone may look
    assert answer.status == 200
    return answer.json


def _grid(answer: dict) -> list[list[str]]:
    text = answer["blocks"][1]["text"]["text"]
    lines = text.split("```")[1].splitlines()
    return [line.split() for line in lines]


def test_heat_map_counts_open_risks_by_probability_and_impact(apollo):
    add(apollo, "A p:4 i:5")
    add(apollo, "B p:4 i:5")
    add(apollo, "C p:1 i:1")
    add(apollo, "D p:2 i:3 status:mitigating")
    add(apollo, "E p:5 i:5")
    risk(apollo, "close APOLLO-R5 Gone")
    answer = _portfolio(apollo)
    grid = _grid(answer)
    assert grid[0] == ["I\\P", "1", "2", "3", "4", "5"]
    assert [row[0] for row in grid[1:]] == ["5", "4", "3", "2", "1"]  # impact, high on top
    assert grid[1][4] == "2"  # p4 × i5: A and B
    assert grid[3][2] == "1" and grid[5][1] == "1"
    assert sum(int(cell) for row in grid[1:] for cell in row[1:] if cell != "·") == 4
    levels = answer["blocks"][2]["elements"][0]["text"]
    assert ":red_circle: *Critical* 2" in levels and ":large_blue_circle: *Low* 1" in levels
    assert answer["text"] == "Portfolio risks: 4 open."


def test_top_ten_across_projects_highest_score_first(apollo):
    apollo.command("/pmo", "project add ZEUS Zeus CRM", user=ADMIN, channel=GENERAL)
    apollo.slack.wait_for_response(1)
    for n in range(1, 12):
        add(apollo, f"Apollo risk {n} p:{1 + n % 5} i:2")
    add(apollo, f"Zeus top p:5 i:5 owner:<@{BOB}|bob>", key="ZEUS")
    answer = _portfolio(apollo)
    lines = [b["text"]["text"] for b in answer["blocks"][4:]]
    assert answer["blocks"][3]["text"]["text"] == "*Top 10*"
    assert len(lines) == 10
    assert lines[0].startswith("`ZEUS-R1` :red_circle: *Critical* *25*")
    scores = [int(re.search(r"\*(\d+)\* ·", line)[1]) for line in lines]
    assert scores == sorted(scores, reverse=True)


def test_an_empty_portfolio_says_how_to_start(bot):
    assert "No open risks in the portfolio" in bot.command("/pmo", "risks").text
    assert "I didn't expect `now`" in bot.command("/pmo", "risks now").text


def test_a_larger_scale_draws_a_larger_grid(database_url, slack):
    rules = rules_with()
    rules = replace(rules, risk=replace(rules.risk, scale=10, levels=RiskLevels(20, 40, 70)))
    big = make_bot(database_url, slack, rules)
    try:
        big.command("/pmo", f"project add APOLLO Apollo pm:<@{ALICE}|alice> "
                            f"channel:<#{APOLLO_CHANNEL}|apollo>", user=ADMIN)
        slack.wait_for_response(1)
        add(big, "Deep p:9 i:10")
        grid = _grid(_portfolio(big))
        assert len(grid) == 11 and grid[0][-1] == "10"
        assert grid[1][9] == "1"  # impact 10 row, probability 9 column
    finally:
        big.ctx.db.dispose()


# --- export ----------------------------------------------------------------------------------


def test_export_writes_every_field_as_utf8_csv(apollo, tmp_path, monkeypatch, capsys):
    add(apollo, f"Vendor, \"the\" API may slip p:4 i:5 owner:<@{BOB}|bob> due:2026-12-01 "
                "response:mitigate desc:Line one trigger:Demo missed")
    add(apollo, "供应商延期 p:1 i:2")
    risk(apollo, "close APOLLO-R2 不再适用")
    monkeypatch.setenv("DATABASE_URL", apollo.ctx.settings.database_url)
    monkeypatch.delenv("PMO_RULES", raising=False)
    out = tmp_path / "risks.csv"
    assert main(["export", "risks", "--format", "csv", "--out", str(out)]) == 0
    assert "exported 2 risks" in capsys.readouterr().err

    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == list(COLUMNS)
    first, second = rows
    assert first["id"] == "APOLLO-R1" and first["title"] == 'Vendor, "the" API may slip'
    assert (first["probability"], first["impact"], first["score"], first["level"]) == (
        "4", "5", "20", "critical")
    assert (first["owner"], first["response"], first["due_on"]) == (BOB, "mitigate",
                                                                     "2026-12-01")
    assert first["created_at"] == "2026-11-23T02:00:00+00:00"
    assert (first["description"], first["trigger"], first["closed_at"]) == (
        "Line one", "Demo missed", "")
    assert (second["title"], second["status"], second["last_note"]) == ("供应商延期", "closed",
                                                                       "不再适用")
    assert second["closed_at"] == "2026-11-23T02:00:00+00:00"

    assert main(["export", "risks", "--format", "csv"]) == 0  # to standard output
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == ",".join(COLUMNS)
    assert list(csv.DictReader(io.StringIO(printed))) == rows


def test_export_never_writes_a_live_spreadsheet_formula(apollo, tmp_path, monkeypatch):
    add(apollo, "=HYPERLINK(\"http://x\",\"click\") p:2 i:2")
    add(apollo, "@SUM(A1) p:2 i:2 desc:+cmd")
    monkeypatch.setenv("DATABASE_URL", apollo.ctx.settings.database_url)
    out = tmp_path / "risks.csv"
    assert main(["export", "risks", "--format", "csv", "--out", str(out)]) == 0
    first, second = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
    assert first["title"] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert (second["title"], second["description"]) == ("'@SUM(A1)", "'+cmd")


def test_export_refuses_unknown_formats(capsys):
    with pytest.raises(SystemExit):
        main(["export", "risks", "--format", "ods"])
    assert "invalid choice" in capsys.readouterr().err


def test_export_refuses_a_missing_database_in_one_line_and_creates_none(tmp_path, monkeypatch,
                                                                       capsys):
    missing = tmp_path / "typo.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    monkeypatch.delenv("PMO_RULES", raising=False)
    assert main(["export", "risks"]) == 2
    err = capsys.readouterr().err
    assert "there is no database at" in err and "pmo-bot db upgrade" in err
    assert "Traceback" not in err and not missing.exists()


def test_export_to_a_folder_that_does_not_exist_says_so(apollo, tmp_path, monkeypatch, capsys):
    add(apollo, "Vendor may slip p:2 i:2")
    monkeypatch.setenv("DATABASE_URL", apollo.ctx.settings.database_url)
    monkeypatch.delenv("PMO_RULES", raising=False)
    assert main(["export", "risks", "--out", str(tmp_path / "no" / "risks.csv")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_export_to_a_reader_that_stops_early_ends_quietly(apollo, monkeypatch):
    add(apollo, "Vendor may slip p:2 i:2")
    env = {**os.environ, "DATABASE_URL": apollo.ctx.settings.database_url}
    env.pop("PMO_RULES", None)
    pmo_bot = str(Path(sys.executable).with_name("pmo-bot"))
    child = subprocess.Popen([pmo_bot, "export", "risks"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # like `| head` that has already quit
    _, err = child.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err
