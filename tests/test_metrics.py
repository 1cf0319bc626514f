"""`GET /metrics`: Prometheus text that moves when the bot works, on SQLite and PostgreSQL.

Counters live in the test process's registry and grow across tests, so each test reads the
figures before and after what it drives and compares the difference.
"""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.scheduler import _run_tick
from bot.slack_requests import MAX_BODY_BYTES
from tests.support import APOLLO_CHANNEL, BOB
from tests.support.risks import risk

MARKER_RISK = (f"add APOLLO Vendor may slip the API p:4 i:5 owner:<@{BOB}|bob> due:2026-12-01 "
               "response:mitigate")


def scrape(bot) -> dict[tuple[str, tuple], float]:
    """Every sample of `GET /metrics`, keyed by (name, sorted labels)."""
    response = bot.driver.call("GET", "/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, metric: str, /, **labels: str) -> float:
    return samples.get((metric, tuple(sorted(labels.items()))), 0.0)


def moved(before, after, metric: str, /, **labels: str) -> float:
    return value(after, metric, **labels) - value(before, metric, **labels)


def test_acks_jobs_and_deliveries_are_counted(apollo):
    before = scrape(apollo)
    risk(apollo, MARKER_RISK)
    apollo.slack.wait_for("chat.postMessage", channel=BOB)
    apollo.command("/risk", "list APOLLO")
    apollo.command("/status", "APOLLO green on track")  # its work runs after the ack
    apollo.slack.wait_for("chat.postMessage", count=2, channel=APOLLO_CHANNEL)
    apollo.ctx.after_ack.drain()
    after = scrape(apollo)

    command = {"kind": "command", "name": "/risk"}
    assert moved(before, after, "pmo_slack_requests_total", outcome="acked", **command) == 2
    assert moved(before, after, "pmo_ack_seconds_count", **command) == 2
    assert moved(before, after, "pmo_ack_seconds_bucket", le="3.0", **command) == 2
    assert moved(before, after, "pmo_ack_seconds_sum", **command) > 0
    assert moved(before, after, "pmo_ack_seconds_count", kind="command", name="/status") == 1
    # ≥: the fixture's own `/pmo project add` job may finish just after `before` was read
    assert moved(before, after, "pmo_after_ack_job_seconds_count", outcome="ok") >= 1
    assert moved(before, after, "pmo_deliveries_total", outcome="sent") == 3  # 2 cards, a DM
    assert value(after, "pmo_backlog_depth", queue="outbox") == 0
    assert value(after, "pmo_backlog_up") == 1


def test_backlog_and_slack_errors_show_a_channel_the_bot_is_not_in(apollo):
    apollo.slack.set_not_in_channel(APOLLO_CHANNEL)
    before = scrape(apollo)
    risk(apollo, MARKER_RISK)
    apollo.ctx.after_ack.drain()
    apollo.clock.advance(minutes=5)
    after = scrape(apollo)

    assert moved(before, after, "pmo_slack_errors_total", error="not_in_channel") == 1
    assert moved(before, after, "pmo_deliveries_total", outcome="retried") == 1
    assert value(after, "pmo_backlog_depth", queue="outbox") == 1
    assert value(after, "pmo_backlog_oldest_age_seconds", queue="outbox") == 300

    apollo.slack.set_not_in_channel(APOLLO_CHANNEL, False)
    apollo.clock.advance(minutes=5)
    _run_tick(apollo.ctx)  # the scheduler's retry sends it
    final = scrape(apollo)
    assert value(final, "pmo_backlog_depth", queue="outbox") == 0
    assert value(final, "pmo_backlog_oldest_age_seconds", queue="outbox") == 0
    assert moved(after, final, "pmo_scheduler_tick_seconds_count", outcome="ok") == 1


def test_a_forged_request_counts_as_refused_and_names_nothing(bot):
    before = scrape(bot)
    response = bot.driver.post(b"command=%2Fstatus&text=hello", signature="v0=forged")
    assert response.status == 401
    after = scrape(bot)
    assert moved(before, after, "pmo_slack_requests_total", kind="unknown", name="",
                 outcome="refused") == 1


def test_requests_refused_before_bolt_are_counted_by_status_and_name_nothing(bot):
    """bot/wsgi.py refuses these before bolt sees them (bot/slack_requests.py): still counted."""
    before = scrape(bot)
    assert bot.driver.post(b"x" * (MAX_BODY_BYTES + 1)).status == 413
    assert bot.driver.post(b"text=hello").status == 400  # signed, but names no command
    after = scrape(bot)
    for status in (413, 400):
        assert moved(before, after, "pmo_slack_requests_total", kind="unknown", name="",
                     outcome=f"http_{status}") == 1


def test_database_errors_in_a_listener_are_counted(bot, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the same code on both; a shared PostgreSQL schema is not ours to break")
    before = scrape(bot)
    with bot.ctx.db.write() as session:
        session.execute(text("ALTER TABLE risks RENAME TO risks_gone"))
    bot.command("/risk", "list")
    bot.close()
    after = scrape(bot)
    assert moved(before, after, "pmo_database_errors_total", error="OperationalError") >= 1
    assert moved(before, after, "pmo_slack_requests_total", kind="command", name="/risk",
                 outcome="acked") + moved(before, after, "pmo_slack_requests_total",
                                          kind="command", name="/risk", outcome="error") == 1
