"""Driving stage gates as Slack does: the request form, the card's buttons, the reason form."""

from __future__ import annotations

import time
from dataclasses import replace

from sqlalchemy import func, select

from pmo_rules.config import DEFAULT_RULES, GateRule, LessonRules, PlanRules, Rules
from storage.gates import GateRequest, GateVote
from storage.outbox import Delivery
from storage.projects import Project
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, Bot, rules_with

APPROVE, REJECT = "gate_approve", "gate_reject"


def gate_rules(self_approval: bool = False, **phases: GateRule) -> Rules:
    """Initiation: bob or carol; planning: both; execution and closing: bob alone. A planning
    gate may be requested without a plan (`[plans] gate_needs_plan` is tested in
    tests/test_plans.py), the closing gate without lessons (tests/lessons/)."""
    gates = replace(DEFAULT_RULES.gates, self_approval=self_approval,
                    initiation=GateRule(approvers=(BOB, CAROL), quorum="any"),
                    planning=GateRule(approvers=(BOB, CAROL), quorum="all"),
                    execution=GateRule(approvers=(BOB,)),
                    closing=GateRule(approvers=(BOB,), criteria=("Sponsor signed off",)))
    return rules_with(gates=replace(gates, **phases), plans=PlanRules(gate_needs_plan=False),
                      lessons=LessonRules(required_at_closing=0))


def add_apollo(bot: Bot) -> None:
    bot.command("/pmo", f"project add APOLLO Apollo data-centre migration pm:<@{ALICE}|alice> "
                        f"channel:<#{APOLLO_CHANNEL}|apollo>", user=ADMIN)
    bot.slack.wait_for_response(1)
    bot.slack.reset()


def say(bot: Bot, command: str, text: str, user: str = ALICE) -> str:
    """A slash command answered after its ack: the ephemeral reply it gets."""
    answered = len(bot.slack.responses)
    bot.command(command, text, user=user)
    return bot.slack.wait_for_response(answered + 1)[-1]["body"]["text"]


def open_form(bot: Bot, text: str = "APOLLO", user: str = ALICE):
    """`/gate request …`; returns (ack response, the modal Slack opened or None)."""
    before = len(bot.slack.calls("views.open"))
    response = bot.command("/gate", f"request {text}", user=user)
    if response.text:
        return response, None
    call = bot.slack.wait_for("views.open", count=before + 1)[-1]
    return response, call.response["view"]


def submit_form(bot: Bot, view: dict, user: str = ALICE, ticks: tuple[int, ...] = (),
                note: str | None = None):
    values = {f"gate_check_{i}": {"value": {"type": "checkboxes", "selected_options": [
        {"value": "done", "text": {"type": "plain_text", "text": "Done"}}]}} for i in ticks}
    values["note"] = {"value": {"type": "plain_text_input", "value": note}}
    return bot.driver.view_submission(user=user, view=view, values=values)


def request_gate(bot: Bot, user: str = ALICE, ticks: tuple[int, ...] = (0,),
                 note: str = "") -> dict:
    """Request APOLLO's current gate through the form; waits until every card is posted.

    Returns the view the form turned into (what the requester reads after submitting).
    """
    before = len(requests(bot))
    response, view = open_form(bot, user=user)
    assert view is not None, response.text
    result = submit_form(bot, view, user=user, ticks=ticks, note=note)
    assert result.json["response_action"] == "update", result.json
    request = requests(bot)[before]
    wait_until(lambda: cards_sent(bot, request.id) == 1 + len(request.approvers))
    return result.json["view"]


def cards_sent(bot: Bot, request_id: int) -> int:
    """How many of the request's cards Slack has accepted (and the bot has recorded)."""
    with bot.ctx.db.read() as session:
        card_ids = session.get(GateRequest, request_id).card_ids
        return session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.id.in_(card_ids), Delivery.state == "sent"))


def wait_until(condition, timeout: float = 15.0) -> None:
    """Poll for work bolt finishes after its ack (in a listener thread)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.01)


def card(bot: Bot, channel: str = APOLLO_CHANNEL) -> dict:
    """The newest gate card in `channel` (a user id means the DM), as it looks now."""
    cards = [m for m in bot.slack.messages(channel) if "Gate review" in str(m["blocks"])
             or "关口评审" in str(m["blocks"])]
    return cards[-1]


def buttons(message: dict) -> dict[str, dict]:
    return {element["action_id"]: element for block in message["blocks"]
            if block["type"] == "actions" for element in block["elements"]}


def press(bot: Bot, user: str, action_id: str = APPROVE, channel: str | None = None,
          value: str | None = None) -> None:
    """Click a button on the card `user` sees: in their DM, or in `channel`."""
    message = card(bot, channel or user)
    if value is None:
        value = buttons(message)[action_id]["value"]
    bot.driver.block_action(user=user, channel=message["channel"], message=message,
                            action={"type": "button", "action_id": action_id, "value": value,
                                    "block_id": "gate_vote"})


def click(bot: Bot, user: str, action_id: str = APPROVE, channel: str | None = None,
          value: str | None = None) -> str:
    """Press a button and return the ephemeral reply the clicker gets."""
    answered = len(bot.slack.responses)
    press(bot, user, action_id, channel, value)
    return bot.slack.wait_for_response(answered + 1)[-1]["body"]["text"]


def open_reject_form(bot: Bot, user: str = CAROL, channel: str | None = None) -> dict:
    """Press Reject and return the reason modal Slack opened."""
    opened = len(bot.slack.calls("views.open"))
    press(bot, user, REJECT, channel)
    return bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]


def reject_reason(bot: Bot, view: dict, reason: str | None, user: str = CAROL):
    return bot.driver.view_submission(user=user, view=view, values={
        "reason": {"value": {"type": "plain_text_input", "value": reason}}})


def project(bot: Bot) -> Project:
    with bot.ctx.db.read() as session:
        return session.scalar(select(Project).where(Project.key == "APOLLO"))


def requests(bot: Bot) -> list[GateRequest]:
    with bot.ctx.db.read() as session:
        return list(session.scalars(select(GateRequest).order_by(GateRequest.id)))


def vote_count(bot: Bot) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(GateVote))


def shows(bot: Bot, channel: str, text: str) -> dict:
    """Wait until the newest card in `channel` shows `text` (updates go out after the reply)."""
    wait_until(lambda: text in str(card(bot, channel)["blocks"]))
    return card(bot, channel)


def quiesce(bot: Bot) -> None:
    """Wait until the bot is quiet: nothing due in the outbox and no Slack call for a moment.

    Listeners finish after their ack, so a test must not end (and the next one reset the
    stand-in) while they still post.
    """
    def due() -> int:
        with bot.ctx.db.read() as session:
            return session.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.state == "pending", Delivery.next_attempt_at <= bot.clock()))

    seen = -1
    while True:
        wait_until(lambda: due() == 0)
        calls = len(bot.slack.calls())
        if calls == seen:
            return
        seen = calls
        time.sleep(0.02)


def kill(bot: Bot, key: str = "APOLLO", reason: str = "Business case no longer holds",
         user: str = ADMIN) -> str:
    """`/gate decide KEY kill reason…` and its confirmation form, submitted as opened (the
    reason pre-filled). Returns what the form turned into (the refusal, if the command was)."""
    opened = len(bot.slack.calls("views.open"))
    response = bot.command("/gate", f"decide {key} kill {reason}", user=user)
    if response.text:
        return response.text
    view = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    submitted = bot.driver.view_submission(user=user, view=view, values={
        "reason": {"value": {"type": "plain_text_input", "value": reason}}})
    return str(submitted.json.get("view", {}).get("blocks") or submitted.json)
