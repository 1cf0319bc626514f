"""A critical issue and `/issue escalate` go to the PMO at once (each admin's DM and `[pmo]
digest_channel`, through the outbox) with "I'll coordinate": PMO admins only, the first click
wins (a conditional update), later ones are told who has it; the card names the coordinator."""

from __future__ import annotations

import threading
from dataclasses import replace

from storage import audit
from tests.issues.conftest import PMO_CHANNEL, blocks_text, issue_cards, issue_rules, rows
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, make_bot
from tests.support.gates import add_apollo, quiesce, say, wait_until

COORDINATE = "issue_coordinate"
ADMINS = (ADMIN, "UPMO002", "UPMO003", "UPMO004", "UPMO005", "UPMO006")


def pmo_copies(bot, place: str) -> list[dict]:
    return [m for m in bot.slack.messages(place) if COORDINATE in str(m.get("blocks"))
            or "PMO coordinator" in str(m.get("blocks")) or "-I1" in m["text"]]


def coordinate_button(message: dict) -> dict | None:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == COORDINATE:
                return element
    return None


def click(bot, user: str, place: str) -> str:
    message = pmo_copies(bot, place)[-1]
    button = coordinate_button(message)
    answered = len(said(bot))
    bot.driver.block_action(user=user, channel=message["channel"], message=message,
                            action={"type": "button", "action_id": COORDINATE,
                                    "value": button["value"], "block_id": "issue_coordinate"})
    wait_until(lambda: len(said(bot)) > answered)
    return said(bot)[answered]


def said(bot) -> list[str]:
    """The ephemeral answers so far (not the redrawn copies a click replaces)."""
    return [r["body"]["text"] for r in bot.slack.responses
            if not r["body"].get("replace_original")]


def test_a_critical_issue_goes_to_the_pmo_and_an_admin_takes_it(pmo):
    reply = say(pmo, "/issue", "add APOLLO Core switch down sev:critical", ALICE)
    assert reply.endswith("Critical: the PMO has it too.")
    wait_until(lambda: pmo_copies(pmo, ADMIN) and pmo_copies(pmo, PMO_CHANNEL))
    copy = pmo_copies(pmo, ADMIN)[-1]
    assert copy["text"] == (f":red_circle: A *critical* issue in *APOLLO*, reported by "
                            f"<@{ALICE}>. Will you coordinate it?")
    assert coordinate_button(copy)["text"]["text"] == "I'll coordinate"
    assert coordinate_button(pmo_copies(pmo, PMO_CHANNEL)[-1]) is not None
    # not an admin: refused, nothing recorded
    assert click(pmo, BOB, PMO_CHANNEL).startswith(":no_entry: Only PMO admins can take an "
                                                   "escalated issue to coordinate.")
    assert rows(pmo)[0].coordinator_id is None
    assert click(pmo, ADMIN, ADMIN) == (":white_check_mark: You're coordinating *APOLLO-I1*. "
                                        "The card says so.")
    row = rows(pmo)[0]
    assert (row.coordinator_id, row.coordinated_at) == (ADMIN, pmo.clock())
    wait_until(lambda: f"*PMO coordinator:* <@{ADMIN}>" in blocks_text(issue_cards(pmo)[-1]))
    assert click(pmo, ADMIN, PMO_CHANNEL) == "You're already coordinating *APOLLO-I1*."
    with pmo.ctx.db.read() as session:
        actions = [e.action for e in audit.entries_for(session, "issue", "APOLLO-I1")]
    assert actions == ["issue.added", "issue.to_pmo", "issue.coordinating"]
    quiesce(pmo)


def test_raising_to_critical_and_escalating_go_to_the_pmo(pmo):
    say(pmo, "/issue", f"add APOLLO Array degraded sev:high owner:<@{BOB}|bob>", ALICE)
    quiesce(pmo)
    assert pmo.slack.messages(ADMIN) == []  # high: not the PMO's yet
    say(pmo, "/issue", "update APOLLO-I1 sev:critical", BOB)
    wait_until(lambda: len(pmo.slack.messages(ADMIN)) == 1)
    say(pmo, "/issue", "update APOLLO-I1 note:Still critical", BOB)
    quiesce(pmo)
    assert len(pmo.slack.messages(ADMIN)) == 1  # already critical: not sent again
    reply = say(pmo, "/issue", "escalate APOLLO-I1 Needs budget for a second array", BOB)
    assert reply == (f":rotating_light: *APOLLO-I1* escalated to the PMO: <@{ADMIN}> by DM and "
                     f"<#{PMO_CHANNEL}>. A PMO admin takes it with *I'll coordinate*.")
    wait_until(lambda: len(pmo.slack.messages(ADMIN)) == 2)
    assert pmo.slack.messages(ADMIN)[-1]["text"] == (
        f":rotating_light: <@{BOB}> escalated *APOLLO-I1* to the PMO: Needs budget for a "
        "second array")
    wait_until(lambda: "Escalated to the PMO" in blocks_text(issue_cards(pmo, APOLLO_CHANNEL)[-1]))
    assert "Needs budget for a second array" in blocks_text(issue_cards(pmo)[-1])
    row = rows(pmo)[0]
    assert (row.escalated_by, row.escalation_reason) == (BOB, "Needs budget for a second array")
    quiesce(pmo)


def test_only_the_first_of_many_admins_clicking_at_once_coordinates(database_url, slack):
    rules = issue_rules()
    rules = replace(rules, pmo=replace(rules.pmo, admins=ADMINS))
    if PMO_CHANNEL not in slack.directory._channels:
        slack.directory.add_channel(PMO_CHANNEL, "pmo")
    bot = make_bot(database_url, slack, rules)
    try:
        add_apollo(bot)
        assert bot.command("/issue", "escalate APOLLO-I1 x", user=ALICE).text.startswith(
            "There is no issue *APOLLO-I1*.")
        say(bot, "/issue", "add APOLLO Core switch down sev:critical", ALICE)
        wait_until(lambda: all(pmo_copies(bot, admin) for admin in ADMINS))
        messages = {admin: pmo_copies(bot, admin)[-1] for admin in ADMINS}
        answered = len(said(bot))
        start = threading.Barrier(len(ADMINS))

        def press(admin: str) -> None:
            message = messages[admin]
            start.wait()
            bot.driver.block_action(user=admin, channel=message["channel"], message=message,
                                    action={"type": "button", "action_id": COORDINATE,
                                            "value": coordinate_button(message)["value"],
                                            "block_id": "issue_coordinate"})

        threads = [threading.Thread(target=press, args=(admin,)) for admin in ADMINS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_until(lambda: len(said(bot)) >= answered + len(ADMINS))
        replies = said(bot)[answered:]
        won = [text for text in replies if text.startswith(":white_check_mark:")]
        assert len(won) == 1, replies
        coordinator = rows(bot)[0].coordinator_id
        assert coordinator in ADMINS
        assert sum(f"<@{coordinator}> is already coordinating *APOLLO-I1*" in text
                   for text in replies) == len(ADMINS) - 1
        with bot.ctx.db.read() as session:
            entries = [e for e in audit.entries_for(session, "issue", "APOLLO-I1")
                       if e.action == "issue.coordinating"]
        assert [e.actor_id for e in entries] == [coordinator]
        quiesce(bot)
    finally:
        bot.close()
    assert CAROL not in ADMINS


def test_escalation_and_coordination_in_chinese(database_url, slack):
    from tests.issues.conftest import apollo_bot
    bot = apollo_bot(database_url, slack, "zh")
    try:
        say(bot, "/issue", f"add APOLLO 阵列降级 sev:高 owner:<@{BOB}|bob>", ALICE)
        reply = say(bot, "/issue", "escalate APOLLO-I1 需要第二套阵列的预算", BOB)
        assert reply.startswith(":rotating_light: *APOLLO-I1* 已上报 PMO"), reply
        wait_until(lambda: pmo_copies(bot, ADMIN))
        copy = pmo_copies(bot, ADMIN)[-1]
        assert copy["text"] == (f":rotating_light: <@{BOB}> 将 *APOLLO-I1* 上报 PMO："
                                "需要第二套阵列的预算")
        assert coordinate_button(copy)["text"]["text"] == "我来协调"
        assert click(bot, ALICE, ADMIN).startswith(":no_entry: 只有 PMO 管理员")
        assert click(bot, ADMIN, ADMIN) == ":white_check_mark: *APOLLO-I1* 现由您协调。卡片已注明。"
        wait_until(lambda: "*PMO 协调人：*" in blocks_text(issue_cards(bot)[-1]))
        quiesce(bot)
    finally:
        bot.close()
