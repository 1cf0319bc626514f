"""A dead sender's messages are taken over within the short lease and never posted twice.

Real senders in their own processes (tests/support/outbox_sender.py) are SIGKILLed while the
stand-in holds their post — after Slack accepted it, or before Slack got it; a live sender's
slow post is not taken from it (its heartbeat renews the lease); senders racing in threads and
in processes post each delivery once. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.context import BotContext, make_context
from bot.outbox_sender import OutboxSender
from bot.scheduler import send_all_due
from bot.settings import Settings
from storage import outbox
from storage.outbox import Delivery
from tests.support import ALICE, APOLLO_CHANNEL, BOB, GENERAL, rules_with

LEASE, BEAT = 2.0, 0.4
"""Seconds: the production 30 s and 10 s, shortened so a test waits for a lease to run out."""


def _context(database_url: str, slack) -> BotContext:
    """A context on the system clock, as a real process has."""
    settings = Settings(bot_token="xoxb-test", signing_secret="test", api_url=slack.base_url,
                        database_url=database_url)
    return make_context(settings, rules_with())


def _outbox_sender(ctx: BotContext, owner: str) -> OutboxSender:
    return OutboxSender(ctx, owner=owner, lease=timedelta(seconds=LEASE),
                      heartbeat=timedelta(seconds=BEAT))


def _enqueue(ctx: BotContext, channels: list[str]) -> list[int]:
    with ctx.db.write() as session:
        return [outbox.enqueue(session, kind="notice", channel=channel,
                               payload={"text": f"message {n}"}, now=ctx.now()).id
                for n, channel in enumerate(channels)]


def _sender(database_url: str, slack, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.outbox_sender", database_url, slack.base_url,
         "--lease", str(LEASE), "--heartbeat", str(BEAT), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _posts(slack) -> Counter:
    """How many times Slack accepted a post for each delivery id (from its metadata)."""
    return Counter(call.args["metadata"]["event_payload"]["delivery_id"]
                   for call in slack.calls("chat.postMessage") if call.ok)


def _rows(ctx: BotContext) -> dict[int, Delivery]:
    with ctx.db.read() as session:
        return {row.id: row for row in session.scalars(select(Delivery))}


def _take_over(sender: OutboxSender, within: float) -> tuple[list, float]:
    """Poll like a tick until the outbox sender gets something; (outcomes, seconds waited)."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        outcomes = sender.send_due()
        if outcomes:
            return outcomes, time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"nothing was taken over within {within} s")


def test_a_sender_killed_after_slack_took_its_post_is_replaced_and_nothing_is_posted_twice(
        database_url, slack):
    ctx = _context(database_url, slack)
    channel_post, dm = _enqueue(ctx, [APOLLO_CHANNEL, ALICE])
    slack.stall("chat.postMessage", accept=True)  # Slack posts it; the answer never comes
    sender = _sender(database_url, slack)
    try:
        slack.wait_stalled(1, timeout=60)
        rescuer = _outbox_sender(ctx, "rescuer")
        time.sleep(LEASE * 1.5)  # longer than a lease: the live sender's heartbeat renews it
        assert rescuer.send_due() == []
        sender.kill()
        sender.wait()
        outcomes, waited = _take_over(rescuer, within=LEASE * 3)
    finally:
        sender.kill()
        slack.release_stalls()
        ctx.close()
    assert waited <= LEASE + 1.0  # the dead sender's lease ran out: taken over at once
    assert sorted((o.delivery_id, o.ok) for o in outcomes) == [(channel_post, True), (dm, True)]
    assert _posts(slack) == {channel_post: 1, dm: 1}  # the first by the dead sender only
    [posted] = slack.messages(APOLLO_CHANNEL)
    assert len(slack.dm_messages(ALICE)) == 1
    rows = _rows(ctx)
    assert (rows[channel_post].state, rows[channel_post].slack_channel,
            rows[channel_post].slack_ts) == ("sent", APOLLO_CHANNEL, posted["ts"])
    # Both were claimed by the dead sender: both were looked for (the DM through its channel).
    looked = [call.args["channel"] for call in slack.calls("conversations.history")]
    assert looked == [APOLLO_CHANNEL, f"D{ALICE}"]


def test_a_sender_killed_before_slack_got_its_post_is_replaced_and_the_post_goes_out_once(
        database_url, slack):
    ctx = _context(database_url, slack)
    [delivery] = _enqueue(ctx, [GENERAL])
    slack.stall("chat.postMessage", accept=False)  # the request never reaches Slack
    sender = _sender(database_url, slack)
    try:
        slack.wait_stalled(1, timeout=60)
        sender.kill()
        sender.wait()
        outcomes, _ = _take_over(_outbox_sender(ctx, "rescuer"), within=LEASE * 3)
    finally:
        sender.kill()
        slack.release_stalls()
        ctx.close()
    assert [(o.delivery_id, o.ok) for o in outcomes] == [(delivery, True)]
    assert len(slack.calls("conversations.history")) == 1  # looked, found nothing, posted
    assert _posts(slack) == {delivery: 1}
    assert len(slack.messages(GENERAL)) == 1


def test_a_live_senders_slow_post_is_not_taken_from_it(database_url, slack):
    ctx, other = _context(database_url, slack), _context(database_url, slack)
    [delivery] = _enqueue(ctx, [APOLLO_CHANNEL])
    slow = _outbox_sender(ctx, "slow")
    slack.stall("chat.postMessage", accept=True)
    done: list = []
    worker = threading.Thread(target=lambda: done.extend(slow.send_due()))
    worker.start()
    try:
        slack.wait_stalled(1)
        deadline = time.monotonic() + LEASE * 2
        while time.monotonic() < deadline:  # two leases long, another sender keeps trying
            assert _outbox_sender(other, "other").send_due() == []
            time.sleep(0.2)
        assert slow.keeper.beats >= 3
    finally:
        slack.release_stalls()
        worker.join(30)
    assert [(o.delivery_id, o.ok) for o in done] == [(delivery, True)]
    assert _rows(ctx)[delivery].state == "sent"  # the slow sender still held it when done
    assert _posts(slack) == {delivery: 1}
    assert slack.calls("conversations.history") == []
    other.close()
    ctx.close()


def test_senders_racing_in_threads_post_each_delivery_once(database_url, slack):
    contexts = [_context(database_url, slack) for _ in range(4)]
    ids = _enqueue(contexts[0], [(APOLLO_CHANNEL, GENERAL, ALICE, BOB)[n % 4] for n in range(80)])
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def drain(ctx: BotContext, n: int) -> None:
        barrier.wait()
        try:
            send_all_due(_outbox_sender(ctx, f"thread-{n}"))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=drain, args=(ctx, n)) for n, ctx in enumerate(contexts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert _posts(slack) == dict.fromkeys(ids, 1)
    assert {row.state for row in _rows(contexts[0]).values()} == {"sent"}
    for ctx in contexts:
        ctx.close()


def test_two_sender_processes_draining_one_outbox_post_each_delivery_once(database_url, slack):
    ctx = _context(database_url, slack)
    ids = _enqueue(ctx, [(APOLLO_CHANNEL, GENERAL, ALICE, BOB)[n % 4] for n in range(120)])
    start = f"{time.time() + 4:.3f}"  # both begin together, once imported
    senders = [_sender(database_url, slack, "--drain", "--start", start) for _ in range(2)]
    reports = [json.loads(sender.communicate(timeout=120)[0]) for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0]
    assert sum(report["sent"] for report in reports) == 120
    assert _posts(slack) == dict.fromkeys(ids, 1)
    assert {row.state for row in _rows(ctx).values()} == {"sent"}
    ctx.close()
