"""A risk set to occurred offers "Raise as an issue": one click makes the issue, linked both
ways (the risk card names the issue, the issue card the risk); a second click, or two at once,
still makes one (the unique risk_id); both databases."""

from __future__ import annotations

import threading

from storage.issues import Issue
from tests.issues.conftest import blocks_text, issue_cards, rows
from tests.support import ALICE, APOLLO_CHANNEL, BOB, CAROL
from tests.support.gates import quiesce, wait_until
from tests.support.risks import add, card_message, count

FROM_RISK = "issue_from_risk"


def occurred_reply(bot, text: str) -> dict:
    """`/risk …` that makes the risk occur: the reply's body (with the offer)."""
    before = len(bot.slack.responses)
    response = bot.command("/risk", text, user=ALICE)
    assert not response.body, response.text
    return bot.slack.wait_for_response(before + 1)[-1]["body"]


def offer_button(body: dict) -> dict | None:
    for block in body.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == FROM_RISK:
                return element
    return None


def press(bot, body: dict, user: str = ALICE) -> None:
    bot.driver.block_action(user=user, channel=APOLLO_CHANNEL, message=body,
                            action={"type": "button", "action_id": FROM_RISK,
                                    "value": offer_button(body)["value"],
                                    "block_id": "issue_from_risk"})


def click(bot, body: dict, user: str = ALICE) -> str:
    before = len(bot.slack.responses)
    press(bot, body, user)
    return bot.slack.wait_for_response(before + 1)[-1]["body"]["text"]


def test_raise_an_occurred_risk_as_an_issue_linked_both_ways(pmo):
    add(pmo, f"SAN delivery may slip p:3 i:4 owner:<@{BOB}|bob>")
    body = occurred_reply(pmo, "close APOLLO-R1 status:occurred The SAN did not arrive")
    assert body["text"].startswith(":white_check_mark:")
    assert offer_button(body)["text"]["text"] == "Raise as an issue"
    assert "This risk occurred: it is a problem now." in blocks_text(body)
    assert click(pmo, body, CAROL).startswith(":no_entry: You can't change *APOLLO-R1*")
    assert rows(pmo) == []
    reply = click(pmo, body)
    assert reply.startswith(":white_check_mark: Issue *APOLLO-I1* raised from *APOLLO-R1* · "
                            ":large_orange_circle: *High* · owner <@UBOB001>."), reply
    issue = rows(pmo)[0]
    assert (issue.title, issue.owner_id, issue.severity) == ("SAN delivery may slip", BOB, "high")
    wait_until(lambda: issue_cards(pmo) and "*From risk:* APOLLO-R1" in blocks_text(
        issue_cards(pmo)[-1]))
    wait_until(lambda: ":link: Raised as issue *APOLLO-I1*" in blocks_text(
        card_message(pmo, "APOLLO-R1")))
    assert click(pmo, body) == ("*APOLLO-R1* was already raised as issue *APOLLO-I1*. "
                                "Nothing changed.")
    assert count(pmo, Issue) == 1
    quiesce(pmo)


def test_update_to_occurred_offers_it_and_other_changes_do_not(pmo):
    add(pmo, "Vendor may slip the API p:2 i:2")
    plain = occurred_reply(pmo, "update APOLLO-R1 p:3")
    assert offer_button(plain) is None
    body = occurred_reply(pmo, "update APOLLO-R1 status:occurred note:API is two weeks late")
    assert offer_button(body) is not None
    assert "*APOLLO-I1* raised from *APOLLO-R1*" in click(pmo, body)
    assert rows(pmo)[0].severity == "medium"  # p:3 i:2
    quiesce(pmo)


def test_two_clicks_at_once_make_one_issue(pmo):
    add(pmo, "Vendor may slip the API p:2 i:3")
    body = occurred_reply(pmo, "close APOLLO-R1 status:occurred It slipped")
    before = len(pmo.slack.responses)
    start = threading.Barrier(4)

    def go() -> None:
        start.wait()
        press(pmo, body)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    replies = [r["body"]["text"] for r in pmo.slack.wait_for_response(before + 4)[before:]]
    assert sum("raised from *APOLLO-R1*" in text for text in replies) == 1, replies
    assert sum("already raised as issue *APOLLO-I1*" in text for text in replies) == 3, replies
    assert count(pmo, Issue) == 1
    quiesce(pmo)


def test_the_offer_in_chinese(database_url, slack):
    from tests.issues.conftest import apollo_bot
    bot = apollo_bot(database_url, slack, "zh")
    try:
        before = len(bot.slack.responses)
        bot.command("/risk", "add APOLLO 供应商延期 p:2 i:3", user=ALICE)
        bot.slack.wait_for_response(before + 1)
        body = occurred_reply(bot, "close APOLLO-R1 status:occurred 接口延期两周")
        assert offer_button(body)["text"]["text"] == "转为问题"
        assert "此风险已发生" in blocks_text(body)
        assert click(bot, body).startswith(
            ":white_check_mark: 已由 *APOLLO-R1* 转为问题 *APOLLO-I1*")
        wait_until(lambda: ":link: 已转为问题 *APOLLO-I1*" in blocks_text(
            card_message(bot, "APOLLO-R1")))
        quiesce(bot)
    finally:
        bot.close()
