"""Driving change requests as Slack does: `/change`, the card's buttons, the reason form."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from pmo_rules.config import DEFAULT_RULES, ChangeRules, PmoRules
from storage.changes import ChangeRequest, ChangeVote
from storage.outbox import Delivery
from storage.plans import ProjectPlan
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, Bot, rules_with
from tests.support.gates import say, wait_until

APPROVE, REJECT = "change_approve", "change_reject"
DAVE, ERIN = "UDAVE01", "UERIN01"
PLAN = "project APOLLO plan start:2026-01-05 finish:2026-10-30 budget:400,000"


def change_rules(approvers=(BOB, CAROL), quorum="any", self_approval=False, locale="en"):
    return rules_with(
        pmo=replace(DEFAULT_RULES.pmo, admins=(ADMIN,), locale=locale),
        gates=replace(DEFAULT_RULES.gates, self_approval=self_approval),
        changes=ChangeRules(approvers=tuple(approvers), quorum=quorum))


def baseline(bot: Bot) -> None:
    """APOLLO gets a plan and (a PMO admin's re-baseline) its baseline, and two milestones."""
    say(bot, "/pmo", PLAN, ALICE)
    say(bot, "/pmo", "project APOLLO rebaseline Plan agreed with the sponsor", ADMIN)
    say(bot, "/milestone", "add APOLLO Wave 1 cut-over due:2026-12-11", ALICE)
    say(bot, "/milestone", "add APOLLO Wave 2 cut-over due:2027-01-15", ALICE)
    bot.slack.reset()


def request(bot: Bot, text: str, user: str = ALICE) -> str:
    return say(bot, "/change", "request APOLLO " + text, user)


def requests(bot: Bot) -> list[ChangeRequest]:
    with bot.ctx.db.read() as session:
        rows = list(session.scalars(select(ChangeRequest).order_by(ChangeRequest.id)))
        session.expunge_all()
        return rows


def plan(bot: Bot) -> ProjectPlan:
    with bot.ctx.db.read() as session:
        row = session.get(ProjectPlan, 1)
        session.expunge_all()
        return row


def vote_count(bot: Bot) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(ChangeVote))


def cards_sent(bot: Bot, request_id: int) -> int:
    with bot.ctx.db.read() as session:
        card_ids = session.get(ChangeRequest, request_id).card_ids
        return session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.id.in_(card_ids), Delivery.state == "sent"))


def wait_cards(bot: Bot) -> ChangeRequest:
    row = requests(bot)[-1]
    wait_until(lambda: cards_sent(bot, row.id) == 1 + len(row.approvers))
    return row


def card(bot: Bot, channel: str = APOLLO_CHANNEL) -> dict:
    """The newest change request card in `channel` (a user id: the DM), as it looks now."""
    cards = [m for m in bot.slack.messages(channel)
             if "change_vote" in str(m["blocks"]) or "Change request ·" in str(m["blocks"])
             or "变更申请 ·" in str(m["blocks"])]
    return cards[-1]


def buttons(message: dict) -> dict[str, dict]:
    return {element["action_id"]: element for block in message["blocks"]
            if block["type"] == "actions" for element in block["elements"]}


def press(bot: Bot, user: str, action_id: str = APPROVE, message: dict | None = None) -> None:
    message = message or card(bot, user)
    bot.driver.block_action(user=user, channel=message["channel"], message=message,
                            action={"type": "button", "action_id": action_id,
                                    "value": buttons(message)[action_id]["value"],
                                    "block_id": "change_vote"})


def click(bot: Bot, user: str, action_id: str = APPROVE, message: dict | None = None) -> str:
    answered = len(bot.slack.responses)
    press(bot, user, action_id, message)
    return bot.slack.wait_for_response(answered + 1)[-1]["body"]["text"]


def open_reject_form(bot: Bot, user: str = CAROL) -> dict:
    opened = len(bot.slack.calls("views.open"))
    press(bot, user, REJECT)
    return bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]


def reject_reason(bot: Bot, view: dict, reason: str | None, user: str = CAROL):
    return bot.driver.view_submission(user=user, view=view, values={
        "reason": {"value": {"type": "plain_text_input", "value": reason}}})


__all__ = ["ADMIN", "ALICE", "APOLLO_CHANNEL", "BOB", "CAROL", "PmoRules"]


def shows(bot: Bot, channel: str, text: str) -> dict:
    """Wait until the newest change card in `channel` shows `text` (updates go out after the
    reply)."""
    wait_until(lambda: text in str(card(bot, channel)["blocks"]))
    return card(bot, channel)
