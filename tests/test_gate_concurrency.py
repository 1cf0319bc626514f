"""Many clicks at the same moment, through the real WSGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from storage.audit import AuditEntry
from tests.gate_helpers import (
    APPROVE,
    add_apollo,
    buttons,
    card,
    click,
    gate_rules,
    project,
    quiesce,
    request_gate,
    requests,
    vote_count,
)
from tests.support import BOB, CAROL, make_bot

CLICKS = 16


def fire_together(bot, clicks: list[tuple[str, dict]]) -> None:
    """Send every (user, card) Approve click at once; waits until each got its reply."""
    answered = len(bot.slack.responses)
    start = threading.Barrier(len(clicks))

    def click_once(user: str, message: dict) -> int:
        start.wait()
        action = {"type": "button", "action_id": APPROVE, "block_id": "gate_vote",
                  "value": buttons(message)[APPROVE]["value"]}
        return bot.driver.block_action(user=user, channel=message["channel"], message=message,
                                       action=action).status

    with ThreadPoolExecutor(len(clicks)) as pool:
        statuses = list(pool.map(lambda c: click_once(*c), clicks))
    assert statuses == [200] * len(clicks)
    bot.slack.wait_for_response(answered + len(clicks), timeout=30)


def audit_count(bot, action: str) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == action))


def test_identical_approve_clicks_record_one_vote_and_one_phase_change(database_url, slack):
    bot = make_bot(database_url, slack, gate_rules())
    try:
        add_apollo(bot)
        request_gate(bot)
        fire_together(bot, [(BOB, card(bot, BOB))] * CLICKS)
        assert vote_count(bot) == 1
        assert project(bot).phase == "planning"
        assert [r.state for r in requests(bot)] == ["passed"]
        assert audit_count(bot, "gate.passed") == 1
        assert audit_count(bot, "project.gate_outcome") == 1
        replies = [r["body"]["text"] for r in bot.slack.responses]
        assert sum("Your approval passed" in text for text in replies) == 1
        assert all("Your approval passed" in text or "already" in text for text in replies)
        quiesce(bot)
    finally:
        bot.ctx.db.dispose()


def test_two_approvers_racing_for_quorum_all_pass_the_gate_once(database_url, slack):
    """Each vote alone is short of "all"; counted together they pass. Neither may be lost."""
    bot = make_bot(database_url, slack, gate_rules())
    try:
        add_apollo(bot)
        request_gate(bot)
        click(bot, BOB)  # initiation (any) passes; planning needs both
        request_gate(bot)
        clicks = [(BOB, card(bot, BOB)), (CAROL, card(bot, CAROL))] * (CLICKS // 2)
        fire_together(bot, clicks)
        assert vote_count(bot) == 3
        assert project(bot).phase == "execution"
        assert [r.state for r in requests(bot)] == ["passed", "passed"]
        assert audit_count(bot, "project.gate_outcome") == 2
        quiesce(bot)
    finally:
        bot.ctx.db.dispose()
