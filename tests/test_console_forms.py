"""Forms in the console as Slack shows them: notices are closed, never submitted; a refused
optional answer is not offered again; a one-option checkbox is a tick, not a list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.console.workspace import ALICE, GRACE
from storage.gates import GateRequest
from storage.projects import Project
from storage.proposals import Proposal
from storage.risks import Risk
from tests.support.console import start_console

IT_IS_START = "  It is Friday 2026-11-20 10:00 (Asia/Shanghai).\n"
CLOSED_NOTICE = "  Nothing to fill in, only a Close button: closed, as pressing it does.\n"
UNTICKED = "  │ 1. Done — answer 1 to tick it, Enter to leave it unticked.\n"


@pytest.fixture
def demo(database_url):
    """The console on the demo portfolio (the test surfaces, /t-form among them, included)."""
    made = start_console(database_url, demo=True)
    yield made
    made.bot.close()


def gate_requests(console, key: str) -> list[GateRequest]:
    with console.bot.ctx.db.read() as session:
        return list(session.scalars(select(GateRequest).join(Project).where(Project.key == key)
                                    .order_by(GateRequest.id)))


def test_a_gate_request_form_becomes_a_notice_that_is_shown_and_closed(demo):
    shown = demo.type("/gate request APOLLO", "", "", "", "", "", "", ":time")
    assert ("  ┌ Window: Gate review\n"
            "  │ ✅ Your request for the Execution gate of APOLLO went to @grace, @henry "
            "(1 approval needed) and to #apollo. You'll get a message when it is decided.\n"
            + CLOSED_NOTICE + "alice@#apollo> :time\n" + IT_IS_START) in shown
    assert "could not be sent" not in shown and "HTTP" not in shown
    assert demo.bot.slack.modal_stack(ALICE) == []
    [request] = [r for r in gate_requests(demo, "APOLLO") if r.state == "open"]
    assert request.phase == "execution"


def test_a_rejection_with_its_reason_ends_in_a_notice_that_is_closed(demo):
    shown = demo.type(":as grace", ":dm", ":click 2", "Not ready", ":time")
    assert ("  ┌ Window: Gate review\n"
            "  │ Your rejection of the Planning gate of HERMES is recorded. The project stays "
            "in its phase; @bob is told your reason and can request the gate again.\n"
            + CLOSED_NOTICE + "grace@#apollo> :time\n" + IT_IS_START) in shown
    assert "could not be sent" not in shown
    assert demo.bot.slack.modal_stack(GRACE) == []
    assert gate_requests(demo, "HERMES")[-1].state == "rejected"


def test_a_notice_is_closed_as_its_close_button_does_and_the_app_hears_of_it(demo):
    shown = demo.type("/t-form", "1", "notice", "", "", "", "", ":time")
    assert ("  ┌ Window: Risk logged\n  │ Logged. Thank you.\n"
            "  Nothing to fill in, only a Done button: closed, as pressing it does.\n"
            "  ┌ PMO Bot · direct message\n  │ You closed the form.\n"
            "alice@#apollo> :time\n") in shown
    assert shown.count("  ┌ Form: Log a risk\n") == 1
    assert demo.bot.slack.modal_stack(ALICE) == []


RISK_WITH_PAST_DUE_DATE = ["/risk add APOLLO", "", "Cut-over clashes with a holiday", "3", "4",
                           "", "", "", "2020-01-01", "", "", ""]


def test_after_the_bot_refuses_an_optional_field_enter_leaves_it_empty(demo):
    shown = demo.type(*RISK_WITH_PAST_DUE_DATE, "", ":time")
    assert ("  │ ⚠ Response due: Response due 2020-01-01 is in the past; use today (2026-11-20) "
            "or a later date.\n"
            "  │ Response due (optional)\n"
            "  »\n"
            "  Form sent and closed.\n") in shown
    assert "Enter keeps: 2020-01-01" not in shown
    with demo.bot.ctx.db.read() as session:
        risk = session.scalars(select(Risk).order_by(Risk.id.desc())).first()
    assert (risk.title, risk.due_on) == ("Cut-over clashes with a holiday", None)


def test_a_one_option_checkbox_is_asked_as_a_tick(demo):
    shown = demo.type("/gate request APOLLO", "", "x", "1", "", "done", "", "", ":time")
    assert shown.count(UNTICKED) == 5
    assert "Several answers" not in shown and "1–1" not in shown
    assert ("  » x\n  │ x is not one of the choices: answer 1 or the choice's name.\n"
            "  » 1\n") in shown
    [request] = [r for r in gate_requests(demo, "APOLLO") if r.state == "open"]
    assert [item["done"] for item in request.checklist] == [False, True, False, True, False]


def test_a_rich_text_box_makes_known_names_mentions_and_leaves_the_rest_as_typed(demo):
    """The proposal form's people needed: `@erin` becomes a mention, as Slack's list makes it;
    `@nobody` is no one's name, stays text, and the app refuses it on the field."""
    shown = demo.type("/pmo propose", "Vendor portal", "", "Suppliers update bank details", "",
                      "300k", "", "", "4", "2", "@nobody 50%", "", "", "", "",
                      "@erin 50%, 2 FTE developer", "", "", "", "", ":time")
    assert "@nobody is not a Slack mention" in shown
    with demo.bot.ctx.db.read() as session:
        row = session.scalars(select(Proposal).where(Proposal.title == "Vendor portal")).one()
        erin = demo.bot.slack.directory.user_by_name("erin")["id"]
        assert row.needs == [{"user": erin, "percent": 50},
                             {"role": "developer", "percent": 200}]
        assert row.people == f"<@{erin}> 50%, 2 FTE developer"
