"""Bots for change request tests: APOLLO registered, with a plan, a baseline and milestones."""

from __future__ import annotations

import pytest

from tests.changes.support import baseline, change_rules
from tests.support import make_bot
from tests.support.gates import add_apollo, quiesce


@pytest.fixture
def change_bot(database_url, slack):
    made = []

    def make(rules=None, with_baseline=True):
        bot = make_bot(database_url, slack, rules or change_rules())
        add_apollo(bot)
        if with_baseline:
            baseline(bot)
        made.append(bot)
        return bot

    yield make
    for bot in made:
        quiesce(bot)
        bot.close()


@pytest.fixture
def changes(change_bot):
    """Approvers bob or carol (quorum any); APOLLO baselined 2026-01-05 → 2026-10-30,
    CNY 400,000; APOLLO-M1 due 2026-12-11, APOLLO-M2 due 2027-01-15."""
    return change_bot()
