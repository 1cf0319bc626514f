"""Pure rules, no Slack and no database: the command grammar, the form, editing, standing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo_rules.clock import days_ago
from pmo_rules.config import DEFAULT_RULES, StatusRules
from pmo_rules.errors import UserError
from pmo_rules.pmo_commands import AddProject, Help, ListProjects, ShowProject, parse_pmo_command
from pmo_rules.portfolio import standing, tally
from pmo_rules.rag import Rag, parse_rag
from pmo_rules.status import (
    Edit,
    History,
    NoSuchCommand,
    OpenModal,
    Post,
    Show,
    draft_from_form,
    parse_status_command,
)
from pmo_rules.status import Help as StatusHelp

NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 in Berlin, an hour after clocks went forward
SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")
SLACKISH = st.text(alphabet=st.sampled_from(list("AZaz09 <>@#|&;:%-_.\n\t绿黄红UC"))
                   | st.characters(), max_size=80)


# -- the grammar is total -------------------------------------------------------------------------

def outcome(parse, text):
    """What a parser made of `text`: the command, or the refusal (anything else propagates)."""
    try:
        return parse(text)
    except UserError as error:
        return error


@given(SLACKISH)
def test_status_parser_returns_a_command_or_a_user_error(text):
    result = outcome(parse_status_command, text)
    if isinstance(result, NoSuchCommand):  # the caller tells a project from a typo
        result = result.otherwise
    assert isinstance(result, (UserError, OpenModal, Show, Edit, Post, StatusHelp, History))


@given(SLACKISH)
def test_pmo_parser_returns_a_command_or_a_user_error(text):
    result = outcome(parse_pmo_command, text)
    assert isinstance(result, (UserError, Help, ListProjects, ShowProject, AddProject))


@given(st.dictionaries(st.sampled_from(["project", "overall", "schedule", "cost", "scope",
                                        "quality", "percent_complete", "summary", "blockers",
                                        "next_steps"]),
                       st.none() | SLACKISH))
def test_form_reader_returns_a_draft_or_a_user_error_naming_a_field(form):
    try:
        draft_from_form(form)
    except UserError as error:
        assert error.field in form or error.field in ("project", "overall", "summary")


def test_status_commands():
    assert parse_status_command("") == OpenModal()
    assert parse_status_command("  APOLLO ") == Show("APOLLO")
    assert parse_status_command("  apollo ") == NoSuchCommand("apollo", Show("APOLLO"))
    assert parse_status_command("history apollo 3") == History("APOLLO", 3)
    assert parse_status_command("EDIT apollo") == Edit("APOLLO")
    post = parse_status_command("APOLLO 红 Lease <@U1|bob> &amp; co")
    assert isinstance(post, Post)
    assert (post.draft.overall, post.draft.summary) == (Rag.RED, "Lease @bob & co")


def test_pmo_commands():
    assert parse_pmo_command("") == Help()
    assert parse_pmo_command("projects") == ListProjects()
    assert parse_pmo_command("project apollo") == ShowProject("APOLLO")
    added = parse_pmo_command("project add ZEUS Zeus CRM pm:<@U123|al> channel:<#C9|zeus>")
    assert added == AddProject(key="ZEUS", name="Zeus CRM", pm_id="U123", channel_id="C9")


@pytest.mark.parametrize("word,rag", [("G", Rag.GREEN), ("yellow", Rag.AMBER), ("红色", Rag.RED),
                                      ("purple", None), ("", None)])
def test_rag_words(word, rag):
    assert parse_rag(word) == rag


# -- the form -------------------------------------------------------------------------------------

def test_form_values_become_a_draft():
    draft = draft_from_form({"project": " apollo ", "overall": "amber", "schedule": "none",
                             "cost": "red", "percent_complete": "0", "summary": " Slipped ",
                             "blockers": "  ", "next_steps": None})
    assert (draft.key, draft.overall, draft.schedule, draft.cost) == (
        "APOLLO", Rag.AMBER, None, Rag.RED)
    assert (draft.percent_complete, draft.summary, draft.blockers) == (0, "Slipped", None)


@pytest.mark.parametrize("form,field,key", [
    ({"overall": "green", "summary": "x"}, "project", "project.key_missing"),
    ({"project": "no-key", "overall": "g", "summary": "x"}, "project", "project.key_malformed"),
    ({"project": "A1", "summary": "x"}, "overall", "status.overall_missing"),
    ({"project": "A1", "overall": "none", "summary": "x"}, "overall", "status.overall_missing"),
    ({"project": "A1", "overall": "blue", "summary": "x"}, "overall", "status.rag_unknown"),
    ({"project": "A1", "overall": "g", "summary": "x", "percent_complete": "²"},
     "percent_complete", "status.percent_range"),
    ({"project": "A1", "overall": "g", "summary": "x" * 2001}, "summary",
     "status.summary_too_long"),
])
def test_form_refusals_name_their_field(form, field, key):
    with pytest.raises(UserError) as refused:
        draft_from_form(form)
    assert (refused.value.field, refused.value.key) == (field, key)


# -- standing -------------------------------------------------------------------------------------

RULES = StatusRules(cadence_days=7, stale_after_days=14)


@pytest.mark.parametrize("days,due,stale", [(0, False, False), (6, False, False), (7, True, False),
                                            (13, True, False), (14, True, True)])
def test_due_and_stale_follow_the_cadence(days, due, stale):
    result = standing(state="active", created_at=NOW - timedelta(days=99), latest_rag="green",
                      latest_at=NOW - timedelta(days=days), now=NOW, rules=RULES, tz=SHANGHAI)
    assert (result.age_days, result.due, result.stale) == (days, due, stale)


def test_age_counts_calendar_days_on_the_pmos_clock():
    evening = datetime(2026, 11, 22, 23, 30, tzinfo=SHANGHAI)
    morning = datetime(2026, 11, 23, 7, 0, tzinfo=SHANGHAI)  # 7.5 hours later, but a new day
    assert days_ago(evening, morning, SHANGHAI) == 1
    assert days_ago(evening, morning, UTC) == 0  # both fall on 22 November in UTC
    monday = datetime(2026, 11, 16, 18, 0, tzinfo=SHANGHAI)
    next_monday = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # 6 days 15 hours later
    due = standing(state="active", created_at=monday, latest_rag="green", latest_at=monday,
                   now=next_monday, rules=RULES, tz=SHANGHAI)
    assert (due.age_days, due.due) == (7, True)


def test_a_day_across_a_dst_change_is_one_day():
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    sunday = datetime(2026, 3, 29, 12, 0, tzinfo=BERLIN)  # 23 hours later
    assert days_ago(saturday, sunday, BERLIN) == 1


def test_a_project_without_updates_is_judged_from_registration_and_paused_ones_never():
    fresh = standing(state="active", created_at=NOW - timedelta(days=2), latest_rag=None,
                     latest_at=None, now=NOW, rules=RULES, tz=SHANGHAI)
    silent = standing(state="active", created_at=NOW - timedelta(days=30), latest_rag=None,
                      latest_at=None, now=NOW, rules=RULES, tz=SHANGHAI)
    paused = standing(state="on_hold", created_at=NOW - timedelta(days=30), latest_rag="red",
                      latest_at=NOW - timedelta(days=30), now=NOW, rules=RULES, tz=SHANGHAI)
    assert (fresh.age_days, fresh.stale, silent.stale, paused.stale, paused.due) == (
        None, False, True, False, False)
    assert tally([fresh, silent, paused]) == tally([silent, fresh, paused])
    assert tally([fresh, silent, paused]).unreported == 2


def test_default_stale_is_twice_the_cadence():
    assert DEFAULT_RULES.status.stale_after_days == 2 * DEFAULT_RULES.status.cadence_days
