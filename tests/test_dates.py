"""Dates as every command and form reads them (pmo_rules/dates.py): relative words resolved on
the PMO's clock, the reply showing the date they became, and a sane horizon."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo_rules import dates
from pmo_rules.config import RulesError, parse_rules
from pmo_rules.errors import UserError
from tests.support import ADMIN, make_bot, rules_with
from tests.support.gates import add_apollo, gate_rules, project, quiesce, say
from tests.support.risks import add, count, risk, row

TODAY = date(2026, 11, 23)  # START (Monday 02:00 UTC) is 10:00 in Shanghai


@pytest.mark.parametrize(("typed", "expected"), [
    ("today", TODAY), ("Tomorrow", TODAY + timedelta(days=1)), ("今天", TODAY),
    ("明天", TODAY + timedelta(days=1)), ("+7d", TODAY + timedelta(days=7)),
    ("+2w", TODAY + timedelta(days=14)), ("+0d", TODAY), ("2026/12/01", date(2026, 12, 1)),
    ("2026-12-01", date(2026, 12, 1)), (" 2027-02-28 ", date(2027, 2, 28)),
])
def test_the_accepted_spellings(typed, expected):
    assert dates.day(typed, TODAY) == expected


@pytest.mark.parametrize("typed", [
    "", "yesterday", "+2m", "-7d", "+1000d", "7d", "2026-12/01", "2026/02/30", "20261201",
    "2026-W48", "12/01", "1/2/2027", "+2 w", "2026-1-1",
])
def test_other_spellings_are_not_dates(typed):
    assert dates.day(typed, TODAY) is None


def test_relative_words_need_a_today():
    assert dates.day("+2w", None) is None and dates.day("2026/12/01", None) == date(2026, 12, 1)


@given(st.text(max_size=30))
def test_the_decoder_is_total(typed):
    result = dates.day(typed, TODAY)
    assert result is None or isinstance(result, date)


def test_the_horizon_refuses_with_the_reason_and_the_last_day():
    assert dates.check_horizon(date(2036, 11, 23), TODAY, 10) == date(2036, 11, 23)
    with pytest.raises(UserError) as refused:
        dates.check_horizon(date(9999, 12, 31), TODAY, 10, field="due_on")
    assert refused.value.key == "date.too_far" and refused.value.field == "due_on"
    assert refused.value.params == {"value": "9999-12-31", "years": 10, "last": "2036-11-23"}
    assert dates.horizon(date(2028, 2, 29), 1) == date(2029, 2, 28)


def test_max_years_ahead_in_the_rules_file():
    assert parse_rules({}).pmo.max_years_ahead == 10
    assert parse_rules({"pmo": {"max_years_ahead": 3}}).pmo.max_years_ahead == 3
    for bad in (0, 101, "10", 2.5):
        with pytest.raises(RulesError, match="pmo.max_years_ahead"):
            parse_rules({"pmo": {"max_years_ahead": bad}})


# --- driven as Slack drives it ---------------------------------------------------------------

def test_risk_dates_in_words_and_the_reply_shows_the_dates(apollo):
    reply = add(apollo, "Vendor may slip p:4 i:5 due:+2w review:tomorrow")
    assert "next review 2026-11-24" in reply and "response due 2026-12-07" in reply
    stored = row(apollo)
    assert (stored.due_on, stored.next_review_on) == (date(2026, 12, 7), date(2026, 11, 24))
    reply = risk(apollo, "update APOLLO-R1 due:2027/01/15")
    assert "Response due 2027-01-15" in reply
    assert row(apollo).due_on == date(2027, 1, 15)


def test_relative_dates_are_read_on_the_pmo_clock(apollo):
    apollo.clock.advance(hours=14)  # 16:00 UTC: already Tuesday the 24th in Shanghai
    add(apollo, "Vendor may slip p:4 i:5 due:today")
    assert row(apollo).due_on == date(2026, 11, 24)


def test_a_date_beyond_the_horizon_is_refused_and_nothing_saved(apollo):
    reply = risk(apollo, "add APOLLO Vendor may slip p:4 i:5 due:9999-12-31")
    assert "9999-12-31 is more than 10 years ahead" in reply and "up to 2036-11-23" in reply
    assert "Nothing was saved" in reply
    assert count(apollo) == 0
    add(apollo)
    reply = risk(apollo, "update APOLLO-R1 review:+999w")
    assert "more than 10 years ahead" in reply
    assert row(apollo).next_review_on == date(2026, 12, 7)


@pytest.fixture
def gated(database_url, slack):
    bot = make_bot(database_url, slack, gate_rules())
    add_apollo(bot)
    yield bot
    quiesce(bot)
    bot.ctx.db.dispose()


def test_the_horizon_follows_the_rules_file(database_url, slack):
    base = rules_with()
    bot = make_bot(database_url, slack, replace(base, pmo=replace(base.pmo, max_years_ahead=1)))
    try:
        bot.command("/pmo", "project add APOLLO Apollo", user=ADMIN)
        bot.slack.wait_for_response(1)
        reply = risk(bot, "add APOLLO Vendor may slip p:4 i:5 due:2028-01-01")
        assert "more than 1 year ahead" in reply and "up to 2027-11-23" in reply
    finally:
        bot.close()


def test_a_malformed_date_lists_what_is_accepted(apollo):
    reply = risk(apollo, "add APOLLO Vendor may slip p:4 i:5 due:next-week")
    assert "`today`, `tomorrow`" in reply and "`+2w`" in reply
    assert count(apollo) == 0


def test_a_hold_until_a_relative_date_shows_the_date(gated):
    reply = say(gated, "/gate", "decide APOLLO hold until:+2w Budget frozen", user=ADMIN)
    assert "on hold until 2026-12-07" in reply
    assert project(gated).hold_until.isoformat() == "2026-12-06T16:00:00+00:00"


def test_a_hold_beyond_the_horizon_is_refused(gated):
    refused = gated.command("/gate", "decide APOLLO hold until:9999-12-31 Budget", user=ADMIN)
    assert "more than 10 years ahead" in refused.text
    assert project(gated).state == "active"


# --- required texts: invisible characters count as nothing ------------------------------------

def test_invisible_titles_reasons_and_names_are_missing(apollo):
    assert "needs a title" in risk(apollo, "add APOLLO \u200b\u200d p:4 i:5")
    assert count(apollo) == 0
    refused = apollo.command("/gate", "decide APOLLO kill \u200b\ufeff", user=ADMIN)
    assert "give the reason" in refused.text
    refused = apollo.command("/pmo", "project add ZEUS \u2060\u200b", user=ADMIN)
    assert "needs a name" in refused.text


def test_the_risk_form_reads_dates_with_the_same_decoder():
    from pmo_rules import risk as risk_rules
    rules = parse_rules({})
    fields = {"title": "Vendor may slip", "owner_id": "UALICE1", "probability": "3",
              "impact": "3", "due_on": "9999-12-31", "next_review_on": "2026-11-30"}
    with pytest.raises(UserError) as refused:
        risk_rules.read_form(fields, today=TODAY, rules=rules)
    assert (refused.value.key, refused.value.field) == ("date.too_far", "due_on")
    values = risk_rules.read_form({**fields, "due_on": "2026/12/24"}, today=TODAY, rules=rules)
    assert (values["due_on"], values["next_review_on"]) == (date(2026, 12, 24), date(2026, 11, 30))
    kept = risk_rules.read_form({**fields, "due_on": "2020-01-01"}, today=TODAY, rules=rules,
                                current={"due_on": date(2020, 1, 1)})
    assert kept["due_on"] == date(2020, 1, 1)  # a date the risk already had is shown back, kept
