"""Stage gates driven as Slack drives them: `/gate`, the forms, the Approve and Reject buttons."""

from __future__ import annotations

from sqlalchemy import select

from pmo_rules.config import GateRule
from storage.audit import AuditEntry
from storage.gates import GateVote
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, rules_with
from tests.support.gates import (
    APPROVE,
    REJECT,
    buttons,
    card,
    click,
    gate_rules,
    open_form,
    open_reject_form,
    project,
    quiesce,
    reject_reason,
    request_gate,
    requests,
    shows,
    submit_form,
    vote_count,
    wait_until,
)


def audit_actions(bot) -> list[str]:
    with bot.ctx.db.read() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def first_value(bot, channel: str) -> str:
    """The Approve button's value on the card as first posted (before any update)."""
    posted = next(m for m in bot.slack.timeline()
                  if m["kind"] == "message" and m["channel"] == channel)
    return buttons(posted)[APPROVE]["value"]


def updates_to(bot, channel: str) -> list:
    return [c for c in bot.slack.calls("chat.update") if c.args["channel"] == channel]


# --- requesting ------------------------------------------------------------------------------

def test_request_form_shows_the_standards_checklist_and_the_approvers(gated):
    response, view = open_form(gated, "APOLLO Plan v3 is in the wiki")
    assert response.status == 200 and view["callback_id"] == "gate_request_modal"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["The project fits the organisation's strategy", "Its objectives are clear",
                      "Initial resources are in place", "Links and notes"]
    assert view["blocks"][-1]["element"]["initial_value"] == "Plan v3 is in the wiki"
    assert f"<@{BOB}>" in str(view["blocks"][1]) and f"<@{CAROL}>" in str(view["blocks"][1])
    assert requests(gated) == []  # nothing is stored until the form is submitted


def test_submitting_posts_a_card_to_the_channel_and_each_approver(gated):
    done = request_gate(gated, ticks=(0, 2), note="Charter: <https://wiki/apollo>")
    assert "went to" in str(done["blocks"])
    for where in (APOLLO_CHANNEL, BOB, CAROL):
        message = card(gated, where)
        shown = str(message["blocks"])
        assert "Initiation → Planning" in shown
        assert ":white_check_mark: The project fits the organisation's strategy" in shown
        assert ":white_large_square: Its objectives are clear" in shown
        assert "&lt;https://wiki/apollo&gt;" in shown  # user text is escaped
        assert f":hourglass_flowing_sand: <@{BOB}>" in shown
        assert set(buttons(message)) == {APPROVE, REJECT}
        assert "Approve or Reject" in message["text"]
    assert gated.slack.messages(ALICE) == []  # the requester gets no card of their own
    [request] = requests(gated)
    assert (request.state, request.phase, request.approvers) == ("open", "initiation",
                                                                [BOB, CAROL])
    assert [item["done"] for item in request.checklist] == [True, False, True]
    assert audit_actions(gated)[-1] == "gate.requested"


def test_approval_meeting_the_quorum_moves_the_project_and_updates_every_card(gated):
    request_gate(gated)
    reply = click(gated, BOB)
    assert "passed the *Initiation* gate" in reply and "*Planning*" in reply
    assert project(gated).phase == "planning"
    gated.slack.wait_for("chat.update", count=3)
    for where in (APOLLO_CHANNEL, BOB, CAROL):
        shown = str(card(gated, where)["blocks"])
        assert "*Passed*" in shown and f"deciding approval: <@{BOB}>" in shown
        assert f":white_check_mark: <@{BOB}> approved" in shown
        assert buttons(card(gated, where)) == {}
    [told] = gated.slack.wait_for("chat.postMessage", channel=ALICE)
    assert "passed" in told.args["text"] and "Planning" in told.args["text"]
    assert audit_actions(gated)[-3:] == ["gate.voted", "gate.passed", "project.gate_outcome"]


def test_quorum_all_waits_for_every_approver(gated):
    request_gate(gated)
    click(gated, BOB)  # initiation passes; planning needs bob and carol
    request_gate(gated)
    assert "1 of 2 needed" in click(gated, CAROL)
    assert project(gated).phase == "planning"
    shown = str(shows(gated, APOLLO_CHANNEL, f"<@{CAROL}> approved")["blocks"])
    assert f"<@{CAROL}> approved" in shown and f":hourglass_flowing_sand: <@{BOB}>" in shown
    assert "*Approvers* · 1 of 2" in shown
    assert "passed" in click(gated, BOB)
    assert project(gated).phase == "execution"


def test_passing_the_closing_gate_closes_the_project(gated):
    for _ in range(4):
        request_gate(gated)
        for approver in (BOB, CAROL) if project(gated).phase == "planning" else (BOB,):
            click(gated, approver)
    closed = project(gated)
    assert (closed.phase, closed.state) == ("closed", "closed")
    assert "Sponsor signed off" in str(requests(gated)[-1].checklist)
    response = gated.command("/gate", "request APOLLO")
    assert "is closed" in response.text
    wait_until(lambda: "The project is closed" in str(gated.slack.messages(ALICE)))


# --- rejecting -------------------------------------------------------------------------------

def test_reject_asks_for_a_reason_and_sends_the_project_back(gated):
    request_gate(gated)
    form = open_reject_form(gated, CAROL)
    assert form["callback_id"] == "gate_reject_modal"
    blank = reject_reason(gated, form, "   ")
    assert blank.json["response_action"] == "errors" and "reason" in blank.json["errors"]
    assert vote_count(gated) == 0
    done = reject_reason(gated, form, "No budget owner named")
    assert done.json["response_action"] == "update"
    assert "rejection" in str(done.json["view"]["blocks"])
    assert project(gated).phase == "initiation"
    assert requests(gated)[0].state == "rejected"
    gated.slack.wait_for("chat.update", count=3)
    shown = str(card(gated, BOB)["blocks"])
    assert "*Rejected* by" in shown and "No budget owner named" in shown
    [told] = gated.slack.wait_for("chat.postMessage", channel=ALICE)
    assert "No budget owner named" in told.args["text"] and "/gate request APOLLO" in told.args[
        "text"]
    request_gate(gated)  # the PM may ask again
    assert [r.state for r in requests(gated)] == ["rejected", "open"]


def test_reject_form_submitted_twice_counts_once(gated):
    request_gate(gated)
    form = open_reject_form(gated, CAROL)
    reject_reason(gated, form, "Scope unclear")
    again = reject_reason(gated, form, "Scope unclear")
    assert again.json["response_action"] == "update"
    assert "already rejected" in str(again.json["view"]["blocks"])
    assert vote_count(gated) == 1


# --- who may vote, and clicks that come too late ---------------------------------------------

def test_only_approvers_vote(gated):
    request_gate(gated)
    reply = click(gated, ADMIN, channel=APOLLO_CHANNEL)
    assert "Only this gate's approvers can vote" in reply and f"<@{BOB}>" in reply
    reply = click(gated, ADMIN, REJECT, channel=APOLLO_CHANNEL)
    assert "Only this gate's approvers can vote" in reply
    opened = [c.args["view"]["callback_id"] for c in gated.slack.calls("views.open")]
    assert opened == ["gate_request_modal"]  # no reason form for someone who may not vote
    assert vote_count(gated) == 0 and project(gated).phase == "initiation"


def test_the_requester_cannot_approve_their_own_request(gate_bot):
    bot = gate_bot(gate_rules(initiation=GateRule(approvers=(ALICE, BOB))))
    request_gate(bot)  # to the channel and bob: alice is not asked to vote on her own request
    assert bot.slack.messages(ALICE) == []
    assert "can't approve or reject it yourself" in click(bot, ALICE, channel=APOLLO_CHANNEL)
    assert vote_count(bot) == 0


def test_self_approval_when_the_rules_allow_it(gate_bot):
    bot = gate_bot(gate_rules(self_approval=True, initiation=GateRule(approvers=(ALICE,))))
    request_gate(bot)
    assert "passed" in click(bot, ALICE)
    assert project(bot).phase == "planning"


def test_a_second_click_shows_the_vote_already_cast(gated):
    request_gate(gated)
    click(gated, BOB)
    request_gate(gated)  # planning: needs both
    click(gated, BOB)
    assert "You already approved this gate" in click(gated, BOB)
    with gated.ctx.db.read() as session:
        assert len(session.scalars(select(GateVote).where(GateVote.approver_id == BOB)).all()) == 2


def test_click_on_a_decided_request_refreshes_that_card_and_says_so(gated):
    request_gate(gated)
    click(gated, BOB)
    gated.slack.wait_for("chat.update", count=3)
    before = len(updates_to(gated, f"D{CAROL}"))
    reply = click(gated, CAROL, value=first_value(gated, f"D{CAROL}"))
    assert "was already passed" in reply and "nothing changed" in reply
    gated.slack.wait_for("chat.update", count=before + 1, channel=f"D{CAROL}")
    assert "was already passed" in click(gated, CAROL, REJECT, value=first_value(gated,
                                                                                f"D{CAROL}"))
    gated.slack.wait_for("chat.update", count=before + 2, channel=f"D{CAROL}")
    assert vote_count(gated) == 1 and project(gated).phase == "planning"


def test_reason_form_for_a_gate_decided_meanwhile_changes_nothing(gated):
    request_gate(gated)
    form = open_reject_form(gated, CAROL)
    click(gated, BOB)  # quorum "any": the gate passes while carol is still typing
    late = reject_reason(gated, form, "Too late?")
    assert "was already passed" in str(late.json["view"]["blocks"])
    assert [r.state for r in requests(gated)] == ["passed"] and vote_count(gated) == 1


def test_an_expired_trigger_gets_an_answer_instead_of_silence(gated):
    gated.slack.fail_next("views.open", error="expired_trigger_id")
    gated.command("/gate", "request APOLLO")
    assert "couldn't open the form" in gated.reply() and "expired_trigger_id" in gated.reply()
    assert requests(gated) == []


def test_malformed_button_value_is_refused(gated):
    request_gate(gated)
    for value in ("", "not json", '{"g": "1"}', '{"g": -3}', '{"g": 999}', "[1]"):
        reply = click(gated, BOB, value=value)
        assert "doesn't belong to a gate request" in reply, value
    assert vote_count(gated) == 0


# --- withdrawing, holding, killing -----------------------------------------------------------

def test_requester_withdraws_and_may_request_again(gated):
    request_gate(gated)
    refused = gated.command("/gate", "withdraw APOLLO", user=BOB)
    assert "Only the requester" in refused.text
    gated.command("/gate", "withdraw APOLLO")
    assert "is withdrawn" in gated.reply()
    gated.slack.wait_for("chat.update", count=3)
    assert "*Withdrawn* by" in str(card(gated, BOB)["blocks"])
    assert "was already withdrawn" in click(gated, BOB, value=first_value(gated, f"D{BOB}"))
    request_gate(gated)
    assert [r.state for r in requests(gated)] == ["withdrawn", "open"]


def test_admin_cancels_a_request_with_a_reason_and_the_requester_is_told_it(gated):
    request_gate(gated)
    refused = gated.command("/gate", "cancel APOLLO", user=ADMIN)
    assert f"This request is <@{ALICE}>'s: say why you cancel it" in refused.text
    assert "`/gate withdraw APOLLO reason…`" in refused.text and "Nothing changed" in refused.text
    assert requests(gated)[0].state == "open"
    gated.command("/gate", "cancel APOLLO Wrong phase: planning is next", user=ADMIN)
    assert "is cancelled" in gated.reply()
    assert (requests(gated)[0].state, requests(gated)[0].reason) == (
        "cancelled", "Wrong phase: planning is next")
    [told] = gated.slack.wait_for("chat.postMessage", channel=ALICE)
    assert "cancelled the request" in told.args["text"]
    assert "Wrong phase: planning is next" in told.args["text"]
    assert "\\n*Reason:* Wrong phase: planning is next" in str(shows(gated, BOB, "*Cancelled*")[
        "blocks"])
    assert "gate.cancelled" in audit_actions(gated)


def test_a_requester_withdrawing_with_a_reason_tells_the_pm_why(gated):
    request_gate(gated, user=ADMIN)  # an admin asked for APOLLO's gate: alice is its PM
    gated.command("/gate", "withdraw APOLLO Asked too early, sorry", user=ADMIN)
    assert "is withdrawn" in gated.reply()
    [told] = gated.slack.wait_for("chat.postMessage", channel=ALICE)
    assert told.args["text"] == (f"<@{ADMIN}> withdrew the request for the *Initiation* gate "
                                 "of *APOLLO*: Asked too early, sorry")


def test_one_open_request_per_project(gated):
    request_gate(gated)
    response, view = open_form(gated)
    assert view is None and "already has an open request" in response.text


def test_hold_pauses_the_project_and_closes_the_open_request(gated):
    request_gate(gated)
    refused = gated.command("/gate", "decide APOLLO hold until:2027-02-01 Budget frozen",
                            user=ALICE)
    assert "Only PMO admins" in refused.text
    gated.command("/gate", "decide APOLLO hold until:2027-02-01 Budget frozen until Q1",
                  user=ADMIN)
    assert "on hold until 2027-02-01" in gated.reply()
    held = project(gated)
    assert held.state == "on_hold" and held.phase == "initiation"
    assert held.hold_until.isoformat() == "2027-01-31T16:00:00+00:00"  # midnight in Shanghai
    gated.slack.wait_for("chat.update", count=3)
    assert "*On hold* until 2027-02-01" in str(card(gated, CAROL)["blocks"])
    [told] = gated.slack.wait_for("chat.postMessage", channel=ALICE)
    assert "Budget frozen until Q1" in told.args["text"]
    response, _ = open_form(gated)
    assert "on hold until 2027-02-01" in response.text


def kill(bot, text: str = "Business case no longer holds", reason: str | None = None):
    """`/gate decide APOLLO kill …` as an admin: the confirmation form, then its submission."""
    opened = len(bot.slack.calls("views.open"))
    response = bot.command("/gate", f"decide APOLLO kill {text}", user=ADMIN)
    assert response.text == "", response.text
    view = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    assert view["callback_id"] == "gate_kill_modal"
    return view, reject_reason(bot, view, text if reason is None else reason, user=ADMIN)


def test_kill_asks_for_confirmation_and_a_reason_of_a_few_words(gated):
    request_gate(gated)
    opened = len(gated.slack.calls("views.open"))
    gated.command("/gate", "decide APOLLO kill Business case gone", user=ADMIN)
    view = gated.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    shown = str(view["blocks"])
    assert "cancelled for good" in shown and "its open gate request is closed" in shown
    assert view["blocks"][-1]["element"]["initial_value"] == "Business case gone"
    assert project(gated).state == "active"  # nothing happens until the form is submitted
    short = reject_reason(gated, view, "Obsolete", user=ADMIN)
    assert short.json["response_action"] == "errors"
    assert "at least 3 words" in short.json["errors"]["reason"]
    assert project(gated).state == "active"
    done = reject_reason(gated, view, "Business case gone after the merger", user=ADMIN)
    assert "is killed" in str(done.json["view"]["blocks"])
    assert project(gated).state == "cancelled" and requests(gated)[0].state == "killed"
    refused = gated.command("/gate", "decide APOLLO kill Obsolete", user=ADMIN)
    assert "at least 3 words" in refused.text


def test_kill_without_a_request_cancels_the_project(gated):
    _view, done = kill(gated)
    assert "is killed" in str(done.json["view"]["blocks"])
    assert project(gated).state == "cancelled"
    [decision] = requests(gated)
    assert (decision.state, decision.reason) == ("killed", "Business case no longer holds")
    shown = str(gated.command("/gate", "status APOLLO", user=BOB).json["blocks"])
    assert "*killed*" in shown and "Business case no longer holds" in shown
    assert "was cancelled" in gated.command("/gate", "request APOLLO").text
    assert "was cancelled" in gated.command("/gate", "decide APOLLO kill again and again",
                                            user=ADMIN).text


BAD_COMMANDS = {
    "decide APOLLO hold Budget frozen": "needs the date",
    "decide APOLLO hold until:2026-11-23 Budget": "must end after today (2026-11-23)",
    "decide APOLLO hold until:1/2/2027 Budget": "is not a date",
    "decide APOLLO hold until:2027-02-30 Budget": "is not a date",
    "decide APOLLO hold until:2035-01-01 Budget": "more than 730 days",
    "decide APOLLO hold until:2027-02-01": "give the reason",
    "decide APOLLO kill": "give the reason",
    "decide APOLLO kill until:2027-02-01 gone": "goes with *hold* only",
    "decide APOLLO go fine": "*Approve* and *Reject* buttons",
    "decide APOLLO pause x": "`pause` is not a decision",
    "decide NOPE kill no longer needed": "There is no project *NOPE*",
    "withdraw APOLLO": "has no open gate request",
    "withdraw": "Which project?",
    "status": "takes one project KEY",
    "decide APOLLO kill Obsolete": "at least 3 words",
    "decide APOLLO resume": "is not on hold",
    "approve APOLLO": "has no open gate request",
    "reject APOLLO": "give the reason",
    "frobnicate APOLLO": "No such command: `/gate frobnicate`",
    "request apollo-1": "is not a valid project KEY",
}


def test_bad_commands_get_clear_answers_and_change_nothing(gated):
    for text, expected in BAD_COMMANDS.items():
        response = gated.command("/gate", text, user=ADMIN)
        assert expected in response.text, text
        assert any(hint in response.text for hint in (
            "Usage:", "no project", "no open", "not on hold", "`/gate request APOLLO Plan v3")
                   ), text
    assert requests(gated) == [] and project(gated).state == "active"


def test_gate_without_approvers_tells_the_admin_how_to_fix_it(gate_bot):
    bot = gate_bot(rules_with())  # the default rules name no approvers
    response, view = open_form(bot)
    assert view is None
    assert "has no approvers" in response.text
    assert "/pmo project APOLLO approvers initiation" in response.text
    assert "[gates.initiation] approvers" in response.text


def test_only_the_pm_or_an_admin_requests(gated):
    response, view = open_form(gated, user=BOB)
    assert view is None and "Only the PM of *APOLLO*" in response.text
    request_gate(gated, user=ADMIN)


def test_form_submitted_twice_stores_one_request(gated):
    _, view = open_form(gated)
    submit_form(gated, view)
    again = submit_form(gated, view)
    assert again.json["response_action"] == "update"
    assert "already has an open request" in str(again.json["view"]["blocks"])
    assert len(requests(gated)) == 1


def test_form_for_a_phase_the_project_left_is_refused(gated):
    _, old_view = open_form(gated)
    request_gate(gated)
    click(gated, BOB)
    refused = submit_form(gated, old_view)
    assert "this form is out of date" in str(refused.json["view"]["blocks"])
    assert len(requests(gated)) == 1


def test_help(gated):
    text = gated.command("/gate", "help").text
    for example in ("/gate request APOLLO", "/gate status APOLLO", "/gate withdraw APOLLO",
                    "hold until:2027-02-01", "kill", "/pmo gates", "approvers planning"):
        assert example in text
    assert gated.command("/gate", "").text == text


def test_decision_stays_when_chat_update_fails_and_the_cards_catch_up(gated):
    request_gate(gated)
    click(gated, BOB)
    request_gate(gated)  # planning: bob and carol must both approve
    quiesce(gated)
    updates = len(gated.slack.calls("chat.update"))
    gated.slack.fail_next("chat.update", error="internal_error", times=3)
    click(gated, CAROL)
    wait_until(lambda: len(gated.slack.calls("chat.update")) == updates + 3)
    assert vote_count(gated) == 2  # stored although no card shows it yet
    assert "*Approvers* · 0 of 2" in str(card(gated, BOB)["blocks"])
    assert "passed" in click(gated, BOB)
    shows(gated, APOLLO_CHANNEL, "*Passed*")
    gated.clock.advance(minutes=5)
    gated.ctx.sender.send_due()  # the failed updates are retried …
    for where in (APOLLO_CHANNEL, BOB, CAROL):  # … and must not bring back the older picture
        assert "*Passed*" in str(card(gated, where)["blocks"]), where
    assert project(gated).phase == "execution"
