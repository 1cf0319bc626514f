"""`pmo-bot export portfolio`: the ranking through the one exporter (issue 13), both DBs."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from services.exports import LOGS, write_csv
from services.workbook import write_workbook
from tests.proposals.support import portfolio_rules, propose
from tests.support import BOB, make_bot
from tests.support.gates import say

SCORES = "strategic_fit:4 benefit:5 risk:2 resources:3"


def test_export_portfolio_is_the_ranking_with_the_cut_line(database_url, slack):
    rules = portfolio_rules(budget=Decimal(500_000))
    bot = make_bot(database_url, slack, rules)
    try:
        propose(bot, title="CRM renewal", cost="400k")
        propose(bot, title="Data lake", cost="300k")
        say(bot, "/pmo", f"proposal PR-1 score {SCORES}", BOB)
        say(bot, "/pmo", "proposal PR-2 score strategic_fit:3 benefit:3 risk:3 resources:3",
            BOB)
        out = io.StringIO()
        assert write_csv(bot.ctx.db, rules, LOGS["portfolio"], out, bot.clock().date()) == 2
        found = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert [(r["rank"], r["proposal"], r["cost"], r["score"], r["themes"], r["budget"],
                 r["cut_line"]) for r in found] == [
            ("1", "PR-1", "400000.00", "77.5", "Compliance", "500000", "above"),
            ("2", "PR-2", "300000.00", "50.0", "Compliance", "500000", "below")]
        assert found[1]["to_fit_drop"] == "PR-1"
    finally:
        bot.close()


def test_export_portfolio_as_a_workbook(database_url, slack, tmp_path):
    rules = portfolio_rules(budget=Decimal(500_000))
    bot = make_bot(database_url, slack, rules)
    try:
        propose(bot, title="CRM renewal", cost="400k")
        say(bot, "/pmo", f"proposal PR-1 score {SCORES}", BOB)
        path = tmp_path / "portfolio.xlsx"
        assert write_workbook(bot.ctx.db, rules, (LOGS["portfolio"],), path,
                              bot.clock().date()) == {"portfolio": 1}
        rows = list(load_workbook(path).active.iter_rows(values_only=True))
        assert rows[0][:4] == ("rank", "proposal", "title", "cost")
        assert rows[1][:3] == (1, "PR-1", "CRM renewal") and rows[1][8] == "above"
    finally:
        bot.close()
