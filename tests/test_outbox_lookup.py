"""Before posting again: the metadata look-up, what happens when Slack will not answer it, and the
one-statement claim. The replica that "dies" here claims and posts through the real code and
Slack stand-in, then simply never writes its outcome; the bot's clock is moved past its lease.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from bot import scheduler as scheduler_module
from bot import sent_lookup
from bot.context import make_client
from bot.outbox_sender import LEASE
from bot.scheduler import start_scheduler
from storage import outbox
from tests.support import ALICE, APOLLO_CHANNEL, GENERAL
from tests.support.scheduling import deliveries, run


def _enqueue(bot, channel: str, text: str = "hello", **extra) -> int:
    with bot.ctx.db.write() as session:
        return outbox.enqueue(session, kind="notice", channel=channel, payload={"text": text},
                              now=bot.clock.at, **extra).id


def _dies_while_sending(bot, delivery_id: int, *, posted: bool) -> None:
    """Another replica claims the delivery, maybe gets it into Slack, and is killed."""
    with bot.ctx.db.write() as session:
        [item] = outbox.claim(session, now=bot.clock.at, owner="dead-replica", lease=LEASE,
                              ids=[delivery_id])
    if posted:
        thread = {"thread_ts": item.target_ts} if item.target_id else {}
        bot.ctx.client.chat_postMessage(channel=item.target_channel or item.channel,
                                        **thread, **sent_lookup.tagged(item.payload, item.id))
    bot.clock.advance(seconds=LEASE.total_seconds() + 1)


def _row(bot, delivery_id: int):
    return next(d for d in deliveries(bot) if d.id == delivery_id)


def test_every_post_names_its_delivery_and_a_first_attempt_reads_no_history(bot):
    delivery = _enqueue(bot, APOLLO_CHANNEL)
    assert [o.ok for o in bot.ctx.sender.send([delivery])] == [True]
    [message] = bot.slack.messages(APOLLO_CHANNEL)
    assert message["metadata"] == {"event_type": "pmo_delivery",
                                   "event_payload": {"delivery_id": delivery}}
    assert bot.slack.calls("conversations.history") == []


def test_a_dm_posted_by_a_dead_replica_is_found_in_the_dm_and_not_posted_again(bot):
    delivery = _enqueue(bot, ALICE)
    _dies_while_sending(bot, delivery, posted=True)
    assert [o.ok for o in run(bot).outcomes] == [True]
    [dm] = bot.slack.dm_messages(ALICE)
    [opened] = bot.slack.calls("conversations.open")
    assert opened.args["users"] == ALICE
    assert _row(bot, delivery).slack_ts == dm["ts"]


def test_a_thread_reply_posted_by_a_dead_replica_is_found_in_its_thread(bot):
    with bot.ctx.db.write() as session:
        parent, reply = outbox.enqueue_thread(
            session, kind="digest", channel=GENERAL, now=bot.clock.at,
            payloads=[{"text": "part 1"}, {"text": "part 2"}])
    bot.ctx.sender.send([parent])
    _dies_while_sending(bot, reply, posted=True)
    assert [o.ok for o in run(bot).outcomes] == [True]
    thread = [m for m in bot.slack.messages(GENERAL) if m["text"] == "part 2"]
    assert len(thread) == 1 and thread[0]["thread_ts"] == _row(bot, parent).slack_ts
    [looked] = bot.slack.calls("conversations.replies")
    assert looked.args["ts"] == _row(bot, parent).slack_ts
    assert _row(bot, reply).slack_ts == thread[0]["ts"]


def test_without_history_scopes_the_message_is_posted_and_the_log_says_why(bot, caplog):
    delivery = _enqueue(bot, APOLLO_CHANNEL)
    _dies_while_sending(bot, delivery, posted=False)
    bot.slack.fail_next("conversations.history", "missing_scope")
    with caplog.at_level(logging.WARNING, logger="bot.outbox_sender"):
        assert [o.ok for o in run(bot).outcomes] == [True]
    assert len(bot.slack.messages(APOLLO_CHANNEL)) == 1
    assert "missing_scope" in caplog.text and "channels:history" in caplog.text
    assert "hello" not in caplog.text  # message texts never reach the log


def test_a_rate_limited_look_up_waits_and_the_message_found_later_is_not_posted_twice(bot):
    delivery = _enqueue(bot, APOLLO_CHANNEL)
    _dies_while_sending(bot, delivery, posted=True)
    bot.ctx.client = make_client(bot.ctx.settings, retries=0)
    bot.slack.fail_next("conversations.history", status=429, retry_after=20)
    assert [o.error for o in run(bot).outcomes] == ["lookup:ratelimited"]
    row = _row(bot, delivery)
    assert (row.state, row.next_attempt_at) == ("pending", bot.clock.at + timedelta(seconds=20))
    assert row.in_doubt_since is not None
    bot.clock.advance(seconds=20)
    assert [o.ok for o in run(bot).outcomes] == [True]
    assert len(bot.slack.messages(APOLLO_CHANNEL)) == 1
    assert len(bot.slack.calls("chat.postMessage")) == 1  # the dead replica's only


def test_a_post_slack_failed_on_is_looked_for_but_a_refused_one_is_not(bot):
    failed, refused = _enqueue(bot, APOLLO_CHANNEL), _enqueue(bot, GENERAL)
    bot.ctx.client = make_client(bot.ctx.settings, retries=0)
    bot.slack.fail_next("chat.postMessage", "internal_error", status=500)  # maybe half done
    bot.slack.fail_next("chat.postMessage", "not_in_channel")  # a clear no
    assert [o.error for o in bot.ctx.sender.send([failed, refused])] == [
        "internal_error", "not_in_channel"]
    assert _row(bot, failed).in_doubt_since == bot.clock.at
    assert _row(bot, refused).in_doubt_since is None
    bot.clock.advance(minutes=1)
    assert [o.ok for o in run(bot).outcomes] == [True, True]
    assert [c.args["channel"] for c in bot.slack.calls("conversations.history")] == [
        APOLLO_CHANNEL]


def test_a_claim_is_one_statement_and_targets_one_more(bot):
    for _ in range(5):
        _enqueue(bot, GENERAL)
    seen: list[str] = []
    record = lambda _c, _cur, statement, *_: seen.append(statement)  # noqa: E731
    event.listen(bot.ctx.db.engine, "before_cursor_execute", record)
    with bot.ctx.db.write() as session:
        claimed = outbox.claim(session, now=bot.clock.at, owner="me", lease=LEASE)
    parent = claimed[0].id
    with bot.ctx.db.write() as session:
        outbox.mark_sent(session, parent, "me", now=bot.clock.at, slack_channel=GENERAL,
                         slack_ts="1.000100")
    reply = _enqueue(bot, GENERAL, target_id=parent)
    seen.clear()
    with bot.ctx.db.write() as session:
        [threaded] = outbox.claim(session, now=bot.clock.at, owner="me", lease=LEASE)
    event.remove(bot.ctx.db.engine, "before_cursor_execute", record)
    assert len(claimed) == 5 and [c.id for c in claimed] == sorted(c.id for c in claimed)
    statements = [s for s in seen if not s.startswith("BEGIN")]
    assert len(statements) == 2 and statements[0].lstrip().startswith("UPDATE")
    assert "RETURNING" in statements[0]
    assert (threaded.id, threaded.target_channel, threaded.target_ts) == (reply, GENERAL,
                                                                          "1.000100")


def test_sqlite_without_returning_claims_the_same_rows(bot):
    if not bot.ctx.db.is_sqlite:
        pytest.skip("PostgreSQL always has UPDATE … RETURNING")
    ids = [_enqueue(bot, GENERAL) for _ in range(3)]
    bot.ctx.db.engine.dialect.update_returning = False  # what SQLite before 3.35 offers
    with bot.ctx.db.write() as session:
        claimed = outbox.claim(session, now=bot.clock.at, owner="me", lease=LEASE, limit=2)
    with bot.ctx.db.write() as session:
        rest = outbox.claim(session, now=bot.clock.at, owner="other", lease=LEASE)
    assert [c.id for c in claimed] == ids[:2] and [c.id for c in rest] == ids[2:]
    assert {d.lease_owner for d in deliveries(bot)} == {"me", "other"}


def test_the_scheduler_sweeps_the_outbox_between_ticks(bot, caplog, monkeypatch):
    delivery = _enqueue(bot, APOLLO_CHANNEL)
    first_tick_over = threading.Event()
    run_tick = scheduler_module._run_tick

    def tick_then_tell(ctx):  # the tick and the sweep share a pool: know when the tick ended
        try:
            run_tick(ctx)
        finally:
            first_tick_over.set()

    monkeypatch.setattr(scheduler_module, "_run_tick", tick_then_tell)
    with bot.ctx.db.write() as session:  # a sender that died holding it
        outbox.claim(session, now=bot.clock.at, owner="dead-replica", lease=LEASE)
    claims = threading.Semaphore(0)
    count = lambda _c, _cur, statement, *_: (  # noqa: E731
        claims.release() if statement.startswith("UPDATE deliveries SET lease_owner") else None)
    event.listen(bot.ctx.db.engine, "before_cursor_execute", count)
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        scheduler = start_scheduler(bot.ctx, interval=timedelta(hours=1),
                                    sweep=timedelta(seconds=0.2))
        try:
            # The first tick found the row leased; once it is over, a later claim is the sweep's.
            assert claims.acquire(timeout=10) and first_tick_over.wait(timeout=10)
            bot.clock.advance(seconds=LEASE.total_seconds() + 1)  # its lease runs out
            bot.slack.wait_for("chat.postMessage", timeout=10)
        finally:
            scheduler.shutdown(wait=True)
            event.remove(bot.ctx.db.engine, "before_cursor_execute", count)
    assert "outbox sweep: sent 1 of 1" in caplog.text and "tick:" not in caplog.text
    assert _row(bot, delivery).state == "sent"
