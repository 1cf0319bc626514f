"""A project's plan and baseline (issue 11): `/pmo project KEY plan …`, the baseline taken when
the planning gate passes, the forecast after it, `/pmo project KEY rebaseline reason…`, the
audit trail, and the plan on `/pmo project KEY`; both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from pmo_rules.config import GateRule
from storage import audit
from storage.plans import ProjectPlan
from storage.projects import project_by_key
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, make_bot
from tests.support.gates import add_apollo, click, gate_rules, request_gate, say, wait_until

PLAN = "project APOLLO plan start:2026-01-05 finish:2026-10-30 budget:400,000"


@pytest.fixture
def pmo(database_url, slack):
    """APOLLO (PM alice) in planning; bob alone approves its planning gate."""
    bot = make_bot(database_url, slack,
                   gate_rules(planning=GateRule(approvers=(BOB,), quorum="any")))
    add_apollo(bot)
    set_phase(bot, "planning")
    yield bot
    bot.close()


def set_phase(bot, phase: str) -> None:
    with bot.ctx.db.write() as session:
        project_by_key(session, "APOLLO").phase = phase


def plan_row(bot) -> ProjectPlan | None:
    with bot.ctx.db.read() as session:
        project = project_by_key(session, "APOLLO")
        row = session.get(ProjectPlan, project.id)
        if row is not None:
            session.expunge(row)
        return row


def actions(bot) -> list[tuple[str, str]]:
    with bot.ctx.db.read() as session:
        return [(e.action, e.actor_id) for e in audit.entries_for(session, "project", "APOLLO")
                if e.action.startswith("plan.")]


def pass_planning_gate(bot) -> None:
    request_gate(bot)
    assert "passed the *Planning* gate" in click(bot, BOB)
    wait_until(lambda: plan_row(bot) is None or plan_row(bot).baselined_at is not None)


def test_the_pm_sets_a_plan_which_is_not_yet_a_baseline(pmo):
    reply = say(pmo, "/pmo", PLAN + " sponsor:@grace method:Hybrid".replace(
        "@grace", f"<@{CAROL}|carol>"), ALICE)
    assert reply == (":white_check_mark: Plan for *APOLLO* recorded: 2026-01-05 → 2026-10-30, "
                     f"budget CNY 400,000, sponsor <@{CAROL}>, hybrid. It becomes the baseline "
                     "when the planning gate passes.")
    row = plan_row(pmo)
    assert (row.start_on, row.finish_on, row.budget) == (date(2026, 1, 5), date(2026, 10, 30),
                                                         Decimal("400000.00"))
    assert (row.sponsor_id, row.method, row.baselined_at) == (CAROL, "hybrid", None)
    assert actions(pmo) == [("plan.set", ALICE)]


def test_passing_the_planning_gate_takes_the_baseline_then_plan_moves_the_forecast(pmo):
    say(pmo, "/pmo", PLAN, ALICE)
    pass_planning_gate(pmo)
    row = plan_row(pmo)
    assert (row.baseline_start, row.baseline_finish, row.baseline_budget) == (
        date(2026, 1, 5), date(2026, 10, 30), Decimal("400000.00"))
    assert actions(pmo) == [("plan.set", ALICE), ("plan.baselined", BOB)]

    reply = say(pmo, "/pmo", "project APOLLO plan finish:2026-12-18 budget:45万", ALICE)
    assert reply.startswith(":white_check_mark: Forecast for *APOLLO* updated: 2026-01-05 → "
                            "2026-12-18, budget CNY 450,000.")
    assert "The baseline stays 2026-01-05 → 2026-10-30, budget CNY 400,000" in reply
    row = plan_row(pmo)
    assert (row.finish_on, row.budget) == (date(2026, 12, 18), Decimal("450000.00"))
    assert (row.baseline_finish, row.baseline_budget) == (date(2026, 10, 30),
                                                          Decimal("400000.00"))
    with pmo.ctx.db.read() as session:
        entry = audit.entries_for(session, "project", "APOLLO")[-1]
        assert entry.action == "plan.set"
        assert (entry.before["finish_on"], entry.after["finish_on"]) == ("2026-10-30",
                                                                         "2026-12-18")
        assert entry.after["baseline_finish"] == "2026-10-30"


def test_only_a_pmo_admin_rebaselines_with_a_reason(pmo):
    say(pmo, "/pmo", PLAN, ALICE)
    pass_planning_gate(pmo)
    say(pmo, "/pmo", "project APOLLO plan finish:2026-12-18", ALICE)
    refused = pmo.command("/pmo", "project APOLLO rebaseline Vendor late", user=ALICE).text
    assert refused.startswith(":no_entry: Only PMO admins can re-baseline a project.")
    no_reason = pmo.command("/pmo", "project APOLLO rebaseline", user=ADMIN).text
    assert no_reason.startswith("Say why the baseline moves")
    assert plan_row(pmo).baseline_finish == date(2026, 10, 30)

    reply = say(pmo, "/pmo", "project APOLLO rebaseline CR-12 approved: wave 3 added", ADMIN)
    assert reply == (":white_check_mark: *APOLLO* re-baselined: 2026-01-05 → 2026-12-18, "
                     "budget CNY 400,000. Reason: CR-12 approved: wave 3 added")
    assert plan_row(pmo).baseline_finish == date(2026, 12, 18)
    with pmo.ctx.db.read() as session:
        entry = audit.entries_for(session, "project", "APOLLO")[-1]
        assert (entry.action, entry.actor_id) == ("plan.rebaselined", ADMIN)
        assert entry.before["baseline_finish"] == "2026-10-30"
        assert entry.after == {"baseline_start": "2026-01-05", "baseline_finish": "2026-12-18",
                               "baseline_budget": "400000.00",
                               "reason": "CR-12 approved: wave 3 added"}
    assert "already equals its plan" in say(pmo, "/pmo", "project APOLLO rebaseline again",
                                             ADMIN)


def test_a_plan_set_after_the_gate_is_the_baseline_at_once(pmo):
    set_phase(pmo, "execution")
    reply = say(pmo, "/pmo", PLAN, ADMIN)
    assert reply.startswith(":white_check_mark: Plan for *APOLLO* recorded and baselined")
    assert plan_row(pmo).baseline_budget == Decimal("400000.00")


@pytest.mark.parametrize(("text", "answer"), [
    ("project APOLLO plan start:2026-01-05 budget:400000",
     "*APOLLO* has no plan yet: a first plan needs a start, a finish and a budget. Add finish:."),
    ("project APOLLO plan start:2026-11-05 finish:2026-10-30 budget:400000",
     "The finish (2026-10-30) is before the start (2026-11-05). Nothing was changed."),
    ("project APOLLO plan start:2026-01-05 finish:2026-10-30 budget:0", "A budget must be more"),
    ("project APOLLO plan start:2026-01-05 finish:2026-10-30 budget:4e5", "`4e5` is not an amount"),
    ("project APOLLO plan start:2026-01-05 finish:2026-10-30 budget:400.000",
     "`400.000` is not an amount"),
    ("project APOLLO plan start:05/01/2026 finish:2026-10-30 budget:1",
     "`start:05/01/2026` is not"),
    ("project APOLLO plan start:2026-01-05 finish:2026-10-30 budget:1 method:scrum",
     "`method:scrum` is not a method"),
    ("project APOLLO plan start:2026-01-05 soon", "`soon` is not a plan option."),
])
def test_bad_plans_are_refused_clearly_and_change_nothing(pmo, text, answer):
    reply = pmo.command("/pmo", text, user=ALICE).text or pmo.reply()
    assert reply.startswith(answer), reply
    assert plan_row(pmo) is None and actions(pmo) == []


def test_someone_else_may_not_plan(pmo):
    reply = say(pmo, "/pmo", PLAN, BOB)
    assert reply == (f":no_entry: You can't plan *APOLLO*: only its PM (<@{ALICE}>) and PMO "
                     "admins can.")
    assert plan_row(pmo) is None
    assert say(pmo, "/pmo", PLAN.replace("APOLLO", "NOPE"), ALICE).startswith(
        "There is no project *NOPE*")


def test_the_project_card_shows_the_plan_baseline_and_indicators(pmo):
    text = str(pmo.command("/pmo", "project APOLLO", user=BOB).json)
    assert "*Plan:* none yet" in text
    say(pmo, "/pmo", PLAN, ALICE)
    text = str(pmo.command("/pmo", "project APOLLO", user=BOB).json)
    assert "*Plan:* 2026-01-05 → 2026-10-30, budget CNY 400,000" in text
    assert "*Baseline:* not yet (taken when the planning gate passes)" in text
    pass_planning_gate(pmo)
    say(pmo, "/status", "APOLLO green On track", ALICE)
    say(pmo, "/pmo", "project APOLLO plan finish:2026-12-18", ALICE)
    with pmo.ctx.db.write() as session:  # 50% reported on the latest update
        project = project_by_key(session, "APOLLO")
        from storage.projects import latest_status
        latest_status(session, project.id).percent_complete = 50
    text = str(pmo.command("/pmo", "project APOLLO", user=BOB).json)
    assert "*Plan:* 2026-01-05 → 2026-12-18" in text
    assert "*Baseline:* 2026-01-05 → 2026-10-30, budget CNY 400,000" in text
    # seen on 2026-11-23, past the baseline finish: PV = BAC; EV = 200,000; SPI 0.50 → red
    assert ("*Indicators:* PV CNY 400,000 · EV CNY 200,000 · SPI 0.50 · schedule "
            ":red_circle: *Red*") in text


def test_the_words_exist_in_chinese(database_url, slack):
    rules = gate_rules()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        add_apollo(bot)
        reply = say(bot, "/pmo", PLAN, ALICE)
        assert reply.startswith(":white_check_mark: 已记录 *APOLLO* 的计划：2026-01-05 → "
                                "2026-10-30，预算 CNY 400,000")
        assert "不是金额" in bot.command("/pmo", PLAN + "x", user=ALICE).text
    finally:
        bot.close()


def test_a_watermelon_is_flagged_on_the_project_card_in_en_and_zh(pmo, database_url, slack):
    """Reported Green, but half-way past the baseline finish with 30% done and a milestone
    12 working days late: the card says so, with the evidence; the PM's colour stays."""
    set_phase(pmo, "execution")
    say(pmo, "/pmo", "project APOLLO plan start:2026-01-05 finish:2026-10-30 budget:400000",
        ADMIN)
    say(pmo, "/milestone", "add APOLLO Wave 2 due:2026-11-05", ALICE)
    say(pmo, "/status", "APOLLO green All fine", ALICE)
    wait_until(lambda: any("All fine" in m["text"] for m in pmo.slack.messages(APOLLO_CHANNEL)))
    posted = next(m for m in pmo.slack.messages(APOLLO_CHANNEL) if "All fine" in m["text"])
    assert (":warning: *Reported better than the numbers:* reported :large_green_circle: "
            "*Green* · indicators say :large_yellow_circle: *Amber*: APOLLO-M1 12 working days "
            "late") in str(posted["blocks"])  # the channel's card, as posted (no percent yet)
    with pmo.ctx.db.write() as session:
        from storage.projects import latest_status
        latest_status(session, project_by_key(session, "APOLLO").id).percent_complete = 30
    text = str(pmo.command("/pmo", "project APOLLO", user=BOB).json)
    assert (":warning: *Reported better than the numbers:* reported :large_green_circle: "
            "*Green* · indicators say :red_circle: *Red*: SPI 0.30, APOLLO-M1 12 working days "
            "late") in text
    rules = pmo.ctx.rules  # the same card in a Chinese workspace
    zh = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        text = str(zh.command("/pmo", "project APOLLO", user=BOB).json)
    finally:
        zh.close()
    assert "汇报优于数据：汇报为 :large_green_circle: *绿* · 指标显示 :red_circle: *红*" in text
    assert "SPI 0.30，APOLLO-M1 延迟 12 个工作日" in text
    card = str(pmo.command("/status", "APOLLO", user=BOB).json)  # /status KEY repeats the card
    assert "indicators say :red_circle: *Red*: SPI 0.30, APOLLO-M1 12 working days late" in card


# --- the plan form ------------------------------------------------------------------------------

def open_plan_form(bot, user=ALICE) -> dict:
    before = len(bot.slack.calls("views.open"))
    response = bot.command("/pmo", "project APOLLO plan", user=user)
    assert not response.text, response.text
    return bot.slack.wait_for("views.open", count=before + 1)[-1].response["view"]


def answers(start=None, finish=None, budget=None, sponsor=None, method=None) -> dict:
    """The form's state as Slack submits it (date pickers, a user select, a static select)."""
    value = "value"
    return {
        "start": {value: {"type": "datepicker", "selected_date": start}},
        "finish": {value: {"type": "datepicker", "selected_date": finish}},
        "budget": {value: {"type": "plain_text_input", "value": budget}},
        "sponsor": {value: {"type": "users_select", "selected_user": sponsor}},
        "method": {value: {"type": "static_select", "selected_option": method and {
            "value": method, "text": {"type": "plain_text", "text": method}}}},
    }


def test_the_plan_form_opens_prefilled_and_saves_like_the_command(pmo):
    view = open_plan_form(pmo)
    assert view["callback_id"] == "plan_form"
    assert [b.get("block_id") for b in view["blocks"]][1:] == [
        "start", "finish", "budget", "sponsor", "method"]
    result = pmo.driver.view_submission(user=ALICE, view=view, values=answers(
        "2026-01-05", "2026-10-30", "40万", CAROL, "agile"))
    assert result.status == 200 and not result.json, result.json
    [told] = pmo.slack.wait_for("chat.postEphemeral", channel=APOLLO_CHANNEL)
    assert told.args["user"] == ALICE
    assert told.args["text"].startswith(
        ":white_check_mark: Plan for *APOLLO* recorded: 2026-01-05 → 2026-10-30, budget "
        f"CNY 400,000, sponsor <@{CAROL}>, agile.")
    assert plan_row(pmo).method == "agile"
    pmo.slack.reset()
    view = open_plan_form(pmo)  # now pre-filled with the plan
    pickers = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert pickers["start"]["initial_date"] == "2026-01-05"
    assert pickers["budget"]["initial_value"] == "400000"
    assert pickers["sponsor"]["initial_user"] == CAROL
    assert pickers["method"]["initial_option"]["value"] == "agile"


def test_the_plan_form_keeps_bad_answers_open_at_their_field(pmo):
    view = open_plan_form(pmo)
    result = pmo.driver.view_submission(user=ALICE, view=view, values=answers(
        "2026-11-05", "2026-10-30", "400000"))
    assert result.json == {"response_action": "errors", "errors": {
        "finish": "The finish (2026-10-30) is before the start (2026-11-05). Nothing was changed."}}
    result = pmo.driver.view_submission(user=ALICE, view=view, values=answers(
        "2026-01-05", "2026-10-30", "4e5"))
    assert list(result.json["errors"]) == ["budget"]
    assert plan_row(pmo) is None


def test_only_the_pm_and_admins_open_the_plan_form(pmo):
    response = pmo.command("/pmo", "project APOLLO plan", user=BOB)
    assert response.text.startswith(":no_entry: You can't plan *APOLLO*")
    assert pmo.slack.calls("views.open") == []


# --- the planning gate needs a plan ---------------------------------------------------------------

def test_the_planning_gate_is_refused_with_the_fix_until_there_is_a_plan_and_a_milestone(
        database_url, slack):
    from tests.support import rules_with
    from tests.support.gates import open_form
    bot = make_bot(database_url, slack, rules_with(gates=replace(
        gate_rules().gates, planning=GateRule(approvers=(BOB,), quorum="any"))))
    try:
        add_apollo(bot)
        set_phase(bot, "planning")
        response, view = open_form(bot)
        assert view is None
        assert response.text == (
            "*APOLLO* can't ask for its planning gate yet: passing it makes the plan the "
            "baseline, and it has neither a plan nor a milestone. Set the plan with "
            "`/pmo project APOLLO plan start:YYYY-MM-DD finish:YYYY-MM-DD budget:AMOUNT`, and "
            "add a milestone with `/milestone add APOLLO Title… due:YYYY-MM-DD`.")
        say(bot, "/pmo", PLAN, ALICE)
        response, view = open_form(bot)
        assert response.text.endswith("it has no milestone. Add a milestone with "
                                      "`/milestone add APOLLO Title… due:YYYY-MM-DD`.")
        say(bot, "/milestone", "add APOLLO Plan signed off due:2026-12-11", ALICE)
        response, view = open_form(bot)
        assert view is not None, response.text
        set_phase(bot, "initiation")  # other gates never need a plan
        with bot.ctx.db.write() as session:
            session.query(ProjectPlan).delete()
        response, view = open_form(bot)
        assert view is not None, response.text
    finally:
        bot.close()


def test_rebaseline_without_a_plan_says_how_to_set_one(pmo):
    assert say(pmo, "/pmo", "project APOLLO rebaseline Board asked", ADMIN) == (
        "*APOLLO* has no plan to baseline. Its PM sets one with `/pmo project APOLLO plan "
        "start:… finish:… budget:…`.")
    assert actions(pmo) == []


def test_a_cancelled_project_is_not_planned(pmo):
    with pmo.ctx.db.write() as session:
        project_by_key(session, "APOLLO").state = "cancelled"
    assert say(pmo, "/pmo", PLAN, ADMIN) == (
        "*APOLLO* is cancelled: its plan and baseline no longer change.")
    assert plan_row(pmo) is None


def test_plan_dates_go_through_the_one_decoder_and_its_horizon(pmo):
    """Monday 2026-11-23 in Shanghai: `today`, YYYY/MM/DD; a date past `[pmo] max_years_ahead`
    (10) is refused as a typo, on the command and on the form, and nothing changes."""
    assert say(pmo, "/pmo", "project APOLLO plan start:today finish:2027/06/30 budget:1",
               ALICE).startswith(":white_check_mark: Plan for *APOLLO* recorded: 2026-11-23 → "
                                 "2027-06-30")
    reply = pmo.command("/pmo", "project APOLLO plan finish:9999-12-31", user=ALICE).text
    assert reply.startswith("9999-12-31 is more than 10 years ahead"), reply
    assert plan_row(pmo).finish_on == date(2027, 6, 30)
    result = pmo.driver.view_submission(user=ALICE, view=open_plan_form(pmo), values=answers(
        "2026-11-23", "2040-01-01", "1"))
    assert list(result.json["errors"]) == ["finish"]
    assert "more than 10 years ahead" in result.json["errors"]["finish"]
    assert plan_row(pmo).finish_on == date(2027, 6, 30)


def test_plan_and_rebaseline_are_project_sub_commands_and_others_are_not(pmo):
    reply = pmo.command("/pmo", "project APOLLO frobnicate", user=ADMIN).text
    assert reply.startswith("No such command: `/pmo project APOLLO frobnicate`."), reply
    assert pmo.command("/pmo", "project APOLLO rebaseline", user=ADMIN).text.startswith(
        "Say why")
    assert "No such command" not in (pmo.command("/pmo", "project APOLLO plan budget:1",
                                                 user=ALICE).text or "")
