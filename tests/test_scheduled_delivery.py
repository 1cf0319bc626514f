"""Exactly once: rate limits, failures mid-batch, crashed senders, racing replicas."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.context import make_client, make_context
from bot.outbox_sender import LEASE, OutboxSender
from bot.scheduler import send_all_due
from services.reminders import plan_pass
from storage import outbox
from storage.reminders import ReminderLedger
from tests.support import ADMIN, ALICE, GENERAL, START, make_bot
from tests.support.scheduling import add_project, deliveries, dms, nudges, pmo_rules, run

PEOPLE = [f"UPM{n:04d}" for n in range(40)]  # unknown to Slack: nudged in the PMO's zone


@pytest.fixture
def bot(database_url, slack):
    """A new project's first update is due at once here (no grace): these tests are about
    delivering the nudge."""
    made = make_bot(database_url, slack, pmo_rules(digest_channel=None))
    yield made
    made.close()


def test_rate_limited_then_accepted_is_delivered_once(bot):
    add_project(bot, "APOLLO", ALICE)
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    result = run(bot)
    assert [o.ok for o in result.outcomes] == [True]
    assert len(dms(bot, ALICE)) == 1
    calls = bot.slack.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]  # slack_sdk waited Retry-After, then retried
    [delivery] = deliveries(bot, "nudge")
    assert (delivery.state, delivery.attempts) == ("sent", 1)


def test_rate_limit_outlasting_the_client_is_retried_after_retry_after(bot):
    add_project(bot, "APOLLO", ALICE)
    bot.ctx.client = make_client(bot.ctx.settings, retries=0)  # the client gives up at once
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    result = run(bot)
    assert [o.error for o in result.outcomes] == ["ratelimited"]
    [delivery] = deliveries(bot, "nudge")
    assert delivery.state == "pending" and delivery.next_attempt_at == START + timedelta(seconds=1)
    bot.clock.advance(seconds=1)
    assert [o.ok for o in run(bot).outcomes] == [True]
    assert len(dms(bot, ALICE)) == 1


def test_a_send_that_fails_midway_is_retried_and_delivered_once(bot):
    for n, person in enumerate(PEOPLE[:3]):
        add_project(bot, f"P{n}X", person)
    bot.slack.fail_next("chat.postMessage")  # the first post of the batch fails
    first = run(bot)
    assert sorted(o.ok for o in first.outcomes) == [False, True, True]
    bot.clock.advance(seconds=29)
    assert run(bot).outcomes == []  # backing off
    bot.clock.advance(seconds=1)
    assert [o.ok for o in run(bot).outcomes] == [True]
    assert [len(dms(bot, p)) for p in PEOPLE[:3]] == [1, 1, 1]


def test_a_sender_that_dies_after_claiming_loses_nothing(bot):
    add_project(bot, "APOLLO", ALICE)
    plan_pass(bot.ctx, bot.clock.at)
    with bot.ctx.db.write() as session:  # a replica claims the nudge, then is killed
        [claimed] = outbox.claim(session, now=bot.clock.at, owner="dead-replica", lease=LEASE)
    assert run(bot).outcomes == []  # still leased to the dead replica
    bot.clock.advance(seconds=LEASE.total_seconds() + 1)
    assert [o.ok for o in run(bot).outcomes] == [True]
    assert len(dms(bot, ALICE)) == 1
    with bot.ctx.db.write() as session:  # the dead replica's late outcome is ignored
        assert not outbox.mark_sent(session, claimed.id, "dead-replica", now=bot.clock.at,
                                    slack_channel="D", slack_ts="1")


def _replicas(bot, count: int):
    """Independent contexts on the same database: what separate processes would have."""
    return [make_context(bot.ctx.settings, bot.ctx.rules, clock=bot.clock) for _ in range(count)]


def _race(functions) -> None:
    barrier = threading.Barrier(len(functions))
    errors: list[BaseException] = []

    def run_one(function):
        barrier.wait()
        try:
            function()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run_one, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def test_two_senders_racing_deliver_each_message_once(bot):
    now = bot.clock.at
    with bot.ctx.db.write() as session:
        for person in PEOPLE:
            outbox.enqueue(session, kind="nudge", channel=person, payload={"text": "hi"}, now=now)
    replicas = _replicas(bot, 2)
    senders = [OutboxSender(ctx, owner=f"replica-{n}") for n, ctx in enumerate(replicas)]
    _race([lambda d=d: send_all_due(d) for d in senders])
    posted = Counter(c.args["channel"] for c in bot.slack.calls("chat.postMessage"))
    assert posted == Counter(PEOPLE)
    assert {d.state for d in deliveries(bot)} == {"sent"}
    for ctx in replicas:
        ctx.db.dispose()


def test_two_replicas_ticking_at_once_plan_and_send_everything_once(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    for n, person in enumerate(PEOPLE[:12]):
        add_project(bot, f"P{n}X", person, at=START - timedelta(days=3))
    with bot.ctx.db.write() as session:  # everyone already had two nudges: escalate now
        for n, person in enumerate(PEOPLE[:12]):
            session.add(ReminderLedger(item_key=f"status:{n + 1}:20261120T0200Z", kind="status",
                                       item_id=str(n + 1), recipient=person,
                                       due_at=START - timedelta(days=3), nudges=2,
                                       last_nudged_on=(START - timedelta(days=1)).date(),
                                       created_at=START))
    replicas = _replicas(bot, 3)
    _race([lambda ctx=ctx: (plan_pass(ctx, ctx.now()), send_all_due(ctx.sender))
           for ctx in replicas])
    for ctx in replicas:  # whatever a losing replica left pending
        send_all_due(ctx.sender)
    assert [len(dms(bot, p)) for p in PEOPLE[:12]] == [1] * 12
    assert len(slack.messages(ADMIN)) == 1
    general = [m["text"].split(":")[0] for m in slack.messages(GENERAL)
               if not m.get("files")]  # the digest's charts are tests/test_charts.py's
    assert sorted(general) == ["Escalation", "PMO digest, week 48, 2026"]
    with bot.ctx.db.read() as session:
        assert set(session.scalars(select(ReminderLedger.nudges))) == {3}
    for ctx in replicas:
        ctx.db.dispose()
    bot.ctx.db.dispose()


def test_a_nudge_is_worded_when_sent_and_one_that_cannot_be_is_given_up_at_once(bot, caplog):
    """Nudges are stored as facts and rendered by the outbox sender; a record it cannot word (an
    item kind from another version of the bot) is not retried eight times and not posted."""
    add_project(bot, "APOLLO", ALICE)
    with bot.ctx.db.write() as session:
        broken = outbox.enqueue_once(
            session, kind="nudge", channel=PEOPLE[0], now=START, dedupe_key="nudge:broken",
            payload={"render": "nudge", "more": 0,
                     "items": [{"kind": "from_the_future", "subject": {}, "days": 1,
                                "due": START.isoformat(), "buttons": []}]})
    outcomes = {o.delivery_id: o for o in run(bot).outcomes}
    assert outcomes[broken].error == "unrenderable"
    assert dms(bot, PEOPLE[0]) == []
    [nudge] = nudges(bot, ALICE)
    assert "*APOLLO*" in nudge["blocks"][1]["text"]["text"]
    states = {d.id: d.state for d in deliveries(bot, "nudge")}
    assert states[broken] == "dead"
    assert "could not be rendered" in caplog.text
    bot.clock.advance(hours=2)
    assert run(bot).outcomes == []
