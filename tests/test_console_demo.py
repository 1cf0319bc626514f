"""`--demo`: the sample portfolio is believable, written like real data, and always the same."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console.clock import CONSOLE_START, starting_instant
from bot.console.demo import seed_demo
from bot.console.main import run_console
from bot.console.workspace import ADMIN, GRACE, HENRY, HERMES, sample_rules
from bot.rules_file import load_rules
from pmo_rules.rag import Rag
from pmo_rules.risk import overdue_reasons, pmo_today
from services.indicators import portfolio_indicators
from storage.audit import AuditEntry, last_entry_at
from storage.db import Database
from storage.gates import GateRequest
from storage.migrate import upgrade
from storage.models import Base
from storage.outbox import Delivery
from storage.projects import Project, latest_statuses, recent_statuses
from storage.risks import Risk

RULES = sample_rules()


@pytest.fixture
def seeded(database_url):
    """A database holding the demo portfolio."""
    db = Database(database_url)
    seed_demo(db, RULES)
    yield db
    db.dispose()


def dump(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order, with times as UTC text."""
    tables = {}
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [tuple(v.isoformat() if isinstance(v, datetime) else v
                                        for v in row) for row in rows]
    return tables


def test_the_demo_is_the_same_every_time_and_on_both_databases(database_url, tmp_path):
    here = Database(database_url)
    assert seed_demo(here, RULES)
    reference_url = f"sqlite:///{tmp_path / 'reference.sqlite3'}"
    upgrade(reference_url)
    reference = Database(reference_url)
    assert seed_demo(reference, RULES)
    assert dump(here) == dump(reference)
    assert len(dump(here)["status_updates"]) == 35
    here.dispose()
    reference.dispose()


def test_the_portfolio_has_every_phase_and_stale_and_overdue_projects(seeded):
    db = seeded
    rules = sample_rules()
    with db.read() as session:
        projects = {p.key: p for p in session.scalars(select(Project))}
        latest = latest_statuses(session)
        history = {key: recent_statuses(session, p.id, 100) for key, p in projects.items()}
    assert {p.phase for p in projects.values()} == {"initiation", "planning", "execution",
                                                      "closing"}
    age = {key: (CONSOLE_START - latest[p.id].created_at).days for key, p in projects.items()}
    assert age["ORION"] > rules.status.stale_after_days  # stale
    assert rules.status.cadence_days < age["ZEUS"] < rules.status.stale_after_days  # overdue
    assert all(age[key] < rules.status.cadence_days for key in ("APOLLO", "HERMES", "ATHENA"))
    for key in ("APOLLO", "HERMES", "ATHENA", "ORION"):
        times = sorted(s.created_at for s in history[key])
        assert len(times) == 8 and times[-1] - times[0] > timedelta(days=48)  # weekly, 8 weeks
        assert all(s.author_id == projects[key].pm_id for s in history[key])
    assert {s.overall for h in history.values() for s in h} == {"green", "amber", "red"}


def test_a_dozen_risks_across_levels_some_overdue_two_ended(seeded):
    db = seeded
    today = pmo_today(CONSOLE_START, RULES.pmo.tz)
    with db.read() as session:
        risks = list(session.scalars(select(Risk)))
        levels = {RULES.risk.levels.level_of(r.score) for r in risks if r.active}
        overdue = {str(r.ref): overdue_reasons(r.status, r.next_review_on, r.due_on, today)
                   for r in risks}
    assert len(risks) == 12
    assert levels == {"low", "medium", "high", "critical"}
    assert sorted(r.status for r in risks if not r.active) == ["closed", "occurred"]
    assert overdue["ORION-R2"] == ("review", "response")  # nobody looked for weeks
    assert overdue["HERMES-R2"] == ("response",)
    assert overdue["APOLLO-R4"] == ()  # reviewed three days ago
    assert sum(bool(reasons) for reasons in overdue.values()) == 5
    assert all(r.created_at < CONSOLE_START for r in risks)


def test_gates_moved_the_projects_one_was_rejected_one_waits_with_its_cards(seeded):
    db = seeded
    with db.read() as session:
        requests = list(session.scalars(select(GateRequest).order_by(GateRequest.id)))
        projects = {p.id: p for p in session.scalars(select(Project))}
        cards = list(session.scalars(select(Delivery)))
    by_state = {}
    for request in requests:
        by_state.setdefault(request.state, []).append(projects[request.project_id].key)
    assert sorted(by_state["passed"]) == ["APOLLO", "APOLLO", "ATHENA", "ATHENA", "ATHENA",
                                          "HERMES", "ORION", "ORION"]
    assert (by_state["rejected"], by_state["open"]) == (["ZEUS"], ["HERMES"])
    [waiting] = [r for r in requests if r.state == "open"]
    assert (waiting.phase, waiting.approvers, waiting.required) == ("planning",
                                                                    [GRACE, HENRY], 1)
    assert sorted(c.channel for c in cards) == sorted([HERMES, GRACE, HENRY])
    assert {c.state for c in cards} == {"pending"} and waiting.card_ids == [c.id for c in cards]


def test_one_project_is_a_watermelon_and_another_on_track(seeded):
    """ORION reports Green while its indicators say Red; ATHENA is Green both ways. Their
    baselines were taken when their planning gates passed."""
    today = pmo_today(CONSOLE_START, RULES.pmo.tz)
    with seeded.read() as session:
        shown = {f.project.key: f for f in portfolio_indicators(session, RULES, today)}
        baselined = {e.subject_id: e.actor_id for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "plan.baselined"))}
    orion, athena = shown["ORION"], shown["ATHENA"]
    assert orion.latest.overall == "green" and orion.indicators.overall == Rag.RED
    assert orion.indicators.spi < 0.75 and orion.indicators.worst_slip.days > 15
    assert (orion.indicators.worst_slip.label, orion.flag.aspect) == ("ORION-M2", "overall")
    assert athena.latest.overall == "green" and athena.indicators.overall == Rag.GREEN
    assert athena.indicators.spi >= 1 and athena.indicators.cpi >= 1 and athena.flag is None
    assert all(shown[key].baseline is None for key in ("APOLLO", "HERMES", "ZEUS"))
    assert baselined == {"ORION": GRACE, "ATHENA": HENRY}  # who passed their planning gates


def test_seeding_writes_a_chronological_audit_log(seeded):
    db = seeded
    with db.read() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert last_entry_at(session) == entries[-1].at < CONSOLE_START
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    actions = {e.action for e in entries}
    assert actions == {"project.added", "status.posted", "risk.added", "risk.reviewed",
                       "risk.closed", "gate.requested", "gate.voted", "gate.passed",
                       "gate.rejected", "project.gate_outcome", "plan.set", "plan.baselined",
                       "milestone.added", "milestone.forecast", "milestone.done", "issue.added",
                       "issue.escalated", "action.added", "decision.recorded", "change.requested",
                       "change.voted", "change.rejected",
                       "proposal.submitted", "proposal.scored", "proposal.screening"}
    assert {e.actor_id for e in entries if e.action == "project.added"} == {ADMIN}


def test_a_database_with_projects_is_left_alone(database_url):
    db = Database(database_url)
    assert seed_demo(db, RULES)
    before = dump(db)
    assert not seed_demo(db, RULES)
    assert dump(db) == before
    db.dispose()


def test_the_console_clock_resumes_where_the_data_left_off():
    assert starting_instant(None) == CONSOLE_START
    assert starting_instant(CONSOLE_START - timedelta(days=3)) == CONSOLE_START
    later = CONSOLE_START + timedelta(days=3, hours=5)
    assert starting_instant(later) == later


def test_a_restarted_console_resumes_after_what_the_scheduler_sent(tmp_path):
    """`:time +3d` audits nothing on the way (the Monday digest and nudges are outbox and
    ledger rows only), yet the next start must not go back to Friday."""
    db = str(tmp_path / "clock.sqlite3")
    first = io.StringIO()
    assert run_console(db=db, demo=True, script=[":time +3d"], stdout=first) == 0
    assert "It is Monday 2026-11-23 10:00" in first.getvalue()
    again = io.StringIO()
    assert run_console(db=db, script=[":time"], stdout=again) == 0
    assert "It is Monday 2026-11-23 09:00" in again.getvalue()  # the digest went out at 09:00
    database = Database(f"sqlite:///{db}")
    with database.read() as session:
        assert last_entry_at(session) < CONSOLE_START  # the audit log alone would say Friday
    database.dispose()


EXAMPLE_RULES = Path(__file__).resolve().parent.parent / "docs" / "rules.example.toml"


def test_with_rules_that_name_no_approvers_the_demo_leaves_out_its_gates_and_says_so(
        tmp_path, monkeypatch):
    monkeypatch.setenv("PMO_RULES", str(EXAMPLE_RULES))
    out = io.StringIO()
    assert run_console(db=str(tmp_path / "demo.sqlite3"), demo=True,
                       script=[":users", "/gate request APOLLO"], stdout=out) == 0
    shown = out.getvalue()
    assert shown.startswith(
        "  --demo left out what these rules do not allow: 10 of its 10 stage gates (the "
        "Initiation gate has no approvers), so those projects stay in the phase they had "
        "reached. The rest of the portfolio is there.\n  While the console started, PMO Bot "
        "sent 2 messages: your DMs, erin's DMs")
    assert "\nalice@#apollo> :users\n" in shown
    assert "  alice   Alice Wang   Asia/Shanghai      PM of APOLLO   ← you\n" in shown
    assert "The Initiation gate of APOLLO has no approvers, so nobody could decide it." in shown


def test_the_demo_seeds_only_the_gates_and_risks_the_rules_allow(database_url):
    rules = load_rules(str(EXAMPLE_RULES))
    rules = replace(rules, risk=replace(rules.risk, scale=3), gates=replace(
        rules.gates, initiation=replace(rules.gate("initiation"), approvers=(GRACE, HENRY),
                                        quorum="all")))
    db = Database(database_url)
    seeded = seed_demo(db, rules)
    with db.read() as session:
        requests = list(session.scalars(select(GateRequest)))
        phases = {p.key: p.phase for p in session.scalars(select(Project))}
        ratings = [(r.probability, r.impact) for r in session.scalars(select(Risk))]
    db.dispose()
    assert seeded.planned == {"gates": 10, "risks": 12}
    assert sorted((i.kind, i.why) for i in seeded.left_out) == (
        [("gates", "one_vote")] * 9 + [("risks", "rating")] * 8)
    assert [r.state for r in requests] == ["rejected"]  # one rejection decides, as it would
    assert set(phases.values()) == {"initiation"}
    assert len(ratings) == 4 and all(p <= 3 and i <= 3 for p, i in ratings)
