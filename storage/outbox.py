"""The deliveries outbox: every message the bot posts on its own initiative is a row here first.

A row is written in the same transaction as the change that caused it, so a crash or a Slack
outage between commit and send loses nothing: the row stays pending and is sent again later.
Senders claim rows with a short lease in one statement (`UPDATE … WHERE id IN (SELECT … FOR
UPDATE SKIP LOCKED LIMIT n) RETURNING …`), so several replicas never send the same row twice; a
live sender renews its leases (`renew`, from bot/leases.py's heartbeat) and a dead one's rows are
taken over once their lease runs out. A row taken from a sender that never wrote its outcome,
or whose Web API call ended without an answer, is "in doubt": its message may be in Slack
already, and the next sender looks for it before posting. `dedupe_key` is unique, so a periodic
message (a nudge, a digest) is planned at most once per period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    ForeignKey,
    Index,
    String,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, upsert_insert

PENDING, SENT, DEAD = "pending", "sent", "dead"
POST, UPDATE = "chat.postMessage", "chat.update"
FILE = "files.upload"
"""A picture (services/charts.py): drawn when sent, uploaded with `files_upload_v2`."""


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    method: Mapped[str] = mapped_column(String(32), default=POST)
    channel: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(8), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    """When the sender that holds the row claimed it; cleared with the lease when it settles."""
    in_doubt_since: Mapped[datetime | None]
    """An earlier attempt may have posted the message, at this time or later (None: it did not)."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """What a sender needs to make one Web API call, detached from any session."""

    id: int
    kind: str
    method: str
    channel: str
    payload: dict[str, Any]
    requested_by: str | None
    attempts: int
    target_id: int | None
    target_channel: str | None
    target_ts: str | None
    target_pending: bool
    in_doubt_since: datetime | None = None
    """Set when an earlier attempt may have reached Slack: look before posting again."""


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a delivery written already claimed, and until when (bot/outbox_sender.py)."""

    owner: str
    until: datetime


def enqueue(session: Session, *, kind: str, channel: str, payload: dict[str, Any], now: datetime,
            method: str = POST, target_id: int | None = None, requested_by: str | None = None,
            dedupe_key: str | None = None, leased: Lease | None = None) -> Delivery:
    """Add a pending delivery to the caller's transaction and return it (with its id).

    `leased`: written already claimed by that sender, which sends it right after the commit
    (`claimed_row`) without a claim of its own; if it dies first, the lease runs out and the
    row is taken over like any claimed row (in doubt: looked for in Slack before posting)."""
    row = Delivery(kind=kind, channel=channel, payload=payload, method=method,
                   target_id=target_id, requested_by=requested_by, dedupe_key=dedupe_key,
                   next_attempt_at=now, created_at=now)
    if leased is not None:
        row.lease_owner, row.lease_until, row.claimed_at = leased.owner, leased.until, now
    session.add(row)
    session.flush()
    return row


def enqueue_once(session: Session, *, kind: str, channel: str, payload: dict[str, Any],
                 now: datetime, dedupe_key: str, requested_by: str | None = None,
                 method: str = POST) -> int | None:
    """Insert unless `dedupe_key` exists (insert-on-conflict-do-nothing); the new id, or None."""
    return enqueue_many_once(session, kind=kind, messages=[(channel, dedupe_key, payload)],
                             now=now, requested_by=requested_by, method=method).get(dedupe_key)


def enqueue_many_once(session: Session, *, kind: str,
                      messages: Iterable[tuple[str, str, dict[str, Any]]], now: datetime,
                      requested_by: str | None = None, method: str = POST) -> dict[str, int]:
    """Each (channel, dedupe_key, payload) inserted unless its key exists, in one statement;
    returns {dedupe_key: new id} for the rows this call inserted."""
    rows = [dict(kind=kind, channel=channel, payload=payload, method=method, target_id=None,
                 requested_by=requested_by, dedupe_key=key, state=PENDING, attempts=0,
                 next_attempt_at=now, created_at=now) for channel, key, payload in messages]
    if not rows:
        return {}
    table = Delivery.__table__
    stmt = (upsert_insert(session)(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id, table.c.dedupe_key))
    # Pages of 100 rows: one statement shape that the driver prepares once and reuses.
    result = session.connection().execute(
        stmt.execution_options(insertmanyvalues_page_size=100), rows)
    return {key: delivery_id for delivery_id, key in result}


def enqueue_thread(session: Session, *, kind: str, channel: str, payloads: list[dict[str, Any]],
                   now: datetime, dedupe_key: str | None = None,
                   requested_by: str | None = None) -> list[int]:
    """A message too long for one post: the first payload as a post, the others as replies in
    its thread (sent once the first has its Slack ts). With `dedupe_key` the whole thread is
    planned at most once: the ids, or [] when that key was already planned."""
    if dedupe_key is None:
        first = enqueue(session, kind=kind, channel=channel, payload=payloads[0], now=now,
                        requested_by=requested_by).id
    else:
        first = enqueue_once(session, kind=kind, channel=channel, payload=payloads[0], now=now,
                             dedupe_key=dedupe_key, requested_by=requested_by)
        if first is None:
            return []
    replies = [enqueue(session, kind=f"{kind}_part", channel=channel, payload=payload, now=now,
                       target_id=first, requested_by=requested_by).id
               for payload in payloads[1:]]
    return [first, *replies]


def planned_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of these dedupe keys are already in the outbox (a unique-index look-up)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found |= set(session.scalars(select(Delivery.dedupe_key)
                                     .where(Delivery.dedupe_key.in_(keys[start:start + 500]))))
    return found


def enqueue_card_update(session: Session, card_id: int, payload: dict[str, Any],
                        now: datetime) -> Delivery | None:
    """Make a posted card show `payload`; returns the new chat.update delivery, if one is needed.

    A card that has not gone out yet (nobody holds it) simply gets the new payload, so Slack
    never sees the stale version; otherwise a chat.update delivery targets the card's message.
    """
    replaced = session.execute(
        update(Delivery).where(Delivery.id == card_id, Delivery.state == PENDING,
                               Delivery.lease_owner.is_(None))
        .values(payload=payload).execution_options(synchronize_session=False))
    if replaced.rowcount:
        return None
    # An earlier update waiting for a retry would bring back an older picture when it finally
    # goes out after this one: it gets the newest payload too. (Fresh ones are left alone: their
    # sender is about to claim them, and a row lock here would make it skip them.) Pending rows
    # are few and `ix_deliveries_due` starts with the state, so this stays cheap.
    session.execute(
        update(Delivery).where(Delivery.state == PENDING, Delivery.target_id == card_id,
                               Delivery.attempts > 0, Delivery.lease_owner.is_(None))
        .values(payload=payload).execution_options(synchronize_session=False))
    card = session.get(Delivery, card_id)
    return enqueue(session, kind=f"{card.kind}_update", channel=card.channel, payload=payload,
                   now=now, method=UPDATE, target_id=card_id, requested_by=card.requested_by)


def claimed_row(row: Delivery) -> Claimed:
    """A delivery enqueued `leased` (and committed) as its sender sends it: no claim needed."""
    return Claimed(id=row.id, kind=row.kind, method=row.method, channel=row.channel,
                   payload=row.payload, requested_by=row.requested_by, attempts=row.attempts or 0,
                   target_id=row.target_id, target_channel=None, target_ts=None,
                   target_pending=False)


_CLAIMED_COLUMNS = (Delivery.id, Delivery.kind, Delivery.method, Delivery.channel,
                    Delivery.payload, Delivery.requested_by, Delivery.attempts,
                    Delivery.target_id, Delivery.in_doubt_since)


def claim(session: Session, *, now: datetime, owner: str, lease: timedelta,
          ids: list[int] | None = None, limit: int = 50) -> list[Claimed]:
    """Lease up to `limit` due rows to `owner` (only among `ids` when given), oldest first;
    only rows this call won are returned.

    One statement: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING`
    (SQLite ignores the locking clause: its writers take turns). The targets' messages (for
    replies and updates) come in one more query, only when some row has a target.
    """
    due = and_(Delivery.state == PENDING, Delivery.next_attempt_at <= now,
               or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
    pick = select(Delivery.id).where(due).order_by(Delivery.id).limit(limit)
    if ids is not None:
        pick = pick.where(Delivery.id.in_(ids))
    # A row whose last holder never settled it (claimed_at still set) becomes in doubt from
    # that claim on. SET expressions read the row as it was, on both databases.
    lease_values = dict(lease_owner=owner, lease_until=now + lease, claimed_at=now,
                        in_doubt_since=func.coalesce(Delivery.in_doubt_since,
                                                     Delivery.claimed_at))
    if session.get_bind().dialect.update_returning:
        rows = session.execute(
            # The sub-select locked the rows it picked and checked them (PostgreSQL re-checks
            # a row changed meanwhile): `due` again here would only make SQLite scan by state.
            update(Delivery).where(Delivery.id.in_(pick.with_for_update(skip_locked=True)))
            .values(**lease_values).returning(*_CLAIMED_COLUMNS)
            .execution_options(synchronize_session=False)).all()
    else:  # SQLite before 3.35: no RETURNING; BEGIN IMMEDIATE keeps these three as one
        won = list(session.scalars(pick))
        session.execute(update(Delivery).where(Delivery.id.in_(won)).values(**lease_values)
                        .execution_options(synchronize_session=False))
        rows = session.execute(select(*_CLAIMED_COLUMNS).where(Delivery.id.in_(won))).all()
    rows.sort(key=lambda row: row.id)  # a thread's parent before its replies
    targets = _targets(session, {row.target_id for row in rows if row.target_id is not None})
    return [Claimed(id=row.id, kind=row.kind, method=row.method, channel=row.channel,
                    payload=row.payload, requested_by=row.requested_by, attempts=row.attempts,
                    target_id=row.target_id, in_doubt_since=row.in_doubt_since,
                    **_target_fields(targets.get(row.target_id)))
            for row in rows]


def _targets(session: Session, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    query = select(Delivery.id, Delivery.slack_channel, Delivery.slack_ts, Delivery.state)
    return {row.id: row for row in session.execute(query.where(Delivery.id.in_(ids)))}


def _target_fields(target: Any) -> dict[str, Any]:
    return dict(target_channel=target.slack_channel if target else None,
                target_ts=target.slack_ts if target else None,
                target_pending=bool(target and target.state == PENDING))


def renew(session: Session, owner: str, *, until: datetime) -> int:
    """Extend every lease `owner` holds to `until` (its heartbeat); how many rows it holds.

    Settling a row clears its owner, and a row taken over has another owner, so this touches
    exactly the rows `owner` still works on. `state` first: the due index finds pending rows.
    """
    result = session.execute(
        update(Delivery).where(Delivery.state == PENDING, Delivery.lease_owner == owner)
        .values(lease_until=until).execution_options(synchronize_session=False))
    return result.rowcount


def refresh_target(session: Session, item: Claimed) -> Claimed:
    """`item` with its target's message as it is now: the target may have been posted since
    the claim (a thread's parent sent earlier in the same run)."""
    target = _targets(session, {item.target_id}).get(item.target_id)
    return replace(item, **_target_fields(target))


def _settle(session: Session | Connection, delivery_id: int, owner: str, **values: Any) -> bool:
    """Write the outcome only if `owner` still holds the lease (an expired lease lost the row).
    One statement: a bare connection (autocommit, `Database.write_one`) will do."""
    table = Delivery.__table__  # Core: no ORM bulk-update machinery on every send
    connection = session.connection() if isinstance(session, Session) else session
    result = connection.execute(
        update(table).where(table.c.id == delivery_id, table.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None, claimed_at=None, **values))
    return result.rowcount == 1


def mark_sent(session: Session | Connection, delivery_id: int, owner: str, *, now: datetime,
              slack_channel: str | None, slack_ts: str | None) -> bool:
    return _settle(session, delivery_id, owner, state=SENT, sent_at=now, last_error=None,
                   slack_channel=slack_channel, slack_ts=slack_ts,
                   attempts=Delivery.attempts + 1)


def mark_retry(session: Session, delivery_id: int, owner: str, *, error: str,
               retry_at: datetime, maybe_posted: bool = False) -> bool:
    """Try again at `retry_at`. `maybe_posted`: this attempt ended without an answer, so its
    message may be in Slack: the row is in doubt from this claim on. Otherwise any doubt stays
    as it was (a "no" from Slack now says nothing about an earlier attempt)."""
    doubt: dict[str, Any] = {}
    if maybe_posted:
        doubt["in_doubt_since"] = func.coalesce(Delivery.in_doubt_since, Delivery.claimed_at)
    return _settle(session, delivery_id, owner, next_attempt_at=retry_at, last_error=error[:255],
                   attempts=Delivery.attempts + 1, **doubt)


def mark_dead(session: Session, delivery_id: int, owner: str, *, error: str) -> bool:
    return _settle(session, delivery_id, owner, state=DEAD, last_error=error[:255],
                   attempts=Delivery.attempts + 1)


REPOSTED = "message_not_found: shown by a fresh card"
"""An update whose card was gone from Slack: the card was posted again, showing this or newer."""


def repost_lost_card(session: Session, card_id: int, lost_ts: str, *, now: datetime) -> bool:
    """Card `card_id`'s message (at `lost_ts`) is gone from Slack: make the card post again,
    once. True only for the one caller whose conditional update found the card still pointing
    at the lost message (concurrent callers, on either database, get False).

    The fresh card shows the newest picture any update of it carries; every update up to that
    one is marked REPOSTED (`shown_by_fresh_card`), and those nobody holds are settled as sent.
    Updates written later are newer than the fresh card and still go out, to its new ts.
    """
    table = Delivery.__table__
    connection = session.connection()
    won = connection.execute(
        update(table).where(table.c.id == card_id, table.c.state == SENT,
                            table.c.slack_ts == lost_ts)
        .values(state=PENDING, slack_channel=None, slack_ts=None, sent_at=None, attempts=0,
                next_attempt_at=now, lease_owner=None, lease_until=None, claimed_at=None,
                in_doubt_since=None, last_error="message_not_found")).rowcount == 1
    if not won:
        return False
    newest = connection.execute(
        select(table.c.id, table.c.payload).where(table.c.target_id == card_id,
                                                  table.c.method == UPDATE)
        .order_by(table.c.id.desc()).limit(1)).first()
    if newest is None:
        return True
    connection.execute(update(table).where(table.c.id == card_id).values(payload=newest.payload))
    shown = and_(table.c.target_id == card_id, table.c.method == UPDATE,
                 table.c.id <= newest.id, table.c.state == PENDING)
    connection.execute(update(table).where(shown).values(last_error=REPOSTED))
    connection.execute(update(table).where(shown, table.c.lease_owner.is_(None))
                       .values(state=SENT, sent_at=now))
    return True


def shown_by_fresh_card(session: Session, delivery_id: int) -> bool:
    """Whether a fresh card (repost_lost_card) already shows this update's picture."""
    return session.scalar(select(Delivery.last_error).where(Delivery.id == delivery_id)) \
        == REPOSTED


def mark_shown(session: Session, delivery_id: int, owner: str, *, now: datetime) -> bool:
    """Settle an update that a fresh card shows: done, with no message of its own."""
    return _settle(session, delivery_id, owner, state=SENT, sent_at=now, last_error=REPOSTED,
                   attempts=Delivery.attempts + 1)


def message_of(session: Session, delivery_id: int) -> tuple[str, str] | None:
    """The (channel, ts) of a sent card, for chat.update and permalinks; None until sent."""
    row = session.get(Delivery, delivery_id)
    if row is None or row.slack_ts is None:
        return None
    return row.slack_channel, row.slack_ts


def backlog(connection: Connection) -> tuple[int, datetime | None]:
    """(rows still to send, when the oldest of them was written): the index on
    (state, next_attempt_at) finds the pending rows."""
    row = connection.execute(select(func.count(), func.min(Delivery.created_at))
                             .where(Delivery.state == PENDING)).one()
    return row[0], row[1]
