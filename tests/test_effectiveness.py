"""The PMO's own effectiveness page of the executive report (issue 14, part 4): the pure
judgements, then the figures read from a database the bot filled (nudges and escalations made
by the planner's pass, an update and a review after them), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pmo_rules.effectiveness import (
    Share,
    first_after,
    median_hours,
    reviews_on_time,
    updates_on_time,
)
from services.reminders import plan_pass
from services.report import effectiveness
from storage import projects as project_store
from storage import risks as risk_store
from tests.support import ALICE, make_bot
from tests.support.scheduling import add_project, pmo_rules
from tests.test_reminder_sources import add_risk

WEEK = timedelta(days=7)
NOV, DEC = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)


def test_updates_on_time_count_each_due_date_in_the_month():
    start = datetime(2026, 10, 25, tzinfo=UTC)
    # Updates every week on the dot: the five dues of November (1, 8, 15, 22, 29) are met.
    weekly = [start + n * WEEK for n in range(1, 6)]
    assert updates_on_time(start, start + WEEK, weekly, WEEK, NOV, DEC) == Share(5, 5)
    # One update two days late (due 8 Nov, posted the 10th): the next is due a week after it.
    late = [start + WEEK, datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 17, tzinfo=UTC),
            datetime(2026, 11, 24, tzinfo=UTC)]
    assert updates_on_time(start, start + WEEK, late, WEEK, NOV, DEC) == Share(3, 4)
    # Silence: one late due per cadence in the month, none after the month.
    assert updates_on_time(start, start + WEEK, [], WEEK, NOV, DEC) == Share(0, 5)
    # Registered mid-month with a grace of a week and never late.
    born = datetime(2026, 11, 20, tzinfo=UTC)
    assert updates_on_time(born, born + WEEK, [born + WEEK], WEEK, NOV, DEC) == Share(1, 1)
    assert Share(0, 0).share is None and Share(2, 3).share == 0.667


def test_reviews_on_time_and_the_median_from_reminder_to_action():
    reviews = [(date(2026, 11, 10), date(2026, 11, 9)), (date(2026, 11, 20), date(2026, 11, 20)),
               (date(2026, 11, 25), date(2026, 12, 2)), (date(2026, 10, 30), date(2026, 11, 1))]
    pending = [date(2026, 11, 28), date(2026, 12, 15)]
    assert reviews_on_time(reviews, pending, date(2026, 11, 1), date(2026, 12, 1)) == Share(2, 4)
    nudged = datetime(2026, 11, 5, tzinfo=UTC)
    assert median_hours([(nudged, nudged + timedelta(hours=h)) for h in (2, 30, 6)]) == 6.0
    assert median_hours([(nudged, None)]) is None
    assert first_after([nudged, nudged + WEEK], nudged) == nudged + WEEK


def test_the_figures_come_from_what_the_bot_did(database_url, slack):
    """APOLLO (weekly updates, first due at registration) is nudged on 2 November, updates on the
    3rd; its risk's review date is the 2nd, it is nudged on the 3rd and reviewed on the 4th.
    HERA never updates: nudged until escalated."""
    bot = make_bot(database_url, slack, pmo_rules())
    begin = datetime(2026, 10, 26, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai
    bot.clock.at = begin
    add_project(bot, "APOLLO", ALICE, at=begin, statuses=[(begin, "green")])
    add_project(bot, "HERA", "UHERAPM1", at=begin)
    risk_id = add_risk(bot, review=date(2026, 11, 2), at=begin)
    bot.clock.at = datetime(2026, 11, 2, 3, tzinfo=UTC)  # Monday 11:00: updates and review due
    for _ in range(4):  # a pass each working morning: HERA's PM escalated after two nudges
        plan_pass(bot.ctx, bot.clock.at)
        if bot.clock.at.day == 3:
            with bot.ctx.db.write() as session:
                apollo = project_store.project_by_key(session, "APOLLO")
                project_store.add_status(session, project=apollo, author=ALICE,
                                         now=bot.clock.at + timedelta(hours=5),
                                         values={"overall": "green", "summary": "ok"})
        if bot.clock.at.day == 4:
            with bot.ctx.db.write() as session:
                risk = session.get(risk_store.Risk, risk_id)
                risk_store.mark_reviewed(session, risk, actor=ALICE, now=bot.clock.at
                                         + timedelta(hours=2), next_review_on=date(2026, 11, 18))
        bot.clock.advance(days=1)
    as_of = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)
    with bot.ctx.db.read() as session:
        nov, octo = effectiveness(bot.ctx.rules, session, date(2026, 11, 1), as_of)
    # APOLLO: due 2 Nov (late, met the 3rd), 10, 17, 24 Nov (late: no more updates) → 0 of 4;
    # HERA: due 26 Oct, then 2, 9, 16, 23, 30 Nov → 0 of 5 in November.
    assert nov.updates == Share(0, 9)
    assert octo.updates == Share(1, 2)  # APOLLO's first due met at registration; HERA's not
    # The review of 2 November came on the 4th (late); the next, on the 18th, never came.
    assert nov.reviews == Share(0, 2)
    # APOLLO's status: nudged 2 Nov 11:00, updated 3 Nov 16:00 (29 h); its risk, overdue the day
    # after its review date: nudged on the 3rd at 11:00, reviewed on the 4th at 13:00 (26 h);
    # HERA never acted.
    assert nov.reminder_hours == 27.5
    assert nov.escalations >= 1 and octo.escalations == 0
    assert nov.gate_wait_days is None
    bot.close()
