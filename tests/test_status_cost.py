"""Cost in the status update (issue 11, item 3): `spent:` (actual cost to date, AC) and `eac:`
(the PM's estimate at completion) on the one-liner and the form, carried forward like the
ratings, and fed into the indicators on `/pmo project KEY` and the reported-vs-indicated flag;
both databases."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from storage.projects import StatusUpdate, project_by_key
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, make_bot
from tests.support.gates import add_apollo, say, wait_until
from tests.support.modals import fill, initial

PLAN = "project APOLLO plan start:2026-01-05 finish:2026-10-30 budget:400000"


@pytest.fixture
def pmo(database_url, slack):
    """APOLLO (PM alice) in execution; the tests' today (2026-11-23) is past its finish, so
    PV = BAC = 400,000 once it has a plan."""
    bot = make_bot(database_url, slack)
    add_apollo(bot)
    with bot.ctx.db.write() as session:
        project_by_key(session, "APOLLO").phase = "execution"
    yield bot
    bot.close()


def updates(bot) -> list[tuple]:
    with bot.ctx.db.read() as session:
        return [(s.percent_complete, s.actual_cost, s.estimate_at_completion, s.carried)
                for s in session.scalars(select(StatusUpdate).order_by(StatusUpdate.id))]


def card(bot, words: str) -> str:
    """The status card posted in the channel for the update whose summary has `words`."""
    wait_until(lambda: any(words in m["text"] for m in bot.slack.messages(APOLLO_CHANNEL)))
    return str(next(m for m in bot.slack.messages(APOLLO_CHANNEL)
                    if words in m["text"])["blocks"])


def test_spent_and_eac_are_stored_shown_and_carried_forward(pmo):
    reply = say(pmo, "/status", "APOLLO amber pct:30 spent:150,000 eac:420k Go/no-go moved")
    assert reply.startswith(":white_check_mark: Status for *APOLLO* recorded")
    shown = card(pmo, "Go/no-go moved")
    assert "*Spent to date:* CNY 150,000" in shown
    assert "*Estimate at completion:* CNY 420,000" in shown
    say(pmo, "/status", "APOLLO amber Still on it")
    shown = card(pmo, "Still on it")
    assert "*Spent to date:* CNY 150,000" in shown
    assert ("Carried over from the previous update: percent complete, cost to date, "
            "estimate at completion") in shown
    say(pmo, "/status", "APOLLO amber spent:0.5m Paid the vendor")
    assert updates(pmo) == [
        (30, Decimal("150000.00"), Decimal("420000.00"), None),
        (30, Decimal("150000.00"), Decimal("420000.00"),
         "percent_complete,actual_cost,estimate_at_completion"),
        (30, Decimal("500000.00"), Decimal("420000.00"),
         "percent_complete,estimate_at_completion")]


def test_cost_indicators_on_the_project_card_against_hand_worked_numbers(pmo):
    """BAC 400,000, PV 400,000 (past the finish), 30% → EV 120,000; AC 150,000:
    CV = −30,000, CPI = 0.80, EAC = 400,000 / 0.8 = 500,000, VAC = −100,000,
    TCPI = (400,000 − 120,000) / (400,000 − 150,000) = 1.12; CPI under 0.85 → cost red."""
    say(pmo, "/pmo", PLAN, ADMIN)
    say(pmo, "/status", "APOLLO amber pct:30 spent:150000 eac:420000 Go/no-go moved")
    text = str(pmo.command("/pmo", "project APOLLO", user=BOB).json)
    assert ("*Cost:* AC CNY 150,000 · CV CNY −30,000 · CPI 0.80 · EAC CNY 500,000 · "
            "PM EAC CNY 420,000 · VAC CNY −100,000 · TCPI 1.12 · cost :red_circle: *Red*") in text


def test_cost_alone_drives_the_reported_better_flag(pmo):
    """100% done (SPI 1.00, schedule green) but AC 500,000 on a 400,000 budget: CPI 0.80,
    EAC 500,000 (25% over); the PM's Green is flagged on the card and `/pmo project`, and
    nothing is flagged before the cost is known. No TCPI: AC is past BAC."""
    say(pmo, "/pmo", PLAN, ADMIN)
    say(pmo, "/status", "APOLLO green pct:100 All delivered")
    assert "Reported better" not in card(pmo, "All delivered")
    say(pmo, "/status", "APOLLO green spent:500000 Invoices in")
    flag = ("reported :large_green_circle: *Green* · indicators say :red_circle: *Red*: "
            "CPI 0.80, estimate 25% over budget")
    assert flag in card(pmo, "Invoices in")
    text = str(pmo.command("/pmo", "project APOLLO", user=BOB).json)
    assert flag in text and "TCPI" not in text
    assert "*Cost:* AC CNY 500,000 · CV CNY −100,000 · CPI 0.80 · EAC CNY 500,000" in text


def test_without_a_plan_the_cost_is_accepted_and_stored(pmo):
    reply = say(pmo, "/status", "APOLLO green spent:1000 Kick-off")
    assert reply.startswith(":white_check_mark:")
    assert "*Spent to date:* CNY 1,000" in card(pmo, "Kick-off")
    assert updates(pmo) == [(None, Decimal("1000.00"), None, None)]
    text = str(pmo.command("/pmo", "project APOLLO", user=BOB).json)
    assert "*Plan:* none yet" in text and "*Cost:*" not in text


@pytest.mark.parametrize(("words", "answer"), [
    ("spent:-5", "`-5` is not an amount"),
    ("spent:abc", "`abc` is not an amount"),
    ("eac:4e5", "`4e5` is not an amount"),
    ("spent:20000000000000", "under 10 trillion"),
    ("eac:0", "An estimate at completion must be more than 0"),
    ("spent:1 spent:2", "`spent:` is given twice"),
])
def test_bad_amounts_are_refused_clearly_and_change_nothing(pmo, words, answer):
    response = pmo.command("/status", f"APOLLO amber {words} Money", user=ALICE)
    assert answer in response.text, response.text
    assert updates(pmo) == []
    assert pmo.slack.messages(APOLLO_CHANNEL) == []


def test_spent_zero_is_a_value(pmo):
    say(pmo, "/status", "APOLLO green spent:0 Not started")
    assert updates(pmo) == [(None, Decimal("0.00"), None, None)]


def open_form(bot):
    opened = len(bot.slack.calls("views.open"))
    bot.command("/status", "", user=ALICE)
    bot.slack.wait_for("views.open", count=opened + 1)
    return bot.slack.modal_stack(ALICE)[-1]


def test_the_form_takes_cost_and_estimate_and_refuses_bad_ones_at_their_field(pmo):
    view = open_form(pmo)
    labels = str(view["blocks"])
    assert "Actual cost to date (CNY)" in labels and "Your estimate at completion (CNY)" in labels
    for answers, field, expected in [({"actual_cost": "-1"}, "actual_cost", "not an amount"),
                                     ({"estimate_at_completion": "0"}, "estimate_at_completion",
                                      "must be more than 0")]:
        values = fill(view, overall="green", summary="fine", **answers)
        response = pmo.driver.view_submission(user=ALICE, view=view, values=values)
        assert response.json["response_action"] == "errors"
        assert expected in response.json["errors"][field], answers
    assert updates(pmo) == []
    values = fill(view, overall="amber", summary="From the form", actual_cost="150k",
                  estimate_at_completion="42万")
    response = pmo.driver.view_submission(user=ALICE, view=view, values=values)
    assert response.status == 200 and not response.body
    assert "*Spent to date:* CNY 150,000" in card(pmo, "From the form")
    assert updates(pmo) == [(None, Decimal("150000.00"), Decimal("420000.00"), None)]
    pmo.command("/status", "edit APOLLO", user=ALICE)
    pmo.slack.wait_for("views.open", count=2)
    edit = pmo.slack.modal_stack(ALICE)[-1]
    assert initial(edit, "actual_cost") == "150000"
    assert initial(edit, "estimate_at_completion") == "420000"


def test_help_and_card_in_chinese(database_url, slack, pmo):
    rules = pmo.ctx.rules
    zh = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        help_text = zh.command("/status", "help", user=ALICE).text
        assert "`spent:`" in help_text and "单位为 CNY" in help_text
        say(zh, "/pmo", PLAN, ADMIN)
        say(zh, "/status", "APOLLO amber pct:30 spent:150000 决策会议改期")
        assert "截至目前已花费：CNY 150,000" in card(zh, "决策会议改期")
        text = str(zh.command("/pmo", "project APOLLO", user=BOB).json)
        assert "成本：AC CNY 150,000 · CV CNY −30,000 · CPI 0.80" in text
    finally:
        zh.close()

