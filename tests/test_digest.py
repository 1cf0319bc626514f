"""The weekly digest: once per ISO week, what it says, how it is split, preview and manual."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bot.standin.limits import message_problems
from pmo_rules.config import DigestRules
from services.digest import enqueue_manual_digest
from storage.outbox import Delivery
from tests.support import ADMIN, ALICE, BOB, CAROL, GENERAL, START, make_bot
from tests.support.scheduling import add_project, click, deliveries, pmo_rules, run, run_until
from tests.test_reminder_sources import TODAY, add_risk
from tests.test_templates import wide_bold


def digests(slack) -> list[dict]:
    return [m for m in slack.messages(GENERAL) if m["text"].startswith("PMO digest")]


def posts(slack) -> list[dict]:
    """The digest channel's messages, less the charts shared in the digest's thread."""
    return [m for m in slack.messages(GENERAL) if not m.get("files")]


def text_of(messages: list[dict]) -> str:
    return "\n".join(str(m["blocks"]) for m in messages)


def test_weekly_digest_goes_out_once_per_week_at_the_set_time(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    bot.clock.at = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # Monday 08:30 in Shanghai
    add_project(bot, "APOLLO", ALICE, statuses=[(bot.clock.at, "green")])
    run_until(bot, datetime(2026, 11, 23, 0, 59, tzinfo=UTC), timedelta(minutes=1))
    # A bot that was not running at last week's slot posts that (latest) digest at once.
    assert [d["text"].split(":")[0] for d in digests(slack)] == ["PMO digest, week 47, 2026"]
    run_until(bot, datetime(2026, 11, 23, 1, 30, tzinfo=UTC), timedelta(minutes=1))
    assert digests(slack)[-1]["text"] == ("PMO digest, week 48, 2026: 0 red, 0 amber, 1 green, "
                                          "0 without an update.")
    run_until(bot, datetime(2026, 11, 30, 0, 0, tzinfo=UTC), timedelta(hours=3))
    bot.clock.at = datetime(2026, 11, 30, 0, 59, tzinfo=UTC)  # next Monday 08:59
    run(bot)
    assert len(digests(slack)) == 2
    bot.clock.at = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    run(bot)
    assert len(digests(slack)) == 3
    bot.ctx.db.dispose()


def test_digest_content_health_trends_compliance_and_overdue(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    week = timedelta(days=7)
    add_project(bot, "APOLLO", ALICE, at=START - 3 * week,
                statuses=[(START - 2 * week, "green"), (START - timedelta(days=1), "red")])
    add_project(bot, "HERA", BOB, at=START - 4 * week, statuses=[(START - 3 * week, "amber")])
    add_project(bot, "ZEUS", CAROL)
    run(bot)
    [digest] = digests(slack)
    assert digest["text"] == ("PMO digest, week 48, 2026: 1 red, 1 amber, 0 green, "
                              "1 without an update.")
    body = text_of([digest])
    assert ":red_circle: *Red*: *1* (+1)" in body
    assert ":large_green_circle: *Green*: *0* (-1)" in body
    assert "1 of 3 projects reported within 7 days" in body
    assert "*No update yet:* ZEUS" in body
    assert "no update for 14 days or more:* HERA (21 d)" in body
    assert f"<@{BOB}>: *HERA* status (14 d)" in body
    assert f"<@{CAROL}>: *ZEUS* status (none yet)" in body
    lines = [line for line in body.split("\\n") if "· <@" in line]
    assert lines[0].startswith(":red_circle: *Red* ↓ *APOLLO*")
    assert ":large_yellow_circle: *Amber* → *HERA*" in lines[1]
    assert "*ZEUS*" in lines[2] and "no update yet" in lines[2]
    bot.ctx.db.dispose()


def test_an_owner_far_behind_gets_the_oldest_five_and_a_count(database_url, slack):
    """The digest says who is behind and on what first; the full list is in their own nudge.
    Uncapped, a large portfolio's overdue list ran to tens of thousands of items."""
    bot = make_bot(database_url, slack, pmo_rules())
    for n in range(7):
        add_project(bot, f"LATE{n}", BOB, at=START - timedelta(days=40),
                    statuses=[(START - timedelta(days=14 + n), "green")])
    run(bot)
    texts = [block["text"]["text"] for message in digests(slack) for block in message["blocks"]
             if block.get("type") == "section"]
    [line] = [line for text in texts for line in text.split("\n")
              if line.startswith(f"<@{BOB}>:")]
    assert line.count(" status (") == 5 and line.endswith(", +2 more")
    assert "*LATE6* status (" in line and "*LATE0*" not in line  # the oldest first
    bot.ctx.db.dispose()


def test_projects_new_this_week_are_counted_but_are_not_a_change(database_url, slack):
    """Issue 6 audit: a project registered this week was nothing last week (not "no update
    yet"), so its colour is not a change; the header says how many are new."""
    bot = make_bot(database_url, slack, pmo_rules())
    week = timedelta(days=7)
    add_project(bot, "APOLLO", ALICE, at=START - 3 * week,
                statuses=[(START - 2 * week, "amber"), (START - timedelta(days=1), "red")])
    add_project(bot, "HERA", BOB, at=START - 3 * week)
    for key in ("NEW1", "NEW2"):
        add_project(bot, key, CAROL, at=START - timedelta(days=2), statuses=[(START, "red")])
    add_project(bot, "NEW3", CAROL)
    run(bot)
    body = text_of(digests(slack))
    assert "5 projects, change since last week in brackets; new this week: 3 (counted, but " \
           "not as a change)" in body
    assert ":red_circle: *Red*: *3* (+1)" in body
    assert ":large_yellow_circle: *Amber*: *0* (-1)" in body
    assert "No update yet: *2* (±0)" in body
    bot.ctx.db.dispose()


def test_three_hundred_projects_split_into_a_thread_within_slack_limits(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    for n in range(300):
        add_project(bot, f"P{n:03d}", ALICE, statuses=[(START - timedelta(days=n % 20),
                                                        ("green", "amber", "red")[n % 3])])
    run(bot)
    posted = posts(slack)
    parent, replies = posted[0], posted[1:]
    # The RAG chart closes the thread (no open risk: no heat map; tests/test_charts.py).
    assert [(f["name"], f["thread_ts"]) for f in slack.files(GENERAL)] == [
        ("rag-2026-11-23.png", parent["ts"])]
    assert len(posted) > 2 and slack.warnings == []
    assert all(m["thread_ts"] == parent["ts"] for m in replies) and "thread_ts" not in parent
    for message in posted:
        assert message_problems(message["blocks"], message["text"]) == []
        assert len(message["blocks"]) <= 50 and len(message["text"]) < 4000
    body = text_of(posted)
    assert all(body.count(f"*P{n:03d}* · ") == 1 for n in range(300))  # one line each
    assert replies[-1]["text"] == f"PMO digest, week 48, 2026 (part {len(posted)} of {len(posted)})"
    bot.ctx.db.dispose()


def test_digest_is_off_without_a_channel_or_when_disabled(database_url, slack):
    off = pmo_rules()
    off = replace(off, digest=replace(off.digest, enabled=False))
    for rules in (pmo_rules(digest_channel=None), off):
        bot = make_bot(database_url, slack, rules)
        run(bot)
        assert deliveries(bot, "digest") == []
        bot.ctx.db.dispose()


def test_digest_in_a_channel_the_bot_is_not_in_tells_an_admin(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    slack.set_not_in_channel(GENERAL)
    run(bot)
    [notice] = slack.messages(ADMIN)
    assert "/invite @PMO Bot" in notice["text"]
    slack.set_not_in_channel(GENERAL, False)
    bot.ctx.db.dispose()


def test_digest_across_a_dst_change_goes_out_exactly_once(database_url, slack):
    """Berlin falls back on Sunday 25 October 2026 at 03:00 → 02:00; a digest set for 02:30
    that Sunday meets 02:30 twice and must still go out once (and once the week after)."""
    rules = pmo_rules(timezone="Europe/Berlin")
    rules = replace(rules, digest=DigestRules(weekday=7, time=time(2, 30)))
    bot = make_bot(database_url, slack, rules)
    bot.clock.at = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # Sunday 00:00 CEST
    run_until(bot, datetime(2026, 10, 25, 4, 0, tzinfo=UTC), timedelta(minutes=10))
    assert [d["text"].split(":")[0] for d in digests(slack)] == [
        "PMO digest, week 42, 2026", "PMO digest, week 43, 2026"]
    bot.ctx.db.dispose()


def test_preview_shows_the_digest_to_the_caller_only(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, statuses=[(START, "amber")])
    before = len(slack.responses)
    bot.command("/pmo", "digest", user=BOB)
    [preview] = slack.wait_for_response(before + 1)[before:]
    assert preview["body"]["response_type"] == "ephemeral"
    assert ":eyes: *Preview* — only you see this." in str(preview["body"]["blocks"])
    assert f"goes to <#{GENERAL}> every Monday at 09:00 (Asia/Shanghai)" in str(
        preview["body"]["blocks"])
    assert "*APOLLO*" in str(preview["body"]["blocks"])
    assert slack.calls("chat.postMessage") == [] and deliveries(bot) == []
    assert "I didn't expect `now` there." in bot.command("/pmo", "digest now", user=BOB).text
    bot.ctx.db.dispose()


def test_preview_of_a_long_digest_stays_within_five_responses(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules(digest_channel=None))
    for n in range(800):
        add_project(bot, f"Q{n:03d}", ALICE)
    before = len(slack.responses)
    bot.command("/pmo", "digest", user=ALICE)
    posts = slack.wait_for_response(before + 5)[before:]
    assert len(posts) == 5
    assert "1 more part, posted in the digest's thread" in posts[-1]["body"]["text"]
    assert "No digest channel is set" in str(posts[0]["body"]["blocks"])
    bot.ctx.db.dispose()


def test_manual_digest_is_outside_the_weekly_ledger(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    ids = enqueue_manual_digest(bot.ctx, "CAPOLLO1", bot.clock.at)
    assert all(o.ok for o in bot.ctx.sender.send(ids))
    [manual] = slack.messages("CAPOLLO1")
    assert manual["text"].startswith("PMO digest, as of 2026-11-23 10:00")
    run(bot)
    assert len(digests(slack)) == 1  # the weekly one still goes out
    with bot.ctx.db.read() as session:
        kinds = sorted(session.scalars(select(Delivery.kind)))
    assert kinds == ["digest", "digest_manual"]  # no project, no risk: nothing to chart
    bot.ctx.db.dispose()


def test_digest_and_nudge_in_chinese(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules(locale="zh"))
    add_project(bot, "APOLLO", ALICE, statuses=[(START - timedelta(days=8), "red")])
    run(bot)
    [digest] = posts(slack)
    assert digest["text"] == "PMO 摘要，2026 年第 48 周：红 1 个，黄 0 个，绿 0 个，0 个尚无更新。"
    assert "*合规情况*" in text_of([digest])
    [dm] = slack.messages(ALICE)
    assert dm["text"] == "提醒：有 1 项逾期事项需要您处理"
    assert "发布更新" in str(dm["blocks"]) and "推迟 1 天" in str(dm["blocks"])
    bot.ctx.db.dispose()


def mrkdwn_texts(blocks: list[dict]) -> list[str]:
    """Every mrkdwn text of a message: section texts and fields, context elements."""
    texts = []
    for block in blocks:
        parts = [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        texts += [p["text"] for p in parts if isinstance(p, dict) and p.get("type") == "mrkdwn"]
    return texts


def test_chinese_digest_and_nudge_never_glue_bold_to_chinese(database_url, slack):
    """Composed lines (a colour inside a count, several overdue items after an owner, the
    snooze button's label in the footer, a snoozed item in the confirmation) are checked as
    rendered: each part's edges are stripped, so only the whole shows whether `*bold*`
    touches a wide character, which Slack then shows as stray asterisks."""
    bot = make_bot(database_url, slack, pmo_rules(locale="zh"))
    add_project(bot, "APOLLO", ALICE, at=START - timedelta(days=30),
                statuses=[(START - timedelta(days=8), "red")])
    add_risk(bot, score=(5, 5), review=TODAY - timedelta(days=2), at=START - timedelta(days=9))
    run(bot)
    [digest] = posts(slack)
    texts = mrkdwn_texts(digest["blocks"])
    assert any("<@UALICE1> —— APOLLO-R1 复核（2 天）、APOLLO 状态（1 天）" in t
               for t in texts), [t for t in texts if "UALICE1" in t]
    [dm] = slack.messages(ALICE)
    texts += mrkdwn_texts(dm["blocks"])
    texts.append(click(bot, ALICE, dm, "nudge_snooze"))
    assert any("*推迟 1 天*" in t for t in texts)
    assert [(t, wide_bold(t)) for t in texts if wide_bold(t)] == []
    bot.ctx.db.dispose()


def test_thread_replies_are_given_up_with_a_parent_that_cannot_be_posted(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    for n in range(300):
        add_project(bot, f"P{n:03d}", ALICE, statuses=[(START, "green")])
    slack.set_channel_archived(GENERAL)
    try:
        outcomes = run(bot).outcomes
    finally:
        slack.set_channel_archived(GENERAL, False)
    assert {o.error for o in outcomes} == {"is_archived", "target_lost"}
    assert {d.state for d in deliveries(bot)} == {"dead", "sent"}  # the admin's notice is sent
    [notice] = slack.messages(ADMIN)
    assert "Slack refused a message" in notice["text"]
    bot.clock.advance(hours=1)
    assert run(bot).outcomes == []  # nothing left to retry
    bot.ctx.db.dispose()
