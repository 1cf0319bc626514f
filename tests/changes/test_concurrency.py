"""50 Approve clicks on one change request at the same moment, through the real WSGI app on
real threads, on SQLite and PostgreSQL: one vote per approver, one decision, the baseline moved
once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import func, select

from storage.audit import AuditEntry
from tests.changes.support import (
    APPROVE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    buttons,
    card,
    change_rules,
    plan,
    request,
    requests,
    vote_count,
    wait_cards,
)

CLICKS = 50
APPROVERS = (BOB, CAROL, DAVE, ERIN)


def audit_count(bot, action: str) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == action))


def test_fifty_parallel_approve_clicks_one_vote_each_one_decision(change_bot):
    bot = change_bot(change_rules(approvers=APPROVERS, quorum="all"))
    request(bot, "Add the Shanghai branch schedule:+10 cost:+60000")
    wait_cards(bot)
    cards = {user: card(bot, user) for user in APPROVERS}
    clicks = [APPROVERS[i % len(APPROVERS)] for i in range(CLICKS)]
    answered = len(bot.slack.responses)
    start = threading.Barrier(CLICKS)

    def click_once(user: str) -> int:
        message = cards[user]
        start.wait()
        return bot.driver.block_action(
            user=user, channel=message["channel"], message=message,
            action={"type": "button", "action_id": APPROVE, "block_id": "change_vote",
                    "value": buttons(message)[APPROVE]["value"]}).status

    with ThreadPoolExecutor(CLICKS) as pool:
        statuses = list(pool.map(click_once, clicks))
    assert statuses == [200] * CLICKS
    bot.slack.wait_for_response(answered + CLICKS, timeout=60)

    assert vote_count(bot) == len(APPROVERS)
    assert [r.state for r in requests(bot)] == ["approved"]
    assert audit_count(bot, "change.voted") == len(APPROVERS)
    assert audit_count(bot, "change.approved") == 1
    assert audit_count(bot, "plan.changed") == 1
    assert plan(bot).baseline_finish == date(2026, 11, 13)  # moved once, not 4 × 10 days
    replies = [r["body"]["text"] for r in bot.slack.responses[answered:]]
    assert sum("decided and applied" in text for text in replies) == 1
