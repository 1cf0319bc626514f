"""The console as a person types into it (issue 18, items 15–17): what Slack would still show
after a restart, `:read #channel`, console commands inside a form, the project field's hint past
100 projects, the start-up messages announced, `:as`/`:in` without a name, `--locale zh`."""

from __future__ import annotations

import io

import pytest

from bot.console.clock import CONSOLE_START
from bot.console.main import run_console
from bot.console.workspace import ADMIN, ALICE, APOLLO
from storage import projects as store
from tests.support.console import start_console


@pytest.fixture
def console(database_url):
    made = start_console(database_url)
    yield made
    made.bot.close()


def session(db, *lines: str, demo: bool = False, locale: str | None = None) -> str:
    """One `pmo-bot console --db db [--demo]` run with these lines typed; what it printed."""
    out = io.StringIO()
    chosen = {"locale": locale} if locale else {}
    assert run_console(db=str(db), demo=demo, script=list(lines), stdout=out, **chosen) == 0
    return out.getvalue()


# --- 16: console commands -----------------------------------------------------------------------

def test_as_and_in_without_a_name_say_how(console):
    shown = console.type(":as", ":as @", ":in", ":read")
    assert "alice@#apollo> :as\n  Who? Give a name.\n  Usage: :as NAME" in shown
    assert "alice@#apollo> :as @\n  Who? Give a name.\n" in shown
    assert "alice@#apollo> :in\n  Where? Give a channel.\n  Usage: :in #CHANNEL" in shown
    assert "alice@#apollo> :read\n  Where? Give a channel.\n  Usage: :read #CHANNEL" in shown
    assert "There is no user" not in shown and "?" not in shown.replace("Who?", "").replace(
        "Where?", "")


def test_console_commands_inside_a_form_are_refused_never_answers(console):
    """`:quit` and `:click 2` typed into a form are not the field's answer; the form goes on
    and `:cancel` still closes it; the session goes on after it."""
    shown = console.type("/t-form", ":click 2", ":quit", "amber", ":cancel", ":time")
    assert ("  » :click 2\n  │ :click does not work inside a form: answer the field, or :cancel "
            "to close the form first.\n") in shown
    assert "  » :quit\n  │ :quit does not work inside a form" in shown
    assert "  » amber\n  │ Title\n" in shown
    assert "Form closed without sending." in shown and "alice@#apollo> :time\n" in shown
    assert console.bot.slack.modal_stack(ALICE) == []


def test_a_gate_rejection_reason_is_never_a_console_command(tmp_path):
    """The audit: `:click 2` typed into the reject form became the rejection reason."""
    db = tmp_path / "c.sqlite3"
    shown = session(db, ":as grace", ":dm", ":click 2", ":click 2", ":cancel", ":time",
                    demo=True)
    assert "  » :click 2\n  │ :click does not work inside a form" in shown
    with_db = session(db, ":as grace", ":dm")
    assert "[1 Approve] [2 Reject]" in with_db  # still waiting: nothing was decided


def test_more_than_100_projects_the_project_box_says_what_to_type(console):
    with console.bot.ctx.db.write() as db:
        for number in range(101):
            store.add_project(db, key=f"P{number:03d}", name=f"Project {number}",
                              pm_id=ALICE, channel_id=APOLLO, actor=ADMIN, now=CONSOLE_START)
    shown = console.type("/status", ":cancel")
    assert "  │ Project\n  │ Project KEY, e.g. APOLLO\n" in shown


# --- 15 and 16: what Slack still shows after a restart; start-up messages -----------------------

def test_start_up_messages_are_announced_in_one_line(tmp_path):
    shown = session(tmp_path / "c.sqlite3", demo=True)
    [line] = [line for line in shown.splitlines() if "While the console started" in line]
    assert line.startswith("  While the console started, PMO Bot sent ")
    # #pmo: the week's digest and its three charts in the thread.
    assert line == ("  While the console started, PMO Bot sent 11 messages: #pmo (5), grace's DMs "
                    "(2), #hermes, your DMs, erin's DMs, henry's DMs (:read #CHANNEL and :dm "
                    "show them).")


def test_a_restarted_console_shows_the_same_messages_and_a_gate_can_still_be_voted(tmp_path):
    db = tmp_path / "c.sqlite3"
    first = session(db, ":as grace", ":dm", demo=True)
    assert "[1 Approve] [2 Reject]" in first
    assert (tmp_path / "c.slack.json").exists()
    again = session(db, ":dm", ":read #pmo", ":as grace", ":dm", ":click 1")
    assert "Reminder" in again.split("alice@#apollo> :read #pmo")[0]  # alice's DM is still there
    assert "  5 messages in #pmo:\n  ┌ PMO Bot in #pmo\n  │ PMO digest · week 47, 2026\n" in again
    assert "(risks-2026-11-20.png)" in again  # its charts, kept too
    assert "Your approval passed the Planning gate of HERMES" in again


def test_a_new_database_does_not_show_an_old_sessions_messages(tmp_path):
    db = tmp_path / "c.sqlite3"
    session(db, demo=True)
    db.unlink()
    shown = session(db, ":read #pmo", ":dm")
    assert "  1 message in #pmo:\n" in shown and "HERMES" not in shown  # this week's, empty
    assert "No direct messages from PMO Bot yet." in shown


def test_read_an_unknown_channel_says_so(console):
    shown = console.type(":read #nosuch", ":read #general")
    assert "There is no channel #nosuch." in shown
    assert "Nothing in #general from PMO Bot yet." in shown


# --- 17: Chinese --------------------------------------------------------------------------------

def test_console_locale_zh_speaks_chinese(tmp_path):
    shown = session(tmp_path / "c.sqlite3", "/status help", locale="zh")
    assert "仅你可见" in shown and "项目状态更新" in shown
