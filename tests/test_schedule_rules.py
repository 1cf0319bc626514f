"""Working days, civil hours, snoozes and the digest period: pure, and exact across DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo_rules.config import DEFAULT_RULES, DigestRules, PmoRules
from pmo_rules.reminders import nudge_key
from pmo_rules.schedule import WorkCalendar, digest_period, in_civil_hours, snooze_end

REMINDERS = DEFAULT_RULES.reminders
WEEKDAYS = WorkCalendar()
CN = WorkCalendar(country="CN")

# Weeks that contain a daylight-saving change, and the zones that have them.
DST_WEEKS = [
    ("America/New_York", date(2026, 3, 2)), ("America/New_York", date(2026, 10, 26)),
    ("Europe/Berlin", date(2026, 3, 23)), ("Europe/Berlin", date(2026, 10, 19)),
    ("Australia/Lord_Howe", date(2026, 3, 30)), ("Australia/Lord_Howe", date(2026, 9, 28)),
]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def every(start: datetime, end: datetime, step: timedelta):
    while start < end:
        yield start
        start += step


# --- working days -----------------------------------------------------------------------------

def test_weekends_are_off_without_a_country():
    assert WEEKDAYS.is_working_day(date(2026, 11, 27))  # Friday
    assert not WEEKDAYS.is_working_day(date(2026, 11, 28))  # Saturday
    assert WorkCalendar(working_days=(6,)).is_working_day(date(2026, 11, 29))  # Sunday-only PMO


def test_chinese_public_holidays_are_off():
    for day in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 7),
                date(2026, 2, 17), date(2026, 1, 1)):
        assert not CN.is_working_day(day), day
    assert CN.is_working_day(date(2026, 10, 8))  # Thursday after Golden Week


def test_chinese_adjusted_working_days_are_worked():
    # Weekend days China works to bridge long holidays (the package's weekend_workdays).
    for day in (date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)):
        assert day.weekday() >= 5
        assert CN.is_working_day(day), day
    assert not CN.is_working_day(date(2026, 10, 11))  # an ordinary Sunday


# --- civil hours ------------------------------------------------------------------------------

def test_window_is_in_the_recipients_own_zone():
    berlin, shanghai = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Shanghai")
    monday_0830_berlin = utc(2026, 11, 23, 7, 30)  # 15:30 in Shanghai
    assert not in_civil_hours(monday_0830_berlin, berlin, REMINDERS, WEEKDAYS)
    assert in_civil_hours(monday_0830_berlin, shanghai, REMINDERS, WEEKDAYS)


def test_window_starts_inclusive_and_ends_exclusive():
    berlin = ZoneInfo("Europe/Berlin")
    assert in_civil_hours(utc(2026, 11, 23, 8, 0), berlin, REMINDERS, WEEKDAYS)  # 09:00
    assert in_civil_hours(utc(2026, 11, 23, 16, 59), berlin, REMINDERS, WEEKDAYS)  # 17:59
    assert not in_civil_hours(utc(2026, 11, 23, 17, 0), berlin, REMINDERS, WEEKDAYS)  # 18:00


def test_no_window_on_a_local_weekend_even_if_it_is_a_weekday_in_utc():
    # Friday 23:30 UTC is Saturday 10:30 in Sydney.
    assert not in_civil_hours(utc(2026, 11, 27, 23, 30), ZoneInfo("Australia/Sydney"),
                              REMINDERS, WEEKDAYS)


def test_snooze_ends_at_local_midnight_after_the_skipped_days():
    ny = ZoneInfo("America/New_York")
    clicked = utc(2026, 11, 23, 20, 0)  # Monday 15:00 in New York
    assert snooze_end(clicked, ny, 1) == datetime(2026, 11, 25, 0, 0, tzinfo=ny)
    assert snooze_end(clicked, ny, 3) == datetime(2026, 11, 27, 0, 0, tzinfo=ny)


@pytest.mark.parametrize(("zone", "week"), DST_WEEKS)
def test_one_nudge_key_per_working_day_across_dst(zone, week):
    """Every five minutes over a DST week and its neighbours: each working day gets exactly
    one nudge key, in order, and no other day gets one."""
    tz = ZoneInfo(zone)
    start = datetime.combine(week - timedelta(days=7), time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(week + timedelta(days=14), time(0), tzinfo=tz).astimezone(UTC)
    keys: list[str] = []
    for now in every(start, end, timedelta(minutes=5)):
        if in_civil_hours(now, tz, REMINDERS, WEEKDAYS):
            key = nudge_key("U1", now.astimezone(tz).date())
            if not keys or keys[-1] != key:
                keys.append(key)
    days = [week - timedelta(days=7) + timedelta(days=n) for n in range(21)]
    assert keys == [nudge_key("U1", d) for d in days if d.weekday() < 5]


# --- the digest period ------------------------------------------------------------------------

def pmo_in(zone: str) -> PmoRules:
    return replace(DEFAULT_RULES.pmo, timezone=zone)


def test_digest_period_is_this_week_once_the_moment_has_passed():
    pmo, digest = pmo_in("Asia/Shanghai"), DigestRules(weekday=1, time=time(9, 0))
    before = digest_period(utc(2026, 11, 23, 0, 59), pmo, digest)  # Monday 08:59
    at = digest_period(utc(2026, 11, 23, 1, 0), pmo, digest)  # Monday 09:00
    assert (before.key, at.key) == ("2026-W47", "2026-W48")
    assert at.scheduled_on == date(2026, 11, 23)
    assert digest_period(utc(2026, 11, 29, 15, 59), pmo, digest).key == "2026-W48"  # Sunday


def test_digest_after_downtime_is_the_latest_missed_one():
    pmo, digest = pmo_in("Europe/Berlin"), DigestRules(weekday=7, time=time(23, 0))
    # Down from Sunday 22:00 to Monday 01:00: the Sunday digest is still the one due.
    assert digest_period(utc(2026, 11, 30, 0, 0), pmo, digest).key == "2026-W48"
    # Down for three weeks: only the latest week counts.
    assert digest_period(utc(2026, 12, 21, 12, 0), pmo, digest).key == "2026-W51"


def test_digest_week_numbers_follow_iso_across_the_year_end():
    pmo, digest = pmo_in("Asia/Shanghai"), DigestRules(weekday=1, time=time(9, 0))
    assert digest_period(utc(2026, 12, 28, 2, 0), pmo, digest).key == "2026-W53"
    assert digest_period(utc(2027, 1, 4, 2, 0), pmo, digest).key == "2027-W01"


@pytest.mark.parametrize(("zone", "week"), DST_WEEKS)
@pytest.mark.parametrize("slot", [(1, time(9, 0)), (7, time(2, 30)), (7, time(1, 30))])
def test_digest_neither_skips_nor_doubles_across_dst(zone, week, slot):
    """Every five minutes over three weeks around a DST change: the period key changes once
    a week, never goes back, and each change happens at the scheduled wall-clock time or, when
    that time does not exist that night, at the first moment after the gap."""
    tz, (weekday, at) = ZoneInfo(zone), slot
    pmo, digest = pmo_in(zone), DigestRules(weekday=weekday, time=at)
    start = datetime.combine(week - timedelta(days=7), time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(week + timedelta(days=14), time(0), tzinfo=tz).astimezone(UTC)
    changes: list[tuple[str, datetime]] = []
    for now in every(start, end, timedelta(minutes=5)):
        key = digest_period(now, pmo, digest).key
        if not changes or changes[-1][0] != key:
            changes.append((key, now))
    keys = [key for key, _ in changes]
    assert len(keys) == len(set(keys)) == 4  # the week before, then one per week
    for _, first_seen in changes[1:]:
        local = first_seen.astimezone(tz).replace(tzinfo=None)
        before = (first_seen - timedelta(minutes=5)).astimezone(tz).replace(tzinfo=None)
        scheduled = datetime.combine(local.date(), at)
        assert local.isoweekday() == weekday
        assert before < scheduled <= local
        assert local - scheduled <= timedelta(hours=1)  # on time, or just after a DST gap


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1),
                    timezones=st.just(UTC)),
       st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/Berlin",
                        "Australia/Lord_Howe", "Pacific/Chatham"]),
       st.integers(1, 7), st.times())
def test_digest_period_is_always_the_latest_scheduled_day(now, zone, weekday, at):
    tz = ZoneInfo(zone)
    period = digest_period(now, pmo_in(zone), DigestRules(weekday=weekday, time=at))
    local = now.astimezone(tz).replace(tzinfo=None)
    scheduled = datetime.combine(period.scheduled_on, at)
    assert period.scheduled_on.isoweekday() == weekday
    assert scheduled <= local or now >= scheduled.replace(tzinfo=tz)  # (a repeated hour)
    assert local < scheduled + timedelta(days=7)
