"""Actions and decisions in the digest (issue 12, item 6): "Overdue actions by owner" and
"Decisions this week", the first 10 of each and a count, one SQL statement each whatever the
size of the logs; en and zh; both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from storage import actions as action_store
from storage import decisions as decision_store
from storage.digest_raid import ActionSection, DecisionSection
from storage.digest_sections import TOP, top_of_each
from storage.projects import project_by_key
from tests.support import ALICE, BOB, CAROL, START, make_bot
from tests.support.scheduling import add_project, pmo_rules, run
from tests.test_digest_sections import digest_text
from tests.test_project_digest import counting


def add_action(bot, title, due, owner=ALICE, key="APOLLO"):
    with bot.ctx.db.write() as session:
        action_store.add(session, project=project_by_key(session, key), title=title, due=due,
                         owner=owner, actor=ALICE, now=bot.clock.at)


def add_decision(bot, title, at, key="APOLLO", supersedes=None):
    with bot.ctx.db.write() as session:
        decision_store.add(session, project=project_by_key(session, key), title=title,
                           note=None, decided_by=BOB, supersedes=supersedes, actor=ALICE,
                           now=at)


def test_overdue_actions_by_owner_and_the_weeks_decisions(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    for key in ("APOLLO", "HERA"):
        add_project(bot, key, ALICE, statuses=[(START, "green")])
    add_action(bot, "Sign the SOW", date(2026, 11, 20), owner=CAROL)
    add_action(bot, "Book the cage", date(2026, 11, 18), owner=CAROL, key="HERA")
    add_action(bot, "Order leads", date(2026, 11, 22))
    add_action(bot, "Due today", date(2026, 11, 23))  # not overdue yet
    add_decision(bot, "Old decision", START - timedelta(days=9))
    add_decision(bot, "Vendor B", START - timedelta(days=2))
    add_decision(bot, "Vendor C", START - timedelta(hours=1), supersedes=2)
    run(bot)
    body = digest_text(slack)
    assert ("*Overdue actions by owner* (3)\\n"
            f"<@{ALICE}>\\n• *APOLLO-A2* Order leads — due 2026-11-22 (1 day overdue)\\n"
            f"<@{CAROL}>\\n• *HERA-A1* Book the cage — due 2026-11-18 (5 days overdue)\\n"
            "• *APOLLO-A1* Sign the SOW — due 2026-11-20 (3 days overdue)") in body
    assert ("*Decisions this week* (2)\\n"
            f"• *APOLLO-D3* Vendor C — decided by <@{BOB}> · supersedes *APOLLO-D2*\\n"
            f"• *APOLLO-D2* Vendor B — decided by <@{BOB}>") in body
    assert "Old decision" not in body
    bot.ctx.db.dispose()


def test_long_lists_are_cut_and_counted_in_one_statement_each(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, statuses=[(START, "green")])
    counts = []
    for _ in range(2):  # the statements do not grow with the logs
        for n in range(TOP + 3):
            add_action(bot, f"Task {n}", date(2026, 11, 20))
            add_decision(bot, f"Decision {n}", START - timedelta(days=1))
        for section in (ActionSection(), DecisionSection()):
            with counting(bot) as statements, bot.ctx.db.read() as session:
                top_of_each(session, section.lists(START, bot.ctx.rules))
            counts.append(len([sql for sql in statements if "SELECT" in sql.upper()]))
    assert counts == [1, 1, 1, 1]
    run(bot)
    body = digest_text(slack)
    assert f"*Overdue actions by owner* ({2 * (TOP + 3)})" in body
    assert f"*Decisions this week* ({2 * (TOP + 3)})" in body
    assert body.count("…and 16 more.") == 2
    bot.ctx.db.dispose()


def test_sections_in_chinese(database_url, slack):
    rules = pmo_rules()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    add_project(bot, "APOLLO", ALICE, statuses=[(START, "green")])
    add_action(bot, "签署合同", date(2026, 11, 20))
    add_decision(bot, "选用供应商 B", START - timedelta(days=1))
    run(bot)
    body = digest_text(slack)
    assert "*按负责人列出的逾期行动项* · 1 项" in body and "已逾期 3 天" in body
    assert f"*本周决策* · 1 项\\n• *APOLLO-D1* 选用供应商 B —— 决策人 <@{BOB}>" in body
    bot.ctx.db.dispose()
