"""Many clicks at the same moment, through the real WSGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from storage.audit import AuditEntry
from tests.support import BOB, CAROL
from tests.support.gates import (
    APPROVE,
    buttons,
    card,
    click,
    project,
    request_gate,
    requests,
    vote_count,
)

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


def test_identical_approve_clicks_record_one_vote_and_one_phase_change(gated):
    request_gate(gated)
    fire_together(gated, [(BOB, card(gated, BOB))] * CLICKS)
    assert vote_count(gated) == 1
    assert project(gated).phase == "planning"
    assert [r.state for r in requests(gated)] == ["passed"]
    assert audit_count(gated, "gate.passed") == 1
    assert audit_count(gated, "project.gate_outcome") == 1
    replies = [r["body"]["text"] for r in gated.slack.responses]
    assert sum("Your approval passed" in text for text in replies) == 1
    assert all("Your approval passed" in text or "already" in text for text in replies)


def test_two_approvers_racing_for_quorum_all_pass_the_gate_once(gated):
    """Each vote alone is short of "all"; counted together they pass. Neither may be lost."""
    request_gate(gated)
    click(gated, BOB)  # initiation (any) passes; planning needs both
    request_gate(gated)
    clicks = [(BOB, card(gated, BOB)), (CAROL, card(gated, CAROL))] * (CLICKS // 2)
    fire_together(gated, clicks)
    assert vote_count(gated) == 3
    assert project(gated).phase == "execution"
    assert [r.state for r in requests(gated)] == ["passed", "passed"]
    assert audit_count(gated, "project.gate_outcome") == 2
