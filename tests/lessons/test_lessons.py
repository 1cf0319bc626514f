"""Lessons learned (issue 14): `/lesson add|list|show|search|help` and `/pmo lesson …`, the form,
the card to the project channel, full-text search in English and Chinese on the database's own
engine (SQLite FTS5 trigram, PostgreSQL pg_trgm + tsvector), refusals that change nothing; both
databases, en and zh."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from storage.lessons import Lesson
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, GENERAL, make_bot, rules_with
from tests.support.gates import add_apollo, say, wait_until


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack, rules_with())
    add_apollo(bot)
    yield bot
    bot.close()


def count(bot) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(Lesson))


def cards(bot, channel=APOLLO_CHANNEL) -> list[dict]:
    return [m for m in bot.slack.messages(channel) if m["text"].startswith("L-")]


def ack(bot, text: str, user: str = ALICE, command: str = "/lesson") -> str:
    """The answer given in the ack: plain text, or a message's fallback text."""
    return answer_of(bot.command(command, text, user=user))


def answer_of(response) -> str:
    return response.json["text"] if response.text.startswith("{") else response.text


def add_orion(bot) -> None:
    bot.command("/pmo", f"project add ORION Orion CRM rollout pm:<@{BOB}|bob> "
                        f"channel:<#{GENERAL}|general>", user=ADMIN)
    wait_until(lambda: bot.slack.responses)


def test_one_liner_records_posts_the_card_lists_and_shows(pmo):
    reply = say(pmo, "/lesson", "add APOLLO Freeze the DNS runbook a week before cut-over "
                                "tags:dns,cutover category:schedule went:badly")
    assert reply == (":white_check_mark: Lesson *L-1* recorded for *APOLLO* (schedule). The card "
                     f"is going to <#{APOLLO_CHANNEL}>.")
    wait_until(lambda: len(cards(pmo)) == 1)
    card = cards(pmo)[0]
    assert card["text"] == "L-1 · APOLLO · Freeze the DNS runbook a week before cut-over"
    blocks = str(card["blocks"])
    assert "*Category:* schedule" in blocks and "*Tags:* dns, cutover" in blocks
    assert "*Went:* badly" in blocks and f"Recorded by <@{ALICE}>" in blocks
    # the same words after /pmo lesson, by someone who is not the PM; ids are global
    assert "*L-2* recorded" in say(pmo, "/pmo", "lesson add APOLLO Book the vendor early", BOB)
    listing = ack(pmo, "list APOLLO")
    assert listing.splitlines()[0] == "*Lessons learned of APOLLO* (2, newest first)"
    assert "*L-2* · APOLLO · — · 2026-11-23 — Book the vendor early" in listing
    assert "*L-1* · APOLLO · schedule · 2026-11-23 — Freeze the DNS" in listing
    assert ack(pmo, "list").startswith("*Lessons learned* (2, newest first)")
    shown = pmo.command("/lesson", "show l-1").json
    assert shown["text"].startswith("L-1 · APOLLO")
    assert "*What we learned:* Freeze the DNS runbook" in str(shown["blocks"])
    assert "/lesson search" in ack(pmo, "help")
    assert "/lesson search" in ack(pmo, "lesson help", command="/pmo")


def test_the_form_records_every_field(pmo):
    before = len(pmo.slack.calls("views.open"))
    assert pmo.command("/lesson", "add apollo").text == ""
    view = pmo.slack.wait_for("views.open", count=before + 1)[-1].response["view"]
    assert [b.get("block_id") for b in view["blocks"][1:]] == [
        "happened", "learned", "recommendation", "category", "tags", "went"]

    def submit(values: dict):
        state = {name: {"value": {"type": "plain_text_input", "value": value}}
                 for name, value in values.items() if name not in ("category", "went")}
        for name in ("category", "went"):
            if name in values:
                state[name] = {"value": {"selected_option": {"value": values[name]}}}
        return pmo.driver.view_submission(user=ALICE, view=view, values=state)

    refused = submit({"happened": "DNS TTLs were a day long", "category": "scope"})
    assert refused.json["response_action"] == "errors"
    assert set(refused.json["errors"]) == {"learned"}
    refused = submit({"learned": "Lower TTLs first", "category": "nonsense"})
    assert "not a lesson category" in refused.json["errors"]["category"]
    assert count(pmo) == 0
    answered = len(pmo.slack.responses)
    submit({"happened": "DNS TTLs were a day long", "learned": "Lower the TTLs a week before",
            "recommendation": "Add it to the cut-over checklist", "category": "technology",
            "tags": "dns, ttl", "went": "badly"})
    wait_until(lambda: count(pmo) == 1)
    wait_until(lambda: len(cards(pmo)) == 1)
    blocks = str(cards(pmo)[0]["blocks"])
    assert "*What happened:* DNS TTLs were a day long" in blocks
    assert "*Recommendation:* Add it to the cut-over checklist" in blocks
    assert "*Tags:* dns, ttl" in blocks
    del answered


def test_search_english_and_chinese_best_first_with_filters(pmo):
    add_orion(pmo)
    for user, text in [
        (ALICE, "add APOLLO Freeze the DNS runbook a week before cut-over tags:dns,cutover "
                "category:schedule"),
        (ALICE, "add APOLLO Rehearse the cutover twice; DNS cutover went smoothly "
                "tags:cutover category:technology went:well"),
        (BOB, "add ORION 割接前一周冻结DNS操作手册 tags:dns category:schedule"),
        (BOB, "add ORION 供应商合同要提前签署 category:vendor"),
    ]:
        say(pmo, "/lesson", text, user)
    hits = say(pmo, "/lesson", "search dns cutover")
    lines = hits.splitlines()
    assert lines[0] == "*Lessons matching dns cutover* (2, best first)"
    assert lines[1].startswith(":thumbsup: *L-2* · APOLLO · technology")  # twice each word
    assert "*L-1*" in lines[2]
    # Chinese: a two-character word (shorter than a trigram) and a longer substring
    assert [line.split("*")[1] for line in say(pmo, "/lesson", "search 割接").splitlines()[1:]] \
        == ["L-3"]
    assert "*L-3* · ORION · schedule" in say(pmo, "/lesson", "search 冻结dns")
    assert "*L-4* · ORION · vendor" in say(pmo, "/lesson", "search 供应商")
    # across projects; then the filters
    assert [line.split("*")[1] for line in say(pmo, "/lesson", "search dns").splitlines()[1:]] \
        == ["L-1", "L-2", "L-3"] or "(3, best first)" in say(pmo, "/lesson", "search dns")
    assert "(1, best first)" in say(pmo, "/lesson", "search dns project:orion")
    assert "(2, best first)" in say(pmo, "/lesson", "search dns category:schedule")
    only = say(pmo, "/lesson", "search tag:cutover")
    assert "(2, best first)" in only and "ORION" not in only
    assert "*L-2*" in say(pmo, "/lesson", "search WENT SMOOTH")  # any case, part of a word
    assert say(pmo, "/lesson", "search 100%_dns") == (
        "No lesson matches 100%_dns. Try fewer or shorter words.")
    # a lesson written later is found at once: the index moves with the write
    say(pmo, "/lesson", "add APOLLO 数据迁移要留回退窗口")
    assert "*L-5*" in say(pmo, "/lesson", "search 回退窗口")


@pytest.mark.parametrize("text, expected", [
    ("add NOPE A lesson", "There is no project *NOPE*."),
    ("add APOLLO tags:dns", "Write the lesson after the project key"),
    ("add APOLLO Lesson category:astrology", "`astrology` is not a lesson category. Use one of: "
                                             "scope, schedule, cost"),
    ("add APOLLO Lesson catgory:vendor", "catgory:vendor"),
    ("add APOLLO Lesson went:sideways", "`sideways` is neither `well` nor `badly`"),
    ("add APOLLO Lesson tags:a/b", "`a/b` is not a tag"),
    ("show L-99", "There is no lesson *L-99*."),
    ("show APOLLO-M1", "`APOLLO-M1` is not a lesson id"),
    ("list NOPE", "There is no project *NOPE*."),
    ("search", "Search for what?"),
    ("search dns categroy:vendor", "categroy:vendor"),
    ("frobnicate", "No such command: `/lesson frobnicate`."),
])
def test_bad_input_is_refused_with_the_fix_and_changes_nothing(pmo, text, expected):
    response = pmo.command("/lesson", text)
    answer = answer_of(response) if response.text else pmo.reply()
    assert expected in answer
    assert count(pmo) == 0


def test_chinese_workspace(database_url, slack):
    rules = rules_with()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        add_apollo(bot)
        reply = say(bot, "/lesson", "add APOLLO 割接前一周冻结DNS操作手册 category:schedule "
                                    "went:well")
        assert reply == (":white_check_mark: 已为 *APOLLO* 记录经验教训 *L-1* （进度）。"
                         f"卡片将发送到 <#{APOLLO_CHANNEL}>。")
        assert " · 1 条，最相关的在前" in say(bot, "/lesson", "search 割接")
        assert "不是经验教训类别" in ack(bot, "add APOLLO x category:nope")
        assert "进展：顺利" in str(bot.command("/lesson", "show L-1").json["blocks"])
    finally:
        bot.close()
