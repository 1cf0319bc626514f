"""Answers that read right: what they quote, how they name states, and zh punctuation."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from storage import projects as store
from templates.render import Renderer
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, GENERAL, START, make_bot, rules_with
from tests.support.risks import add, card_message, risk
from tests.support.scheduling import add_project, pmo_rules, run
from tests.test_status_form import add_projects


def zh_bot(database_url, slack):
    rules = rules_with()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    bot.command("/pmo", f"project add APOLLO 阿波罗 pm:<@{ALICE}|alice> "
                        f"channel:<#{APOLLO_CHANNEL}|apollo>", user=ADMIN)
    bot.slack.wait_for_response(1)
    bot.slack.reset()
    return bot


def test_risk_list_quotes_only_the_unexpected_word(apollo):
    assert "`bogus` is not something `/risk list` can filter by." in risk(apollo,
                                                                        "list APOLLO bogus")


def test_an_occurred_risk_card_says_it_was_marked_as_occurred(apollo):
    add(apollo, "Slip p:2 i:2")
    risk(apollo, "update APOLLO-R1 status:occurred note:API is two weeks late")
    apollo.slack.wait_for("chat.update")
    shown = str(card_message(apollo)["blocks"])
    assert f"Marked as occurred by <@{ALICE}>" in shown and "Occurred by" not in shown
    again = risk(apollo, "reviewed APOLLO-R1")
    assert f"*APOLLO-R1* was marked as occurred by <@{ALICE}>" in again


def test_the_portfolio_names_a_closed_project_once(apollo):
    add_projects(apollo, ["ZEUS"])
    with apollo.ctx.db.write() as session:
        apollo_row = store.project_by_key(session, "APOLLO")
        apollo_row.phase, apollo_row.state = "closed", "closed"
        store.project_by_key(session, "ZEUS").state = "cancelled"
    apollo.command("/pmo", "projects", user=ADMIN)
    shown = str(apollo.slack.wait_for_response(1)[-1]["body"]["blocks"])
    assert "Closed (Closed)" not in shown and "Portfolio · 0 projects" in shown
    assert "_Cancelled or closed, not counted above (2):_ *APOLLO*, *ZEUS*" in shown


def test_gate_status_shows_the_hold_instead_of_inviting_a_refused_request(apollo):
    apollo.command("/gate", "decide APOLLO hold until:2027-02-01 Budget frozen", user=ADMIN)
    assert "on hold until 2027-02-01" in apollo.reply()
    shown = str(apollo.command("/gate", "status APOLLO").json["blocks"])
    assert "*APOLLO* is on hold until 2027-02-01: the PM can request" in shown
    assert "with `/gate request APOLLO`" not in shown
    assert "on hold until 2027-02-01" in apollo.command("/gate", "request APOLLO").text


def test_zh_lists_fields_with_the_chinese_separator(database_url, slack):
    bot = zh_bot(database_url, slack)
    try:
        add_said = risk(bot, "add APOLLO 供应商延期 p:2 i:2")
        assert "已登记风险" in add_said
        said = risk(bot, "update APOLLO-R1 p:3 i:4")
        assert "已更新 *APOLLO-R1* 的概率、影响 · 当前为" in said  # bold apart from CJK, no ：
        risk(bot, "update APOLLO-R1 p:4 i:5")
        history = str(bot.command("/risk", "show APOLLO-R1").json["blocks"])
        assert "概率 3 → 4；影响 4 → 5" in history
    finally:
        bot.close()


def test_zh_status_card_uses_full_width_colons_without_a_space(database_url, slack):
    bot = zh_bot(database_url, slack)
    try:
        bot.command("/status", "APOLLO amber 供应商接口延期")
        bot.reply()
        [card] = bot.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
        assert card.args["blocks"][1]["text"]["text"] == "总体：:large_yellow_circle: *黄*"
        status = SimpleNamespace(overall="green", schedule="red", cost=None, scope=None,
                                 quality=None, percent_complete=40, summary="x",
                                 blockers=None, next_steps=None, author_id=ALICE,
                                 created_at=START, edited_at=None)
        blocks = Renderer("zh").blocks("status_card", project=SimpleNamespace(
            key="APOLLO", name="阿波罗"), status=status)
        assert [f["text"] for f in blocks[1]["fields"]] == ["进度：:red_circle: *红*",
                                                            "完成度：40%"]
    finally:
        bot.close()


def test_zh_digest_joins_keys_with_the_chinese_separator(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules(locale="zh"))
    for key in ("APOLLO", "ZEUS"):
        add_project(bot, key, ALICE)
    add_project(bot, "HERMES", ALICE, statuses=[(START, "green")])
    run(bot)
    [digest] = [m for m in slack.messages(GENERAL) if not m.get("files")]  # less the charts
    assert "*尚无更新* —— APOLLO、ZEUS" in str(digest["blocks"])
    bot.ctx.db.dispose()
