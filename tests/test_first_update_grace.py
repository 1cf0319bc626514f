"""A new project's grace (`[status] first_update_within_days`, default the cadence): no "no
status update yet" nudge, and no count in the digest's compliance line, until it is over."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from pmo_rules.config import RulesError, parse_rules
from tests.support import ALICE, BOB, START, make_bot
from tests.support.scheduling import add_project, nudges, pmo_rules, run


def grace_rules(**status):
    base = pmo_rules()
    return replace(base, status=replace(parse_rules({}).status, **status))


@pytest.fixture
def pmo(database_url, slack):
    """Default grace (the 7-day cadence); APOLLO reported today, NEWBIE (also alice's) was
    registered today."""
    bot = make_bot(database_url, slack, grace_rules())
    add_project(bot, "APOLLO", ALICE, statuses=[(START, "green")])
    add_project(bot, "NEWBIE", ALICE)
    yield bot
    bot.close()


def preview(bot) -> str:
    before = len(bot.slack.responses)
    bot.command("/pmo", "digest", user=BOB)
    [shown] = bot.slack.wait_for_response(before + 1)[before:]
    return str(shown["body"]["blocks"])


def test_the_rules_file_key_defaults_to_the_cadence():
    assert parse_rules({}).status.first_update_within_days == 7
    assert parse_rules({"status": {"cadence_days": 14}}).status.first_update_within_days == 14
    assert parse_rules({"status": {"first_update_within_days": 0}}).status \
        .first_update_within_days == 0
    for bad in (-1, 366, "7"):
        with pytest.raises(RulesError, match="status.first_update_within_days"):
            parse_rules({"status": {"first_update_within_days": bad}})


def test_no_nudge_for_a_new_project_until_its_grace_is_over(pmo):
    run(pmo)
    assert nudges(pmo, ALICE) == []
    pmo.clock.advance(days=6)
    run(pmo)
    assert nudges(pmo, ALICE) == []
    pmo.clock.advance(days=1)
    run(pmo)
    [nudge] = nudges(pmo, ALICE)
    assert "NEWBIE" in str(nudge["blocks"])


def test_the_compliance_line_leaves_a_new_project_out_until_its_grace_is_over(pmo):
    shown = preview(pmo)
    assert "1 of 1 project reported within 7 days" in shown
    assert "*No update yet:*" not in shown
    pmo.clock.advance(days=7)
    pmo.slack.reset()
    shown = preview(pmo)
    assert "of 2 projects reported" in shown and "*No update yet:* NEWBIE" in shown


def test_a_shorter_grace(database_url, slack):
    bot = make_bot(database_url, slack, grace_rules(first_update_within_days=2))
    try:
        add_project(bot, "NEWBIE", ALICE, at=START - timedelta(days=2))
        run(bot)
        assert len(nudges(bot, ALICE)) == 1
    finally:
        bot.close()
