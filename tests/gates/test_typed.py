"""Stage gates without the card: `/gate approve|reject`, the Home tab's waiting votes,
`/gate decide … resume`, and the notices when a hold ends."""

from __future__ import annotations

from dataclasses import replace

from bot.scheduler import tick
from pmo_rules.config import GateRule
from storage.gates import GateVote
from tests.gates.test_flow import audit_actions
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL
from tests.support.gates import (
    REJECT,
    click,
    gate_rules,
    project,
    quiesce,
    request_gate,
    requests,
    say,
    shows,
    vote_count,
    wait_until,
)
from tests.test_home import open_home


def test_approve_by_command_counts_like_the_button_and_passes_at_the_quorum(gated):
    request_gate(gated)
    click(gated, BOB)  # initiation passes; planning needs bob and carol
    request_gate(gated)
    said = say(gated, "/gate", "approve apollo Plan reviewed with finance", CAROL)
    assert "Your approval of the *Planning* gate of *APOLLO* is recorded: 1 of 2 needed" in said
    shown = shows(gated, APOLLO_CHANNEL, f"<@{CAROL}> approved")  # cards updated in place
    assert "approved · " in str(shown["blocks"]) and "“Plan reviewed with finance”" in str(
        shown["blocks"])
    with gated.ctx.db.read() as session:
        vote = session.query(GateVote).filter_by(approver_id=CAROL).one()
        assert (vote.vote, vote.reason) == ("approve", "Plan reviewed with finance")
    again = gated.command("/gate", "approve APOLLO", user=CAROL)
    assert "You already approved this gate" in again.text
    assert "passed the *Planning* gate" in say(gated, "/gate", "approve APOLLO", BOB)
    assert project(gated).phase == "execution"
    shows(gated, APOLLO_CHANNEL, "*Passed*")


def test_reject_by_command_needs_a_reason_and_sends_the_project_back(gated):
    request_gate(gated)
    refused = gated.command("/gate", "reject APOLLO", user=CAROL)
    assert "Please give the reason" in refused.text and "`/gate reject KEY reason…`" in \
        refused.text
    said = say(gated, "/gate", "reject APOLLO No budget owner named", CAROL)
    assert "Your rejection of the *Initiation* gate of *APOLLO* is recorded" in said
    assert requests(gated)[0].state == "rejected"
    [told] = gated.slack.wait_for("chat.postMessage", channel=ALICE)
    assert "No budget owner named" in told.args["text"]
    shows(gated, APOLLO_CHANNEL, "*Rejected* by")


def test_votes_by_command_keep_the_cards_rules(gate_bot):
    bot = gate_bot(gate_rules(initiation=GateRule(approvers=(ALICE, BOB))))
    assert "has no open gate request" in bot.command("/gate", "approve APOLLO", user=BOB).text
    request_gate(bot)
    assert "can't approve or reject it yourself" in bot.command(
        "/gate", "approve APOLLO", user=ALICE).text
    assert "Only this gate's approvers can vote" in bot.command(
        "/gate", "reject APOLLO Not mine to judge", user=CAROL).text
    assert "There is no project *NOPE*" in bot.command("/gate", "approve NOPE", user=BOB).text
    assert vote_count(bot) == 0
    say(bot, "/gate", "approve APOLLO", BOB)
    assert "has no open gate request" in bot.command("/gate", "approve APOLLO", user=BOB).text


def test_a_vote_typed_as_the_request_is_decided_is_refused_and_the_cards_refreshed(gated):
    """The request passed between the check before the ack and the vote after it."""
    request_gate(gated)
    gated.ctx.inbox.apply_later = lambda request: None  # hold carol's vote after its ack
    gated.command("/gate", "approve APOLLO", user=CAROL)
    del gated.ctx.inbox.apply_later
    click(gated, BOB)
    quiesce(gated)
    updates = len(gated.slack.calls("chat.update"))
    gated.clock.advance(minutes=1)  # the kept vote's lease ran out: recovery applies it now
    gated.ctx.inbox.recover()
    wait_until(lambda: "was already passed" in str(gated.slack.responses[-1]["body"]))
    wait_until(lambda: len(gated.slack.calls("chat.update")) > updates)
    assert vote_count(gated) == 1


def test_home_lists_the_approvals_waiting_for_me_with_their_buttons(gated):
    assert "Waiting for your vote" not in str(open_home(gated, BOB)["blocks"])
    request_gate(gated)
    gated.clock.advance(days=2, hours=1)
    home = open_home(gated, BOB)
    shown = str(home["blocks"])
    assert home["blocks"][0]["text"]["text"] == "Waiting for your vote (1)"
    assert "*APOLLO* · Initiation → Planning gate · requested by" in shown
    assert "2 days ago" in shown and "0 of 1 approval" in shown
    [actions] = [b for b in home["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["gate_approve", REJECT]
    gated.driver.block_action(user=BOB, action=actions["elements"][0], view=home)
    told = gated.slack.wait_for_response(1)[-1]["body"]["text"]
    assert "passed the *Initiation* gate" in told
    assert project(gated).phase == "planning"
    published = gated.slack.wait_for("views.publish", count=3)[-1]  # the tab is redrawn
    assert "Waiting for your vote" not in str(published.args["view"])
    assert "Waiting for your vote" not in str(open_home(gated, BOB)["blocks"])
    assert "Waiting for your vote" not in str(open_home(gated, ALICE)["blocks"])


def hold(bot, until: str = "2026-12-01") -> None:
    bot.command("/gate", f"decide APOLLO hold until:{until} Budget frozen", user=ADMIN)
    bot.reply()
    quiesce(bot)
    bot.slack.reset()


def test_resume_lifts_a_hold_early_and_tells_the_pm_and_the_channel(gated):
    assert "is not on hold" in gated.command("/gate", "decide APOLLO resume", user=ADMIN).text
    hold(gated)
    refused = gated.command("/gate", "decide APOLLO resume", user=ALICE)
    assert "Only PMO admins" in refused.text and project(gated).state == "on_hold"
    gated.command("/gate", "decide APOLLO resume Budget released early", user=ADMIN)
    reply = gated.reply()
    assert "*APOLLO* is active again (its hold was to end 2026-12-01)" in reply
    assert (project(gated).state, project(gated).hold_until) == ("active", None)
    for where in (ALICE, APOLLO_CHANNEL):
        [told] = gated.slack.wait_for("chat.postMessage", channel=where)
        assert f"<@{ADMIN}> lifted its hold (it was to end 2026-12-01): Budget released " \
               "early" in told.args["text"], where
        assert "/gate request APOLLO" in told.args["text"]
    assert audit_actions(gated)[-1] == "project.resumed"
    assert "request_not_allowed" not in str(gated.command("/gate", "request APOLLO").text)


def test_a_hold_ending_on_its_date_tells_the_pm_and_the_channel(gated):
    hold(gated, "2026-11-25")
    tick(gated.ctx)
    assert gated.slack.messages(ALICE) == [] and project(gated).state == "on_hold"
    gated.clock.advance(days=2)  # 2026-11-25 10:00 in Shanghai: the hold ended at midnight
    tick(gated.ctx)
    assert project(gated).state == "active"
    for where in (ALICE, APOLLO_CHANNEL):
        [told] = [m for m in gated.slack.messages(where) if "active again" in m["text"]]
        assert "*APOLLO* is active again: its hold ended today.\nStatus reminders start " \
               "again" in told["text"]
    gated.clock.advance(hours=1)
    tick(gated.ctx)  # told once
    assert len([m for m in gated.slack.messages(ALICE) if "active again" in m["text"]]) == 1


def test_a_cancelled_project_has_no_hold_to_lift(gated):
    gated.command("/gate", "decide APOLLO kill Business case gone for good", user=ADMIN)
    view = gated.slack.wait_for("views.open")[-1].response["view"]
    gated.driver.view_submission(user=ADMIN, view=view, values={
        "reason": {"value": {"type": "plain_text_input", "value": "Business case gone for good"}}})
    assert "was cancelled" in gated.command("/gate", "decide APOLLO resume", user=ADMIN).text


def test_hold_ending_speaks_chinese(gate_bot):
    rules = gate_rules()
    bot = gate_bot(replace(rules, pmo=replace(rules.pmo, locale="zh")))
    hold(bot, "2026-11-25")
    bot.clock.advance(days=2)
    tick(bot.ctx)
    [told] = bot.slack.messages(APOLLO_CHANNEL)
    assert "*APOLLO* 已恢复进行：暂停已于今天结束。" in told["text"]
