"""The planner: turns "what is due at `now`" into outbox rows, each at most once per period.

Every pass recomputes everything from the database, so a pass after downtime catches up on
its own: an overdue item is nudged at the next civil hour, and the latest weekly digest that
was missed is planned once. Unique outbox keys (one nudge per person per local day, one digest
per channel per ISO week) and the ledger's conditional updates make concurrent passes on
several replicas, or a one-shot `pmo-bot remind --now` beside a server, harmless.

Each pass also lifts the holds that have ended (storage.gates.resume_ended_holds, audited).

Nudges are stored as their facts and rendered by the dispatcher when it sends them
(templates.reminders.nudge_record); the other messages are rendered before the write
transaction opens, so the database lock (SQLite's single writer) is held only for the inserts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot import zones
from pmo_rules.digest import DigestData
from pmo_rules.reminders import DueItem, ReminderPlan, plan_reminders, todays_nudge_keys
from pmo_rules.schedule import DigestPeriod, WorkCalendar, digest_period
from storage import outbox
from storage import reminders as ledger
from storage.digest import (
    DigestProject,
    digest_projects,
    load_digest,
    load_project_digests,
)
from storage.gates import resume_ended_holds
from storage.sources import all_due_items
from templates.digest import digest_messages, period_label
from templates.reminders import escalation_messages, nudge_record

if TYPE_CHECKING:
    from bot.context import BotContext
    from templates.render import Message

log = logging.getLogger(__name__)

NUDGE, ESCALATION, DIGEST, MANUAL_DIGEST = "nudge", "escalation", "digest", "digest_manual"


@dataclass
class PassResult:
    """What one planner pass put into the outbox."""

    nudged: list[str] = field(default_factory=list)
    escalated: list[DueItem] = field(default_factory=list)
    digest: str | None = None
    delivery_ids: list[int] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    """Keys of the projects whose hold ended, made active again."""


@dataclass(frozen=True)
class DigestPlan:
    """The weekly digest that is due now, and whether it was already planned."""

    period: DigestPeriod
    channel: str
    planned: bool

    @property
    def dedupe_key(self) -> str:
        return digest_key(self.channel, self.period)


def digest_key(channel: str, period: DigestPeriod) -> str:
    return f"digest:{channel}:{period.key}"


# --- reminders ------------------------------------------------------------------------------

def reminder_plan(ctx: BotContext, now: datetime) -> ReminderPlan:
    """This pass's nudges and escalations, after looking up time zones not known (or stale)."""
    plan, lookups = _reminder_plan(ctx, now)
    if lookups and zones.look_up(ctx, lookups, now) and plan.unknown_zones:
        plan, _ = _reminder_plan(ctx, now)
    return plan


def _reminder_plan(ctx: BotContext, now: datetime) -> tuple[ReminderPlan, list[str]]:
    rules = ctx.rules
    with ctx.db.read() as session:
        items = all_due_items(session, now, rules)
        if not items:
            return ReminderPlan(), []
        people = {item.recipient for item in items}
        rows = ledger.zones(session, people)
        known = zones.cached_zones(rows, rules.pmo.tz)
        state = ledger.ledger_for(session, items)
        already = outbox.planned_keys(session, todays_nudge_keys(now, known))
    plan = plan_reminders(items, state, known, already, now, rules, WorkCalendar.of(rules.pmo))
    return plan, zones.needing_lookup(people, rows, now)


def enqueue_reminders(ctx: BotContext, plan: ReminderPlan, now: datetime) -> PassResult:
    """Write the plan: each nudge once per person and day, each escalation once per item."""
    result = PassResult()
    if not plan:
        return result
    records = [(n.recipient, n.dedupe_key, nudge_record(n, now)) for n in plan.nudges]
    with ctx.db.write() as session:
        inserted = outbox.enqueue_many_once(session, kind=NUDGE, now=now, messages=records)
        sent = [nudge for nudge in plan.nudges if nudge.dedupe_key in inserted]
        ledger.record_nudges(session, sent, now)
        result.nudged = [nudge.recipient for nudge in sent]
        result.delivery_ids = [inserted[nudge.dedupe_key] for nudge in sent]
        if plan.escalations and _escalation_targets(ctx):
            result.escalated = ledger.claim_escalations(session, plan.escalations, now)
            if result.escalated:  # only what this pass won: a racing pass reports the rest
                reports = escalation_messages(ctx.renderer, result.escalated,
                                              ctx.rules.reminders)
                result.delivery_ids += _enqueue_escalations(ctx, session, reports, now)
    return result


def _escalation_targets(ctx: BotContext) -> list[str]:
    """PMO admins (by DM) and the digest channel; nobody to tell means nothing is marked."""
    pmo = ctx.rules.pmo
    return [*pmo.admins, *([pmo.digest_channel] if pmo.digest_channel else [])]


def _enqueue_escalations(ctx: BotContext, session, reports, now: datetime) -> list[int]:
    ids: list[int] = []
    for target in _escalation_targets(ctx):
        ids += outbox.enqueue_thread(session, kind=ESCALATION, channel=target, now=now,
                                     payloads=[m.as_payload() for m in reports],
                                     requested_by=_admin_to_tell(ctx))
    return ids


def _admin_to_tell(ctx: BotContext) -> str | None:
    """Who hears about a scheduled post that cannot go out (e.g. the bot is not in the
    channel): the first PMO admin, since no person's action caused it."""
    return ctx.rules.pmo.admins[0] if ctx.rules.pmo.admins else None


# --- the weekly digest ----------------------------------------------------------------------

PROJECT_DIGEST = "digest_project"
"""The outbox kind of a project's own weekly digest (its thread replies: `digest_project_part`)."""


@dataclass(frozen=True)
class ProjectDigestPlan:
    """A project's own weekly digest that is due now and not planned yet."""

    period: DigestPeriod
    project: DigestProject

    @property
    def dedupe_key(self) -> str:
        return project_digest_key(self.project.channel_id, self.project.key, self.period)


def project_digest_key(channel: str, key: str, period: DigestPeriod) -> str:
    """Once per project, channel and ISO week; the portfolio digest's key has no project part,
    so the two never clash, even when a project's channel is the digest channel."""
    return f"digest:{channel}:{key}:{period.key}"


def digest_plan(ctx: BotContext, now: datetime) -> DigestPlan | None:
    """The weekly digest due at `now`, or None when it is switched off or has no channel."""
    rules = ctx.rules
    if not (rules.digest.enabled and rules.pmo.digest_channel):
        return None
    period = digest_period(now, rules.pmo, rules.digest)
    key = digest_key(rules.pmo.digest_channel, period)
    with ctx.db.read() as session:
        planned = bool(outbox.planned_keys(session, [key]))
    return DigestPlan(period, rules.pmo.digest_channel, planned)


def enqueue_weekly_digest(ctx: BotContext, plan: DigestPlan, now: datetime) -> list[int]:
    """The period's digest, planned once per channel and ISO week (ids, or [] if it was)."""
    messages = build_digest(ctx, now, plan.period)
    with ctx.db.write() as session:
        return _enqueue_weekly(ctx, session, DIGEST, plan.channel, messages, plan.dedupe_key,
                               now)


def project_digest_plans(ctx: BotContext, now: datetime) -> list[ProjectDigestPlan]:
    """The projects' own digests due at `now` that are not planned yet (none when the weekly
    digest is switched off). They do not need `[pmo] digest_channel`: each goes to its
    project's channel. Two small queries a tick, the flagged projects and their keys."""
    rules = ctx.rules
    if not rules.digest.enabled:
        return []
    period = digest_period(now, rules.pmo, rules.digest)
    with ctx.db.read() as session:
        plans = [ProjectDigestPlan(period, project) for project in digest_projects(session)]
        planned = outbox.planned_keys(session, [plan.dedupe_key for plan in plans])
    return [plan for plan in plans if plan.dedupe_key not in planned]


def enqueue_project_digests(ctx: BotContext, plans: list[ProjectDigestPlan],
                            now: datetime) -> dict[str, list[int]]:
    """Each project's digest for the period, once per project, channel and ISO week: the
    delivery ids by project KEY (a digest another pass planned first is left out). All of them
    are read in one go (storage.digest.load_project_digests) and rendered before the write."""
    if not plans:
        return {}
    with ctx.db.read() as session:
        data = load_project_digests(session, now, ctx.rules, [p.project.id for p in plans])
    period = period_label(ctx.renderer, plans[0].period, now)
    rendered = [(plan, _render_digest(ctx, data[plan.project.id], period, now))
                for plan in plans if plan.project.id in data]
    with ctx.db.write() as session:
        return {plan.project.key: ids for plan, messages in rendered
                if (ids := _enqueue_weekly(ctx, session, PROJECT_DIGEST, plan.project.channel_id,
                                           messages, plan.dedupe_key, now))}


def _enqueue_weekly(ctx: BotContext, session, kind: str, channel: str, messages: list[Message],
                    dedupe_key: str, now: datetime) -> list[int]:
    """A weekly digest's thread under its once-only key; a problem posting it is told to the
    first admin, since nobody asked for it."""
    return outbox.enqueue_thread(session, kind=kind, channel=channel, now=now,
                                 payloads=[m.as_payload() for m in messages],
                                 dedupe_key=dedupe_key, requested_by=_admin_to_tell(ctx))


def enqueue_manual_digest(ctx: BotContext, channel: str, now: datetime,
                          requested_by: str | None = None) -> list[int]:
    """A digest posted on demand: outside the weekly ledger, so it never stops the weekly one."""
    messages = build_digest(ctx, now, None)
    with ctx.db.write() as session:
        return outbox.enqueue_thread(session, kind=MANUAL_DIGEST, channel=channel, now=now,
                                     payloads=[m.as_payload() for m in messages],
                                     requested_by=requested_by or _admin_to_tell(ctx))


def build_digest(ctx: BotContext, now: datetime, period: DigestPeriod | None, *,
                 note: str | None = None) -> list[Message]:
    """The digest's messages as of `now` (a weekly one names its ISO week)."""
    with ctx.db.read() as session:
        data = load_digest(session, now, ctx.rules)
    return _render_digest(ctx, data, period_label(ctx.renderer, period, now), now, note=note)


def _render_digest(ctx: BotContext, data: DigestData, period: str, now: datetime, *,
                   note: str | None = None) -> list[Message]:
    return digest_messages(ctx.renderer, data, period=period, now=now, rules=ctx.rules,
                           note=note)


# --- one pass -------------------------------------------------------------------------------

def plan_pass(ctx: BotContext, now: datetime) -> PassResult:
    """Plan everything due at `now`: first lift the holds that have ended (those projects are
    active again, so their status is chased from now on), then reminders, escalations, the
    weekly digest and the projects' own digests."""
    with ctx.db.write() as session:
        resumed = resume_ended_holds(session, now)
    if resumed:
        log.info("holds ended, projects active again: %s", ", ".join(resumed))
    result = enqueue_reminders(ctx, reminder_plan(ctx, now), now)
    result.resumed = resumed
    weekly = digest_plan(ctx, now)
    if weekly is not None and not weekly.planned:
        ids = enqueue_weekly_digest(ctx, weekly, now)
        if ids:
            result.digest = weekly.period.key
            result.delivery_ids += ids
    for ids in enqueue_project_digests(ctx, project_digest_plans(ctx, now), now).values():
        result.delivery_ids += ids
    return result
