"""The stage-gate invariants the database itself keeps, and the queries other features read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from pmo_rules.approvals import APPROVE, Electorate
from storage import gates as store
from storage.audit import AuditEntry
from storage.db import Database
from storage.projects import Project, add_project
from tests.support import ADMIN, ALICE, BOB, CAROL, START


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


def new_project(db: Database, key: str = "APOLLO") -> int:
    with db.write() as session:
        return add_project(session, key=key, name=key.title(), pm_id=ALICE, channel_id="C1",
                           actor=ADMIN, now=START).id


def new_request(db: Database, project_id: int, at=START, approvers=(BOB, CAROL)) -> int:
    with db.write() as session:
        project = session.get(Project, project_id)
        return store.add_request(session, project=project, requester=ALICE, now=at, note="",
                                 checklist=[], electorate=Electorate(approvers, 1, "any")).id


def test_one_vote_per_approver_is_a_database_constraint(db):
    request_id = new_request(db, new_project(db))
    with db.write() as session:
        store.add_vote(session, request=store.get_request(session, request_id), approver=BOB,
                       vote=APPROVE, now=START)
    with pytest.raises(IntegrityError), db.write() as session:
        store.add_vote(session, request=store.get_request(session, request_id), approver=BOB,
                       vote=APPROVE, now=START)


def test_one_open_request_per_project_is_a_database_constraint(db):
    project_id = new_project(db)
    first = new_request(db, project_id)
    with pytest.raises(IntegrityError):
        new_request(db, project_id)
    with db.write() as session:
        store.decide(session, request=store.get_request(session, first), state="withdrawn",
                     actor=ALICE, now=START)
    new_request(db, project_id)  # a decided request no longer counts
    new_request(db, new_project(db, "ZEUS"))  # nor does another project's


def test_unknown_states_and_votes_are_refused_by_the_database(db):
    request_id = new_request(db, new_project(db))
    with pytest.raises(IntegrityError), db.write() as session:
        session.execute(update(store.GateRequest).values(state="approved"))
    with pytest.raises(IntegrityError), db.write() as session:
        store.add_vote(session, request=store.get_request(session, request_id), approver=BOB,
                       vote="maybe", now=START)


def test_deciding_and_moving_are_conditional(db):
    project_id = new_project(db)
    request_id = new_request(db, project_id)
    with db.write() as session:
        request = store.get_request(session, request_id)
        assert store.decide(session, request=request, state="passed", actor=BOB, now=START)
        assert not store.decide(session, request=request, state="rejected", actor=CAROL,
                                now=START)
        project = session.get(Project, project_id)
        move = dict(project=project, from_phase="initiation", phase="planning", state="active",
                    hold_until=None, actor=BOB, now=START)
        assert store.move_project(session, **move)
        assert not store.move_project(session, **move)  # no longer in initiation
    with db.read() as session:
        assert store.get_request(session, request_id).state == "passed"
        assert session.get(Project, project_id).phase == "planning"
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["project.added", "gate.requested", "gate.passed",
                           "project.gate_outcome"]


def test_waiting_votes_lists_each_approver_yet_to_vote_oldest_first(db):
    older = new_request(db, new_project(db, "ZEUS"), at=START - timedelta(days=2))
    newer = new_request(db, new_project(db), approvers=(CAROL,))
    with db.write() as session:
        store.add_vote(session, request=store.get_request(session, older), approver=BOB,
                       vote=APPROVE, now=START)
    with db.read() as session:
        waiting = [(w.request.id, w.project.key, w.approver_id, w.requested_at)
                   for w in store.waiting_votes(session)]
        pending = [row.project.key for row in store.pending_requests(session)]
    assert waiting == [(older, "ZEUS", CAROL, START - timedelta(days=2)),
                       (newer, "APOLLO", CAROL, START)]
    assert pending == ["ZEUS", "APOLLO"]


def test_ended_holds_resume(db):
    project_id = new_project(db)
    still_held = new_project(db, "ZEUS")
    with db.write() as session:
        for pid, until in ((project_id, START), (still_held, START + timedelta(hours=1))):
            session.execute(update(Project).where(Project.id == pid)
                            .values(state="on_hold", hold_until=until))
    with db.write() as session:
        assert [p.key for p in store.resume_ended_holds(session, START)] == ["APOLLO"]
    with db.write() as session:
        assert store.resume_ended_holds(session, START) == []
    with db.read() as session:
        assert (session.get(Project, project_id).state,
                session.get(Project, still_held).state) == ("active", "on_hold")
        assert session.scalars(select(AuditEntry.action)).all()[-1] == "project.resumed"
