"""Driving `/issue` as Slack does: APOLLO (PM alice, #apollo), pat the PMO admin, and a PMO
channel for escalations."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.standin import SlackStandIn
from storage.issues import Issue
from tests.support import APOLLO_CHANNEL, Bot, make_bot, rules_with
from tests.support.gates import add_apollo

PMO_CHANNEL = "CPMOROOM"


def issue_rules(locale: str = "en"):
    rules = rules_with()
    return replace(rules, pmo=replace(rules.pmo, locale=locale, digest_channel=PMO_CHANNEL))


def apollo_bot(database_url: str, slack: SlackStandIn, locale: str = "en") -> Bot:
    if PMO_CHANNEL not in slack.directory._channels:
        slack.directory.add_channel(PMO_CHANNEL, "pmo")
    bot = make_bot(database_url, slack, issue_rules(locale))
    add_apollo(bot)
    return bot


@pytest.fixture
def pmo(database_url, slack):
    bot = apollo_bot(database_url, slack)
    yield bot
    bot.close()


def rows(bot: Bot) -> list[Issue]:
    with bot.ctx.db.read() as session:
        found = list(session.query(Issue).order_by(Issue.id))
        session.expunge_all()
        return found


def issue_cards(bot: Bot, channel: str = APOLLO_CHANNEL) -> list[dict]:
    return [m for m in bot.slack.messages(channel) if "-I" in m["text"] or "-I" in
            str(m.get("blocks"))]


def blocks_text(message: dict) -> str:
    return str(message.get("blocks"))
