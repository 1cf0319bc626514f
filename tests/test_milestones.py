"""Milestones (issue 11): `/milestone add|list|forecast|done|show|help` and the same words after
`/pmo milestone`, ids per project, cards to the project channel when one is added, slips or is
done, slip in working days on the PMO calendar, refusals that change nothing; both databases."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_rules.errors import UserError
from pmo_rules.milestones import parse_milestone_command
from pmo_rules.money import parse_amount
from pmo_rules.plans import parse_plan
from storage import audit
from storage.milestones import Milestone
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, make_bot, rules_with
from tests.support.gates import add_apollo, say, wait_until

BOB_REF = f"<@{BOB}|bob>"
TODAY = date(2026, 11, 23)


@pytest.fixture
def pmo(database_url, slack):
    """APOLLO (PM alice, #apollo); Monday 2026-11-23 10:00 in Shanghai."""
    bot = make_bot(database_url, slack, rules_with())
    add_apollo(bot)
    yield bot
    bot.close()


def rows(bot) -> list[Milestone]:
    with bot.ctx.db.read() as session:
        found = list(session.query(Milestone).order_by(Milestone.id))
        session.expunge_all()
        return found


def cards(bot) -> list[dict]:
    return [m for m in bot.slack.messages(APOLLO_CHANNEL) if "-M" in m["text"]]


def card_text(message: dict) -> str:
    return str(message["blocks"])


def add_wave(bot, user=ALICE, via="/milestone") -> str:
    words = f"add APOLLO Wave 1 cut-over due:2026-12-11 owner:{BOB_REF} weight:3"
    if via == "/pmo":
        return say(bot, "/pmo", "milestone " + words, user)
    return say(bot, "/milestone", words, user)


def test_add_numbers_per_project_posts_a_card_and_audits(pmo):
    reply = add_wave(pmo)
    assert reply == (":white_check_mark: Milestone *APOLLO-M1* added: Wave 1 cut-over, due "
                     f"2026-12-11, owner <@{BOB}>, weight 3. The card is going to "
                     f"<#{APOLLO_CHANNEL}>.")
    wait_until(lambda: len(cards(pmo)) == 1)
    card = cards(pmo)[0]
    assert card["text"] == "APOLLO-M1 · Wave 1 cut-over — added"
    assert "*Baseline:* 2026-12-11" in card_text(card) and f"*Owner:* <@{BOB}>" in card_text(card)
    assert f"Added by <@{ALICE}> · weight 3" in card_text(card)
    # the same words through /pmo milestone; the next number
    assert "*APOLLO-M2* added" in say(pmo, "/pmo", "milestone add APOLLO Wave 2 due:2027-01-15",
                                      ALICE)
    found = rows(pmo)
    assert [(m.number, m.owner_id, m.weight) for m in found] == [(1, BOB, 3), (2, ALICE, 1)]
    with pmo.ctx.db.read() as session:
        entry = audit.entries_for(session, "milestone", "APOLLO-M1")[0]
        assert (entry.action, entry.actor_id, entry.after["due"]) == ("milestone.added", ALICE,
                                                                      "2026-12-11")


def test_forecast_keeps_the_baseline_counts_working_days_and_posts_the_slip(pmo):
    add_wave(pmo)
    refused = pmo.command("/milestone", "forecast APOLLO-M1 2026-12-18", user=BOB).text
    assert refused.startswith("Say why *APOLLO-M1* moves")
    reply = say(pmo, "/milestone", "forecast apollo-m1 2026-12-18 Vendor API late", BOB)
    assert reply == (":white_check_mark: *APOLLO-M1* now expected on 2026-12-18 (baseline "
                     "2026-12-11, 5 working days late).")
    wait_until(lambda: len(cards(pmo)) == 2)
    slipped = cards(pmo)[-1]
    assert slipped["text"] == "APOLLO-M1 · Wave 1 cut-over — slipped"
    assert "Slipped: now expected 2026-12-18 (5 working days late)" in card_text(slipped)
    assert "Reason: Vendor API late" in card_text(slipped)
    row = rows(pmo)[0]
    assert (str(row.due_on), str(row.forecast_on), str(row.expected_on)) == (
        "2026-12-11", "2026-12-18", "2026-12-18")
    # pulling it back in before the baseline is no slip: no card
    say(pmo, "/milestone", "forecast APOLLO-M1 2026-12-10 Vendor delivered early", BOB)
    assert len(cards(pmo)) == 2


def test_list_and_show_with_history(pmo):
    add_wave(pmo)
    say(pmo, "/milestone", "add APOLLO Wave 2 due:2026-11-20", ALICE)  # already past
    say(pmo, "/milestone", "forecast APOLLO-M1 2026-12-18 Vendor API late", ALICE)
    listed = pmo.command("/milestone", "list APOLLO", user=CAROL).text
    assert listed.splitlines() == [
        "*Milestones of APOLLO* (2)",
        f":warning: *APOLLO-M1* Wave 1 cut-over · due 2026-12-11 · forecast 2026-12-18 · "
        f"5 working days late · <@{BOB}>",
        # due Friday 20 Nov, today Monday 23 Nov: 1 working day late
        f":warning: *APOLLO-M2* Wave 2 · due 2026-11-20 · 1 working day late · <@{ALICE}>"]
    shown = card_text(pmo.command("/milestone", "show APOLLO-M1", user=CAROL).json)
    assert "*History*" in shown and "added it, due 2026-12-11" in shown
    assert "moved the forecast to 2026-12-18: Vendor API late" in shown
    assert pmo.command("/pmo", "milestone list APOLLO", user=CAROL).text == listed


def test_done_today_or_on_a_day_posts_a_card(pmo):
    add_wave(pmo)
    assert say(pmo, "/milestone", "done APOLLO-M1", BOB) == (
        ":white_check_mark: *APOLLO-M1* done on 2026-11-23.")
    wait_until(lambda: len(cards(pmo)) == 2)
    assert "Done on 2026-11-23" in card_text(cards(pmo)[-1])
    assert "was done on 2026-11-23. Nothing changed." in say(pmo, "/milestone",
                                                             "done APOLLO-M1", BOB)
    say(pmo, "/milestone", "add APOLLO Wave 2 due:2026-11-18", ALICE)
    assert say(pmo, "/milestone", "done APOLLO-M2 on:2026-11-20", ALICE) == (
        ":white_check_mark: *APOLLO-M2* done on 2026-11-20 (2 working days late against "
        "2026-11-18).")
    say(pmo, "/milestone", "add APOLLO W3 due:2026-12-01", ALICE)
    assert "is after today (2026-11-23)" in say(pmo, "/milestone", "done APOLLO-M3 on:2026-12-01",
                                                ALICE)


@pytest.mark.parametrize(("text", "answer"), [
    ("add APOLLO Wave 1", "Give the date as `due:YYYY-MM-DD`."),
    ("add APOLLO due:2026-12-11", "The milestone needs a title"),
    ("add APOLLO Wave due:12/11/2026", "`12/11/2026` is not a date"),
    ("add APOLLO Wave due:2026-12-11 weight:0", "`weight:0` is not a weight"),
    ("add APOLLO Wave due:2026-12-11 owner:bob", "`owner:bob` is not a person"),
    ("forecast APOLLO-R1 2026-12-18 x", "`APOLLO-R1` is not a milestone id"),
    ("forecast APOLLO-M1 soon late", "`soon` is not a date"),
])
def test_bad_input_is_refused_in_the_ack_and_changes_nothing(pmo, text, answer):
    reply = pmo.command("/milestone", text, user=ALICE).text
    assert reply.startswith(answer), reply
    assert "Usage:" in reply
    assert rows(pmo) == []


def test_no_such_command_answers_with_the_help(pmo):
    for command, text in (("/milestone", "fly APOLLO"), ("/pmo", "milestone fly APOLLO")):
        reply = pmo.command(command, text, user=ALICE).text
        assert reply.startswith(
            "No such command: `/milestone fly`. Nothing was changed. Here is what `/milestone` "
            "does:\n*`/milestone` — project milestones"), reply
    assert rows(pmo) == []


def test_dates_through_the_one_decoder_and_its_horizon(pmo):
    """Monday 2026-11-23 in Shanghai: `+2w`, `today`, YYYY/MM/DD; past `[pmo] max_years_ahead`
    (10) a date is refused as a typo and nothing is saved."""
    assert "due 2026-12-07" in say(pmo, "/milestone", "add APOLLO Wave 1 due:+2w", ALICE)
    assert "now expected on 2026-12-18" in say(pmo, "/milestone",
                                               "forecast APOLLO-M1 2026/12/18 Vendor late", ALICE)
    assert "done on 2026-11-23" in say(pmo, "/milestone", "done APOLLO-M1 on:today", ALICE)
    reply = pmo.command("/milestone", "add APOLLO Wave 2 due:9999-12-31", user=ALICE).text
    assert reply.startswith("9999-12-31 is more than 10 years ahead"), reply
    assert "give a date up to 2036-11-23. Nothing was saved." in reply
    assert [m.number for m in rows(pmo)] == [1]


def test_who_may_change_what(pmo):
    assert say(pmo, "/milestone", "add APOLLO Wave 1 due:2026-12-11", CAROL).startswith(
        ":no_entry: You can't add milestones to *APOLLO*")
    add_wave(pmo, user=ADMIN)
    assert say(pmo, "/milestone", "done APOLLO-M1", CAROL).startswith(
        ":no_entry: You can't change *APOLLO-M1*: only its owner")
    assert say(pmo, "/milestone", "done APOLLO-M9", ALICE) == (
        "There is no milestone *APOLLO-M9*. `/milestone list APOLLO` lists them.")
    assert rows(pmo)[0].done_on is None


def test_help_in_both_languages(database_url, slack):
    bot = make_bot(database_url, slack, rules_with())
    try:
        text = bot.command("/milestone", "help", user=ALICE).text
        assert text.startswith("*`/milestone` — project milestones")
        assert "reminded 3 working days before the date" in text
        assert bot.command("/pmo", "milestone", user=ALICE).text == text
    finally:
        bot.close()
    rules = rules_with()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        add_apollo(bot)
        assert bot.command("/milestone", "help", user=ALICE).text.startswith(
            "*`/milestone` —— 项目里程碑")
        assert say(bot, "/milestone", "add APOLLO 第一波 due:2026-12-11", ALICE).startswith(
            ":white_check_mark: 已添加里程碑 *APOLLO-M1*")
    finally:
        bot.close()


def test_a_project_without_milestones_says_how_to_add_one(pmo):
    assert pmo.command("/milestone", "list APOLLO", user=CAROL).text == (
        "*APOLLO* has no milestones yet. Add one with `/milestone add APOLLO Title… "
        "due:YYYY-MM-DD`.")


# --- the grammar is total -------------------------------------------------------------------------

WORDS = st.sampled_from(["add", "list", "forecast", "done", "show", "help", "APOLLO",
                         "APOLLO-M1", "due:2026-12-11", "due:", "on:2026-02-30", "weight:3",
                         "owner:<@UBOB001|bob>", "2026-12-19", "x", "-M", "start:2026-01-05",
                         "finish:", "budget:40万", "budget:4e5", "method:agile", ":", "万",
                         "due:+2w", "on:today", "+999w", "start:9999/12/31", "明天"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8))
def test_every_text_is_a_command_or_a_refusal(words):
    text = " ".join(words)
    for parse in (parse_milestone_command, lambda raw: parse_plan("APOLLO", raw.split()),
                  lambda raw: parse_milestone_command(raw, TODAY, 10),
                  lambda raw: parse_plan("APOLLO", raw.split(), TODAY, 10), parse_amount):
        with contextlib.suppress(UserError):
            parse(text)


def test_a_milestone_owner_or_a_sponsor_who_is_no_active_person_is_refused(pmo, slack):
    """Checked with Slack as risk owners and PMs are (services/directory.py): nothing saved."""
    from tests.test_plans import plan_row
    slack.directory.add_user("UGONE02", "gone", deleted=True)
    slack.directory.add_user("UROBOT2", "robot", is_bot=True)
    try:
        reply = say(pmo, "/milestone", "add APOLLO Wave due:2026-12-11 owner:<@UGONE02|gone>",
                    ALICE)
        assert reply.startswith(":no_entry: <@UGONE02>'s Slack account is deactivated, so they "
                                "can't be a milestone's owner. Nothing was saved."), reply
        assert rows(pmo) == []
        reply = say(pmo, "/pmo", "project APOLLO plan start:2026-01-05 finish:2026-10-30 "
                    "budget:1 sponsor:<@UROBOT2|robot>", ALICE)
        assert reply.startswith(":no_entry: <@UROBOT2> is a bot, not a person, so it can't be "
                                "a project's sponsor. Nothing was saved."), reply
        assert plan_row(pmo) is None
    finally:
        slack.directory._users.pop("UGONE02", None)
        slack.directory._users.pop("UROBOT2", None)
