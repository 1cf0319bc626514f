"""Change requests waiting on a vote are a source of the one reminder planner (through the
approvals engine's source, as gate votes): approvers who have not voted are nudged after
`[changes] remind_after_hours`, with the card's Approve / Reject buttons, which vote."""

from __future__ import annotations

from tests.changes.support import BOB, CAROL, request, vote_count, wait_cards
from tests.support.scheduling import click, nudges, run


def nudge_lines(message: dict) -> str:
    return str([b for b in message["blocks"] if b["type"] == "section"])


def test_waiting_approvers_are_nudged_and_approve_from_the_nudge(changes):
    # APOLLO has no status update: its status nudge to alice is not what this test is about
    request(changes, "Add the Shanghai branch schedule:+10 cost:+60000")
    wait_cards(changes)
    assert BOB not in run(changes).planned.nudged  # not yet: 24 hours by default
    changes.clock.advance(hours=32)  # Tuesday 10:00 UTC: civil hours where bob is
    nudged = run(changes).planned.nudged
    assert BOB in nudged  # (carol, elsewhere, at her own civil hours)
    [dm] = [m for m in nudges(changes, BOB) if "APOLLO-C1" in nudge_lines(m)]
    assert "the change request by <@UALICE1>" in nudge_lines(dm)
    assert [e["action_id"] for b in dm["blocks"] if b["type"] == "actions"
            for e in b["elements"]] == ["change_approve", "change_reject", "nudge_snooze"]
    assert "decided and applied" in click(changes, BOB, dm, "change_approve")
    assert vote_count(changes) == 1
    changes.clock.advance(days=1)
    assert CAROL not in run(changes).planned.nudged  # decided: nobody is nudged any more
