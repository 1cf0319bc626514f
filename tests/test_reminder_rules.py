"""The reminder planner, button values, the digest's figures and Slack paging: pure rules."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo_rules.clock import overdue_by
from pmo_rules.config import DEFAULT_RULES
from pmo_rules.digest import LatestStatus, ProjectFacts, compose
from pmo_rules.errors import UserError
from pmo_rules.reminders import (
    MAX_ITEMS_PER_NUDGE,
    DueItem,
    LedgerState,
    nudge_key,
    plan_reminders,
)
from pmo_rules.schedule import WorkCalendar
from pmo_rules.values import PostStatus, Snooze

RULES = DEFAULT_RULES
CAL = WorkCalendar()
SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")
MONDAY_10_SHANGHAI = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 03:00 in Berlin
TODAY = date(2026, 11, 23)


def item(n: int, recipient: str = "UA", *, days_ago: int = 1, kind: str = "status") -> DueItem:
    return DueItem(kind=kind, item_id=str(n), recipient=recipient,
                   due_at=MONDAY_10_SHANGHAI - timedelta(days=days_ago),
                   subject={"key": f"P{n}"})


def plan(items, ledger=None, zones=None, already=(), now=MONDAY_10_SHANGHAI, rules=RULES):
    zones = {"UA": SHANGHAI, "UB": BERLIN} if zones is None else zones
    return plan_reminders(items, ledger or {}, zones, set(already), now, rules, CAL)


# --- planning -----------------------------------------------------------------------------------

def test_one_nudge_per_person_grouping_their_items_oldest_first():
    result = plan([item(1, days_ago=1), item(2, days_ago=5), item(3, "UB")],
                  zones={"UA": SHANGHAI, "UB": SHANGHAI})
    assert [(n.recipient, [i.item_id for i in n.items]) for n in result.nudges] == [
        ("UA", ["2", "1"]), ("UB", ["3"])]
    assert result.nudges[0].dedupe_key == nudge_key("UA", TODAY)


def test_people_outside_their_civil_hours_wait():
    result = plan([item(1), item(2, "UB")])  # 10:00 in Shanghai, 03:00 in Berlin
    assert [n.recipient for n in result.nudges] == ["UA"]


def test_nobody_is_nudged_twice_a_day():
    assert not plan([item(1)], already={nudge_key("UA", TODAY)}).nudges


def test_snoozed_items_are_left_out_until_the_snooze_ends():
    until = MONDAY_10_SHANGHAI + timedelta(hours=1)
    snoozed = {(item(1).key, "UA"): LedgerState(snoozed_until=until)}
    result = plan([item(1), item(2)], ledger=snoozed)
    assert [i.item_id for i in result.nudges[0].items] == ["2"]
    assert not plan([item(1)], ledger=snoozed).nudges
    later = MONDAY_10_SHANGHAI + timedelta(hours=2)
    assert plan([item(1)], ledger=snoozed, now=later).nudges


def test_escalation_after_the_configured_nudges_on_earlier_days_once():
    due = item(1)
    yesterday = TODAY - timedelta(days=1)
    once = {(due.key, "UA"): LedgerState(nudges=1, last_nudged_on=yesterday)}
    twice = {(due.key, "UA"): LedgerState(nudges=2, last_nudged_on=yesterday)}
    reported = {(due.key, "UA"): LedgerState(nudges=2, last_nudged_on=yesterday, escalated=True)}
    assert plan([due], ledger=once).escalations == ()
    assert plan([due], ledger=twice).escalations == (due,)
    assert plan([due], ledger=reported).escalations == ()
    strict = replace(RULES, reminders=replace(RULES.reminders, escalate_after=3))
    assert plan([due], ledger=twice, rules=strict).escalations == ()


def test_unknown_time_zones_are_reported_not_guessed():
    result = plan([item(1, "UX")])
    assert result.nudges == () and result.unknown_zones == {"UX"}


def test_a_long_list_is_cut_and_counted():
    result = plan([item(n) for n in range(MAX_ITEMS_PER_NUDGE + 7)])
    [nudge] = result.nudges
    assert len(nudge.items) == MAX_ITEMS_PER_NUDGE and nudge.more == 7


def test_overdue_by_counts_calendar_days_on_the_pmos_clock():
    due = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    shanghai = ZoneInfo("Asia/Shanghai")
    assert overdue_by(due, due + timedelta(hours=3), shanghai) == 0  # 23:00: due today
    assert overdue_by(due, due + timedelta(hours=5), shanghai) == 1  # 01:00 the next day
    assert overdue_by(due, due + timedelta(days=3, hours=1), shanghai) == 3
    assert overdue_by(due, due - timedelta(days=1), shanghai) == 0


# --- button values ------------------------------------------------------------------------------

def test_snooze_value_round_trip():
    due = item(12)
    value = json.dumps({"n": due.key})
    snooze = Snooze.decode(value)
    assert (snooze.kind, snooze.item_id, snooze.item_key) == ("status", "12", due.key)


@pytest.mark.parametrize("raw", [None, "", "{", "[]", '{"n": 3}', '{"n": "status"}',
                                 '{"n": "status:12:yesterday"}', '{"x": "status:1:20261123T0200Z"}',
                                 json.dumps({"n": "s:" + "9" * 200 + ":20261123T0200Z"})])
def test_damaged_snooze_values_get_a_clear_refusal(raw):
    with pytest.raises(UserError) as refused:
        Snooze.decode(raw)
    assert refused.value.key == "nudge.malformed"


def test_post_status_value_names_a_project():
    assert PostStatus.decode('{"p": "apollo"}').key == "APOLLO"
    with pytest.raises(UserError):
        PostStatus.decode('{"p": "not a key"}')


@given(st.one_of(st.none(), st.text(max_size=300), st.binary(max_size=50),
                 st.dictionaries(st.text(max_size=5), st.text(max_size=20)).map(json.dumps)))
def test_button_parsers_are_total(raw):
    for parse in (Snooze.decode, PostStatus.decode):
        with contextlib.suppress(UserError):  # a refusal is fine; any other exception is not
            parse(raw)


# --- the digest's figures -----------------------------------------------------------------------

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def test_portfolio_counts_trends_and_compliance():
    projects = [ProjectFacts(1, "APOLLO", "Apollo", "UA"), ProjectFacts(2, "ZEUS", "Zeus", "UB"),
                ProjectFacts(3, "HERA", "Hera", "UA"), ProjectFacts(4, "NEW", "New", "UB")]
    latest = {1: LatestStatus("red", NOW - timedelta(days=2)),
              2: LatestStatus("green", NOW - timedelta(days=9)),
              3: LatestStatus("amber", NOW - timedelta(days=20))}
    week_ago = {1: "amber", 2: "red", 3: "amber"}
    overdue = [item(2, "UB"), item(3, "UA"), item(4, "UB")]
    report = compose(projects, latest, week_ago, overdue, NOW, RULES.status, tz=UTC)
    assert [(c.category, c.now, c.change) for c in report.counts] == [
        ("red", 1, 0), ("amber", 1, -1), ("green", 1, 1), ("none", 1, 0)]
    assert [(r.key, r.rag, r.trend, r.compliance) for r in report.rows] == [
        ("APOLLO", "red", "down", "ok"), ("HERA", "amber", "flat", "stale"),
        ("ZEUS", "green", "up", "late"), ("NEW", None, "flat", "missing")]
    assert report.on_time == 1 and report.total == 4
    assert [r.key for r in report.missing] == ["NEW"] and [r.key for r in report.stale] == ["HERA"]
    assert [(o.owner, len(o.items)) for o in report.overdue] == [("UB", 2), ("UA", 1)]


def test_a_project_new_this_week_shows_as_new():
    report = compose([ProjectFacts(1, "APOLLO", "Apollo", "UA")],
                     {1: LatestStatus("green", NOW)}, {}, [], NOW, RULES.status, tz=UTC)
    assert report.rows[0].trend == "new"


def test_a_new_project_is_counted_now_but_its_colour_is_not_a_change():
    projects = [ProjectFacts(1, "OLD", "Old", "UA", NOW - timedelta(days=30)),
                ProjectFacts(2, "NEW", "New", "UA", NOW - timedelta(days=6)),
                ProjectFacts(3, "EDGE", "Edge", "UA", NOW - timedelta(days=7))]
    report = compose(projects, {1: LatestStatus("green", NOW), 2: LatestStatus("red", NOW)},
                     {1: "green"}, [], NOW, RULES.status, tz=UTC)
    assert [(c.category, c.now, c.change) for c in report.counts] == [
        ("red", 1, 0), ("amber", 0, 0), ("green", 1, 0), ("none", 1, 0)]
    assert report.new == 1  # EDGE was registered exactly a week ago: it had a last week
