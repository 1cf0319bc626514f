"""The closing gate asks for the lessons-learned session (issue 14): with fewer than `[lessons]
required_at_closing` lessons its request is refused with the fix; once they are recorded the
request form lists them and ticks the lessons-learned item. Both databases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pmo_rules.config import GateRule, LessonRules
from storage.gates import GateRequest
from storage.projects import Project
from tests.support import BOB, make_bot
from tests.support.gates import add_apollo, gate_rules, open_form, say


@pytest.fixture
def closing(database_url, slack):
    rules = replace(gate_rules(closing=GateRule(approvers=(BOB,))),
                    lessons=LessonRules(required_at_closing=2))
    bot = make_bot(database_url, slack, rules)
    add_apollo(bot)
    with bot.ctx.db.write() as session:
        session.query(Project).filter_by(key="APOLLO").one().phase = "closing"
    yield bot
    bot.close()


def test_the_closing_gate_waits_for_the_lessons_and_its_form_lists_them(closing):
    response, view = open_form(closing)
    assert view is None
    assert response.text.startswith(
        ":no_entry: *APOLLO* can't request its closing gate yet: it has 0 lessons learned and "
        "the closing gate asks for at least 2. Hold the lessons-learned session and record "
        "them with `/lesson add APOLLO`.")
    say(closing, "/lesson", "add APOLLO Freeze the DNS runbook early category:schedule")
    response, view = open_form(closing)
    assert "it has 1 lesson learned" in response.text and view is None
    say(closing, "/lesson", "add APOLLO Book the vendor early category:vendor went:well")
    response, view = open_form(closing)
    assert view is not None, response.text
    checks = [b for b in view["blocks"] if b.get("block_id", "").startswith("gate_check_")]
    item = checks[-1]
    assert item["label"]["text"] == "A post-project evaluation or lessons-learned session was held"
    assert item["element"]["initial_options"][0]["value"] == "done"
    assert all("initial_options" not in b["element"] for b in checks[:-1])
    listed = str(view["blocks"])
    assert "Lessons learned recorded (2)" in listed and "*L-1*" in listed and "*L-2*" in listed
    with closing.ctx.db.read() as session:
        assert session.query(GateRequest).count() == 0
