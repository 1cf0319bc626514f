"""Actions as a source of the one reminder planner (issue 12): the owner is nudged on the due
day and each working day after it until the action is done (one DM a day with the rest of
their items, in their time zone); ignored, it is escalated to the PMO admins; a new due date
or done stops it; snooze works as for every item; one index range."""

from __future__ import annotations

from datetime import date

import pytest

from storage import actions as store
from storage.projects import project_by_key
from storage.sources.action_due import SOURCE as ACTION_SOURCE
from tests.support import ADMIN, ALICE, START, make_bot
from tests.support.scheduling import add_project, click, dms, nudges, pmo_rules, run, sqlite_plan
from tests.test_reminder_sources import item_lines


@pytest.fixture
def pmo(database_url, slack):
    """APOLLO (PM alice) reported today, so only actions are due; Monday 2026-11-23."""
    made = make_bot(database_url, slack, pmo_rules())
    add_project(made, "APOLLO", ALICE, statuses=[(START, "green")])
    yield made
    made.ctx.db.dispose()


def add(bot, title: str, due: date, owner: str = ALICE) -> int:
    """Stored directly: an action due before today (the command refuses one)."""
    with bot.ctx.db.write() as session:
        return store.add(session, project=project_by_key(session, "APOLLO"), title=title,
                         due=due, owner=owner, actor=ALICE, now=bot.clock.at).number


def test_due_today_and_overdue_in_one_dm(pmo):
    add(pmo, "Send the runbook", date(2026, 11, 23))  # today
    add(pmo, "Book the cage", date(2026, 11, 24))  # tomorrow: not yet
    add(pmo, "Sign the SOW", date(2026, 11, 20))  # last Friday
    assert run(pmo).planned.nudged == [ALICE]
    [dm] = dms(pmo, ALICE)
    assert item_lines(dm) == [
        "*APOLLO-A3* · Sign the SOW — was due 2026-11-20 (3 days overdue): `/action done "
        "APOLLO-A3` or `/action update APOLLO-A3 due:…`",
        "*APOLLO-A1* · Send the runbook — due today: `/action done APOLLO-A1` or "
        "`/action update APOLLO-A1 due:…`"]


def test_ignored_it_is_escalated_done_stops_it(pmo):
    add(pmo, "Sign the SOW", date(2026, 11, 23))
    planned = run(pmo).planned  # Monday, the due day: a heads-up
    assert planned.nudged == [ALICE] and planned.escalated == []
    pmo.clock.advance(days=1)
    assert run(pmo).planned.escalated == []  # Tuesday: overdue, second nudge
    pmo.clock.advance(days=1)
    [escalated] = run(pmo).planned.escalated  # Wednesday: ignored twice
    assert escalated.subject["ref"] == "APOLLO-A1"
    report = next(m for m in pmo.slack.messages(ADMIN) if m["text"].startswith("Escalation"))
    assert (f"*APOLLO-A1* · Sign the SOW — due 2026-11-23, not done · owner <@{ALICE}>"
            in str(report["blocks"]))
    with pmo.ctx.db.write() as session:
        project, row = store.action(session, "APOLLO", 1)
        store.set_done(session, project=project, row=row, on=date(2026, 11, 25), note=None,
                       actor=ALICE, now=pmo.clock.at)
    pmo.clock.advance(days=1)
    assert run(pmo).planned.nudged == []


def test_a_new_due_date_stops_the_reminders(pmo):
    add(pmo, "Sign the SOW", date(2026, 11, 20))
    with pmo.ctx.db.write() as session:
        project, row = store.action(session, "APOLLO", 1)
        store.change(session, project=project, row=row, due=date(2026, 12, 4), owner=None,
                     actor=ALICE, now=pmo.clock.at)
    assert run(pmo).planned.nudged == []


def test_snooze_an_action_reminder(pmo):
    add(pmo, "Sign the SOW", date(2026, 11, 20))
    run(pmo)
    [dm] = nudges(pmo, ALICE)
    assert "Snoozed: no reminder about *APOLLO-A1* until" in click(pmo, ALICE, dm,
                                                                  "nudge_snooze")
    pmo.clock.advance(days=1)
    assert run(pmo).planned.nudged == []


def test_the_digest_lists_overdue_actions_not_those_due_today(pmo):
    from storage.sources import all_due_items
    add(pmo, "Send the runbook", date(2026, 11, 23))
    add(pmo, "Sign the SOW", date(2026, 11, 20))
    with pmo.ctx.db.read() as session:
        assert [i.subject["ref"] for i in all_due_items(
            session, pmo.clock.at, pmo.ctx.rules) if i.kind == "action"] == ["APOLLO-A2"]


def test_action_source_searches_one_index_range(tmp_path):
    searches = [step for step in sqlite_plan(tmp_path, ACTION_SOURCE)
                if step.startswith("SEARCH actions")]
    assert searches == ["SEARCH actions USING INDEX ix_actions_open (done_on=? AND due_on<?)"], \
        searches
