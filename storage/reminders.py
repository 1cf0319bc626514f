"""What the reminder planner remembers: nudges per item, escalations, snoozes, time zones.

The ledger has one row per (item occurrence, recipient). Races between replicas are settled by
the database: the nudge itself is an outbox row with a per-person-per-day unique key, and an
escalation is claimed by a conditional UPDATE (`escalated_at IS NULL`), so two planners that
see the same item cannot both report it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Date, String, UniqueConstraint, select, tuple_, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from pmo_rules.reminders import DueItem, LedgerState, Nudge
from storage.base import Base, upsert_insert

CHUNK = 500
"""Keys per IN (…) list: well inside every driver's parameter limit."""


class ReminderLedger(Base):
    __tablename__ = "reminder_ledger"
    __table_args__ = (UniqueConstraint("item_key", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    nudges: Mapped[int] = mapped_column(default=0)
    last_nudged_on: Mapped[date | None] = mapped_column(Date)
    escalated_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]


class UserZone(Base):
    """users.info's answer for a person, cached (services/directory.py): `tz` None means Slack
    had no usable zone; `standing` person|bot|deactivated|unknown (None: not checked yet)."""

    __tablename__ = "user_timezones"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tz: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime]
    standing: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str | None] = mapped_column(String(16))
    """member, guest or external (pmo_rules/visibility.py); None: not known yet."""


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def ledger_for(session: Session, items: Iterable[DueItem]) -> dict[tuple[str, str], LedgerState]:
    """The ledger state of each (item key, recipient) among `items` that has one."""
    keys = sorted({item.key for item in items})
    found: dict[tuple[str, str], LedgerState] = {}
    for chunk in _chunks(keys):
        rows = session.execute(
            select(ReminderLedger.item_key, ReminderLedger.recipient, ReminderLedger.nudges,
                   ReminderLedger.last_nudged_on, ReminderLedger.escalated_at,
                   ReminderLedger.snoozed_until)
            .where(ReminderLedger.item_key.in_(chunk)))
        for key, recipient, nudges, last, escalated, snoozed in rows:
            found[(key, recipient)] = LedgerState(nudges, last, escalated is not None, snoozed)
    return found


def _ledger_row(item: DueItem, now: datetime, **values) -> dict:
    return dict(item_key=item.key, kind=item.kind, item_id=item.item_id,
                recipient=item.recipient, due_at=item.due_at, created_at=now,
                nudges=0, last_nudged_on=None, escalated_at=None, snoozed_until=None) | values


def record_nudges(session: Session, nudges: Iterable[Nudge], now: datetime) -> None:
    """Count one more nudge for every item in these (just enqueued) nudges."""
    rows = [_ledger_row(item, now, nudges=1, last_nudged_on=nudge.day)
            for nudge in nudges for item in nudge.items]
    if not rows:
        return
    table = ReminderLedger.__table__
    stmt = upsert_insert(session)(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_key", "recipient"],
        set_={"nudges": table.c.nudges + 1, "last_nudged_on": stmt.excluded.last_nudged_on})
    session.connection().execute(stmt, rows)


def claim_escalations(session: Session, items: Iterable[DueItem], now: datetime) -> list[DueItem]:
    """Mark these items escalated; only those this call marked are returned (exactly once)."""
    wanted = {(item.key, item.recipient): item for item in items}
    won: list[DueItem] = []
    for chunk in _chunks(sorted(wanted)):
        rows = session.execute(
            update(ReminderLedger)
            .where(tuple_(ReminderLedger.item_key, ReminderLedger.recipient).in_(chunk),
                   ReminderLedger.escalated_at.is_(None))
            .values(escalated_at=now)
            .returning(ReminderLedger.item_key, ReminderLedger.recipient)
            .execution_options(synchronize_session=False))
        won += [wanted[(key, recipient)] for key, recipient in rows]
    return sorted(won, key=lambda i: (i.due_at, i.key))


def ledger_entry(session: Session, item_key: str, recipient: str) -> ReminderLedger | None:
    return session.scalar(select(ReminderLedger).where(ReminderLedger.item_key == item_key,
                                                       ReminderLedger.recipient == recipient))


def snooze(session: Session, item: DueItem, until: datetime, now: datetime) -> None:
    """No nudge about `item` for its recipient until `until` (a later snooze replaces it)."""
    stmt = upsert_insert(session)(ReminderLedger).values(_ledger_row(item, now,
                                                                     snoozed_until=until))
    session.execute(stmt.on_conflict_do_update(index_elements=["item_key", "recipient"],
                                               set_={"snoozed_until": until}))


class CachedZone(NamedTuple):
    tz: str | None
    fetched_at: datetime


def zones(session: Session, users: Iterable[str]) -> dict[str, CachedZone]:
    """The cached time zones of these people (absent: never looked up)."""
    wanted = sorted(set(users))
    found: dict[str, CachedZone] = {}
    for chunk in _chunks(wanted):
        rows = session.execute(select(UserZone.user_id, UserZone.tz, UserZone.fetched_at)
                               .where(UserZone.user_id.in_(chunk)))
        found |= {user: CachedZone(tz, fetched_at) for user, tz, fetched_at in rows}
    return found


def save_zone(session: Session, user: str, tz: str | None, now: datetime, *,
              standing: str | None = None, name: str | None = None,
              kind: str | None = None) -> None:
    """Store users.info's answer for `user` (one row per person: zone, standing, name, kind)."""
    values = {"tz": tz, "fetched_at": now, "standing": standing, "name": name, "kind": kind}
    stmt = upsert_insert(session)(UserZone).values(user_id=user, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))


class CachedPerson(NamedTuple):
    standing: str | None
    name: str | None
    fetched_at: datetime


def cached_person(session: Session, user: str) -> CachedPerson | None:
    """What users.info last said about `user` (None: never looked up)."""
    row = session.execute(select(UserZone.standing, UserZone.name, UserZone.fetched_at)
                          .where(UserZone.user_id == user)).first()
    return CachedPerson(*row) if row else None
