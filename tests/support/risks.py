"""Driving the risk register as Slack does, shared by the risk tests."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, select

from pmo_rules.ids import Action, RiskAction
from storage.audit import AuditEntry
from storage.risks import Risk
from tests.support import ALICE, APOLLO_CHANNEL, Bot


def risk(bot: Bot, text: str, *, user: str = ALICE, channel: str = APOLLO_CHANNEL) -> str:
    """`/risk text`: the ack's text when it carries one (a refusal, a list), else the reply
    posted to the response_url after the change."""
    before = len(bot.slack.responses)
    response = bot.command("/risk", text, user=user, channel=channel)
    assert response.status == 200
    if response.body:
        return response.text
    return bot.slack.wait_for_response(before + 1)[-1]["body"]["text"]


def add(bot: Bot, text: str = "Vendor may slip the API p:4 i:5", *, key: str = "APOLLO",
        user: str = ALICE) -> str:
    reply = risk(bot, f"add {key} {text}", user=user)
    assert "recorded" in reply, reply
    return reply


def row(bot: Bot, number: int = 1) -> Risk:
    with bot.ctx.db.read() as session:
        return session.scalar(select(Risk).where(Risk.number == number))


def count(bot: Bot, model=Risk) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def audit_of(bot: Bot, action: str | None = None) -> list[AuditEntry]:
    with bot.ctx.db.read() as session:
        query = select(AuditEntry).where(AuditEntry.subject_type == "risk")
        if action:
            query = query.where(AuditEntry.action == action)
        return list(session.scalars(query.order_by(AuditEntry.id)))


def card_message(bot: Bot, ref: str = "APOLLO-R1", channel: str = APOLLO_CHANNEL) -> dict:
    """The newest card of risk `ref` as the channel shows it now (after any chat.update)."""
    cards = [m for m in bot.slack.messages(channel) if m["text"].startswith(f"{ref} ·")]
    assert cards, f"no card of {ref} in {channel}"
    return cards[-1]


def button(message: dict, action_id: RiskAction) -> dict:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return {**element, "block_id": block.get("block_id"), "type": "button"}
    raise AssertionError(f"no {action_id} button on {message['text']!r}")


def click(bot: Bot, message: dict, action_id: RiskAction, *, user: str = ALICE,
          channel: str = APOLLO_CHANNEL, value: str | None = None) -> str | None:
    """Click a button on `message`: the ephemeral answer (the listener's last word), or None
    when a form opened instead."""
    action = button(message, action_id)
    if value is not None:
        action["value"] = value
    before, opened = len(bot.slack.responses), len(bot.slack.calls("views.open"))
    response = bot.driver.block_action(user=user, action=action, channel=channel,
                                       message=message)
    assert response.status == 200

    def answers() -> list[dict]:
        return [r["body"] for r in bot.slack.responses[before:]
                if not r["body"].get("replace_original")]

    wait_until(lambda: answers() or len(bot.slack.calls("views.open")) > opened)
    return answers()[0]["text"] if answers() else None


def wait_until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout}s for {condition}")
        time.sleep(0.01)


def redraws(bot: Bot, expected: int) -> list[dict]:
    """The bodies of response_url posts that replaced the clicked message, once `expected`."""
    def found() -> list[dict]:
        return [r["body"] for r in bot.slack.responses if r["body"].get("replace_original")]

    wait_until(lambda: len(found()) >= expected)
    return found()


def form(bot: Bot, text: str = "", *, user: str = ALICE,
         channel: str = APOLLO_CHANNEL) -> dict:
    """`/risk text` that opens a form (views.open comes after the ack): the view Slack shows."""
    opened = len(bot.slack.calls("views.open"))
    response = bot.command("/risk", text, user=user, channel=channel)
    assert response.status == 200 and not response.body, response.text
    wait_until(lambda: len(bot.slack.calls("views.open")) > opened)
    return opened_view(bot)


def opened_view(bot: Bot) -> dict:
    call = bot.slack.calls("views.open")[-1]
    assert call.ok, call.response
    return call.response["view"]


def text_value(value: str | None) -> dict:
    return {Action.VALUE: {"type": "plain_text_input", "value": value}}


def select_value(value: str | None) -> dict:
    option = {"value": value, "text": {"type": "plain_text", "text": value}} if value else None
    return {Action.VALUE: {"type": "static_select", "selected_option": option}}


def form_values(view: dict, **changes: str | None) -> dict:
    """The state Slack sends for `view` as pre-filled, with `changes` typed over it."""
    values: dict = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind = element["type"]
        if kind == "static_select" or kind == "radio_buttons":
            initial = (element.get("initial_option") or {}).get("value")
            values[block_id] = select_value(changes.get(block_id, initial))
        elif kind == "users_select":
            values[block_id] = {Action.VALUE: {"type": kind, "selected_user":
                                               changes.get(block_id, element.get("initial_user"))}}
        elif kind == "datepicker":
            values[block_id] = {Action.VALUE: {"type": kind, "selected_date":
                                               changes.get(block_id, element.get("initial_date"))}}
        else:
            values[block_id] = text_value(changes.get(block_id, element.get("initial_value")))
    return values


def submit(bot: Bot, view: dict, *, user: str = ALICE, **changes: str | None) -> Submitted:
    """Submit the form with `changes`: its field errors, or (once it arrived) the
    confirmation sent to `user` after the form closed."""
    calls = len(bot.slack.calls())
    response = bot.driver.view_submission(user=user, view=view,
                                          values=form_values(view, **changes))
    assert response.status == 200
    if response.body:
        return Submitted(errors=response.json["errors"])

    def confirmations() -> list[str]:
        return [c.args["text"] for c in bot.slack.calls()[calls:] if c.ok and (
            (c.method == "chat.postEphemeral" and c.args.get("user") == user)
            or (c.method == "chat.postMessage" and c.args.get("channel") == user))]

    wait_until(confirmations)
    return Submitted(confirmation=confirmations()[0])


@dataclass(frozen=True)
class Submitted:
    errors: dict[str, str] | None = None
    confirmation: str | None = None
