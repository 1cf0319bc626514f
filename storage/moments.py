"""The latest moment the database has seen, for a clock that must never run backwards.

Not everything the bot does is audited: what the scheduler planned and sent lives only in the
outbox, the reminder ledger and the time-zone cache. Each column here is a moment that had
already happened when it was written (never a future one such as a retry time or a snooze end),
and each is one MAX over a table, so the whole look-up stays cheap.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.audit import AuditEntry
from storage.outbox import Delivery
from storage.reminders import ReminderLedger, UserZone

_SEEN = (AuditEntry.at, Delivery.created_at, Delivery.sent_at, ReminderLedger.created_at,
         ReminderLedger.escalated_at, UserZone.fetched_at)


def latest_moment(session: Session) -> datetime | None:
    """The newest past moment any table records (None for an empty database)."""
    seen = [session.scalar(select(func.max(column))) for column in _SEEN]
    return max((moment for moment in seen if moment is not None), default=None)
