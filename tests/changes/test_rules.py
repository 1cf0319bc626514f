"""The `/change` grammar and what an approved change does to a baseline: pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pmo_rules.changes import (
    Baseline,
    ChangeRef,
    ListChanges,
    Move,
    Request,
    Withdraw,
    after_change,
    new_finish,
    parse_change_command,
)
from pmo_rules.config import RulesError, parse_rules
from pmo_rules.errors import UserError
from pmo_rules.schedule import WorkCalendar

TODAY = date(2026, 11, 23)
WEEKDAYS = WorkCalendar()


def test_a_request_reads_schedule_cost_scope_to_the_next_option_and_moves():
    parsed = parse_change_command(
        "request apollo Add the Shanghai branch schedule:+10 scope:Branch SH added "
        "cost:+60k moves:APOLLO-M2=2026-12-30,apollo-m3=2027-01-15", TODAY, 5)
    assert parsed == Request("APOLLO", "Add the Shanghai branch", 10, None, Decimal("60000.00"),
                             "Branch SH added",
                             (Move(2, date(2026, 12, 30)), Move(3, date(2027, 1, 15))))
    assert parse_change_command("request APOLLO Earlier schedule:2026-12-18 cost:-5,000",
                                TODAY, 5) == Request("APOLLO", "Earlier", None,
                                                     date(2026, 12, 18), Decimal("-5000.00"))
    assert parse_change_command("list APOLLO all") == ListChanges("APOLLO", True)
    assert parse_change_command("withdraw apollo-c2 Folded into C3") == Withdraw(
        ChangeRef("APOLLO", 2), "Folded into C3")


@pytest.mark.parametrize(("text", "key"), [
    ("request APOLLO Faster schedule:+0", "change.bad_schedule"),
    ("request APOLLO Faster schedule:10", "change.bad_schedule"),
    ("request APOLLO More cost:100", "change.cost_sign"),
    ("request APOLLO More cost:+4e5", "money.malformed"),
    ("request APOLLO Move moves:HERA-M1=2026-12-30", "change.move_other_project"),
    ("request APOLLO Move moves:APOLLO-M1=2026-12-30,APOLLO-M1=2027-01-02", "change.move_twice"),
    ("request APOLLO Nothing", "change.no_impact"),
    ("request APOLLO Empty scope:", "change.scope_empty"),
    ("show APOLLO-M1", "change.id_malformed"),
    ("approve APOLLO-C1", "change.no_such_command"),
])
def test_bad_words_are_refused(text, key):
    with pytest.raises(UserError) as refused:
        parse_change_command(text, TODAY, 5)
    assert refused.value.key == key


def test_working_days_move_the_finish_on_the_calendar():
    friday = date(2026, 10, 30)
    assert new_finish(1, None, friday, WEEKDAYS) == date(2026, 11, 2)
    assert new_finish(10, None, friday, WEEKDAYS) == date(2026, 11, 13)
    assert new_finish(-1, None, friday, WEEKDAYS) == date(2026, 10, 29)
    assert new_finish(None, date(2027, 1, 8), friday, WEEKDAYS) == date(2027, 1, 8)
    assert new_finish(None, None, friday, WEEKDAYS) == friday


def test_after_change_refuses_a_finish_before_the_start_and_a_budget_of_zero():
    base = Baseline(date(2026, 1, 5), date(2026, 10, 30), Decimal("400000"))
    assert after_change(base, days=None, finish=None, cost=Decimal("-1"), calendar=WEEKDAYS,
                        ref="APOLLO-C1").budget == Decimal("399999")
    with pytest.raises(UserError) as refused:
        after_change(base, days=None, finish=None, cost=Decimal("-400000"), calendar=WEEKDAYS,
                     ref="APOLLO-C1")
    assert refused.value.key == "change.budget_not_positive"
    with pytest.raises(UserError) as refused:
        after_change(base, days=None, finish=date(2025, 12, 31), cost=None, calendar=WEEKDAYS,
                     ref="APOLLO-C1")
    assert refused.value.key == "change.finish_before_start"


def test_the_rules_file_changes_section_is_checked():
    rules = parse_rules({"changes": {"approvers": ["U012AB3CD", "U045EF6GH"], "quorum": 2}})
    assert (rules.changes.approvers, rules.changes.quorum) == (("U012AB3CD", "U045EF6GH"), 2)
    for bad, key in [({"quorum": 3, "approvers": ["U012AB3CD"]}, "changes.quorum"),
                     ({"approvers": ["bob"]}, "changes.approvers"),
                     ({"remind_after_hours": 0}, "changes.remind_after_hours"),
                     ({"quorm": "any"}, "changes.quorm")]:
        with pytest.raises(RulesError) as refused:
            parse_rules({"changes": bad})
        assert refused.value.key == key, refused.value
