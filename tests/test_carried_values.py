"""The percent complete, cost and estimate that each project's latest update carries forward,
worked out by the database (storage.plan_facts.latest_reported, on partial indexes of the
updates that gave each value) against the rule in Python (pmo_rules.plan_watch.progress_of
over the newest RECENT updates), on both databases: random histories with gaps, values given
long ago (more than RECENT updates back: not carried), updates at the same instant, and a
cut-off in the middle of the history (an export as of a past day)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from pmo_rules.plan_watch import progress_of
from storage.db import Database
from storage.plan_facts import RECENT, latest_reported
from storage.projects import Project, StatusUpdate, add_project
from tests.support import ALICE, APOLLO_CHANNEL

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
PROJECTS = 60


@pytest.fixture
def histories(database_url):
    """PROJECTS projects, each with 0–25 updates; each value given at random, rarely for
    some projects and never for others."""
    rng = random.Random(11)
    database = Database(database_url)
    rows = []
    with database.write() as session:
        for n in range(PROJECTS):
            add_project(session, key=f"P{n:03d}", name=f"P{n}", pm_id=ALICE,
                        channel_id=APOLLO_CHANNEL, actor=ALICE, now=NOW - timedelta(days=400))
        ids = list(session.scalars(select(Project.id).order_by(Project.id)))
        for pid in ids:
            odds = {name: rng.choice((0.0, 0.05, 0.3, 0.9)) for name in
                    ("percent_complete", "actual_cost", "estimate_at_completion")}
            when = NOW - timedelta(days=200)
            for _ in range(rng.randint(0, 25)):
                when += timedelta(days=rng.choice((0, 0, 1, 7)))  # same instant now and then
                rows.append({
                    "project_id": pid, "author_id": ALICE, "overall": rng.choice(
                        ("green", "amber", "red")), "summary": "s", "created_at": when,
                    "percent_complete": rng.randint(0, 100) if rng.random() <
                    odds["percent_complete"] else None,
                    "actual_cost": Decimal(rng.randint(1, 9) * 1000) if rng.random() <
                    odds["actual_cost"] else None,
                    "estimate_at_completion": Decimal(rng.randint(1, 9) * 10000) if
                    rng.random() < odds["estimate_at_completion"] else None})
        session.execute(insert(StatusUpdate), rows)
    yield database
    database.dispose()


def _expected(session, before):
    found = {}
    updates = session.scalars(select(StatusUpdate).order_by(
        StatusUpdate.project_id, StatusUpdate.created_at.desc(), StatusUpdate.id.desc()))
    by_project: dict[int, list] = {}
    for update in updates:
        if before is None or update.created_at < before:
            by_project.setdefault(update.project_id, []).append(update)
    for pid, newest_first in by_project.items():
        progress = progress_of(newest_first[:RECENT])
        found[pid] = (newest_first[0].overall, progress.percent, progress.actual_cost,
                      progress.estimate)
    return found


@pytest.mark.parametrize("days_back", [None, 0, 60, 120])
def test_carried_values_match_the_rule(histories, days_back):
    before = None if days_back is None else NOW - timedelta(days=days_back)
    with histories.read() as session:
        expected = _expected(session, before)
        got = {row.project_id: (row.overall, row.percent_complete,
                                None if row.actual_cost is None else float(row.actual_cost),
                                None if row.estimate_at_completion is None
                                else float(row.estimate_at_completion))
               for row in session.execute(select(latest_reported(before)))}
    assert got == expected
    # the histories exercise what the query has to get right
    assert sum(1 for v in expected.values() if v[3] is None) > 5
    assert sum(1 for v in expected.values() if v[3] is not None) > 5
