"""Status updates follow the project's life: none once it is closed or cancelled; on hold, yes."""

from __future__ import annotations

from sqlalchemy import func, select

from storage import projects as store
from storage.projects import StatusUpdate
from tests.support import ALICE, APOLLO_CHANNEL, GENERAL
from tests.support.gates import kill as kill_project
from tests.support.gates import say
from tests.support.modals import fill, option_values
from tests.test_status_form import add_projects, open_form

CANCELLED = "*APOLLO* is cancelled, so it takes no more status updates"


def updates(bot) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(StatusUpdate))


def kill(bot) -> None:
    assert "is killed" in kill_project(bot, reason="Business case gone")
    bot.slack.wait_for("chat.postMessage", channel=ALICE)  # the PM is told
    bot.slack.reset()


def set_state(bot, state: str) -> None:
    with bot.ctx.db.write() as session:
        project = store.project_by_key(session, "APOLLO")
        project.state = state
        if state == "closed":
            project.phase = "closed"


def test_the_one_liner_is_refused_on_a_cancelled_project(apollo):
    kill(apollo)
    response = apollo.command("/status", "APOLLO green All good")
    assert CANCELLED in response.text
    assert updates(apollo) == 0 and apollo.slack.calls("chat.postMessage") == []


def test_the_one_liner_is_refused_on_a_closed_project(apollo):
    set_state(apollo, "closed")
    assert "*APOLLO* is closed, so it takes no more status updates" in apollo.command(
        "/status", "APOLLO green Done").text
    assert updates(apollo) == 0


def test_an_on_hold_project_still_reports(apollo):
    set_state(apollo, "on_hold")
    apollo.command("/status", "APOLLO amber Paused while the budget is reviewed")
    assert "recorded" in apollo.reply()
    assert updates(apollo) == 1


def test_the_form_leaves_out_ended_projects_and_refuses_them_on_submit(apollo):
    add_projects(apollo, ["ZEUS"])
    view = open_form(apollo)
    kill(apollo)
    values = fill(view, project="APOLLO", overall="green", summary="fine")
    response = apollo.driver.view_submission(user=ALICE, view=view, values=values)
    assert "APOLLO is cancelled, so it takes no more" in response.json["errors"]["project"]
    assert option_values(open_form(apollo), "project") == ["ZEUS"]
    assert updates(apollo) == 0


def test_the_form_is_refused_for_a_cancelled_project(apollo):
    kill(apollo)
    assert "There is no project you can post a status for" in apollo.command(
        "/status", "", channel=GENERAL).text
    assert CANCELLED in apollo.command("/status", "edit APOLLO").text


def test_edit_is_refused_once_the_project_is_cancelled(apollo):
    assert "recorded" in say(apollo, "/status", "APOLLO green All good")
    apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)  # the card went out
    kill(apollo)
    response = apollo.command("/status", "edit APOLLO")
    assert CANCELLED in response.text
