"""Actions and decisions where people look (issue 12, item 6): the Home tab lists the
person's own open actions; `/pmo project KEY` counts open and overdue actions and decisions;
en and zh; both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from storage import actions as store
from storage.projects import project_by_key
from tests.support import ALICE, BOB, CAROL, make_bot, rules_with
from tests.support.gates import add_apollo, say
from tests.test_home import open_home

CAROL_REF = f"<@{CAROL}|carol>"


def test_home_shows_my_open_actions(apollo):
    say(apollo, "/action", f"add APOLLO Send the runbook owner:{CAROL_REF} due:2026-12-04")
    say(apollo, "/action", f"add APOLLO Order leads owner:{CAROL_REF} due:2026-11-30")
    say(apollo, "/action", "add APOLLO Sign the SOW due:2026-12-01", CAROL)
    say(apollo, "/action", "done APOLLO-A3", CAROL)
    home = open_home(apollo, CAROL)
    texts = [b["text"]["text"] for b in home["blocks"] if "text" in b]
    at = texts.index("Your open actions")
    assert texts[at + 1].splitlines() == [
        f":small_blue_diamond: *APOLLO-A2* Order leads · <@{CAROL}> · due 2026-11-30",
        f":small_blue_diamond: *APOLLO-A1* Send the runbook · <@{CAROL}> · due 2026-12-04"]
    assert "Your open actions" not in str(open_home(apollo, BOB)["blocks"])


def test_project_card_counts_actions_and_decisions(apollo):
    say(apollo, "/action", "add APOLLO Send the runbook due:2026-12-04")
    say(apollo, "/action", "add APOLLO Sign the SOW due:2026-12-01")
    with apollo.ctx.db.write() as session:  # one already overdue
        store.add(session, project=project_by_key(session, "APOLLO"), title="Late one",
                  due=date(2026, 11, 20), owner=ALICE, actor=ALICE, now=apollo.clock.at)
    say(apollo, "/action", "done APOLLO-A2")
    say(apollo, "/decision", "add APOLLO Go with vendor B")
    card = str(apollo.command("/pmo", "project APOLLO", user=BOB).json["blocks"])
    assert ("*Actions:* 2 open, 1 overdue (`/action list APOLLO`) · *Decisions:* 1 "
            "(`/decision list APOLLO`)") in card


def test_in_chinese(database_url, slack):
    rules = rules_with()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        add_apollo(bot)
        say(bot, "/action", f"add APOLLO 发送切换手册 owner:{CAROL_REF} due:2026-12-04")
        texts = str(open_home(bot, CAROL)["blocks"])
        assert "您未完成的行动项" in texts and "*APOLLO-A1* 发送切换手册" in texts
        card = str(bot.command("/pmo", "project APOLLO", user=BOB).json["blocks"])
        assert "*行动项：*1 项未完成（`/action list APOLLO`）· *决策：*0 项" in card
    finally:
        bot.close()
