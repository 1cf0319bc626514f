"""`/pmo projects` (the portfolio) and `/pmo project KEY` (one project's card)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.standin import message_problems
from handlers.portfolio_views import portfolio_messages
from pmo_rules.config import DEFAULT_RULES
from storage import projects as store
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, make_bot, rules_with


def add(bot, key, name=None, pm=ALICE, statuses=(), phase="initiation", state="active"):
    """A project registered `created_days_ago`, with updates given as (days ago, rag)."""
    now = bot.clock()
    with bot.ctx.db.write() as session:
        project = store.add_project(session, key=key, name=name or f"Project {key}", pm_id=pm,
                                    channel_id=APOLLO_CHANNEL, actor=ADMIN,
                                    now=now - timedelta(days=60))
        project.phase, project.state = phase, state
        for days_ago, rag in statuses:
            store.add_status(session, project=project, author=pm,
                             now=now - timedelta(days=days_ago),
                             values={"overall": rag, "summary": f"{rag} {days_ago} days ago"})


def portfolio(bot, user=BOB):
    """The replies to `/pmo projects`, once all the messages it takes have arrived."""
    expected = len(portfolio_messages(bot.ctx))
    response = bot.command("/pmo", "projects", user=user)
    assert response.status == 200 and response.text == ""
    return bot.slack.wait_for_response(expected)


def test_empty_portfolio_says_how_to_start(bot):
    [reply] = portfolio(bot)
    assert "No projects yet" in reply["body"]["text"]


def test_portfolio_rows_show_key_name_phase_rag_age_pm_and_flag_stale_ones(bot):
    add(bot, "APOLLO", "Apollo data-centre migration", statuses=[(20, "green"), (3, "amber")],
        phase="execution")
    add(bot, "ZEUS", "Zeus CRM", pm=CAROL, statuses=[(20, "red")], phase="planning")
    add(bot, "HERA", pm=BOB)
    add(bot, "ATLAS", pm=BOB, statuses=[(30, "green")], state="on_hold")
    [reply] = portfolio(bot)
    body = reply["body"]
    shown = str(body["blocks"])
    assert "Portfolio · 4 projects" in shown
    lines = "\n".join(b["text"]["text"] for b in body["blocks"] if b["type"] == "section")
    rows = dict(line.split(" ", 1) for line in lines.splitlines())
    assert list(rows) == ["*APOLLO*", "*ATLAS*", "*HERA*", "*ZEUS*"]
    assert rows["*APOLLO*"] == ("Apollo data-centre migration · Execution · "
                                ":large_yellow_circle: *Amber* (3 days ago) · <@UALICE1>")
    assert "stale" in rows["*ZEUS*"] and ":red_circle: *Red* (20 days ago)" in rows["*ZEUS*"]
    assert "No update yet" in rows["*HERA*"] and "stale" in rows["*HERA*"]  # silent for 60 days
    assert "(On hold)" in rows["*ATLAS*"] and "stale" not in rows["*ATLAS*"]
    assert "4 projects — 1 green, 1 amber, 1 red, 1 without an update, 2 stale" in body["text"]


def test_stale_follows_the_rules_file(database_url, slack):
    rules = rules_with(status=replace(DEFAULT_RULES.status, cadence_days=2, stale_after_days=2))
    bot = make_bot(database_url, slack, rules)
    try:
        add(bot, "APOLLO", statuses=[(3, "green")])
        [reply] = portfolio(bot)
        assert "stale" in str(reply["body"]["blocks"][2])
    finally:
        bot.close()


def test_a_large_portfolio_is_split_within_slacks_limits_without_n_plus_1(bot):
    add(bot, "SMALL", statuses=[(1, "green")])
    few = count_queries(bot)
    for i in range(450):
        add(bot, f"P{i:04d}", "A rather long project name " + "x" * 40, pm=BOB,
            statuses=[(i % 30, ("green", "amber", "red")[i % 3])])
    assert count_queries(bot) == few  # the projects, and all latest updates in one go: no N+1
    messages = portfolio(bot)
    assert 1 < len(messages) <= 5
    for message in messages:
        body = message["body"]
        assert message_problems(body["blocks"], body["text"]) == []
        assert sum(len(b.get("text", {}).get("text", "")) for b in body["blocks"]) < 12_000
    rows = sum(b["text"]["text"].count("\n") + 1 for m in messages for b in m["body"]["blocks"]
               if b["type"] == "section")
    hidden = 451 - rows
    assert hidden > 0 and f"and {hidden} more projects" in str(messages[-1]["body"]["blocks"])


def count_queries(bot) -> int:
    seen = []

    def on_execute(*_args):
        seen.append(1)

    event.listen(bot.ctx.db.engine, "before_cursor_execute", on_execute)
    try:
        portfolio_messages(bot.ctx)
    finally:
        event.remove(bot.ctx.db.engine, "before_cursor_execute", on_execute)
    return len(seen)


def test_project_card_shows_facts_and_the_last_five_updates(bot):
    add(bot, "APOLLO", "Apollo data-centre migration", phase="execution",
        statuses=[(days, "green") for days in (9, 8, 7, 6, 5)] + [(2, "red")])
    response = bot.command("/pmo", "project apollo", user=CAROL)
    shown = str(response.json["blocks"])
    assert "APOLLO · Apollo data-centre migration" in shown
    for fact in ("*Phase:* Execution", "*State:* Active", f"*PM:* <@{ALICE}>",
                 f"*Channel:* <#{APOLLO_CHANNEL}>", "*Latest:* :red_circle: *Red* (2 days ago)"):
        assert fact in shown
    assert shown.count("• <!date^") == 5 and "green 9 days ago" not in shown
    assert response.json["text"] == "APOLLO · Apollo data-centre migration: Red"


def test_project_card_refusals(bot):
    assert "There is no project *NOPE*" in bot.command("/pmo", "project NOPE").text
    assert "Usage:" in bot.command("/pmo", "project").text
    assert "not a valid project KEY" in bot.command("/pmo", "project x-1").text
    refused = bot.command("/pmo", "projects extra").text
    assert "`extra` is not a filter of `/pmo projects`" in refused


@pytest.mark.parametrize("locale", ["zh"])
def test_portfolio_in_chinese(database_url, slack, locale):
    bot = make_bot(database_url, slack, rules_with(pmo=replace(DEFAULT_RULES.pmo, locale=locale)))
    try:
        add(bot, "APOLLO", statuses=[(3, "amber")], phase="execution")
        [reply] = portfolio(bot)
        assert "执行" in str(reply["body"]["blocks"]) and "3 天前" in str(reply["body"]["blocks"])
        assert "阶段" in str(bot.command("/pmo", "project APOLLO").json["blocks"])
    finally:
        bot.close()
