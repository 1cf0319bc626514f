"""The Home tab lists the approvals waiting for me — gate reviews and change requests
together, oldest first (one approvals engine) — each with its own Approve and Reject."""

from __future__ import annotations

from dataclasses import replace

from pmo_rules.config import ChangeRules
from tests.changes.support import BOB, CAROL, request, requests, wait_cards
from tests.support.gates import gate_rules, request_gate
from tests.test_home import open_home


def test_home_lists_gates_and_change_requests_together(change_bot):
    bot = change_bot(replace(gate_rules(), changes=ChangeRules(approvers=(BOB, CAROL))))
    request_gate(bot)
    bot.clock.advance(hours=1)
    request(bot, "Add the Shanghai branch schedule:+10 cost:+60000")
    wait_cards(bot)
    home = open_home(bot, BOB)
    assert home["blocks"][0]["text"]["text"] == "Waiting for your vote (2)"
    sections = [b["text"]["text"] for b in home["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*APOLLO* · Initiation → Planning gate")
    assert sections[1].startswith("*APOLLO-C1* · change request: Add the Shanghai branch")
    actions = [b for b in home["blocks"] if b["type"] == "actions"]
    assert [[e["action_id"] for e in a["elements"]] for a in actions] == [
        ["gate_approve", "gate_reject"], ["change_approve", "change_reject"]]
    answered = len(bot.slack.responses)
    bot.driver.block_action(user=BOB, action=actions[1]["elements"][0], view=home)
    told = bot.slack.wait_for_response(answered + 1)[-1]["body"]["text"]
    assert "*APOLLO-C1*: it is decided and applied" in told
    assert requests(bot)[0].state == "approved"
    assert "APOLLO-C1" not in str(open_home(bot, BOB)["blocks"])
