"""Reminder nudges, escalations and snoozes, driven by the tick with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from storage.audit import AuditEntry
from storage.reminders import ReminderLedger, UserZone
from storage.sources.status_due import SOURCE
from tests.support import ADMIN, ALICE, BOB, CAROL, GENERAL, START, make_bot
from tests.support.modals import fill, initial
from tests.support.scheduling import (
    SHANGHAI,
    add_project,
    button,
    click,
    deliveries,
    dms,
    nudges,
    pmo_rules,
    run,
    say,
    sqlite_plan,
)


@pytest.fixture
def pmo(database_url, slack):
    """A bot whose digest goes to #general; the clock is Monday 10:00 in Shanghai."""
    made = make_bot(database_url, slack, pmo_rules(digest_channel=None))
    yield made
    made.ctx.db.dispose()


def next_day(bot, days: int = 1) -> None:
    bot.clock.advance(days=days)


def test_overdue_pm_gets_one_nudge_a_day_with_buttons(pmo):
    add_project(pmo, "APOLLO", ALICE, at=START - timedelta(days=9),
                statuses=[(START - timedelta(days=8), "amber")])
    result = run(pmo)
    assert result.planned.nudged == [ALICE] and all(o.ok for o in result.outcomes)
    [dm] = dms(pmo, ALICE)
    text = str(dm["blocks"])
    assert "*APOLLO* · Apollo project — status update due since" in text
    assert "(1 day overdue)" in text and "Reminder: 1 overdue item needs" in dm["text"]
    labels = [e["text"]["text"] for b in dm["blocks"] if b["type"] == "actions"
              for e in b["elements"]]
    assert labels == ["Post update", "Snooze 1 day"]
    pmo.clock.advance(hours=5)
    assert run(pmo).planned.nudged == []
    assert len(dms(pmo, ALICE)) == 1
    next_day(pmo)
    run(pmo)
    assert len(dms(pmo, ALICE)) == 2


def test_a_person_gets_one_message_for_all_their_items(pmo):
    for key in ("APOLLO", "ZEUS", "HERA"):
        add_project(pmo, key, ALICE, at=START - timedelta(days=1))
    run(pmo)
    [dm] = dms(pmo, ALICE)
    assert "3 overdue items need" in dm["text"]
    assert sum(b["type"] == "actions" for b in dm["blocks"]) == 3


def test_nudges_wait_for_each_recipients_civil_hours(pmo):
    add_project(pmo, "BERLIN", BOB)  # Europe/Berlin: 03:00 now
    add_project(pmo, "NYC", CAROL)  # America/New_York: Sunday 21:00 now
    run(pmo)
    assert dms(pmo, BOB) == [] and dms(pmo, CAROL) == []
    pmo.clock.at = datetime(2026, 11, 23, 7, 59, tzinfo=UTC)  # 08:59 in Berlin
    run(pmo)
    assert dms(pmo, BOB) == []
    pmo.clock.at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    run(pmo)
    assert len(dms(pmo, BOB)) == 1 and dms(pmo, CAROL) == []
    pmo.clock.at = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
    run(pmo)
    assert len(dms(pmo, CAROL)) == 1


def test_posting_the_status_stops_the_reminders_until_it_is_due_again(pmo):
    add_project(pmo, "APOLLO", ALICE)
    run(pmo)
    assert len(dms(pmo, ALICE)) == 1
    say(pmo, "/status", "APOLLO green Back on track", ALICE)
    for _ in range(6):
        next_day(pmo)
        run(pmo)
    assert len(nudges(pmo, ALICE)) == 1
    next_day(pmo)  # seven days after the update: due again, and a Monday
    run(pmo)
    assert len(nudges(pmo, ALICE)) == 2


def test_escalation_after_two_nudges_once_to_admins_and_digest_channel(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE)
    run(bot)  # Monday: nudge 1
    next_day(bot)
    run(bot)  # Tuesday: nudge 2
    assert slack.messages(ADMIN) == [] and _escalations(slack) == []
    next_day(bot)
    result = run(bot)  # Wednesday: still overdue after two nudges
    assert [i.subject["key"] for i in result.planned.escalated] == ["APOLLO"]
    [to_admin] = slack.messages(ADMIN)
    assert "still overdue after 2 reminders" in to_admin["text"]
    assert f"PM <@{ALICE}>" in str(to_admin["blocks"])
    assert len(_escalations(slack)) == 1
    for _ in range(3):
        next_day(bot)
        run(bot)
    assert len(slack.messages(ADMIN)) == 1 and len(_escalations(slack)) == 1
    assert len(nudges(bot, ALICE)) == 5  # Monday to Friday; none on Saturday
    bot.ctx.db.dispose()


def _escalations(slack) -> list[dict]:
    return [m for m in slack.messages(GENERAL) if m["text"].startswith("Escalation")]


def test_snooze_skips_the_next_day_then_reminders_resume(pmo):
    add_project(pmo, "APOLLO", ALICE)
    run(pmo)
    [dm] = dms(pmo, ALICE)
    answer = click(pmo, ALICE, dm, "nudge_snooze")
    assert answer.startswith(":zzz: Snoozed: no reminder about *APOLLO*'s status update until")
    assert click(pmo, ALICE, dm, "nudge_snooze").startswith(":zzz: Snoozed")  # double click
    next_day(pmo)
    run(pmo)
    assert len(dms(pmo, ALICE)) == 1  # Tuesday skipped
    next_day(pmo)
    run(pmo)
    assert len(dms(pmo, ALICE)) == 2  # Wednesday: back
    with pmo.ctx.db.read() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "reminder.snoozed"))
        assert entry.actor_id == ALICE and entry.subject_id.startswith("status:")


def test_snooze_applies_to_the_clicked_item_only(pmo):
    add_project(pmo, "APOLLO", ALICE, at=START - timedelta(days=2))
    add_project(pmo, "ZEUS", ALICE)
    run(pmo)
    [dm] = dms(pmo, ALICE)
    click(pmo, ALICE, dm, "nudge_snooze")  # the first item: APOLLO, the older one
    next_day(pmo)
    run(pmo)
    latest = dms(pmo, ALICE)[-1]
    assert "ZEUS" in str(latest["blocks"]) and "APOLLO" not in str(latest["blocks"])


def test_snooze_refusals_change_nothing(pmo):
    add_project(pmo, "APOLLO", ALICE)
    run(pmo)
    [dm] = dms(pmo, ALICE)
    assert "damaged" in click(pmo, ALICE, dm, "nudge_snooze", value="{not json")
    assert "damaged" in click(pmo, ALICE, dm, "nudge_snooze",
                              value='{"n": "lottery:1:20261123T0200Z"}')
    assert "only they can snooze it" in click(pmo, BOB, dm, "nudge_snooze")
    say(pmo, "/status", "APOLLO green Done", ALICE)
    assert "no longer overdue" in click(pmo, ALICE, dm, "nudge_snooze")
    with pmo.ctx.db.read() as session:
        assert session.scalar(select(ReminderLedger.snoozed_until)) is None


def test_post_update_button_opens_the_status_form_prefilled(pmo):
    add_project(pmo, "APOLLO", ALICE)
    say(pmo, "/status", "APOLLO amber Vendor late", ALICE)
    pmo.clock.advance(days=8)
    run(pmo)
    [dm] = nudges(pmo, ALICE)
    action = button(dm, "nudge_post_status")
    assert pmo.driver.block_action(user=ALICE, action=action, channel=dm["channel"],
                                   message=dm).status == 200
    [call] = pmo.slack.wait_for("views.open")
    view = call.args["view"]
    assert initial(view, "project") == "APOLLO" and initial(view, "overall") == "amber"
    assert initial(view, "summary") == "Vendor late"  # the last update, for the PM to edit
    response = pmo.driver.view_submission(user=ALICE, view=view,
                                          values=fill(view, overall="green", summary="Caught up"))
    assert response.status == 200
    card = pmo.slack.wait_for("chat.postMessage", count=2, channel=GENERAL)[-1]
    assert "Caught up" in str(card.args["blocks"])
    assert "damaged" in click(pmo, ALICE, dm, "nudge_post_status", value='{"p": 7}')


def test_post_update_from_an_old_reminder_says_it_is_done_and_opens_nothing(pmo):
    """README: a button from an old reminder, for something already done, says so and
    changes nothing; while the update is still due it opens the form."""
    add_project(pmo, "APOLLO", ALICE)
    run(pmo)
    [dm] = nudges(pmo, ALICE)
    say(pmo, "/status", "APOLLO green Caught up", ALICE)
    opened = len(pmo.slack.calls("views.open"))
    answer = click(pmo, ALICE, dm, "nudge_post_status")
    assert answer.startswith("That reminder is out of date: *APOLLO*'s status update is no "
                             "longer due (the latest was posted <!date^")
    assert pmo.slack.responses[-1]["body"]["response_type"] == "ephemeral"
    assert len(pmo.slack.calls("views.open")) == opened
    say(pmo, "/gate", "decide APOLLO hold until:2027-02-01 Budget frozen", ADMIN)
    assert "*APOLLO* is on hold, so no status update is due" in click(
        pmo, ALICE, dm, "nudge_post_status")
    assert len(pmo.slack.calls("views.open")) == opened


def test_time_zones_are_looked_up_once_and_refreshed_daily(pmo):
    add_project(pmo, "APOLLO", ALICE)
    add_project(pmo, "BERLIN", BOB)
    run(pmo)
    run(pmo)
    # The start-up sync (users.list) gave everyone's zone: nobody is asked about one by one.
    assert pmo.slack.calls("users.info") == []
    with pmo.ctx.db.read() as session:
        assert session.get(UserZone, BOB).tz == "Europe/Berlin"
    pmo.clock.advance(days=1, minutes=1)
    run(pmo)
    assert sorted(c.args["user"] for c in pmo.slack.calls("users.info")) == [ALICE, BOB]
    run(pmo)
    assert len(pmo.slack.calls("users.info")) == 2


def test_someone_slack_does_not_know_is_nudged_in_the_pmo_zone(pmo):
    add_project(pmo, "GHOST", "UGHOST1")
    run(pmo)  # 10:00 in Shanghai, the PMO's zone
    assert len(dms(pmo, "UGHOST1")) == 1
    with pmo.ctx.db.read() as session:
        assert session.get(UserZone, "UGHOST1").tz is None


def test_projects_on_hold_are_not_chased(pmo):
    add_project(pmo, "PAUSED", ALICE)
    with pmo.ctx.db.write() as session:
        from storage.projects import project_by_key
        project_by_key(session, "PAUSED").state = "on_hold"
    run(pmo)
    assert dms(pmo, ALICE) == []


def test_chinese_holidays_and_make_up_days(database_url, slack):
    """Golden Week 2026: no reminders 1–7 October; Saturday 10 October is worked, so it has one."""
    bot = make_bot(database_url, slack, pmo_rules(holidays_country="CN", digest_channel=None))
    bot.clock.at = datetime(2026, 9, 30, 3, 0, tzinfo=UTC)  # Wednesday 11:00 in Shanghai
    add_project(bot, "APOLLO", ALICE, at=bot.clock.at - timedelta(days=1))
    sent_on = []
    for _ in range(12):
        if run(bot).planned.nudged:
            sent_on.append(bot.clock.at.date().isoformat())
        next_day(bot)
    assert sent_on == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"]
    bot.ctx.db.dispose()


@pytest.mark.slow  # a soak: 360 ticks of the real planner and sender (it still runs in CI)
def test_a_month_of_ticks(database_url, slack):
    """Two-hourly ticks for 30 days, three PMs in three zones: every nudge lands on a local
    working day in civil hours, at most one per person per local day; whoever never reports
    is nudged every working day and escalated once; a report silences the reminders for the
    cadence; one digest a week."""
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE)  # never reports
    add_project(bot, "BERLIN", BOB, statuses=[(START, "green")])  # reports every 8 days
    add_project(bot, "NYC", CAROL)  # reports once, on day 10
    sent_at: dict[str, list[datetime]] = {ALICE: [], BOB: [], CAROL: []}
    end = START + timedelta(days=30)
    while bot.clock.at < end:
        now = bot.clock.at
        if (now - START).days % 8 == 0 and now.hour == 10 and now > START:
            _report(bot, "BERLIN", BOB)
        if now == START + timedelta(days=10):
            _report(bot, "NYC", CAROL)
        for user in run(bot).planned.nudged:
            sent_at[user].append(now)
        bot.clock.advance(hours=2)  # on the hour in all three zones' windows
    zones = {ALICE: "Asia/Shanghai", BOB: "Europe/Berlin", CAROL: "America/New_York"}
    for user, times in sent_at.items():
        local = [t.astimezone(ZoneInfo(zones[user])) for t in times]
        assert all(t.weekday() < 5 and 9 <= t.hour < 18 for t in local), user
        assert len({t.date() for t in local}) == len(local), user
        assert len(nudges(bot, user)) == len(times)
    days = [START.date() + timedelta(days=n) for n in range(31)]  # ticks at 10:00 in Shanghai
    assert [t.astimezone(SHANGHAI).date() for t in sent_at[ALICE]] == [
        d for d in days if d.weekday() < 5 and datetime.combine(d, time(10), SHANGHAI) < end]
    report_day = (START + timedelta(days=10)).date()
    assert not [t for t in sent_at[CAROL]
                if report_day <= t.astimezone(ZoneInfo(zones[CAROL])).date() < report_day
                + timedelta(days=7)]
    assert [m for m in slack.messages(ADMIN) if "APOLLO" in str(m["blocks"])].__len__() == 1
    digests = [m for m in slack.messages(GENERAL) if m["text"].startswith("PMO digest")]
    assert [m["text"].split(",")[1].strip() for m in digests] == [
        "week 48", "week 49", "week 50", "week 51", "week 52"]
    assert all(d.state == "sent" for d in deliveries(bot))
    bot.ctx.db.dispose()


def _report(bot, key: str, user: str) -> None:
    assert "recorded" in say(bot, "/status", f"{key} green On plan", user)


def test_restart_after_two_days_down_catches_up_once(database_url, slack):
    """Down from Monday evening to Thursday: the project that fell due on Tuesday is nudged on
    Thursday morning, once; Tuesday's digest goes out once, late, as the latest."""
    from dataclasses import replace

    rules = pmo_rules()
    rules = replace(rules, digest=replace(rules.digest, weekday=2))  # Tuesdays 09:00
    bot = make_bot(database_url, slack, rules)
    add_project(bot, "APOLLO", ALICE, statuses=[(START - timedelta(days=6), "green")])
    run(bot)  # Monday 10:00: nothing due yet (reported six days ago); last week's digest
    assert dms(bot, ALICE) == []
    digests_before = len(slack.messages(GENERAL))
    bot.clock.at = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # Thursday 09:30 in Shanghai
    run(bot)
    run(bot)
    assert len(dms(bot, ALICE)) == 1
    new = [m for m in slack.messages(GENERAL)[digests_before:] if not m.get("files")]
    assert [m["text"].split(":")[0] for m in new] == ["PMO digest, week 48, 2026"]
    bot.ctx.db.dispose()


def test_overdue_status_is_found_by_index_ranges_not_a_scan(tmp_path):
    """The planner's cost must follow the due items: SQLite's plan for the status source is two
    searches on (state, last_status_at), never a walk over every active project."""
    plan = sqlite_plan(tmp_path, SOURCE)
    searches = [step for step in plan if step.startswith("SEARCH projects")]
    assert len(searches) == 2 and all("(state=? AND last_status_at" in s for s in searches), plan
