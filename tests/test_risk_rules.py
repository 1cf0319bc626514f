"""The risk register's pure rules: grammar, scoring, levels, dates, who may change a risk."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_rules import risk
from pmo_rules.config import DEFAULT_RULES, RiskLevels, RiskRules, parse_rules
from pmo_rules.errors import UserError
from pmo_rules.risk import RiskRef
from pmo_rules.risk_command import (
    Add,
    Close,
    Help,
    ListRisks,
    OpenForm,
    Reviewed,
    Show,
    Update,
    parse_risk_command,
)

TODAY = date(2026, 11, 23)
RULES = replace(DEFAULT_RULES, pmo=replace(DEFAULT_RULES.pmo, admins=("UADMIN1",)))


def parse(raw: str, rules=RULES):
    return parse_risk_command(raw, today=TODAY, rules=rules)


def refusal(raw: str, rules=RULES) -> UserError:
    with pytest.raises(UserError) as caught:
        parse(raw, rules)
    return caught.value


# --- the grammar -----------------------------------------------------------------------------


def test_the_issue_example_parses_every_field():
    cmd = parse("add APOLLO Vendor may slip the API p:4 i:5 owner:<@UBOB001|bob> "
                "due:2026-12-01 response:mitigate")
    assert isinstance(cmd, Add)
    d = cmd.draft
    assert (d.key, d.title, d.probability, d.impact) == ("APOLLO", "Vendor may slip the API", 4, 5)
    assert (d.owner_id, d.due_on, d.response, d.status) == ("UBOB001", date(2026, 12, 1),
                                                            "mitigate", "open")
    assert d.next_review_on is None  # the default is filled in when stored
    assert d.values(owner_id="UALICE1", next_review_on=date(2026, 12, 7))["owner_id"] == "UBOB001"


def test_free_text_options_run_to_the_next_option_and_title_words_may_follow_options():
    cmd = parse("add apollo Vendor p:4 may slip desc:Two teams, one API i:3 trigger:Sprint demo "
                "missed review:2026-12-24")
    d = cmd.draft
    assert d.title == "Vendor may slip"
    assert d.description == "Two teams, one API"
    assert d.trigger == "Sprint demo missed"
    assert (d.probability, d.impact, d.next_review_on) == (4, 3, date(2026, 12, 24))


def test_a_note_on_add_is_kept_not_dropped():
    d = parse("add APOLLO Slip p:1 i:1 note:Raised at the steering committee").draft
    assert d.note == "Raised at the steering committee"
    assert "note" not in d.values(owner_id="U1", next_review_on=TODAY)


def test_space_after_colon_full_width_colon_and_chinese_words():
    d = parse("add APOLLO 供应商延期 p: 4 i：5 response:减轻 status:应对中").draft
    assert (d.probability, d.impact, d.response, d.status) == (4, 5, "mitigate", "mitigating")


def test_escaped_slack_text_is_stored_readably():
    d = parse("add APOLLO Vendor &amp; partner &lt;late&gt; p:1 i:1").draft
    assert d.title == "Vendor & partner <late>"


@pytest.mark.parametrize(("raw", "expected"), [
    ("", OpenForm()),
    ("add", OpenForm()),
    ("add apollo", OpenForm(key="APOLLO")),
    ("help", Help()),
    ("list", ListRisks()),
    ("list all", ListRisks(include_closed=True)),
    ("list apollo ALL", ListRisks(key="APOLLO", include_closed=True)),
    ("show apollo-r12", Show(RiskRef("APOLLO", 12))),
    ("APOLLO-R3", Show(RiskRef("APOLLO", 3))),
    ("update APOLLO-R1", OpenForm(ref=RiskRef("APOLLO", 1))),
    ("reviewed APOLLO-R1", Reviewed((RiskRef("APOLLO", 1),))),
    ("reviewed APOLLO-R1 note: talked to vendor", Reviewed((RiskRef("APOLLO", 1),),
                                                            "talked to vendor")),
    ("frobnicate", Help("frobnicate")),
    ("close APOLLO-R1 Vendor delivered: all good", Close(RiskRef("APOLLO", 1),
                                                         "Vendor delivered: all good")),
    ("close APOLLO-R1 note:Delivered", Close(RiskRef("APOLLO", 1), "Delivered")),
])
def test_commands(raw, expected):
    assert parse(raw) == expected


def test_update_collects_only_the_given_fields_and_none_clears():
    cmd = parse("update APOLLO-R1 p:2 status:mitigating due:none response:NONE "
                "note:Second vendor signed")
    assert isinstance(cmd, Update)
    assert cmd.changes.values == {"probability": 2, "status": "mitigating", "due_on": None,
                                  "response": None}
    assert cmd.changes.note == "Second vendor signed"


@pytest.mark.parametrize(("raw", "key", "field"), [
    ("add APOLLO Slip p:6 i:2", "risk.rating_range", "probability"),
    ("add APOLLO Slip p:0 i:2", "risk.rating_range", "probability"),
    ("add APOLLO Slip p:4 i:x", "risk.rating_range", "impact"),
    ("add APOLLO Slip p:4 i:²", "risk.rating_range", "impact"),
    ("add APOLLO Slip p:4", "risk.rating_missing", "impact"),
    ("add APOLLO p:4 i:4", "risk.title_missing", "title"),
    (f"add APOLLO {'x' * 151} p:1 i:1", "risk.title_too_long", "title"),
    ("add APOLLO Slip p:1 i:1 owner:bob", "risk.owner_malformed", "owner_id"),
    ("add APOLLO Slip p:1 i:1 due:01/12/2026", "risk.date_malformed", "due_on"),
    ("add APOLLO Slip p:1 i:1 due:20261201", "risk.date_malformed", "due_on"),
    ("add APOLLO Slip p:1 i:1 due:2026-02-30", "risk.date_malformed", "due_on"),
    ("add APOLLO Slip p:1 i:1 due:2026-11-22", "risk.date_past", "due_on"),
    ("add APOLLO Slip p:1 i:1 review:2025-01-01", "risk.date_past", "next_review_on"),
    ("add APOLLO Slip p:1 i:1 response:ignore", "risk.response_unknown", "response"),
    ("add APOLLO Slip p:1 i:1 status:pending", "risk.status_unknown", "status"),
    ("add APOLLO Slip p:1 i:1 status:closed", "risk.add_status", "status"),
    (f"add APOLLO Slip p:1 i:1 desc:{'d' * 2001}", "risk.text_too_long", "description"),
    ("update APOLLO-R1 status:closed", "risk.note_required", "note"),
    ("close APOLLO-R1", "risk.note_required", "note"),
])
def test_bad_values_name_their_field(raw, key, field):
    error = refusal(raw)
    assert (error.key, error.field) == (key, field)
    assert error.usage  # every refusal shows the syntax


@pytest.mark.parametrize(("raw", "key"), [
    ("show", "risk.show_usage"),
    ("show APOLLO", "risk.id_malformed"),
    ("show APOLLO-R0", "risk.id_malformed"),
    ("show ADD-R1", "risk.id_malformed"),
    ("update", "risk.id_missing"),
    ("update APOLLO-R1 lower the odds", "risk.update_stray_words"),
    ("update APOLLO-R1 p:", "risk.option_empty"),
    ("list APOLLO ZEUS", "risk.list_filter_unknown"),
    ("list apollo-1", "project.key_malformed"),
    ("add 1APOLLO Slip p:1 i:1", "project.key_malformed"),
])
def test_malformed_commands(raw, key):
    assert refusal(raw).key == key


def test_scale_comes_from_the_rules_file():
    rules = parse_rules({"risk": {"scale": 10, "levels": {"medium": 20, "high": 40,
                                                          "critical": 70}}})
    assert parse("add APOLLO Slip p:10 i:7", rules).draft.probability == 10
    assert refusal("add APOLLO Slip p:6 i:2").params["scale"] == 5


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=120)
       | st.lists(st.sampled_from(["add", "APOLLO", "APOLLO-R1", "update", "close", "list",
                                   "p:", "i:3", "p:9", "owner:", "<@U1|x y>", "due:",
                                   "2026-12-01", "review:2020-01-01", "desc:", "note:", "none",
                                   "status:closed", "response:x", "：", "show", "all", "²",
                                   "reviewed", "status:occurred", "duplicate:APOLLO-R2",
                                   "level:high", "overdue", "owner:<@U2|b>", "status:"]),
                  max_size=10).map(" ".join))
def test_parser_is_total(raw):
    """Any text is a command or a UserError naming a catalogue key — never another exception."""
    try:
        parse(raw)
    except UserError as error:
        assert error.key.startswith(("risk.", "project.", "pmo.", "text."))


# --- scoring and levels ----------------------------------------------------------------------


@pytest.mark.parametrize(("p", "i", "level"), [(1, 1, "low"), (2, 2, "low"), (1, 5, "medium"),
                                               (3, 3, "medium"), (2, 5, "high"), (3, 4, "high"),
                                               (3, 5, "critical"), (5, 5, "critical")])
def test_default_levels(p, i, level):
    assert risk.level_of(p, i, RiskLevels()) == level


@given(st.integers(1, 10), st.integers(1, 10), st.integers(1, 10), st.integers(1, 10))
def test_score_is_monotonic_so_a_higher_rating_never_lowers_the_level(p, i, dp, di):
    levels = RiskRules(scale=10, levels=RiskLevels(10, 30, 60)).levels
    low, high = risk.level_of(p, i, levels), risk.level_of(max(p, dp), max(i, di), levels)
    assert risk.LEVELS.index(high) >= risk.LEVELS.index(low)


@pytest.mark.parametrize(("before", "after", "alert"), [
    ("low", "high", True), ("medium", "critical", True), ("high", "critical", True),
    ("high", "high", False), ("critical", "high", False), ("low", "medium", False)])
def test_rising_into_high_or_critical_alerts(before, after, alert):
    assert risk.rose_to_alert(before, after) is alert


@given(st.dictionaries(st.tuples(st.integers(1, 12), st.integers(1, 12)), st.integers(0, 50)),
       st.integers(3, 10))
def test_heat_map_keeps_every_risk_and_puts_high_impact_on_top(counts, scale):
    grid = risk.heat_map(counts, scale)
    assert len(grid) == scale and all(len(row) == scale for row in grid)
    assert sum(map(sum, grid)) == sum(counts.values())


def test_heat_map_cell_position():
    grid = risk.heat_map({(4, 5): 2, (1, 1): 1}, 5)
    assert grid[0][3] == 2 and grid[4][0] == 1


# --- dates and time zones --------------------------------------------------------------------


def test_today_is_the_pmo_date_not_the_utc_date():
    shanghai = ZoneInfo("Asia/Shanghai")
    late_utc = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # already the 24th in Shanghai
    assert risk.pmo_today(late_utc, shanghai) == date(2026, 11, 24)
    with pytest.raises(UserError):
        risk.parse_future_date("2026-11-23", "due_on", risk.pmo_today(late_utc, shanghai), 10)


def test_reviewed_today_follows_the_pmo_calendar_across_dst():
    new_york = ZoneInfo("America/New_York")
    # DST starts 2026-03-08 02:00 local; 04:30 UTC is 23:30 on the 7th (EST).
    evening = datetime(2026, 3, 8, 4, 30, tzinfo=UTC)
    next_morning = datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT on the 8th
    assert risk.pmo_today(evening, new_york) == date(2026, 3, 7)
    assert not risk.reviewed_today(evening, next_morning, new_york)
    assert risk.reviewed_today(datetime(2026, 3, 8, 6, 0, tzinfo=UTC), next_morning, new_york)
    assert risk.default_review(date(2026, 3, 7), RULES) == date(2026, 3, 21)


def test_overdue_reasons():
    assert risk.overdue_reasons("open", date(2026, 11, 22), date(2026, 11, 20), TODAY) == (
        "review", "response")
    assert risk.overdue_reasons("mitigating", TODAY, TODAY, TODAY) == ()
    assert risk.overdue_reasons("closed", date(2020, 1, 1), None, TODAY) == ()


def test_the_form_keeps_a_past_date_the_risk_already_had():
    fields = {"title": "Slip", "probability": "2", "impact": "3", "owner_id": "UBOB001",
              "status": "open", "due_on": "2026-11-01", "next_review_on": "2026-11-30",
              "response": "none"}
    values = risk.read_form(fields, today=TODAY, rules=RULES,
                            current={"due_on": date(2026, 11, 1)})
    assert values["due_on"] == date(2026, 11, 1) and values["response"] is None
    with pytest.raises(UserError) as caught:
        risk.read_form(fields, today=TODAY, rules=RULES)
    assert caught.value.field == "due_on"


# --- closing, reopening, reviewing several, list filters (issues 16 and 18) -------------------

A1, A2, A3 = RiskRef("APOLLO", 1), RiskRef("APOLLO", 2), RiskRef("APOLLO", 3)


@pytest.mark.parametrize(("raw", "expected"), [
    ("close APOLLO-R2 status:occurred SAN delivery slipped",
     Close(A2, "SAN delivery slipped", "occurred")),
    ("close APOLLO-R2 SAN delivery slipped status:occurred",
     Close(A2, "SAN delivery slipped", "occurred")),
    ("close APOLLO-R2 note:SAN slipped status:已发生", Close(A2, "SAN slipped", "occurred")),
    ("close APOLLO-R2 status:closed Not needed", Close(A2, "Not needed", "closed")),
    ("close APOLLO-R3 duplicate:apollo-r1", Close(A3, None, "closed", A1)),
    ("close APOLLO-R3 Same vendor duplicate:APOLLO-R1", Close(A3, "Same vendor", "closed", A1)),
    ("reviewed APOLLO-R2 APOLLO-R3", Reviewed((A2, A3))),
    ("reviewed APOLLO-R2 apollo-r2 APOLLO-R3 Checked APOLLO-R1", Reviewed((A2, A3),
                                                                          "Checked APOLLO-R1")),
    ("list level:high", ListRisks(level="high")),
    ("list overdue APOLLO all owner:<@UBOB001|bob>",
     ListRisks(key="APOLLO", include_closed=True, overdue=True, owner="UBOB001")),
    ("list level:严重", ListRisks(level="critical")),
    ("history APOLLO-R1", Help("history")),
])
def test_close_reviewed_and_list_options(raw, expected):
    assert parse(raw) == expected


@pytest.mark.parametrize(("raw", "key"), [
    ("close APOLLO-R2 SAN slipped p:5", "text.option_not_here"),
    ("close APOLLO-R2 status:open why", "risk.close_status"),
    ("close APOLLO-R2 status: ", "risk.option_empty"),
    ("close APOLLO-R2 duplicate:APOLLO-R2", "risk.duplicate_of_itself"),
    ("close APOLLO-R2 duplicate:APOLLO-R1 status:occurred", "risk.duplicate_occurred"),
    ("close APOLLO-R2 status:occurred", "risk.note_required"),
    ("reviewed APOLLO-R2 Checked status:closed", "text.option_not_here"),
    ("reviewed " + " ".join(f"APOLLO-R{n}" for n in range(1, 23)), "risk.review_too_many"),
    ("list level:huge", "risk.level_unknown"),
    ("list APOLLO status:open", "risk.list_filter_unknown"),
    ("list overdue overdue", "risk.list_filter_twice"),
])
def test_close_reviewed_and_list_refusals(raw, key):
    error = refusal(raw)
    assert error.key == key and error.usage


def test_score_ranges_of_the_levels_cover_every_score_once():
    levels = RiskLevels()
    ranges = {level: risk.score_range(level, levels) for level in risk.LEVELS}
    assert ranges == {"low": (1, 5), "medium": (5, 10), "high": (10, 15),
                      "critical": (15, None)}
    for score in range(1, 101):
        [level] = [name for name, (low, high) in ranges.items()
                   if low <= score and (high is None or score < high)]
        assert level == levels.level_of(score)


def test_check_update_of_a_closed_risk():
    check = lambda status, values, note=None: risk.check_update(  # noqa: E731
        status, values, note, ref="APOLLO-R1", today=TODAY, rules=RULES)
    assert check("open", {"probability": 5}) == {"probability": 5}
    for values, note, key in (({"probability": 5}, None, "risk.closed_no_change"),
                              ({}, "a note alone", "risk.closed_no_change"),
                              ({"status": "open"}, None, "risk.reopen_note_required")):
        with pytest.raises(UserError) as caught:
            check("closed", values, note)
        assert caught.value.key == key
    assert check("closed", {"status": "occurred"}, "It happened") == {"status": "occurred"}
    assert check("occurred", {"status": "mitigating", "probability": 2}, "Again") == {
        "status": "mitigating", "probability": 2, "next_review_on": date(2026, 12, 7)}
    assert check("closed", {"status": "open", "next_review_on": date(2026, 12, 1)}, "x")[
        "next_review_on"] == date(2026, 12, 1)
