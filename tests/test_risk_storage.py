"""Risk storage on both databases: readable IDs under concurrency, locking, the planner's query."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage import risks as store
from storage.db import Database
from storage.migrate import alembic_config, upgrade
from storage.projects import Project, add_project
from storage.risks import Risk
from tests.support import ALICE, APOLLO_CHANNEL, BOB

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    with database.write() as session:
        for key in ("APOLLO", "ZEUS"):
            add_project(session, key=key, name=key.title(), pm_id=ALICE,
                        channel_id=APOLLO_CHANNEL, actor=ALICE, now=NOW)
    yield database
    database.dispose()


def _values(title: str = "Slip", **overrides) -> dict:
    return {"title": title, "probability": 3, "impact": 4, "owner_id": ALICE,
            "next_review_on": date(2026, 12, 7), "status": "open", **overrides}


def _add(db: Database, key: str = "APOLLO", **overrides) -> int:
    with db.write() as session:
        project = session.scalar(select(Project).where(Project.key == key))
        return store.add_risk(session, project=project, values=_values(**overrides),
                              actor=ALICE, now=NOW).number


def _in_parallel(count: int, work) -> list:
    """Run `work(i)` in `count` threads released together; results (or exceptions) in order."""
    start, results = threading.Barrier(count), [None] * count

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_adds_get_distinct_consecutive_numbers(db):
    numbers = _in_parallel(12, lambda i: _add(db, "APOLLO" if i % 3 else "ZEUS",
                                              title=f"Risk {i}"))
    assert not [n for n in numbers if isinstance(n, Exception)], numbers
    with db.read() as session:
        refs = sorted(str(r.ref) for r in session.scalars(select(Risk)).unique())
    assert refs == sorted([f"APOLLO-R{n}" for n in range(1, 9)] +
                          [f"ZEUS-R{n}" for n in range(1, 5)])


def test_the_database_refuses_a_duplicate_number(db):
    _add(db)
    with pytest.raises(IntegrityError), db.write() as session:
        project = session.scalar(select(Project).where(Project.key == "APOLLO"))
        session.add(Risk(project_id=project.id, number=1, score=12, created_by=ALICE,
                         created_at=NOW, updated_at=NOW, **_values()))


def test_concurrent_changes_queue_on_the_risk_row(db):
    """Two editors raising the impact at once: both land, one after the other (no lost update),
    and the version counts both."""
    _add(db)

    def bump(i: int) -> None:
        with db.write() as session:
            risk = store.risk_by_id(session, 1, for_update=True)
            store.change_risk(session, risk, {"impact": risk.impact + 1}, actor=ALICE, now=NOW)

    assert _in_parallel(2, bump) == [None, None]
    with db.read() as session:
        risk = store.risk_by_id(session, 1)
        assert (risk.impact, risk.score, risk.version) == (6, 18, 3)
        assert len(store.history(session, 1)) == 3


def test_overdue_risks_is_what_the_reminder_planner_scans(db):
    _add(db, title="review late", next_review_on=date(2026, 11, 20))
    _add(db, title="response late", due_on=date(2026, 11, 22))
    _add(db, title="due today", due_on=date(2026, 11, 23), next_review_on=date(2026, 11, 23))
    _add(db, title="closed and late", next_review_on=date(2026, 11, 1), status="closed")
    _add(db, title="fine", owner_id=BOB)
    with db.read() as session:
        late = [r.title for r in store.overdue_risks(session, date(2026, 11, 23))]
        including_today = store.overdue_risks(session, date(2026, 11, 24))
    assert sorted(late) == ["response late", "review late"]
    assert "due today" in [r.title for r in including_today]


def test_lists_and_portfolio_queries(db):
    _add(db, title="a", probability=1, impact=1)
    _add(db, title="b", probability=5, impact=5, owner_id=BOB)
    _add(db, title="c", probability=5, impact=5, due_on=date(2026, 12, 1))
    _add(db, "ZEUS", title="d", probability=2, impact=2, status="mitigating")
    _add(db, "ZEUS", title="e", probability=5, impact=4, status="closed")
    with db.read() as session:
        apollo = session.scalar(select(Project.id).where(Project.key == "APOLLO"))
        assert [r.title for r in store.project_risks(session, apollo)] == ["c", "b", "a"]
        assert [r.title for r in store.owned_risks(session, ALICE, include_closed=True)] == [
            "c", "e", "d", "a"]
        assert [r.title for r in store.top_risks(session, 2)] == ["c", "b"]
        assert store.heat_counts(session) == {(1, 1): 1, (5, 5): 2, (2, 2): 1}
        assert store.count_risks(session, owner_id=ALICE) == 3


def test_migration_downgrades_and_upgrades_cleanly(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'mig.sqlite3'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0001")
    upgrade(url)
    command.check(alembic_config(url))  # the models and the migrations agree
