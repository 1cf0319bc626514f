"""Bots for gate tests: gate rules in force and project APOLLO registered."""

from __future__ import annotations

import pytest

from tests.support import make_bot
from tests.support.gates import add_apollo, gate_rules, quiesce


@pytest.fixture
def gate_bot(database_url, slack):
    """Make a bot with the given rules (default: `gate_rules()`) and APOLLO; cleaned up after."""
    made = []

    def make(rules=None):
        bot = make_bot(database_url, slack, rules or gate_rules())
        add_apollo(bot)
        made.append(bot)
        return bot

    yield make
    for bot in made:
        quiesce(bot)
        bot.ctx.db.dispose()


@pytest.fixture
def gated(gate_bot):
    """Initiation: bob or carol; planning: both; execution and closing: bob (see gate_rules)."""
    return gate_bot()
