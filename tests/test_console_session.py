"""The console driven by typed lines: what a person sees, and what reached the bot and its data."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.console.clock import CONSOLE_START
from bot.console.main import run_console
from bot.console.workspace import ALICE, APOLLO, BOB, CAROL, ZEUS
from storage.outbox import Delivery
from storage.projects import Project, StatusUpdate
from tests.support.console import start_console

IT_IS_START = "  It is Friday 2026-11-20 10:00 (Asia/Shanghai).\n"


@pytest.fixture
def console(database_url):
    made = start_console(database_url)
    yield made
    made.bot.close()


@pytest.fixture
def demo(database_url):
    made = start_console(database_url, demo=True)
    yield made
    made.bot.close()


def latest_status(console) -> StatusUpdate:
    with console.bot.ctx.db.read() as session:
        return session.scalars(select(StatusUpdate).order_by(StatusUpdate.id.desc())).first()


def test_status_update_shows_card_and_confirmation(demo):
    shown = demo.type("/status APOLLO amber Vendor API & <legacy> slipped; told @bob in #apollo")
    assert shown == (
        "alice@#apollo> /status APOLLO amber Vendor API & <legacy> slipped; told @bob in #apollo\n"
        "  ┌ PMO Bot in #apollo\n"
        "  │ APOLLO · Apollo data-centre migration\n"
        "  │ Overall: 🟡 Amber\n"
        "  │ Schedule: 🟢 Green    Cost: 🟡 Amber\n"  # carried from the demo's last update
        "  │ Scope: 🟢 Green       Quality: 🟢 Green\n"
        "  │ Complete: 68%\n"
        "  │ Vendor API & <legacy> slipped; told @bob in #apollo\n"
        "  │ Carried over from the previous update: schedule, cost, scope, quality, percent "
        "complete. Set them in the update, e.g. s:green, pct:40, spent:150000, "
        "or s:none to drop a rating.\n"
        "  │ Posted by @alice · 2026-11-20 10:00\n"
        "  ┌ PMO Bot · only visible to you\n"
        "  │ ✅ Status for APOLLO recorded (Amber). The card is going to #apollo.\n")
    status = latest_status(demo)
    assert status.summary == "Vendor API & <legacy> slipped; told @bob in #apollo"
    assert status.author_id == ALICE and status.created_at == CONSOLE_START


def test_names_typed_plainly_reach_the_bot_escaped_as_slack_sends_them(console):
    shown = console.type(":as pat", "/pmo project add ZEUS Zeus CRM pm:@carol channel:#zeus")
    assert "✅ Project ZEUS — Zeus CRM added. PM: @carol, channel: #zeus." in shown
    with console.bot.ctx.db.read() as session:
        project = session.scalar(select(Project))
    assert (project.key, project.pm_id, project.channel_id) == ("ZEUS", CAROL, ZEUS)


def test_a_refused_command_is_the_bots_reply_and_the_session_goes_on(demo):
    shown = demo.type(":as bob", "/status APOLLO red Not mine", ":as alice", "/status APOLLO")
    assert "⛔ You can't post a status for APOLLO: only its PM (@alice) and PMO admins can." in (
        shown)
    assert "  │ Wave 1 cut-over rehearsed end to end; go/no-go on Tuesday.\n" in shown  # hers
    assert latest_status(demo).author_id == ALICE


BAD_INPUT = [
    (":nope", "  :nope is not a console command.\n  Usage: :help lists the console commands"),
    (":as zed", "  There is no user zed. :users lists them.\n  Usage: :as NAME"),
    (":as", "  Who? Give a name.\n  Usage: :as NAME"),
    (":in", "  Where? Give a channel.\n  Usage: :in #CHANNEL"),
    (":in #nowhere", "  There is no channel #nowhere. :channels lists them."),
    (":click", "  Which button? Give its number.\n  Usage: :click N"),
    (":click 1", "  There is nothing to click yet: no message shown so far had buttons."),
    (":time -3d", "  -3d is not a step forward in time.\n  Usage: :time +3d"),
    (":time +1y", "  +1y is not a step forward in time."),
    (":time +32d", "  +32d is out of range: the clock moves forward by at least 1 minute "
                   "and at most 31 days at a time."),
    (":time +0d", "  +0d is out of range: the clock moves forward by at least 1 minute "
                  "and at most 31 days at a time.\n  Usage: :time +3d"),
    (":time +0w0m", "  +0w0m is out of range: the clock moves forward by at least 1 minute"),
    (":time +5w", "  +5w is out of range: the clock moves forward by at least 1 minute"),
    (":time +744h1m", "  +744h1m is out of range: the clock moves forward by at least 1 minute"),
    (":time +99999999999999d", "  +99999999999999d is out of range: the clock moves forward"),
    (":users everyone", "  I didn't expect everyone there.\n  Usage: :users"),
    ("hello bot", "  The bot only answers slash commands here: start with / (e.g. /status help)"),
    ("/deploy now", "  /deploy is not a command of this app. Try /status help or /pmo help."),
]


def test_bad_console_input_gets_one_clear_line_and_changes_nothing(console):
    for line, answer in BAD_INPUT:
        shown = console.type(line, ":time")
        assert shown.startswith(f"alice@#apollo> {line}\n{answer}"), line
        assert shown.endswith(f"alice@#apollo> :time\n{IT_IS_START}"), line
    assert console.bot.slack.timeline() == []


def test_who_and_where(demo):
    shown = demo.type(":users", ":as carol", ":in #general", ":channels")
    assert "  alice   Alice Wang   Asia/Shanghai      PM of APOLLO    ← you\n" in shown
    assert "  pat     Pat Lin      Asia/Shanghai      PMO admin\n" in shown
    assert "  grace   Grace Liu    Asia/Shanghai      gate approver\n" in shown
    assert "  You are carol (Carol Diaz) in #apollo now.\n" in shown
    [general] = [line for line in shown.splitlines() if line.startswith("  #general")]
    assert general.endswith("← you are here") and "carol@#general> :channels" in shown
    assert "  #pmo       weekly digest\n" in shown and "  #zeus      ZEUS\n" in shown


def test_time_moves_the_clock_and_runs_the_scheduled_sends(demo):
    demo.bot.slack.fail_next("chat.postMessage", error="internal_error")
    shown = demo.type("/status APOLLO green Go/no-go passed")
    assert "PMO Bot in #apollo" not in shown  # Slack failed: the card waits in the outbox
    shown = demo.type(":time +2h")
    assert shown.startswith("alice@#apollo> :time +2h\n"
                            "  It is Friday 2026-11-20 12:00 (Asia/Shanghai).\n"
                            "  ┌ PMO Bot in #apollo\n")
    assert "Go/no-go passed" in shown
    assert demo.bot.clock.at == CONSOLE_START + timedelta(hours=2)
    with demo.bot.ctx.db.read() as session:
        delivery = session.scalar(select(Delivery).where(Delivery.kind == "status_card"))
        assert delivery.state == "sent"
        assert delivery.sent_at == CONSOLE_START + timedelta(hours=1)  # the first tick on the way


def test_buttons_on_a_channel_card_are_numbered_and_clicked(console):
    shown = console.type("/t-card")
    assert shown.endswith("  ┌ PMO Bot in #apollo\n  │ Gate request (channel)\n"
                          "  │ [1 Approve] [2 Reject] [3 Delegate ▾]\n")
    shown = console.type(":as bob", ":click 1")
    assert shown.endswith(  # in the order the bot did it: respond(), then chat.update
        "bob@#apollo> :click 1\n"
        "  ┌ PMO Bot · only visible to you\n  │ Approved request 7 by @bob\n"
        "  ┌ PMO Bot in #apollo · edited\n  │ ✅ Approved\n")
    assert console.bot.slack.messages(APOLLO)[-1]["text"] == "decided"
    shown = console.type(":click 4")
    assert "There is no button 4: the last messages shown had 3 (1–3)." in shown


def test_a_menu_asks_for_its_choice_and_a_confirm_dialog_can_decline(console):
    console.type("/t-card")
    shown = console.type(":click 3", "Nobody", "2", ":click 2", "")
    assert shown == (
        "alice@#apollo> :click 3\n"
        "  ┌ Choose\n  │ Delegate\n  │ 1. Grace   2. Henry\n"
        "  » Nobody\n"
        "  │ Nobody is not one of the choices: answer 1–2 or the choice's name.\n"
        "  » 2\n"
        "  ┌ PMO Bot in #apollo · edited\n  │ Delegated to henry\n"
        "alice@#apollo> :click 2\n"
        "  ┌ Reject?\n  │ The PM is told.\n  │ 1. Reject it   2. Keep it\n"
        "  »\n"
        "  Cancelled: nothing was sent.\n")


def test_direct_messages_show_for_their_reader_and_dm_lists_them(console):
    shown = console.type("/t-card dm")
    assert shown.endswith("  ┌ PMO Bot · direct message\n  │ Gate request (dm)\n"
                          "  │ [1 Approve] [2 Reject] [3 Delegate ▾]\n")
    assert console.type(":as carol", ":dm").endswith("  No direct messages from PMO Bot yet.\n")
    shown = console.type(":as alice", ":dm", ":click 1")
    assert "  1 direct message from PMO Bot:\n  ┌ PMO Bot · direct message\n" in shown
    assert shown.endswith("  ┌ PMO Bot · only visible to you\n"
                          "  │ Approved request 7 by @alice\n"
                          "  ┌ PMO Bot · direct message · edited\n  │ ✅ Approved\n")


def test_a_dm_to_someone_else_is_a_pointer_not_the_message(console):
    shown = console.type("/t-card @bob")
    assert shown.endswith("  (PMO Bot sent a direct message to bob: :as bob then :dm to read "
                          "it.)\n")
    assert "  │ Gate request (@bob)\n" in console.type(":as bob", ":dm")


def test_a_card_the_bot_cannot_post_reaches_its_author_as_a_dm(console):
    console.type(":as pat", "/pmo project add APOLLO Apollo pm:@alice channel:#apollo")
    console.bot.slack.set_not_in_channel(APOLLO)
    shown = console.type(":as alice", "/status APOLLO green All good")
    assert "  ┌ PMO Bot · direct message\n  │ ⚠ I couldn't post in #apollo" in shown
    assert "/invite @PMO Bot" in shown


def test_a_thread_reply_says_so(console):
    assert console.type("/t-card thread").endswith(
        "  ┌ PMO Bot in #apollo\n  │ Digest 1/2\n"
        "  ┌ PMO Bot in #apollo · reply in a thread\n  │ Digest 2/2\n")


def test_an_ephemeral_card_can_be_clicked(console):
    shown = console.type("/t-card ephemeral", ":click 1")
    assert "  ┌ PMO Bot · only visible to you\n  │ Gate request (ephemeral)\n" in shown
    assert shown.endswith("  ┌ PMO Bot · only visible to you\n  │ Approved request 7 by @alice\n")
    assert console.type(":click 3", "1").endswith(
        "  ┌ PMO Bot · only visible to you · updated\n  │ Delegated to grace\n")


def test_form_asks_each_field_checks_answers_and_submits(console):
    shown = console.type("/t-form", "purple", "amber", "", "Vendor lock-in", "30", "7", "@zed",
                         "carol", "", "1, 2")
    assert shown.startswith(
        "alice@#apollo> /t-form\n"
        "  ┌ Form: Log a risk\n"
        "  │ Answer each field and press Enter; empty keeps the default or skips an optional "
        "field; :cancel closes the form.\n"
        "  │ Describe the risk.\n"
        "  │ Level\n  │ 1. 🟢 Green   2. 🟡 Amber   3. 🔴 Red\n"
        "  » purple\n"
        "  │ purple is not one of the choices: answer 1–3 or the choice's name.\n"
        "  » amber\n"
        "  │ Title\n  │ One line\n"
        "  »\n  │ This field is required.\n"
        "  » Vendor lock-in\n"
        "  │ Score (optional)\n"
        "  » 30\n  │ Give a number from 1 up to 25.\n"
        "  » 7\n"
        "  │ Owner (optional)\n"
        "  » @zed\n  │ There is no user @zed. :users lists them.\n"
        "  » carol\n"
        "  │ Review by (optional)\n  │ Enter keeps: 2026-12-01\n"
        "  »\n"
        "  │ Checked (optional)\n  │ 1. Impact   2. Owner told\n"
        "  │ Several answers: separate them with commas, e.g. 1, 3.\n"
        "  » 1, 2\n"
        "  Form sent and closed.\n"
        "  ┌ PMO Bot · direct message\n")
    [dm] = console.bot.slack.dm_messages(ALICE)
    values = json.loads(dm["text"].removeprefix("logged "))
    assert values["level"]["selected_option"]["value"] == "amber"
    assert values["score"] == {"type": "number_input", "value": "7"}
    assert values["owner"] == {"type": "users_select", "selected_user": CAROL}
    assert values["due"] == {"type": "datepicker", "selected_date": "2026-12-01"}
    assert [o["value"] for o in values["checks"]["selected_options"]] == ["impact", "told"]
    assert console.bot.slack.modal_stack(ALICE) == []


def test_the_apps_complaint_is_shown_at_the_field_and_only_that_field_asked_again(console):
    shown = console.type("/t-form", "1", "bad", "", "", "", "", "", "Fine title")
    assert (  # the refused answer is not kept: a required field must be answered again
        "  │ ⚠ Title: That title is taken.\n  │ Title\n  │ One line\n"
        "  »\n  │ This field is required.\n"
        "  » Fine title\n  Form sent and closed.\n  ┌ PMO Bot · direct message\n") in shown
    assert shown.count("  │ Level\n") == 1  # only the field the app complained about again
    assert "Fine title" in console.bot.slack.dm_messages(ALICE)[0]["text"]


def test_response_action_update_shows_the_new_form(console):
    shown = console.type("/t-form", "1", "more", "", "", "", "", "2", "done", "", "", "", "")
    assert "  ┌ Form: Log a risk (2)\n" in shown
    assert '"selected_option": {"text": {"text": ":large_yellow_circle: Amber"' in (
        console.bot.slack.dm_messages(ALICE)[0]["text"])


def test_a_pushed_form_returns_to_the_one_below_it(console):
    shown = console.type("/t-form", "1", "push", "", "", "", "", "two\\nlines",
                         "2", "final", "", "", "", "")
    assert ("  ┌ Form: Add a note\n" in shown and
            "  │ One line; type \\n where a new line should start.\n" in shown)
    assert shown.count("  ┌ Form: Log a risk\n") == 2
    notes, logged = console.bot.slack.dm_messages(ALICE)
    assert notes["text"] == "noted: two\nlines"
    assert '"value": "final"' in logged["text"]
    assert console.bot.slack.modal_stack(ALICE) == []


def test_clear_closes_every_form_of_the_stack(console):
    shown = console.type("/t-form", "1", "push", "", "", "", "", "clear", ":time")
    assert "  » clear\n  Form sent and closed.\n" in shown
    assert shown.count("  ┌ Form: Log a risk\n") == 1
    assert shown.endswith(f"alice@#apollo> :time\n{IT_IS_START}")
    assert console.bot.slack.modal_stack(ALICE) == []


def test_errors_for_fields_the_form_lacks_close_it_with_an_explanation(console):
    shown = console.type("/t-form", "1", "ghost", "", "", "", "")
    assert shown.endswith("  The app answered with errors for fields this form does not have "
                          "(nowhere: No such field.); Slack would show an error. The form is "
                          "closed here.\n")
    assert console.bot.slack.modal_stack(ALICE) == []


def test_cancel_closes_the_form_and_tells_the_app_when_it_asked(console):
    shown = console.type("/t-form", "2", ":cancel", ":time")
    assert "  » :cancel\n  Form closed without sending.\n" in shown
    assert "  ┌ PMO Bot · direct message\n  │ You closed the form.\n" in shown
    assert shown.endswith(f"alice@#apollo> :time\n{IT_IS_START}")
    assert console.bot.slack.modal_stack(ALICE) == []


def test_a_button_can_open_a_form(console):
    console.type("/t-card")
    shown = console.type(":click 2", "1", "3", "Reason given", "", "", "", "")
    assert "  ┌ Form: Log a risk\n" in shown and "Form sent and closed." in shown


def test_end_of_input_inside_a_form_ends_the_session_cleanly(console):
    shown = console.type("/t-form", "1")
    assert shown.endswith("  │ Title\n  │ One line\n"
                          "  The input ended while a form was open: the form was closed without "
                          "sending.\n")
    assert console.bot.slack.modal_stack(ALICE) == []
    assert console.bot.slack.dm_messages(ALICE) == []


def test_switching_user_keeps_the_buttons_but_clicks_as_the_new_user(console):
    console.type("/t-card")
    shown = console.type(":as bob", ":click 1")
    assert "Approved request 7 by @bob" in shown
    [click] = [r for r in console.bot.slack.responses if "Approved" in r["body"]["text"]]
    assert click["user"] == BOB


def test_a_proxy_in_the_environment_does_not_catch_the_loopback_calls(database_url,
                                                                      monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
    console = start_console(database_url)
    try:
        shown = console.type(":as pat", "/pmo project add APOLLO Apollo", "/t-card")
        assert "✅ Project APOLLO — Apollo added." in shown
        assert "  ┌ PMO Bot in #apollo\n  │ Gate request (channel)\n" in shown
    finally:
        console.bot.close()


def test_the_demo_gate_waits_in_the_approvers_dms_and_one_click_passes_it(tmp_path):
    out = io.StringIO()
    lines = [":as grace", ":dm", ":click 1", ":as bob", ":dm"]
    assert run_console(db=str(tmp_path / "demo.sqlite3"), demo=True, script=lines,
                       stdout=out) == 0
    shown = out.getvalue()
    assert "  │ Gate review · HERMES · Hermes customer self-service portal\n" in shown
    assert "  │ [1 Approve] [2 Reject]\n" in shown
    assert "it moves to Execution." in shown
    assert shown.endswith("  │ 🎉 The Planning gate of HERMES passed (deciding approval: @grace). "
                          "The project moves to Execution.\n")


def test_the_home_tab_is_opened_as_slack_does_and_its_buttons_work(demo):
    shown = demo.type(":home")
    assert shown.startswith("alice@#apollo> :home\n  ┌ PMO Bot · Home tab\n")
    assert "  │ APOLLO · Apollo data-centre migration\n" in shown
    assert "  │ [1 Post update]\n" in shown
    shown = demo.type(":click 1", ":cancel")
    assert "  ┌ Form: Status update\n" in shown
    assert shown.endswith("  » :cancel\n  Form closed without sending.\n")

