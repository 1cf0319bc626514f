"""The outbox's send path: claiming due deliveries, and claiming + posting them all.

The claim now is one statement (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT
n) RETURNING …`); before, it was a SELECT, then one UPDATE and one `session.get` per row (kept
below as `legacy_claim`, the code as it was, so both run on the same machine in the same
minute). Three measurements per database, each the median of three rounds, the two claims
taking turns:

- claim only: 5,000 due deliveries claimed in batches of 50 (what a tick does), each batch
  marked sent before the next claim (untimed), no Slack;
- claim + send: 1,000 deliveries posted to the Slack stand-in on loopback by the outbox sender
  (`send_all_due`, as the tick) — the Web API call dominates, as in production;
- recovery: 200 deliveries left by a dead sender (in doubt), taken over: each is looked for
  with conversations.history before being posted, against 200 fresh posts;
plus one heartbeat renewing 50 held leases.

    .venv/bin/python -m bench.outbox_send
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, insert, or_, select, update

from bench.common import DATABASES, counting_queries
from bot.context import make_context
from bot.outbox_sender import OutboxSender
from bot.scheduler import send_all_due
from bot.settings import Settings
from bot.standin import Directory, SlackStandIn
from pmo_rules.config import DEFAULT_RULES
from storage import outbox
from storage.outbox import PENDING, Claimed, Delivery

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
CHANNELS = [f"CBENCH{n:02d}" for n in range(20)]
LEASE = timedelta(seconds=30)
ROUNDS = 3


def legacy_claim(session, *, now, owner, lease, ids=None, limit=50) -> list[Claimed]:
    """The claim before this change: a SELECT, then an UPDATE and a get() per row."""
    due = and_(Delivery.state == PENDING, Delivery.next_attempt_at <= now,
               or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
    query = select(Delivery.id).where(due).order_by(Delivery.id).limit(limit)
    if ids is not None:
        query = query.where(Delivery.id.in_(ids))
    won = []
    for delivery_id in list(session.scalars(query.with_for_update(skip_locked=True))):
        result = session.execute(
            update(Delivery).where(Delivery.id == delivery_id, due)
            .values(lease_owner=owner, lease_until=now + lease)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            won.append(delivery_id)
    claimed = []
    for delivery_id in won:
        row = session.get(Delivery, delivery_id)
        target = session.get(Delivery, row.target_id) if row.target_id else None
        claimed.append(Claimed(
            id=row.id, kind=row.kind, method=row.method, channel=row.channel,
            payload=row.payload, requested_by=row.requested_by, attempts=row.attempts,
            target_id=row.target_id, target_channel=target.slack_channel if target else None,
            target_ts=target.slack_ts if target else None,
            target_pending=bool(target and target.state == PENDING)))
    return claimed


CLAIMS = {"before (SELECT + UPDATE per row)": legacy_claim, "after (one UPDATE … RETURNING)":
          outbox.claim}


def refill(ctx, count: int, **values) -> None:
    """Empty the outbox and queue `count` due deliveries."""
    with ctx.db.write() as session:
        session.execute(delete(Delivery))
        session.execute(insert(Delivery), [
            {"kind": "notice", "channel": CHANNELS[n % len(CHANNELS)], "method": outbox.POST,
             "payload": {"text": f"Bench message {n}"}, "state": PENDING, "attempts": 0,
             "next_attempt_at": NOW, "created_at": NOW, **values} for n in range(count)])


def claim_all(ctx, claim) -> tuple[float, float]:
    """(seconds, statements a claim) to claim every due row in batches of 50; each batch is
    then marked sent (not timed), as the outbox sender settles it before the next claim."""
    total, statements, calls = 0.0, 0, 0
    while True:
        calls += 1
        with counting_queries(ctx) as seen:
            start = time.perf_counter()
            with ctx.db.write() as session:
                batch = claim(session, now=NOW, owner="bench", lease=LEASE, limit=50)
            total += time.perf_counter() - start
        statements += len(seen)
        if not batch:
            return total, statements / calls
        with ctx.db.write() as session:
            session.execute(update(Delivery).where(Delivery.id.in_([c.id for c in batch]))
                            .values(state=outbox.SENT, lease_owner=None, lease_until=None))


def send_all(ctx, claim) -> float:
    outbox.claim, original = claim, outbox.claim  # the outbox sender calls outbox.claim
    try:
        start = time.perf_counter()
        outcomes = send_all_due(OutboxSender(ctx, owner="bench"))
        elapsed = time.perf_counter() - start
    finally:
        outbox.claim = original
    assert all(o.ok for o in outcomes), "a bench post failed"
    return elapsed


def recovery(ctx, slack: SlackStandIn, in_doubt: bool) -> float:
    """Seconds to send 200 deliveries: fresh ones, or ones a dead sender left in doubt."""
    slack.reset()
    doubt = {"claimed_at": NOW - timedelta(minutes=1), "lease_owner": "dead",
             "lease_until": NOW - timedelta(seconds=1)} if in_doubt else {}
    refill(ctx, 200, **doubt)
    start = time.perf_counter()
    outcomes = send_all_due(OutboxSender(ctx, owner="bench"))
    elapsed = time.perf_counter() - start
    assert all(o.ok for o in outcomes) and len(outcomes) == 200
    assert len(slack.calls("conversations.history")) == (200 if in_doubt else 0)
    return elapsed


def heartbeat_ms(ctx) -> float:
    refill(ctx, 50, lease_owner="bench", lease_until=NOW + LEASE, claimed_at=NOW)
    keeper = OutboxSender(ctx, owner="bench").keeper
    times = []
    for _ in range(20):
        start = time.perf_counter()
        assert keeper.beat() == 50
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench(name: str, url: str, slack: SlackStandIn) -> None:
    settings = Settings(bot_token="xoxb-bench", signing_secret="bench", api_url=slack.base_url,
                        database_url=url)
    ctx = make_context(settings, DEFAULT_RULES, clock=lambda: NOW)
    print(f"\n{name}")
    claim_times: dict[str, list[float]] = {label: [] for label in CLAIMS}
    send_times: dict[str, list[float]] = {label: [] for label in CLAIMS}
    statements: dict[str, float] = {}
    for _ in range(ROUNDS):
        for label, claim in CLAIMS.items():
            refill(ctx, 5000)
            seconds, statements[label] = claim_all(ctx, claim)
            claim_times[label].append(seconds)
            refill(ctx, 1000)
            slack.reset()
            send_times[label].append(send_all(ctx, claim))
    (old, new) = CLAIMS
    for label in CLAIMS:
        claim_ms = statistics.median(claim_times[label]) * 1000
        send_s = statistics.median(send_times[label])
        print(f"  {label:34} claim 5,000: {claim_ms:7.1f} ms ({claim_ms / 100:.2f} ms a batch"
              f" of 50, {statements[label]:.1f} statements)   claim + send 1,000: "
              f"{send_s:5.2f} s ({1000 / send_s:.0f} messages/s)")
    claim_ratio = statistics.median(claim_times[old]) / statistics.median(claim_times[new])
    send_ratio = statistics.median(send_times[old]) / statistics.median(send_times[new])
    print(f"  claim: {claim_ratio:.1f}× faster; claim + send: {send_ratio:.2f}×")
    fresh = statistics.median(recovery(ctx, slack, in_doubt=False) for _ in range(ROUNDS))
    looked = statistics.median(recovery(ctx, slack, in_doubt=True) for _ in range(ROUNDS))
    print(f"  200 posts: fresh {fresh:.2f} s, in doubt (history look-up first) {looked:.2f} s "
          f"({looked / fresh:.2f}×)")
    print(f"  one heartbeat renewing 50 leases: {heartbeat_ms(ctx):.2f} ms")
    ctx.close()


def main() -> None:
    directory = Directory()
    for channel in CHANNELS:
        directory.add_channel(channel, channel.lower())
    with SlackStandIn(directory) as slack:
        for name, database in DATABASES:
            with database() as url:
                if url is not None:
                    bench(name, url, slack)


if __name__ == "__main__":
    main()
