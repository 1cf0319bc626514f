"""The inbox: a changing request is kept before its ack and applied once, whoever applies it.

Driven as Slack drives the bot (signed requests into the real app); the races run real threads
against a real database, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.inbox import LEASE, MAX_ATTEMPTS, Inbox
from bot.scheduler import tick
from storage import inbox as store
from storage.inbox import InboxItem
from storage.outbox import Delivery
from storage.projects import StatusUpdate
from tests.support import ALICE, APOLLO_CHANNEL


def _count(bot, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    with bot.ctx.db.read() as session:
        return session.scalar(query)


def _keep_without_applying(bot, text: str, *, owner: str = "gone-host:1:dead") -> int:
    """A request kept by a process that died before applying it: a row, leased to `owner`."""
    dead = Inbox(bot.ctx, owner=owner)
    payload = {"command": "/status", "text": text, "user_id": ALICE,
               "channel_id": APOLLO_CHANNEL, "response_url": bot.slack.new_response_url(),
               "trigger_id": bot.slack.new_trigger_id(ALICE)}
    request = dead.accept(work="status.post", key=f"status.post:{payload['trigger_id']}",
                          user=ALICE, channel=APOLLO_CHANNEL,
                          response_url=payload["response_url"], payload=payload)
    dead.close()
    return request.id


def test_a_change_is_kept_before_the_ack_and_marked_done_with_it(apollo):
    response = apollo.command("/status", "APOLLO green All fine")
    assert (response.status, response.text) == (200, "")
    assert "recorded" in apollo.reply()
    apollo.ctx.after_ack.drain()
    with apollo.ctx.db.read() as session:
        row = session.scalars(select(InboxItem).where(InboxItem.work == "status.post")).one()
    assert (row.state, row.user_id, row.channel_id) == ("done", ALICE, APOLLO_CHANNEL)
    assert row.payload["text"] == "APOLLO green All fine"
    assert "token" not in row.payload  # the verification token is a credential: never kept
    assert row.lease_owner is None and row.done_at is not None


def test_a_refusal_before_the_ack_keeps_nothing(apollo):
    response = apollo.command("/status", "APOLLO green Hi", user="UBOB001")
    assert "can't post a status" in response.text
    assert _count(apollo, InboxItem, work="status.post") == 0


def test_the_same_request_twice_is_applied_once(apollo):
    """Slack (or a replaying proxy) sending one command twice: one update, one card."""
    trigger = apollo.slack.new_trigger_id(ALICE)
    apollo.driver.new_trigger_id = lambda _user: trigger
    for _ in range(2):
        assert apollo.command("/status", "APOLLO amber Twice").status == 200
    apollo.ctx.after_ack.drain()
    assert _count(apollo, StatusUpdate) == 1
    assert _count(apollo, Delivery, kind="status_card") == 1
    assert _count(apollo, InboxItem, work="status.post") == 1


def test_a_request_whose_process_died_is_applied_by_the_next_tick_once(apollo):
    tick(apollo.ctx)  # this process started a while ago (its first tick is behind it)
    request_id = _keep_without_applying(apollo, "APOLLO red Kept across a crash")
    assert tick(apollo.ctx).recovered == 0  # its lease has not run out yet
    apollo.clock.advance(seconds=LEASE.total_seconds() + 1)
    assert tick(apollo.ctx).recovered == 1
    reply = apollo.slack.wait_for_response(1)[-1]["body"]["text"]
    assert "recorded" in reply
    assert _count(apollo, StatusUpdate) == 1
    [card] = apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    assert "Kept across a crash" in str(card.args["blocks"])
    with apollo.ctx.db.read() as session:
        assert store.state_of(session, request_id) == "done"
    apollo.clock.advance(minutes=5)
    assert tick(apollo.ctx).recovered == 0  # done is done


def test_a_starting_sqlite_server_takes_over_at_once(apollo):
    """On SQLite only one server runs: what another process kept is its to finish, now; on
    PostgreSQL other replicas may be alive, so it waits for their leases to run out."""
    apollo.ctx.inbox.only_process = apollo.ctx.db.is_sqlite  # what serve sets on SQLite
    _keep_without_applying(apollo, "APOLLO green Left by the last server")
    recovered = tick(apollo.ctx).recovered
    assert recovered == (1 if apollo.ctx.db.is_sqlite else 0)
    apollo.clock.advance(seconds=LEASE.total_seconds() + 1)
    tick(apollo.ctx)
    assert _count(apollo, StatusUpdate) == 1


def test_an_answer_later_than_slacks_half_hour_goes_to_the_author_only(apollo):
    _keep_without_applying(apollo, "APOLLO green Late but kept")
    apollo.clock.advance(minutes=45)  # the response_url has expired
    assert tick(apollo.ctx).recovered == 1
    [note] = apollo.slack.wait_for("chat.postEphemeral", channel=APOLLO_CHANNEL)
    assert note.args["user"] == ALICE and "recorded" in note.args["text"]
    assert not apollo.slack.responses


def test_a_live_process_keeps_its_requests_by_renewing_their_lease(apollo):
    tick(apollo.ctx)  # this process started a while ago
    keeper = Inbox(apollo.ctx, owner="live-host:2:alive")
    request = keeper.accept(work="status.post", key="status.post:renewed", user=ALICE,
                            channel=APOLLO_CHANNEL, response_url=None,
                            payload={"text": "APOLLO green Slow work", "user_id": ALICE})
    for _ in range(3):
        apollo.clock.advance(seconds=LEASE.total_seconds() - 5)
        assert keeper.renew() == 1
        assert tick(apollo.ctx).recovered == 0  # not stolen while its owner is alive
    keeper.apply(request)
    assert keeper.held() == [] and keeper.renew() == 0
    assert _count(apollo, StatusUpdate) == 1
    keeper.close()


def test_two_processes_racing_for_one_request_apply_it_once(apollo):
    """Real threads, each its own Inbox (owner), applying the same kept request at once."""
    request_id = _keep_without_applying(apollo, "APOLLO amber Raced")
    with apollo.ctx.db.read() as session:
        row = session.get(InboxItem, request_id)
        kept = store.Request(row.id, row.work, row.user_id, row.channel_id, row.response_url,
                             row.payload, row.received_at, 2)
    racers = [Inbox(apollo.ctx, owner=f"racer-{n}") for n in range(4)]
    start = threading.Barrier(len(racers))

    def race(inbox: Inbox) -> None:
        start.wait()
        inbox.apply(kept)

    threads = [threading.Thread(target=race, args=(inbox,)) for inbox in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert _count(apollo, StatusUpdate) == 1
    assert _count(apollo, Delivery, kind="status_card") == 1
    assert len(apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)) == 1
    with apollo.ctx.db.read() as session:
        assert store.state_of(session, request_id) == "done"
    for inbox in racers:
        inbox.close()


def test_a_request_that_keeps_failing_is_given_up_and_its_author_told(apollo, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("still broken")

    monkeypatch.setattr("storage.projects.audit.record", broken)
    apollo.command("/status", "APOLLO green Never stored")
    apollo.ctx.after_ack.drain()
    for _ in range(MAX_ATTEMPTS + 1):
        apollo.clock.advance(minutes=10)
        tick(apollo.ctx)
    with apollo.ctx.db.read() as session:
        row = session.scalars(select(InboxItem).where(InboxItem.work == "status.post")).one()
    assert (row.state, row.attempts, row.last_error) == ("failed", MAX_ATTEMPTS, "RuntimeError")
    told = [c.args["text"] for c in apollo.slack.calls("chat.postEphemeral")]
    assert any("could not be applied after several attempts" in text for text in told)
    assert _count(apollo, StatusUpdate) == 0


def test_a_kept_request_for_an_unknown_work_is_retried_then_given_up(apollo):
    apollo.ctx.db.write_one(lambda connection: store.accept(
        connection, work="no.such.work", key="x:1", user=ALICE, channel=None,
        response_url=None, payload={}, now=apollo.ctx.now(), owner="gone", lease=timedelta(0)))
    for _ in range(MAX_ATTEMPTS + 1):
        apollo.clock.advance(minutes=10)
        tick(apollo.ctx)
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(InboxItem.state).where(InboxItem.work == "no.such.work")) \
            == "failed"


def test_backlog_counts_what_waits(apollo):
    with apollo.ctx.db.lookup() as connection:
        assert store.backlog(connection) == (0, None)
    _keep_without_applying(apollo, "APOLLO green Waiting")
    with apollo.ctx.db.lookup() as connection:
        count, oldest = store.backlog(connection)
    assert count == 1 and oldest == apollo.ctx.now()
    with apollo.ctx.db.write() as session:
        session.execute(update(InboxItem).values(state="done"))


def test_a_kept_request_survives_its_pooled_connection_being_killed_on_postgresql(apollo):
    """The inbox INSERT runs on psycopg's own cursor on PostgreSQL (storage/inbox.py): a
    pooled connection the server ended since (a restart, a failover) fails that one statement,
    is thrown away and the write is retried once on a new one, as for any other statement; the
    user's command is kept and its card posted."""
    if apollo.ctx.db.is_sqlite:
        pytest.skip("server-side connections are PostgreSQL's")
    assert apollo.command("/status", "APOLLO green First, on a pooled connection").status == 200
    apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    with apollo.ctx.db.engine.connect() as connection:  # end every other session of this db
        ended = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    assert ended >= 1
    assert apollo.command("/status", "APOLLO amber Second, after the server ended the "
                          "connection").status == 200
    assert len(apollo.slack.wait_for("chat.postMessage", 2, channel=APOLLO_CHANNEL)) == 2
    with apollo.ctx.db.read() as session:
        summaries = session.scalars(select(StatusUpdate.summary).order_by(StatusUpdate.id))
        assert list(summaries) == ["First, on a pooled connection",
                                   "Second, after the server ended the connection"]
    assert _count(apollo, InboxItem, work="status.post", state="done") == 2


def test_an_inbox_write_that_fails_is_raised_as_sqlalchemy_raises_it(apollo):
    """A failure on psycopg's cursor reaches the listener as SQLAlchemy's error (what
    bot/failures.py reads to answer "nothing was saved"), its parameters hidden."""
    if apollo.ctx.db.is_sqlite:
        pytest.skip("psycopg's cursor is PostgreSQL's")

    def accept(connection):
        return store.accept(connection, work="status.post", key="k:1" * 200, user=ALICE,
                            channel=None, response_url=None, payload={"text": "secret words"},
                            now=apollo.ctx.now(), owner="me", lease=timedelta(0))

    def alter(statement: str) -> None:
        with apollo.ctx.db.engine.connect() as connection:
            connection.execute(text(statement))
            connection.commit()

    # The INSERT fails in the server; the run's other tests share this database: undone after.
    alter("ALTER TABLE inbox ADD CONSTRAINT no_k CHECK (work <> 'status.post')")
    try:
        with pytest.raises(IntegrityError) as raised:
            apollo.ctx.db.write_one(accept)
    finally:
        alter("ALTER TABLE inbox DROP CONSTRAINT no_k")
    assert "parameters hidden" in str(raised.value)
    assert _count(apollo, InboxItem, work="status.post") == 0
