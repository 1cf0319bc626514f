"""What people look at: `/gate status`, `/pmo gates`, per-project approvers, and card limits."""

from __future__ import annotations

from dataclasses import replace

from bot.standin.limits import message_problems, view_problems
from pmo_rules.config import GateRule
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, GENERAL
from tests.support.gates import (
    card,
    click,
    gate_rules,
    open_form,
    open_reject_form,
    quiesce,
    reject_reason,
    request_gate,
    requests,
    say,
    submit_form,
)


def blocks_text(response) -> str:
    return str(response.json["blocks"])


def test_status_shows_the_open_request_votes_approvers_and_history(gated):
    shown = blocks_text(gated.command("/gate", "status APOLLO", user=BOB))
    assert "No open gate request" in shown and "/gate request APOLLO" in shown
    assert f"*Initiation gate approvers:* <@{BOB}>, <@{CAROL}> · quorum: any one approver" in shown
    assert "No gate decisions yet" in shown
    request_gate(gated)
    reject_reason(gated, open_reject_form(gated, CAROL), "Objectives too vague")
    request_gate(gated)
    shown = blocks_text(gated.command("/gate", "status apollo", user=BOB))
    assert "*Open request:* Initiation gate" in shown and "0 of 1 approval" in shown
    assert f":hourglass_flowing_sand: <@{BOB}>" in shown
    assert "*rejected*" in shown and "Objectives too vague" in shown
    assert "There is no project *NOPE*" in gated.command("/gate", "status NOPE").text


def test_pmo_gates_lists_pending_requests_oldest_first_with_their_age(gated):
    assert "No gate review is pending" in blocks_text(gated.command("/pmo", "gates"))
    gated.command("/pmo", "project add ZEUS Zeus CRM", user=ADMIN, channel=GENERAL)
    gated.reply()
    request_gate(gated)
    gated.clock.advance(days=2, hours=3)
    gated.command("/gate", "request ZEUS", user=ADMIN)
    view = gated.slack.wait_for("views.open", count=2)[-1].response["view"]
    submit_form(gated, view, user=ADMIN)
    gated.clock.advance(hours=5)
    shown = blocks_text(gated.command("/pmo", "gates", user=CAROL))
    assert shown.index("*APOLLO*") < shown.index("*ZEUS*")
    assert "requested 2 days ago" in shown and "requested today" in shown
    assert f"waiting on <@{BOB}>, <@{CAROL}>" in shown
    assert "/pmo gates" in gated.command("/pmo", "help").text


def test_admin_sets_a_projects_approvers_and_new_requests_use_them(gated):
    refused = gated.command("/pmo", f"project APOLLO approvers initiation <@{ADMIN}>", user=BOB)
    assert "Only PMO admins can change a project's gate approvers" in refused.text
    unreachable = f"project APOLLO approvers initiation <@{ADMIN}|pat> quorum:3"
    said = say(gated, "/pmo", unreachable, ADMIN)
    assert "Nothing was saved: the *Initiation* gate of *APOLLO* would need 3 approvals and " \
        "has only 1 approver who can vote, so it could never pass." in said
    assert "Type the same approvers with `quorum:all` instead" in said
    assert "/pmo project KEY approvers" not in said
    override = f"project APOLLO approvers initiation <@{ADMIN}|pat> {CAROL} quorum:all"
    assert f"now approved by <@{ADMIN}>, <@{CAROL}> (quorum: all approvers)" in say(
        gated, "/pmo", override, ADMIN)
    request_gate(gated)
    assert requests(gated)[-1].approvers == [ADMIN, CAROL]
    assert "1 of 2 needed" in click(gated, ADMIN)
    assert "Only this gate's approvers" in click(gated, BOB, channel=APOLLO_CHANNEL)
    assert "passed" in click(gated, CAROL)
    reset = say(gated, "/pmo", "project APOLLO approvers initiation default", ADMIN)
    assert f"rules file's approvers again: <@{BOB}>, <@{CAROL}>" in reset
    assert "There is no project *NOPE*" in say(gated, "/pmo",
                                                f"project NOPE approvers planning {BOB}", ADMIN)


def test_approval_card_stays_within_slacks_limits_at_the_largest(gate_bot):
    criteria = tuple(f"{i:02d} " + "criterion & <detail> " * 7 for i in range(20))
    approvers = tuple(f"U{i:04d}XYZ" for i in range(60))
    bot = gate_bot(gate_rules(
        initiation=GateRule(approvers=approvers, quorum="all", criteria=criteria)))
    longest = "x&y " * 250  # 1,999 characters as Slack counts them (& is `&amp;`)
    response, view = open_form(bot, "APOLLO " + longest)
    assert view is not None, response.text
    assert view_problems(view) == [] and len(view["blocks"]) == 23
    submit_form(bot, view, ticks=tuple(range(0, 20, 2)), note=longest)
    bot.slack.wait_for("chat.postMessage", count=50)
    bot.ctx.sender.send_due()  # a send takes 50 at a time; the scheduler's tick sends the rest
    bot.slack.wait_for("chat.postMessage", count=61)
    message = card(bot, APOLLO_CHANNEL)
    assert message_problems(message["blocks"], message["text"]) == []
    assert [e for e in bot.slack.timeline() if e["kind"] == "rejected"] == []


def test_cards_and_forms_speak_chinese(gate_bot):
    rules = gate_rules()
    bot = gate_bot(replace(rules, pmo=replace(rules.pmo, locale="zh")))
    _, view = open_form(bot)
    assert view["title"]["text"] == "关口评审"
    assert "项目符合组织战略" in str(view["blocks"])
    request_gate(bot)
    assert "启动 → 规划" in str(card(bot, BOB)["blocks"])
    assert "通过" in click(bot, BOB)


def test_a_pm_notices_only_what_others_decided(gated):
    """The PM hears of votes they did not cast; withdrawing their own request sends no DM."""
    request_gate(gated)
    gated.command("/gate", "withdraw APOLLO")
    gated.reply()
    quiesce(gated)
    assert gated.slack.messages(ALICE) == []
