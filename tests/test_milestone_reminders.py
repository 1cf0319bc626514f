"""Milestones as a source of the one reminder planner (issue 11): the owner is nudged
`[milestones] remind_before_days` working days before the expected date (a heads-up, never
escalated) and each working day after it has passed without `done` or a new forecast
(escalated like any overdue item); one index range; snooze works as for the others."""

from __future__ import annotations

from datetime import date

import pytest

from storage import milestones as store
from storage.projects import project_by_key
from storage.sources.milestone_due import SOURCE as MILESTONE_SOURCE
from tests.support import ADMIN, ALICE, BOB, START, make_bot
from tests.support.scheduling import add_project, click, dms, nudges, pmo_rules, run, sqlite_plan
from tests.test_reminder_sources import item_lines

TODAY = date(2026, 11, 23)  # Monday, START's date in Shanghai


@pytest.fixture
def pmo(database_url, slack):
    """APOLLO (PM alice) reported today, so only milestones are due."""
    made = make_bot(database_url, slack, pmo_rules())
    add_project(made, "APOLLO", ALICE, statuses=[(START, "green")])
    yield made
    made.ctx.db.dispose()


def add(bot, title: str, due: date, owner: str = ALICE) -> int:
    with bot.ctx.db.write() as session:
        return store.add(session, project=project_by_key(session, "APOLLO"), title=title,
                         due=due, owner=owner, weight=1, actor=ALICE, now=bot.clock.at).number


def test_heads_up_three_working_days_before_and_overdue_after(pmo):
    add(pmo, "Wave 1 cut-over", date(2026, 11, 26))  # Thursday: 3 working days ahead
    add(pmo, "Wave 2 cut-over", date(2026, 11, 27))  # Friday: 4 ahead, not yet
    add(pmo, "Vendor sign-off", date(2026, 11, 20))  # last Friday: overdue
    assert run(pmo).planned.nudged == [ALICE]
    [dm] = dms(pmo, ALICE)
    assert item_lines(dm) == [
        "*APOLLO-M3* · Vendor sign-off — was expected 2026-11-20 (3 days overdue): "
        "`/milestone done APOLLO-M3` or a new forecast",
        "*APOLLO-M1* · Wave 1 cut-over — expected 2026-11-26, in 3 working days"]


def test_a_heads_up_is_never_escalated_an_overdue_milestone_is(pmo):
    add(pmo, "Wave 1 cut-over", date(2026, 11, 26))
    for _ in range(3):  # Monday, Tuesday, Wednesday: nudged, not escalated
        planned = run(pmo).planned
        assert planned.nudged == [ALICE] and planned.escalated == []
        pmo.clock.advance(days=1)
    run(pmo)  # Thursday: the day itself
    pmo.clock.advance(days=1)
    assert run(pmo).planned.escalated == []  # Friday: overdue, first nudge of that occurrence
    pmo.clock.advance(days=3)
    assert run(pmo).planned.escalated == []  # Monday: second
    pmo.clock.advance(days=1)
    [escalated] = run(pmo).planned.escalated  # Tuesday: after two nudges
    assert escalated.subject["ref"] == "APOLLO-M1"
    report = next(m for m in pmo.slack.messages(ADMIN) if m["text"].startswith("Escalation"))
    assert ("*APOLLO-M1* · Wave 1 cut-over — expected 2026-11-26 (baseline 2026-11-26), "
            f"neither done nor forecast again · owner <@{ALICE}>") in str(report["blocks"])


def test_done_or_a_new_forecast_stops_the_reminders(pmo):
    number = add(pmo, "Vendor sign-off", date(2026, 11, 20))
    add(pmo, "Data freeze", date(2026, 11, 19), owner=BOB)
    with pmo.ctx.db.write() as session:
        project, row = store.milestone(session, "APOLLO", number)
        store.set_forecast(session, project=project, row=row, on=date(2026, 12, 18),
                           reason="late", actor=ALICE, now=pmo.clock.at)
        project, row = store.milestone(session, "APOLLO", number + 1)
        store.set_done(session, project=project, row=row, on=date(2026, 11, 19), actor=BOB,
                       now=pmo.clock.at)
    assert run(pmo).planned.nudged == []


def test_snooze_a_milestone_reminder(pmo):
    add(pmo, "Vendor sign-off", date(2026, 11, 20))
    run(pmo)
    [dm] = nudges(pmo, ALICE)
    assert "Snoozed: no reminder about *APOLLO-M1* until" in click(pmo, ALICE, dm,
                                                                  "nudge_snooze")
    pmo.clock.advance(days=1)
    assert run(pmo).planned.nudged == []


def test_the_digest_lists_overdue_milestones_not_heads_ups(pmo):
    from storage.sources import all_due_items, items_to_nudge
    add(pmo, "Wave 1 cut-over", date(2026, 11, 26))
    add(pmo, "Vendor sign-off", date(2026, 11, 20))
    with pmo.ctx.db.read() as session:
        assert sorted(i.subject["ref"] for i in items_to_nudge(
            session, pmo.clock.at, pmo.ctx.rules)) == ["APOLLO-M1", "APOLLO-M2"]
        assert [i.subject["ref"] for i in all_due_items(
            session, pmo.clock.at, pmo.ctx.rules)] == ["APOLLO-M2"]


def test_milestone_source_searches_one_index_range(tmp_path):
    """The planner's cost grows with the milestones due, not with all of them."""
    searches = [step for step in sqlite_plan(tmp_path, MILESTONE_SOURCE)
                if step.startswith("SEARCH milestones")]
    assert searches == ["SEARCH milestones USING INDEX ix_milestones_open "
                        "(done_on=? AND expected_on<?)"], searches


def test_reminder_horizon_on_the_chinese_calendar():
    from pmo_rules.milestones import remind_from, reminder_horizon
    from pmo_rules.schedule import WorkCalendar
    cn = WorkCalendar(country="CN")
    # Golden Week 2026: 1–7 Oct off, Saturday 10 Oct worked. Due Thursday 8 Oct, the three
    # working days before it are 30, 29 and 28 Sep; due Monday 12 Oct, the two before it are
    # Saturday 10 (the adjusted working day) and Friday 9 Oct.
    assert remind_from(date(2026, 10, 8), 3, cn) == date(2026, 9, 28)
    assert reminder_horizon(date(2026, 9, 28), 3, cn) == date(2026, 10, 8)
    assert reminder_horizon(date(2026, 9, 28), 0, cn) == date(2026, 9, 28)
    assert remind_from(date(2026, 10, 12), 2, cn) == date(2026, 10, 9)
