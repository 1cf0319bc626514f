"""The inbox: every Slack request that changes something is a row here before it is acked.

A listener writes the row — the raw payload, who, where, when, and a unique key — in a short
transaction of its own and only then acks, so an ack is a promise the database keeps. The work
after the ack applies the request and marks its row done *in the same transaction as the
change* (`applying` + `settle`, called by `Database.write()`), so a request is applied once even
when two processes race for it: the second one's conditional update finds the row done and its
transaction rolls back (`AlreadyApplied`).

A row nobody finished — its process was killed, the database went away mid-work — keeps its
lease only while its owner renews it; once the lease has run out a starting process or the
scheduler's tick claims it (`claim_stale`, `FOR UPDATE SKIP LOCKED` on PostgreSQL) and applies it.
The unique `request_key` makes a request Slack (or anyone) sends twice a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import (
    JSON,
    Connection,
    Index,
    Insert,
    String,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base

PENDING, DONE, FAILED = "pending", "done", "failed"


class InboxItem(Base):
    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_state_lease", "state", "lease_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work: Mapped[str] = mapped_column(String(64))
    request_key: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    response_url: Mapped[str | None] = mapped_column(String(1024))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(8), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    received_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(255))


@dataclass(frozen=True, slots=True)
class Request:
    """One kept request, detached from any session: what a work needs to apply it."""

    id: int
    work: str
    user_id: str
    channel_id: str | None
    response_url: str | None
    payload: dict[str, Any]
    received_at: datetime
    attempts: int


class AlreadyApplied(Exception):
    """Another process applied this request first; this transaction is rolled back."""


def accept(connection: Connection, *, work: str, key: str, user: str, channel: str | None,
           response_url: str | None, payload: dict[str, Any], now: datetime, owner: str,
           lease: timedelta) -> Request | None:
    """Keep one request, leased to `owner`; None when `key` was kept before (a repeat)."""
    values = dict(work=work, request_key=key[:255], user_id=user, channel_id=channel,
                  response_url=response_url, payload=payload, state=PENDING, attempts=1,
                  lease_owner=owner, lease_until=now + lease, received_at=now)
    if connection.dialect.name == "postgresql":
        row = _accept_on_postgresql(connection, values)
    else:
        row = connection.execute(_sqlite_accept(), values).first()
    if row is None:
        return None
    return Request(id=row[0], work=work, user_id=user, channel_id=channel,
                   response_url=response_url, payload=payload, received_at=now, attempts=1)


_ACCEPT_COLUMNS = ("work", "request_key", "user_id", "channel_id", "response_url", "payload",
                   "state", "attempts", "lease_owner", "lease_until", "received_at")


@cache
def _sqlite_accept() -> Insert:
    """`accept`'s INSERT on SQLite, built once with a bound parameter for each value.

    Built anew for every request, the statement cost more of the ack's CPU than anything else
    in it (sampled under bench/ack.py: building `values()` and `on_conflict_do_nothing()`,
    then its cache key, 40% of the request threads' time with the interpreter lock); built
    once, its cache key is kept on it and its compiled form is found at once."""
    table = InboxItem.__table__
    return (sqlite.insert(table).values({name: bindparam(name, type_=table.c[name].type)
                                         for name in _ACCEPT_COLUMNS})
            .on_conflict_do_nothing(index_elements=["request_key"]).returning(table.c.id))


_PG_ACCEPT = (f"INSERT INTO inbox ({', '.join(_ACCEPT_COLUMNS)}) "
              f"VALUES ({', '.join(['%s'] * len(_ACCEPT_COLUMNS))}) "
              "ON CONFLICT (request_key) DO NOTHING RETURNING id")


def _accept_on_postgresql(connection: Connection, values: dict[str, Any]) -> tuple | None:
    """`accept`'s INSERT on psycopg's own cursor: the write every changing request makes
    before its ack, so the one statement here that skips SQLAlchemy's execution (140 against
    240 µs of CPU a call through SQLAlchemy; the SQL is what SQLAlchemy compiles for it).
    A failure is raised as SQLAlchemy would raise it, its parameters hidden (the payload is a
    message's text), and a connection the server dropped is not pooled again, so
    `Database.write_one` retries it once and bot/failures.py tells the user as for any
    statement."""
    if values["received_at"].tzinfo is None:  # as UtcDateTime refuses it
        raise ValueError("naive datetime given to a UTC column")
    raw = connection.connection.dbapi_connection
    params = [Json(values[name]) if name == "payload" else values[name]
              for name in _ACCEPT_COLUMNS]
    try:
        with raw.cursor() as cursor:
            cursor.execute(_PG_ACCEPT, params)
            return cursor.fetchone()
    except psycopg.Error as error:
        broken = bool(raw.broken or raw.closed)
        if broken:
            connection.invalidate(error)
        raise DBAPIError.instance(_PG_ACCEPT, params, error, psycopg.Error, hide_parameters=True,
                                  connection_invalidated=broken) from error


def claim_stale(session: Session, *, now: datetime, owner: str, lease: timedelta,
                limit: int = 20, ignore_leases_of_others: bool = False) -> list[Request]:
    """Lease pending requests whose owner stopped renewing them; one statement, only rows won.

    `ignore_leases_of_others` takes every pending row not owned by `owner` at once: right for a
    process that knows it is the only one (SQLite's single server, at start).
    """
    expired = or_(InboxItem.lease_until.is_(None), InboxItem.lease_until < now)
    if ignore_leases_of_others:
        expired = or_(expired, InboxItem.lease_owner.is_(None), InboxItem.lease_owner != owner)
    stale = and_(InboxItem.state == PENDING, expired)
    chosen = (select(InboxItem.id).where(stale).order_by(InboxItem.id).limit(limit)
              .with_for_update(skip_locked=True).scalar_subquery())
    table = InboxItem.__table__
    result = session.execute(
        update(table).where(table.c.id.in_(chosen), stale)
        .values(lease_owner=owner, lease_until=now + lease, attempts=table.c.attempts + 1)
        .returning(table.c.id, table.c.work, table.c.user_id, table.c.channel_id,
                   table.c.response_url, table.c.payload, table.c.received_at,
                   table.c.attempts))
    return sorted((Request(*row) for row in result), key=lambda request: request.id)


def renew(session: Session, owner: str, *, until: datetime) -> int:
    """Extend every lease `owner` holds to `until` (its heartbeat, bot/leases.py). Applying,
    releasing or giving up a row clears its owner, and a row taken over has another, so this
    touches exactly the requests `owner` is still working on."""
    result = session.execute(
        update(InboxItem).where(InboxItem.state == PENDING, InboxItem.lease_owner == owner)
        .values(lease_until=until).execution_options(synchronize_session=False))
    return result.rowcount


def release(session: Session, request_id: int, *, owner: str, retry_at: datetime,
            error: str) -> bool:
    """Give a request that failed back for a later attempt (at `retry_at`), owned by nobody."""
    result = session.execute(
        update(InboxItem).where(InboxItem.id == request_id, InboxItem.lease_owner == owner,
                                InboxItem.state == PENDING)
        .values(lease_owner=None, lease_until=retry_at, last_error=error[:255])
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def mark_failed(session: Session, request_id: int, *, error: str, now: datetime) -> bool:
    """Stop trying: the request could not be applied (its author is told)."""
    result = session.execute(
        update(InboxItem).where(InboxItem.id == request_id, InboxItem.state == PENDING)
        .values(state=FAILED, done_at=now, lease_owner=None, lease_until=None,
                last_error=error[:255])
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def mark_done(session: Session, request_id: int, *, now: datetime) -> bool:
    """Done without a change of its own (a refusal); False if someone else finished it."""
    result = session.execute(
        update(InboxItem).where(InboxItem.id == request_id, InboxItem.state == PENDING)
        .values(state=DONE, done_at=now, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def backlog(connection: Connection) -> tuple[int, datetime | None]:
    """(requests still to apply, when the oldest of them arrived): storage/backlog.py's source."""
    row = connection.execute(select(func.count(InboxItem.id), func.min(InboxItem.received_at))
                             .where(InboxItem.state == PENDING)).one()
    return row[0], row[1]


def counts(connection: Connection) -> dict[str, int]:
    """How many requests are in each state (pending, done, failed): what `pmo-bot inbox` shows."""
    rows = connection.execute(select(InboxItem.state, func.count(InboxItem.id))
                              .group_by(InboxItem.state))
    found = {state: count for state, count in rows}
    return {state: found.get(state, 0) for state in (PENDING, FAILED, DONE)}


@dataclass(frozen=True, slots=True)
class Waiting:
    """A request not done, as an operator sees it: never its payload (what people typed)."""

    id: int
    work: str
    state: str
    user_id: str
    channel_id: str | None
    received_at: datetime
    attempts: int
    lease_owner: str | None
    lease_until: datetime | None
    last_error: str | None


def not_done(connection: Connection, *, limit: int) -> list[Waiting]:
    """Failed requests first, then pending ones, oldest first within each."""
    columns = [getattr(InboxItem, name) for name in Waiting.__slots__]
    rows = connection.execute(
        select(*columns).where(InboxItem.state.in_((FAILED, PENDING)))
        .order_by((InboxItem.state == PENDING), InboxItem.id).limit(limit))
    return [Waiting(*row) for row in rows]


def retry_failed(session: Session, ids: list[int] | None) -> list[int]:
    """Give failed requests (those in `ids`, or all when None) back to whichever process
    recovers first, for another round of attempts; the ids that were failed. Their attempts
    restart at 1, not 0: the next one is a replay, whose answer goes to the author's DM once
    Slack's half hour for the response_url is over."""
    table = InboxItem.__table__
    chosen = [table.c.state == FAILED] + ([table.c.id.in_(ids)] if ids is not None else [])
    result = session.execute(
        update(table).where(*chosen)
        .values(state=PENDING, attempts=1, done_at=None, lease_owner=None, lease_until=None)
        .returning(table.c.id))
    return sorted(row[0] for row in result)


def prune(session: Session, *, before: datetime, failed_too: bool = False) -> int:
    """Delete requests finished before `before` (they hold what people typed); how many.
    Failed ones stay for an operator unless `failed_too`."""
    states = (DONE, FAILED) if failed_too else (DONE,)
    result = session.execute(
        delete(InboxItem).where(InboxItem.state.in_(states), InboxItem.done_at < before)
        .execution_options(synchronize_session=False))
    return result.rowcount


def state_of(session: Session, request_id: int) -> str | None:
    return session.scalar(select(InboxItem.state).where(InboxItem.id == request_id))


# --- applying a request in the same transaction as its change --------------------------------

@dataclass
class _Applying:
    request_id: int
    now: datetime
    settled: bool = False


_applying: ContextVar[_Applying | None] = ContextVar("pmo_inbox_applying", default=None)


@contextmanager
def applying(request_id: int, now: datetime) -> Iterator[_Applying]:
    """While a request's work runs: the first write transaction that commits marks it done."""
    state = _Applying(request_id, now)
    token = _applying.set(state)
    try:
        yield state
    finally:
        _applying.reset(token)


@contextmanager
def outside_applying() -> Iterator[None]:
    """A write inside it is not the request's change (what Slack said about its author, a
    cache): it does not mark the request being applied done."""
    token = _applying.set(None)
    try:
        yield
    finally:
        _applying.reset(token)


def settle(session: Session) -> _Applying | None:
    """Called by `Database.write()` just before it commits: mark the request being applied done,
    in this transaction. Raises `AlreadyApplied` (rolling the change back) when another process
    finished it first. Returns what to flag as settled once the commit succeeded."""
    state = _applying.get()
    if state is None or state.settled:
        return None
    table = InboxItem.__table__  # a Core update: no ORM bulk-update machinery on every change
    result = session.connection().execute(
        update(table).where(table.c.id == state.request_id, table.c.state == PENDING)
        .values(state=DONE, done_at=state.now, lease_owner=None, lease_until=None))
    if result.rowcount != 1:
        raise AlreadyApplied(state.request_id)
    return state
