"""The monthly executive report post (issue 14, part 4): planned by the planner's pass on
`[report] day` at `[report] time`, once per channel and month, made up after downtime within a
week, uploaded as a PDF by the dispatcher; confidential projects left out and counted. Driven
through the stand-in with a fake clock, on both databases."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pmo_rules.report import due_report_month, post_day, report_key
from pmo_rules.schedule import WorkCalendar
from services.reminders import plan_pass
from services.report import REPORT, enqueue_monthly_report, report_plan
from storage import projects as store
from tests.support import ADMIN, ALICE, BOB, GENERAL, make_bot
from tests.support.scheduling import add_project, deliveries, pmo_rules, run
from tests.test_report import pdf_pages, pdf_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = WorkCalendar()
CHINA = WorkCalendar(country="CN")
BEFORE = datetime(2026, 12, 1, 1, 59, tzinfo=UTC)  # Tuesday 1 December, 09:59 in Shanghai


def reports(slack) -> list[dict]:
    return [f for f in slack.files(GENERAL) if f["name"].startswith("pmo-report-")]


# --- when (pure) ----------------------------------------------------------------------------

def test_the_post_day_is_the_first_working_day_or_the_day_asked():
    assert post_day(date(2026, 12, 1), None, WEEKDAYS) == date(2026, 12, 1)  # a Tuesday
    assert post_day(date(2026, 11, 1), None, WEEKDAYS) == date(2026, 11, 2)  # Sunday → Monday
    # New Year's Day 2027 is a Friday and a public holiday in China: Monday the 4th.
    assert post_day(date(2027, 1, 1), None, CHINA) == date(2027, 1, 4)
    assert post_day(date(2027, 1, 1), None, WEEKDAYS) == date(2027, 1, 1)
    assert post_day(date(2027, 1, 1), 15, CHINA) == date(2027, 1, 15)


def test_the_month_due_is_the_last_one_within_a_week_of_its_moment():
    def due(at: datetime, calendar=WEEKDAYS, day=None):
        return due_report_month(at, SHANGHAI, day, time(10), calendar)

    assert due(BEFORE) is None  # November's post is due at 10:00, not yet
    assert due(BEFORE + timedelta(minutes=1)) == date(2026, 11, 1)
    assert due(BEFORE + timedelta(days=6)) == date(2026, 11, 1)  # made up after downtime
    assert due(BEFORE + timedelta(days=7, minutes=1)) is None  # too late: the next one instead
    assert due(datetime(2027, 1, 1, 3, tzinfo=UTC)) == date(2026, 12, 1)
    assert due(datetime(2027, 1, 1, 3, tzinfo=UTC), CHINA) is None  # the 4th in China
    assert due(datetime(2027, 1, 4, 2, tzinfo=UTC), CHINA) == date(2026, 12, 1)
    # Posted on the 28th: a week's catch-up runs into the next month before its own moment.
    assert due(datetime(2027, 1, 2, tzinfo=UTC), day=28) == date(2026, 11, 1)
    assert report_key(GENERAL, date(2026, 11, 1)) == "report:CGENERAL:2026-11"


# --- end to end ------------------------------------------------------------------------------

def test_the_month_report_is_posted_once_as_a_pdf_without_confidential_projects(database_url,
                                                                               slack):
    bot = make_bot(database_url, slack, pmo_rules())
    bot.clock.at = BEFORE
    add_project(bot, "APOLLO", ALICE, at=datetime(2026, 10, 1, tzinfo=UTC),
                statuses=[(datetime(2026, 11, 20, tzinfo=UTC), "red")])
    add_project(bot, "HERA", BOB, at=datetime(2026, 10, 1, tzinfo=UTC),
                statuses=[(datetime(2026, 11, 20, tzinfo=UTC), "amber")])
    with bot.ctx.db.write() as session:
        store.set_confidential(session, project=store.project_by_key(session, "HERA"), on=True,
                               actor="UADMIN1", now=BEFORE)
    run(bot)
    assert reports(slack) == [] and deliveries(bot, REPORT) == []  # 09:59: not yet
    bot.clock.advance(minutes=1)
    run(bot)
    [pdf] = reports(slack)
    assert pdf["name"] == "pmo-report-2026-11.pdf"
    data = pdf["data"]
    assert data.startswith(b"%PDF-") and pdf_pages(data) == 5  # no open risk: no heat map
    text = pdf_text(data)
    assert "PMO executive report · 2026-11" in text and "As of 2026-11-30." in text
    assert "Portfolio: 1 projects" in text and "APOLLO · Apollo project" in text
    assert "HERA" not in text and "Hera" not in text
    # The PMO's own page counts every project, without names: HERA's dues too (weekly from 1
    # October, one late update on 20 November).
    # (a glyph the PDF draws by its own code, here the 8, reads as "?")
    shown = re.sub(r"\n[\x00-\x1f]+\n", "?", text)
    assert "Status updates on time: 0% (0 of ?) (previous month: 0% (0 of 10))." in shown
    assert "Escalations raised: 0 (previous month: 0)." in text
    # ("fi" is drawn as a ligature: a glyph of its own, outside the text)
    assert "dential: 1 project, counted here without its name or details." in text
    [post] = [m for m in slack.messages(GENERAL) if m.get("files")
              and m["files"][0]["name"] == pdf["name"]]
    assert post["files"][0]["mimetype"] == "application/pdf"
    assert post["text"] == (":bar_chart: *PMO executive report for 2026-11* (PDF): 1 project — "
                            "1 red, 0 amber; 1 needing attention; 0 gates decided. :lock: 1 "
                            "confidential project counted without its name.")
    [row] = deliveries(bot, REPORT)
    assert row.state == "sent" and row.dedupe_key == "report:CGENERAL:2026-11"
    # Later passes, and a racing planner with the same plan, post nothing again.
    plan = report_plan(bot.ctx, bot.clock.at)
    assert plan is not None and plan.planned
    assert enqueue_monthly_report(bot.ctx, replace(plan, planned=False), bot.clock.at) == []
    for _ in range(3):
        bot.clock.advance(hours=20)
        assert plan_pass(bot.ctx, bot.clock.at).report is None
        run(bot)
    assert len(reports(slack)) == 1
    bot.close()


def test_downtime_is_made_up_with_the_latest_month_only(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, at=datetime(2026, 10, 1, tzinfo=UTC))
    # Down from before 1 December to 5 January: December's report comes, November's never.
    bot.clock.at = datetime(2027, 1, 5, 2, tzinfo=UTC)
    assert plan_pass(bot.ctx, bot.clock.at).report == "2026-12"
    run(bot)
    assert [f["name"] for f in reports(slack)] == ["pmo-report-2026-12.pdf"]
    # Down again over February's moment for more than a week: nothing is posted late.
    bot.clock.at = datetime(2027, 2, 9, 2, 30, tzinfo=UTC)
    run(bot)
    assert [f["name"] for f in reports(slack)] == ["pmo-report-2026-12.pdf"]
    bot.close()


def test_the_post_follows_its_channel_and_can_be_switched_off(database_url, slack):
    rules = pmo_rules()
    own = replace(rules, report=replace(rules.report, channel="CEXEC01", day=2,
                                        time=time(8, 0)))
    bot = make_bot(database_url, slack, own)
    slack.directory.add_channel("CEXEC01", "exec")
    add_project(bot, "APOLLO", ALICE, at=datetime(2026, 10, 1, tzinfo=UTC))
    bot.clock.at = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 08:00 on the 2nd in Shanghai
    run(bot)
    assert [f["name"] for f in slack.files("CEXEC01")] == ["pmo-report-2026-11.pdf"]
    assert reports(slack) == []
    bot.close()
    off = make_bot(database_url, slack, replace(rules, report=replace(rules.report,
                                                                      enabled=False)))
    off.clock.at = datetime(2026, 12, 1, 3, tzinfo=UTC)
    assert report_plan(off.ctx, off.clock.at) is None
    off.close()


def test_a_post_slack_refuses_is_told_to_the_first_admin_once(database_url, slack):
    rules = pmo_rules()  # the weekly digest off: its charts would meet the failure first
    bot = make_bot(database_url, slack, replace(rules, digest=replace(rules.digest,
                                                                      enabled=False)))
    add_project(bot, "APOLLO", ALICE, at=datetime(2026, 10, 1, tzinfo=UTC))
    bot.clock.at = BEFORE + timedelta(minutes=1)
    slack.fail_next("files.completeUploadExternal", "is_archived")
    run(bot)
    bot.clock.advance(hours=1)
    run(bot)
    [row] = deliveries(bot, REPORT)
    assert (row.state, row.last_error) == ("dead", "is_archived")
    assert reports(slack) == []
    told = [m for m in slack.messages(f"D{ADMIN}") if "is_archived" in m["text"]]
    assert len(told) == 1 and "Slack refused a message I tried to post" in told[0]["text"]
    bot.close()
