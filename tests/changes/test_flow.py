"""Change requests (issue 12, item 5) driven as Slack does, on SQLite and PostgreSQL: request,
the approval card with Approve / Reject (in the channel and each approver's DM, updated in
place), the baseline and milestones moved in the decision's transaction (seen on `/pmo project`
and in the audit log), rejection with a reason, withdrawal, stale buttons, the self-approval
rule, quorum, bad input, and the same words after `/pmo change` and in Chinese."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from storage import audit
from storage.milestones import Milestone
from tests.changes.support import (
    ADMIN,
    ALICE,
    APOLLO_CHANNEL,
    APPROVE,
    BOB,
    CAROL,
    buttons,
    card,
    change_rules,
    click,
    open_reject_form,
    plan,
    reject_reason,
    request,
    requests,
    shows,
    vote_count,
    wait_cards,
)
from tests.support.gates import say, wait_until

SHANGHAI = ("Add the Shanghai branch to wave 2 schedule:+10 cost:+60000 scope:Branch SH added "
            "moves:APOLLO-M2=2027-01-29")


def milestones(bot) -> dict[int, Milestone]:
    with bot.ctx.db.read() as session:
        rows = {m.number: m for m in session.scalars(select(Milestone))}
        session.expunge_all()
        return rows


def test_request_approve_moves_the_baseline_in_the_decision(changes):
    reply = request(changes, SHANGHAI)
    assert reply == (f":white_check_mark: *APOLLO-C1* requested. It goes to <@{BOB}>, "
                     f"<@{CAROL}> (1 approval needed); the card is in <#{APOLLO_CHANNEL}>.")
    row = wait_cards(changes)
    assert (row.number, row.schedule_days, row.cost_delta, row.scope) == (
        1, 10, Decimal("60000.00"), "Branch SH added")
    shown = str(card(changes)["blocks"])
    assert "Change request · APOLLO-C1 · Add the Shanghai branch to wave 2" in shown
    assert "+10 working days" in shown and "+CNY 60,000" in shown
    assert "APOLLO-M2 → 2027-01-29" in shown and "Branch SH added" in shown
    assert set(buttons(card(changes, BOB))) == {"change_approve", "change_reject"}
    assert plan(changes).baseline_finish == date(2026, 10, 30)  # nothing moves yet

    assert click(changes, BOB) == (":tada: You approved *APOLLO-C1*: it is decided and applied "
                                   "— the baseline moved. The change card is in "
                                   f"<#{APOLLO_CHANNEL}>.")
    after = plan(changes)
    assert (after.baseline_finish, after.baseline_budget) == (date(2026, 11, 13),
                                                             Decimal("460000.00"))
    assert (after.finish_on, after.budget) == (date(2026, 11, 13), Decimal("460000.00"))
    assert milestones(changes)[2].due_on == date(2027, 1, 29)
    assert milestones(changes)[1].due_on == date(2026, 12, 11)  # not named: kept
    assert requests(changes)[0].state == "approved"
    # every card updated in place: no buttons, the decision and what moved
    for place in (APOLLO_CHANNEL, BOB, CAROL):
        updated = shows(changes, place, "Approved")
        assert "change_approve" not in str(updated["blocks"])
        assert "Baseline finish: 2026-10-30 → *2026-11-13*" in str(updated["blocks"])
    wait_until(lambda: any("the baseline of *APOLLO* moved" in str(m.get("blocks"))
                           for m in changes.slack.messages(APOLLO_CHANNEL)))
    # the audit log holds before and after
    with changes.ctx.db.read() as session:
        entry = [e for e in audit.entries_for(session, "project", "APOLLO")
                 if e.action == "plan.changed"][-1]
        assert entry.before["baseline_finish"] == "2026-10-30"
        assert entry.after["baseline_finish"] == "2026-11-13"
        assert entry.after["baseline_budget"] == "460000.00"
        assert entry.after["change"] == "APOLLO-C1"
        moved = audit.entries_for(session, "milestone", "APOLLO-M2")[-1]
        assert (moved.action, moved.before, moved.after["due"]) == (
            "milestone.rebaselined", {"due": "2027-01-15"}, "2027-01-29")
    # the project card shows the new baseline
    project = str(changes.command("/pmo", "project APOLLO", user=ALICE).json["blocks"])
    assert "2026-11-13" in project and "460,000" in project
    assert ("*Change requests:* 0 waiting · 1 approved · 0 rejected · latest: APOLLO-C1 approved "
            "2026-11-23") in project
    # and the indicators are computed against the moved baseline
    with changes.ctx.db.read() as session:
        from services.plans import baseline_of
        from storage.plans import plan_of
        moved = baseline_of(plan_of(session, 1))
    assert (moved.finish, moved.budget) == (date(2026, 11, 13), 460000.0)


def test_reject_asks_for_a_reason_and_moves_nothing(changes):
    request(changes, SHANGHAI)
    wait_cards(changes)
    bobs = card(changes, BOB)
    view = open_reject_form(changes, CAROL)
    assert "You are rejecting *APOLLO-C1*" in str(view["blocks"])
    no_reason = reject_reason(changes, view, "  ")
    assert no_reason.json["response_action"] == "errors"
    done = reject_reason(changes, view, "No budget left this year")
    assert done.json["response_action"] == "update"
    assert "You rejected *APOLLO-C1*" in str(done.json["view"]["blocks"])
    row = requests(changes)[0]
    assert (row.state, row.reason, row.applied) == ("rejected", "No budget left this year",
                                                    None)
    assert plan(changes).baseline_finish == date(2026, 10, 30)
    assert milestones(changes)[2].due_on == date(2027, 1, 15)
    assert "No budget left this year" in str(shows(changes, APOLLO_CHANNEL, "Rejected")["blocks"])
    wait_until(lambda: any("was rejected by" in m["text"] for m in changes.slack.messages(ALICE)))
    # a late Approve on the decided request: refused, the card refreshed, one vote stays
    stale = click(changes, BOB, message=bobs)
    assert stale.startswith("*APOLLO-C1* was already rejected, so nothing changed.")
    assert vote_count(changes) == 1


def test_self_approval_rule_and_not_an_approver(change_bot):
    bot = change_bot(change_rules(approvers=(ALICE, BOB)))
    request(bot, "Extra tests cost:+5000")
    row = wait_cards(bot)
    assert row.approvers == [BOB]  # alice requested: she does not vote on her own
    message = card(bot, BOB)
    answered = len(bot.slack.responses)
    bot.driver.block_action(user=ALICE, channel=message["channel"], message=message,
                            action={"type": "button", "action_id": APPROVE,
                                    "value": buttons(message)[APPROVE]["value"],
                                    "block_id": "change_vote"})
    reply = bot.slack.wait_for_response(answered + 1)[-1]["body"]["text"]
    assert reply == (":no_entry: You requested *APOLLO-C1*, so you can't approve or reject it "
                     "yourself (`[gates] self_approval = false`).")
    assert click(bot, CAROL, message=message).startswith(
        ":no_entry: Only the approvers of *APOLLO-C1* can vote on it")
    assert vote_count(bot) == 0


def test_the_only_approver_cannot_request_without_self_approval(change_bot):
    only_alice = change_bot(change_rules(approvers=(ALICE,)))
    refused = only_alice.command("/change", "request APOLLO Extra tests cost:+5000",
                                 user=ALICE).text
    assert refused.startswith(":warning: You are the only approver of change requests")


def test_self_approval_on_lets_the_requester_decide(change_bot):
    with_self = change_bot(change_rules(approvers=(ALICE,), self_approval=True))
    request(with_self, "Extra tests cost:+5000")
    wait_cards(with_self)
    assert "decided and applied" in click(with_self, ALICE)


def test_quorum_all_needs_every_approver(change_bot):
    bot = change_bot(change_rules(approvers=(BOB, CAROL), quorum="all"))
    request(bot, "New finish schedule:2026-12-18")
    wait_cards(bot)
    assert click(bot, BOB) == ":white_check_mark: You approved *APOLLO-C1* (1 of 2)."
    assert plan(bot).baseline_finish == date(2026, 10, 30)
    assert "already approved" in click(bot, BOB, message=card(bot, BOB))
    assert "decided and applied" in click(bot, CAROL)
    assert plan(bot).baseline_finish == date(2026, 12, 18)
    assert vote_count(bot) == 2


def test_withdraw_by_requester_or_admin_only(changes):
    request(changes, SHANGHAI)
    wait_cards(changes)
    before = card(changes, BOB)
    refused = changes.command("/change", "withdraw APOLLO-C1", user=BOB).text
    assert refused == (f":no_entry: *APOLLO-C1* is <@{ALICE}>'s: only they or a PMO admin can "
                       "withdraw it.")
    assert say(changes, "/change", "withdraw APOLLO-C1 Folded into C2", ALICE) == (
        ":leftwards_arrow_with_hook: *APOLLO-C1* withdrawn. Nothing moves; its cards say so.")
    assert requests(changes)[0].state == "withdrawn"
    shows(changes, BOB, "Withdrawn")
    again = changes.command("/change", "withdraw APOLLO-C1", user=ALICE).text
    assert again.startswith("*APOLLO-C1* was already withdrawn")
    assert click(changes, BOB, message=before).startswith("*APOLLO-C1* was already withdrawn")
    request(changes, "Second try cost:+1000")
    wait_cards(changes)
    assert "withdrawn" in say(changes, "/change", "withdraw APOLLO-C2 Not needed", ADMIN)


def test_list_show_and_pmo_change(changes):
    request(changes, SHANGHAI)
    wait_cards(changes)
    say(changes, "/pmo", "change request APOLLO Cheaper vendor cost:-20000", ALICE)
    wait_cards(changes)
    click(changes, BOB)
    listed = changes.command("/change", "list APOLLO", user=CAROL).text
    assert listed.startswith("*Open change requests of APOLLO* (1)")
    assert "*APOLLO-C1* Add the Shanghai branch to wave 2 · Waiting" in listed
    everything = changes.command("/pmo", "change list APOLLO all", user=CAROL).text
    assert "*APOLLO-C2* Cheaper vendor · Approved" in everything
    shown = changes.command("/change", "show APOLLO-C2", user=CAROL)
    blocks = str(shown.json["blocks"])
    assert "Baseline budget: CNY 400,000 → *CNY 380,000*" in blocks
    assert "requested it" in blocks and "decided it: approved and applied" in blocks
    assert f"<@{BOB}> approved" in blocks
    assert changes.command("/change", "help").text.startswith("*`/change` — change requests")


def test_bad_input_is_refused_with_the_fix_and_changes_nothing(changes):
    def refused(text, user=ALICE):
        return changes.command("/change", text, user=user).text

    assert refused("request APOLLO Faster schedule:+x").startswith(
        "`schedule:+x` is not a schedule change")
    assert refused("request APOLLO More money cost:60000").startswith(
        "`cost:60000` needs its sign")
    assert refused("request APOLLO More money cost:+abc").startswith("`abc` is not an amount")
    assert refused("request APOLLO Nothing at all").startswith(
        "A change request states its impact")
    assert refused("request APOLLO schedule:+5").startswith("Say what the change is")
    assert refused("request APOLLO Move it moves:APOLLO-M9=2027-02-01").startswith(
        "*APOLLO-M9* is not a milestone of *APOLLO*")
    assert refused("request APOLLO Move it moves:APOLLO-M2").startswith(
        "`APOLLO-M2` is not a milestone move")
    assert refused("request APOLLO Cut cost:-400000").startswith(
        "With `cost:-400000.00` the budget would be 0.00")
    assert refused("request APOLLO Earlier schedule:2025-12-01").startswith(
        "With this change the baseline finish of *APOLLO* would be 2025-12-01, before the "
        "start (2026-01-05)")
    assert refused("request APOLLO Faster schdule:+5").startswith("`schdule:+5`")
    assert refused("request APOLLO More cost:+5000", user=BOB).startswith(
        ":no_entry: Only the PM of *APOLLO*")
    assert refused("request NOPE More cost:+5000").startswith("There is no project")
    assert refused("show APOLLO-C9").startswith("There is no change request *APOLLO-C9*")
    assert refused("show APOLLO-X1").startswith("`APOLLO-X1` is not a change request id")
    assert refused("frobnicate").startswith("No such command: `/change frobnicate`")
    assert requests(changes) == []


def test_no_baseline_says_what_applies(change_bot):
    bot = change_bot(with_baseline=False)
    refused = bot.command("/change", "request APOLLO More cost:+5000", user=ALICE).text
    assert refused.startswith("*APOLLO* has no baseline yet")
    assert "`/pmo project APOLLO plan start:… finish:… budget:…`" in refused


def test_no_approvers_is_refused_with_the_fix(change_bot):
    no_one = change_bot(change_rules(approvers=()))
    refused = no_one.command("/change", "request APOLLO More cost:+5000", user=ALICE).text
    assert refused.startswith(":warning: Change requests of *APOLLO* have no approvers")


def test_project_override_of_change_approvers(change_bot):
    bot = change_bot(change_rules(approvers=(BOB,)))
    reply = say(bot, "/pmo", f"project APOLLO approvers changes <@{CAROL}|carol>", ADMIN)
    assert "is now approved by" in reply and f"<@{CAROL}>" in reply
    request(bot, "More cost:+5000")
    assert wait_cards(bot).approvers == [CAROL]


def test_the_whole_flow_in_chinese(change_bot):
    bot = change_bot(change_rules(locale="zh"))
    reply = request(bot, SHANGHAI)
    assert reply.startswith(":white_check_mark: 已提交 *APOLLO-C1* 变更申请。")
    wait_cards(bot)
    assert "变更申请 · APOLLO-C1" in str(card(bot)["blocks"])
    assert "+10 个工作日" in str(card(bot)["blocks"])
    assert click(bot, BOB).startswith(":tada: 您批准了 *APOLLO-C1*")
    assert "基线完成日期：2026-10-30 → *2026-11-13*" in str(shows(bot, APOLLO_CHANNEL,
                                                                 "已批准")["blocks"])
    assert bot.command("/change", "request APOLLO 更多 cost:60000").text.startswith(
        "`cost:60000` 需要正负号")
