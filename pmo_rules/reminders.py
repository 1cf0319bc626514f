"""Who gets nudged about what, and when an item goes up to the PMO: the reminder rules.

Sources (status updates now; risk reviews and gate votes when they arrive) each report their
overdue work as `DueItem`s. `plan_reminders` turns those, plus what was already done (the
ledger) and each person's time zone, into at most one nudge per person per local day and a
list of items to escalate. It is pure: the caller reads the inputs and writes the outcome.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from pmo_rules.config import Rules
from pmo_rules.schedule import WorkCalendar, in_civil_hours, local_now
from pmo_rules.values import ButtonValue

MAX_ITEMS_PER_NUDGE = 20
"""A nudge lists this many items at most (Slack's 50 blocks, two per item); the rest wait."""


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    """A button under a nudged item: `name` picks the action id and the label; `value` is what
    the click carries back (encoded when the message is built)."""

    name: str
    value: ButtonValue
    primary: bool = False


@dataclass(frozen=True, slots=True)
class DueItem:
    """One overdue piece of work for one person, as a source reports it.

    `item_id` names the thing (a project, a risk, a gate request) within its `kind`; `due_at`
    is when it became due, so (kind, item_id, due_at) names this occurrence: once the work is
    done the next occurrence has a new due date and starts a fresh count of nudges. `subject`
    holds the facts the message template shows (a project key and name, a risk title, …).
    """

    kind: str
    item_id: str
    recipient: str
    due_at: datetime
    subject: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[ButtonSpec, ...] = ()
    """The source's own buttons; every nudged item also gets a Snooze button."""
    overdue: bool = True
    """False for a heads-up before a date (a milestone due soon): nudged like the others, but
    never escalated and not listed as overdue in the digest."""

    @property
    def due_key(self) -> str:
        return self.due_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")

    @property
    def key(self) -> str:
        """What the ledger, snoozes and button values call this occurrence."""
        return f"{self.kind}:{self.item_id}:{self.due_key}"


@dataclass(frozen=True, slots=True)
class LedgerState:
    """What has happened to one item occurrence for its recipient so far."""

    nudges: int = 0
    last_nudged_on: date | None = None
    escalated: bool = False
    snoozed_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Nudge:
    """One DM to `recipient`, for their local `day`, listing `items` (most overdue first);
    `more` counts the items left out to keep the message within Slack's limits."""

    recipient: str
    day: date
    items: tuple[DueItem, ...]
    more: int = 0

    @property
    def dedupe_key(self) -> str:
        return nudge_key(self.recipient, self.day)


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """What one planner pass would send; `unknown_zones` are people whose time zone must be
    looked up before they can be nudged (they are left out of this plan)."""

    nudges: tuple[Nudge, ...] = ()
    escalations: tuple[DueItem, ...] = ()
    unknown_zones: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.nudges or self.escalations)


def nudge_key(recipient: str, day: date) -> str:
    """The outbox dedupe key: one nudge per person per local day, however many replicas run."""
    return f"nudge:{recipient}:{day.isoformat()}"


def todays_nudge_keys(now: datetime, zones: Mapping[str, tzinfo]) -> list[str]:
    """The dedupe keys a nudge to each of these people would have today (their local day)."""
    return [nudge_key(user, local_now(now, tz).date()) for user, tz in zones.items()]


def plan_reminders(items: Iterable[DueItem], ledger: Mapping[tuple[str, str], LedgerState],
                   zones: Mapping[str, tzinfo], already_nudged: set[str], now: datetime,
                   rules: Rules, calendar: WorkCalendar) -> ReminderPlan:
    """Decide this pass's nudges and escalations.

    A person is nudged when it is a working day and within the civil hours in *their* time
    zone, they have not had a nudge today (`already_nudged` holds today's dedupe keys), and at
    least one of their items is not snoozed. An item that is still due after
    `[reminders] escalate_after` nudges on earlier days is escalated, once (the ledger says).
    """
    by_person: dict[str, list[DueItem]] = defaultdict(list)
    for item in items:
        by_person[item.recipient].append(item)
    nudges: list[Nudge] = []
    escalations: list[DueItem] = []
    unknown: set[str] = set()
    for person, theirs in sorted(by_person.items()):
        tz = zones.get(person)
        if tz is None:
            unknown.add(person)
            continue
        if not in_civil_hours(now, tz, rules.reminders, calendar):
            continue
        day = local_now(now, tz).date()
        if nudge_key(person, day) in already_nudged:
            continue
        awake = [i for i in theirs if not _snoozed(ledger.get((i.key, person)), now)]
        if not awake:
            continue
        awake.sort(key=lambda i: (i.due_at, i.kind, i.item_id))
        shown = tuple(awake[:MAX_ITEMS_PER_NUDGE])
        nudges.append(Nudge(person, day, shown, more=len(awake) - len(shown)))
        limit = rules.reminders.escalate_after
        escalations += [i for i in awake
                        if i.overdue and _escalates(ledger.get((i.key, person)), day, limit)]
    return ReminderPlan(tuple(nudges), tuple(escalations), frozenset(unknown))


def _snoozed(state: LedgerState | None, now: datetime) -> bool:
    return bool(state and state.snoozed_until and state.snoozed_until > now)


def _escalates(state: LedgerState | None, day: date, escalate_after: int) -> bool:
    """Still due after `escalate_after` nudges sent on earlier days, and not reported yet."""
    return bool(state and not state.escalated and state.nudges >= escalate_after
                and state.last_nudged_on is not None and state.last_nudged_on < day)


def status_due_at(last_status_at: datetime | None, created_at: datetime,
                  cadence_days: int, first_within_days: int = 0) -> datetime:
    """When a project's next status update is due: `cadence_days` after the last one, or
    `first_within_days` after it was registered (`[status] first_update_within_days`, its
    grace) when it has none at all."""
    if last_status_at is None:
        return created_at + timedelta(days=first_within_days)
    return last_status_at + timedelta(days=cadence_days)
