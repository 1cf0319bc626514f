"""Driving proposals as Slack does: the proposal form, the card's Score button and its form."""

from __future__ import annotations

import re
from dataclasses import replace

from pmo_rules.config import PortfolioRules
from storage.proposals import Proposal
from tests.support import ADMIN, ALICE, BOB, CAROL, GENERAL, Bot, rules_with
from tests.support.gates import wait_until

THEMES = ("Customer growth", "Cost efficiency", "Compliance")
INTAKE = GENERAL


def portfolio_rules(**changes):
    portfolio = replace(PortfolioRules(), themes=THEMES, board=(BOB, CAROL, ADMIN),
                        intake_channel=INTAKE, **changes)
    return rules_with(portfolio=portfolio)


def open_propose_form(bot: Bot, user: str = ALICE) -> dict:
    before = len(bot.slack.calls("views.open"))
    response = bot.command("/pmo", "propose", user=user)
    assert not response.text, response.text
    return bot.slack.wait_for("views.open", count=before + 1)[-1].response["view"]


def _text(value):
    return {"value": {"type": "plain_text_input", "value": value}}


def rich(value):
    """A rich_text_input's state as Slack sends it: `<@U123>` in `value` as a user element
    (what picking @name from Slack's list makes), the rest as text; None when empty."""
    if value is None:
        return {"value": {"type": "rich_text_input", "rich_text_value": None}}
    parts = []
    for piece in re.split(r"(<@[UW][A-Z0-9]+>)", value):
        if piece.startswith("<@"):
            parts.append({"type": "user", "user_id": piece[2:-1]})
        elif piece:
            parts.append({"type": "text", "text": piece})
    return {"value": {"type": "rich_text_input", "rich_text_value": {
        "type": "rich_text", "elements": [{"type": "rich_text_section", "elements": parts}]}}}


def _select(value):
    if value is None:
        return {"value": {"type": "static_select", "selected_option": None}}
    return {"value": {"type": "static_select",
                      "selected_option": {"value": str(value),
                                          "text": {"type": "plain_text", "text": str(value)}}}}


def form_values(title="CRM renewal", cost="400k", months="6", risk=3, themes=("Compliance",),
                sponsor=CAROL, objective="Keep customer data compliant", benefit=None,
                benefit_amount=None, people=None, own=None):
    values = {"title": _text(title), "objective": _text(objective), "cost": _text(cost),
              "months": _text(months), "delivery_risk": _select(risk),
              "benefit": _text(benefit), "benefit_amount": _text(benefit_amount),
              "people": rich(people),
              "sponsor": {"value": {"type": "users_select", "selected_user": sponsor}},
              "themes": {"value": {"type": "multi_static_select", "selected_options": [
                  {"value": t, "text": {"type": "plain_text", "text": t}} for t in themes]}}}
    for name, score in (own or {}).items():
        values[f"own_{name}"] = _select(score)
    return values


def notes(bot: Bot, needle: str) -> list[str]:
    """Texts of ephemeral notes and DMs the bot sent that contain `needle`."""
    return [str(c.args.get("text")) for c in bot.slack.calls()
            if c.method in ("chat.postEphemeral", "chat.postMessage")
            and needle in str(c.args.get("text"))]


def propose(bot: Bot, user: str = ALICE, **fields):
    """Submit the form; the view_submission response (field errors) and the confirmation."""
    view = open_propose_form(bot, user)
    before = len(notes(bot, "*PR-"))
    response = bot.driver.view_submission(user=user, view=view, values=form_values(**fields))
    if response.body:
        return response, None
    wait_until(lambda: len(notes(bot, "*PR-")) > before)
    return response, notes(bot, "*PR-")[-1]


def proposals(bot: Bot) -> list[Proposal]:
    with bot.ctx.db.read() as session:
        found = list(session.query(Proposal).order_by(Proposal.number))
        session.expunge_all()
        return found
