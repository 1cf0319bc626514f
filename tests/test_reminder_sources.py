"""Overdue risks and gate votes as reminder sources: nudges with the cards' own buttons,
snoozes, escalations, holds that end on the tick, and which projects are chased at all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pmo_rules.approvals import Electorate
from storage import gates as gate_store
from storage import risks as risk_store
from storage.audit import AuditEntry
from storage.gates import GateVote
from storage.projects import Project, project_by_key
from storage.reminders import ReminderLedger
from storage.risks import Risk
from storage.sources.risk_due import SOURCE as RISK_SOURCE
from tests.support import ADMIN, ALICE, BOB, CAROL, GENERAL, START, make_bot
from tests.support.scheduling import add_project, click, dms, nudges, pmo_rules, run, sqlite_plan

TODAY = date(2026, 11, 23)  # START's date in Shanghai, the PMO's zone


@pytest.fixture
def pmo(database_url, slack):
    """Monday 10:00 in Shanghai; APOLLO (PM alice) reported today, so only risks and gates
    are due; escalations go to the admin and #general."""
    made = make_bot(database_url, slack, pmo_rules())
    add_project(made, "APOLLO", ALICE, statuses=[(START, "green")])
    yield made
    made.ctx.db.dispose()


def add_risk(bot, *, owner: str = ALICE, review: date, due: date | None = None,
             score: tuple[int, int] = (4, 5), title: str = "Vendor may slip",
             key: str = "APOLLO", at=None) -> int:
    with bot.ctx.db.write() as session:
        values = dict(title=title, probability=score[0], impact=score[1], owner_id=owner,
                      response=None, due_on=due, next_review_on=review, status="open",
                      description=None, trigger=None)
        risk = risk_store.add_risk(session, project=project_by_key(session, key),
                                   values=values, actor=owner, now=at or bot.clock.at)
        return risk.id


def request_gate(bot, *, approvers=(ADMIN, ALICE), at=None, key: str = "APOLLO") -> int:
    with bot.ctx.db.write() as session:
        request = gate_store.add_request(
            session, project=project_by_key(session, key), requester=BOB,
            now=at or bot.clock.at, note="", checklist=[],
            electorate=Electorate(tuple(approvers), len(approvers), "all"))
        return request.id


def item_lines(message: dict) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"][1:]
            if b["type"] == "section" and "text" in b]


def action_ids(message: dict) -> list[list[str]]:
    return [[e["action_id"] for e in b["elements"]] for b in message["blocks"]
            if b["type"] == "actions"]


# --- risks ----------------------------------------------------------------------------------

def test_an_overdue_review_nudges_the_owner_with_the_risk_buttons(pmo):
    add_risk(pmo, review=TODAY)  # due today: not overdue yet
    assert run(pmo).planned.nudged == []
    pmo.clock.advance(days=1)
    run(pmo)
    [dm] = dms(pmo, ALICE)
    line = item_lines(dm)[0]
    assert line.startswith("*APOLLO-R1* · Vendor may slip — review was due 2026-11-23 "
                           "(1 day overdue)")
    assert "score 20" in line
    assert action_ids(dm) == [["risk_reviewed", "risk_update", "risk_close", "nudge_snooze"]]
    labels = [e["text"]["text"] for b in dm["blocks"] if b["type"] == "actions"
              for e in b["elements"]]
    assert labels == ["Mark reviewed", "Update", "Close", "Snooze 1 day"]


def test_mark_reviewed_in_the_nudge_stops_it_and_a_later_date_starts_again(pmo):
    risk_id = add_risk(pmo, review=TODAY - timedelta(days=2), due=TODAY + timedelta(days=1))
    run(pmo)
    [dm] = nudges(pmo, ALICE)
    assert "reviewed" in click(pmo, ALICE, dm, "risk_reviewed")
    with pmo.ctx.db.read() as session:
        risk = session.get(Risk, risk_id)
        assert risk.next_review_on > TODAY and risk.last_reviewed_by == ALICE
    pmo.clock.advance(days=1)
    run(pmo)  # Tuesday: reviewed, and the response is due today, not yet overdue
    assert len(nudges(pmo, ALICE)) == 1
    pmo.clock.advance(days=1)
    run(pmo)  # Wednesday: the response date has passed: a new occurrence
    assert len(nudges(pmo, ALICE)) == 2
    assert "response was due 2026-11-24" in nudges(pmo, ALICE)[-1]["blocks"][1]["text"]["text"]
    with pmo.ctx.db.read() as session:
        keys = sorted(session.scalars(select(ReminderLedger.item_key)))
    assert keys == [f"risk:{risk_id}:20261120T1600Z", f"risk:{risk_id}:20261123T1600Z"]


def test_closed_risks_and_risks_of_closed_projects_are_not_chased(pmo):
    closed = add_risk(pmo, review=TODAY - timedelta(days=3))
    add_project(pmo, "OLD", ALICE, statuses=[(START, "green")])
    add_risk(pmo, review=TODAY - timedelta(days=3), key="OLD")
    with pmo.ctx.db.write() as session:
        session.get(Risk, closed).status = "closed"
        project_by_key(session, "OLD").state = "closed"
    assert run(pmo).planned.nudged == []


def test_snoozing_a_risk_and_someone_elses_snooze(pmo):
    add_risk(pmo, review=TODAY - timedelta(days=1))
    run(pmo)
    [dm] = nudges(pmo, ALICE)
    assert "only they can snooze it" in click(pmo, BOB, dm, "nudge_snooze")
    assert "Snoozed: no reminder about *APOLLO-R1* until" in click(pmo, ALICE, dm, "nudge_snooze")
    pmo.clock.advance(days=1)
    assert run(pmo).planned.nudged == []
    pmo.clock.advance(days=1)
    assert run(pmo).planned.nudged == [ALICE]


def test_risk_source_searches_its_two_date_indexes(tmp_path):
    """Like the status source: one index range per date column, never a scan of all risks."""
    searches = [step for step in sqlite_plan(tmp_path, RISK_SOURCE)
                if step.startswith("SEARCH risks")]
    assert len(searches) == 2, searches
    assert any("next_review_on<?" in s for s in searches), searches
    assert any("due_on<?" in s for s in searches), searches


# --- gate votes -----------------------------------------------------------------------------

def test_approvers_who_have_not_voted_are_nudged_after_the_wait(pmo):
    request_id = request_gate(pmo, at=START - timedelta(hours=23))
    with pmo.ctx.db.write() as session:
        session.add(GateVote(request_id=request_id, approver_id=ALICE, vote="approve",
                             at=START))
    assert run(pmo).planned.nudged == []  # 23 hours: not yet
    pmo.clock.advance(hours=1)
    assert run(pmo).planned.nudged == [ADMIN]  # alice has voted already
    [dm] = dms(pmo, ADMIN)
    assert "the *Initiation* gate review requested by <@UBOB001>" in item_lines(dm)[0]
    assert action_ids(dm) == [["gate_approve", "gate_reject", "nudge_snooze"]]
    approve = next(e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == "gate_approve")
    assert approve["value"] == f'{{"g":{request_id}}}'


def test_approve_from_the_nudge_casts_the_vote_and_stops_the_nudges(pmo):
    request_id = request_gate(pmo, at=START - timedelta(days=2))
    run(pmo)
    [dm] = nudges(pmo, ADMIN)
    assert "Your approval" in click(pmo, ADMIN, dm, "gate_approve")
    with pmo.ctx.db.read() as session:
        assert session.scalar(select(GateVote.vote).where(
            GateVote.request_id == request_id, GateVote.approver_id == ADMIN)) == "approve"
    pmo.clock.advance(days=1)
    assert run(pmo).planned.nudged == [ALICE]


def test_each_approver_snoozes_only_their_own_vote_reminder(pmo):
    request_gate(pmo, at=START - timedelta(days=2))
    run(pmo)
    [to_admin] = nudges(pmo, ADMIN)
    assert "your vote on *APOLLO*'s Initiation gate" in click(pmo, ADMIN, to_admin,
                                                               "nudge_snooze")
    assert "only they can snooze it" in click(pmo, CAROL, to_admin, "nudge_snooze")
    pmo.clock.advance(days=1)
    assert run(pmo).planned.nudged == [ALICE]


# --- escalation, digest lines ---------------------------------------------------------------

def test_overdue_risks_and_votes_are_escalated_once_after_two_nudges(pmo):
    add_risk(pmo, review=TODAY - timedelta(days=1), due=TODAY - timedelta(days=1))
    request_gate(pmo, approvers=(ALICE,), at=START - timedelta(days=2))
    run(pmo)
    pmo.clock.advance(days=1)
    run(pmo)
    pmo.clock.advance(days=1)
    escalated = run(pmo).planned.escalated
    assert sorted(i.kind for i in escalated) == ["gate_vote", "risk"]
    [report] = [m for m in pmo.slack.messages(ADMIN) if m["text"].startswith("Escalation")]
    text = str(report["blocks"])
    assert "*APOLLO-R1* · Vendor may slip — review overdue since 2026-11-22, response " \
           "overdue since 2026-11-22 · owner <@UALICE1>" in text
    assert "*APOLLO* · Initiation gate — no vote from <@UALICE1> since" in text
    pmo.clock.advance(days=1)
    assert run(pmo).planned.escalated == []
    escalations = [m for m in pmo.slack.messages(GENERAL) if m["text"].startswith("Escalation")]
    assert len(escalations) == 1


# --- holds and project states ---------------------------------------------------------------

def test_the_tick_resumes_projects_whose_hold_ended_and_audits_it(pmo):
    add_project(pmo, "PAUSED", CAROL, statuses=[(START - timedelta(days=30), "amber")])
    with pmo.ctx.db.write() as session:
        project = project_by_key(session, "PAUSED")
        project.state, project.hold_until = "on_hold", START + timedelta(days=2)
    assert run(pmo).planned.resumed == []
    pmo.clock.at = START + timedelta(days=2, hours=13)  # Wednesday 09:00 in New York
    result = run(pmo)
    assert result.planned.resumed == ["PAUSED"] and result.planned.nudged == [CAROL]
    with pmo.ctx.db.read() as session:
        project = project_by_key(session, "PAUSED")
        assert (project.state, project.hold_until) == ("active", None)
        [entry] = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "project.resumed"))
        assert entry.actor_id == "system" and entry.subject_id == "PAUSED"
    assert run(pmo).planned.resumed == []


@pytest.mark.parametrize("state", ["on_hold", "cancelled", "closed"])
def test_status_reminders_skip_held_cancelled_and_closed_projects(pmo, state):
    add_project(pmo, "QUIET", ALICE)  # never reported: due at once if active
    with pmo.ctx.db.write() as session:
        project = project_by_key(session, "QUIET")
        project.state = state
        project.hold_until = START + timedelta(days=30) if state == "on_hold" else None
    assert run(pmo).planned.nudged == []
    with pmo.ctx.db.write() as session:
        session.scalar(select(Project).where(Project.key == "QUIET")).state = "active"
    assert run(pmo).planned.nudged == [ALICE]
