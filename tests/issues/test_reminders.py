"""Issues as a source of the one reminder planner (issue 12): an open issue past its due date
nudges its owner (one DM a day, their time zone), is escalated when ignored, may be snoozed;
resolving it or a new `due:` stops the nudges; one index range."""

from __future__ import annotations

from datetime import date

import pytest

from pmo_rules.issues import rank
from storage import issues as store
from storage.projects import project_by_key
from storage.sources.issue_due import SOURCE as ISSUE_SOURCE
from tests.support import ADMIN, ALICE, START, make_bot
from tests.support.scheduling import add_project, click, dms, nudges, pmo_rules, run, sqlite_plan
from tests.test_reminder_sources import item_lines


@pytest.fixture
def pmo(database_url, slack):
    """APOLLO (PM alice) reported today, so only issues are due; their owner is alice (in
    Shanghai, like the PMO: her working day has begun at START)."""
    made = make_bot(database_url, slack, pmo_rules())
    add_project(made, "APOLLO", ALICE, statuses=[(START, "green")])
    yield made
    made.ctx.db.dispose()


def add(bot, title: str, due: date | None, owner: str = ALICE, severity: str = "high") -> int:
    """Issues recorded earlier (a due date now past was in the future then)."""
    with bot.ctx.db.write() as session:
        return store.add(session, project=project_by_key(session, "APOLLO"), title=title,
                         severity=severity, rank=rank(severity), owner=owner, due=due,
                         actor=ALICE, now=bot.clock.at).number


def test_an_issue_past_its_due_date_nudges_its_owner_then_escalates(pmo):
    add(pmo, "Storage array failed", date(2026, 11, 20))  # last Friday
    add(pmo, "Licence server", date(2026, 11, 30))  # not yet
    add(pmo, "Noisy fan", None)  # no due date: never nudged
    assert run(pmo).planned.nudged == [ALICE]
    [dm] = dms(pmo, ALICE)
    assert item_lines(dm) == [
        "*APOLLO-I1* · Storage array failed — was due 2026-11-20 (3 days overdue): "
        "`/issue resolve APOLLO-I1 …` or a new `due:`"]
    escalated = []
    for _ in range(4):
        pmo.clock.advance(days=1)
        escalated += run(pmo).planned.escalated
    assert [item.subject["ref"] for item in escalated] == ["APOLLO-I1"]
    report = next(m for m in pmo.slack.messages(ADMIN) if m["text"].startswith("Escalation"))
    assert (f"*APOLLO-I1* · Storage array failed — due 2026-11-20, still open · owner <@{ALICE}>"
            in str(report["blocks"]))


def test_resolving_or_a_new_due_date_stops_the_nudges(pmo):
    first = add(pmo, "Storage array failed", date(2026, 11, 20))
    second = add(pmo, "Licence server", date(2026, 11, 19))
    with pmo.ctx.db.write() as session:
        _project, row = store.issue(session, "APOLLO", first)
        row.status = "resolved"
        _project, row = store.issue(session, "APOLLO", second)
        row.due_on = date(2026, 12, 1)
    assert run(pmo).planned.nudged == []


def test_snooze_an_issue_reminder(pmo):
    add(pmo, "Storage array failed", date(2026, 11, 20))
    run(pmo)
    [dm] = nudges(pmo, ALICE)
    assert "Snoozed: no reminder about *APOLLO-I1* until" in click(pmo, ALICE, dm, "nudge_snooze")
    pmo.clock.advance(days=1)
    assert run(pmo).planned.nudged == []


def test_issue_source_searches_one_index_range(tmp_path):
    searches = [step for step in sqlite_plan(tmp_path, ISSUE_SOURCE)
                if step.startswith("SEARCH issues")]
    assert searches == ["SEARCH issues USING INDEX ix_issues_status_due_on "
                        "(status=? AND due_on<?)"], searches
