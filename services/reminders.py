"""Reminders: the planner's pass (nudges, escalations, ended holds, then the digests), and what
the buttons under a reminder do (Snooze; whether a "Post update" still has anything to do).

Every pass recomputes everything from the database, so a pass after downtime catches up on
its own: an overdue item is nudged at the next civil hour, and the latest weekly digest that
was missed is planned once (services/digest.py). Unique outbox keys (one nudge per person per
local day, one digest per channel per ISO week) and the ledger's conditional updates make
concurrent passes on several replicas, or a one-shot `pmo-bot remind --now` beside a server,
harmless.

Each pass also lifts the holds that have ended (services.gate_commands.end_holds: audited, and
the PM and the project channel are told).

Nudges are stored as their facts and rendered by the outbox sender when it sends them
(templates.reminders.nudge_record); escalations are rendered before their inserts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.reminders import (
    DueItem,
    ReminderPlan,
    plan_reminders,
    todays_nudge_keys,
)
from pmo_rules.schedule import WorkCalendar, snooze_end
from pmo_rules.values import Snooze
from services import zones
from services.context import BotContext
from services.digest import (
    admin_to_tell,
    digest_plan,
    enqueue_project_digests,
    enqueue_weekly_digest,
    project_digest_plans,
)
from services.gate_commands import end_holds
from services.report import enqueue_monthly_report, report_plan
from storage import audit, outbox
from storage import projects as projects_store
from storage import reminders as ledger
from storage.sources import items_to_nudge, source_of, status_due
from templates.reminders import escalation_messages, nudge_record

log = logging.getLogger(__name__)

NUDGE, ESCALATION = "nudge", "escalation"


@dataclass
class PassResult:
    """What one planner pass put into the outbox."""

    nudged: list[str] = field(default_factory=list)
    escalated: list[DueItem] = field(default_factory=list)
    digest: str | None = None
    report: str | None = None
    """The month whose executive report this pass planned (`[report]`), as YYYY-MM."""
    delivery_ids: list[int] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    """Keys of the projects whose hold ended, made active again."""


# --- reminders ------------------------------------------------------------------------------

def reminder_plan(ctx: BotContext, now: datetime) -> ReminderPlan:
    """This pass's nudges and escalations, after looking up time zones not known (or stale)."""
    plan, lookups = _reminder_plan(ctx, now)
    if lookups and zones.look_up(ctx, lookups, now) and plan.unknown_zones:
        plan, _ = _reminder_plan(ctx, now)
    return plan


def offline_plan(ctx: BotContext, now: datetime) -> tuple[ReminderPlan, frozenset[str]]:
    """What a pass at `now` would plan, asking Slack nothing and writing nothing (a dry run):
    cached time zones, and the PMO's zone assumed for the people returned beside the plan."""
    assumed: set[str] = set()
    plan, _ = _reminder_plan(ctx, now, assumed=assumed)
    return plan, frozenset(assumed)


def _reminder_plan(ctx: BotContext, now: datetime, *, assumed: set[str] | None = None
                   ) -> tuple[ReminderPlan, list[str]]:
    """`assumed`: when given, people with no cached zone get the PMO's, and are added to it."""
    rules = ctx.rules
    with ctx.db.read() as session:
        items = items_to_nudge(session, now, rules)
        if not items:
            return ReminderPlan(), []
        people = {item.recipient for item in items}
        rows = ledger.zones(session, people)
        known = zones.cached_zones(rows, rules.pmo.tz)
        if assumed is not None:
            assumed.update(people - known.keys())
            known.update((person, rules.pmo.tz) for person in people - known.keys())
        state = ledger.ledger_for(session, items)
        already = outbox.planned_keys(session, todays_nudge_keys(now, known))
    plan = plan_reminders(items, state, known, already, now, rules, WorkCalendar.of(rules.pmo))
    return plan, zones.needing_lookup(people, rows, now)


def enqueue_reminders(ctx: BotContext, plan: ReminderPlan, now: datetime) -> PassResult:
    """Write the plan: each nudge once per person and day, each escalation once per item."""
    result = PassResult()
    if not plan:
        return result
    tz = ctx.rules.pmo.tz
    records = [(n.recipient, n.dedupe_key, nudge_record(n, now, tz)) for n in plan.nudges]
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
                                     requested_by=admin_to_tell(ctx))
    return ids


# --- the Snooze button ---------------------------------------------------------------------

def snooze(ctx: BotContext, user: str, raw_value: object) -> str:
    """Snooze the clicked item for `[reminders] snooze_days` in the clicker's time zone."""
    clicked = Snooze.decode(raw_value)
    kind, key = clicked.kind, clicked.item_key
    source = source_of(kind)
    if source is None:
        raise UserError("nudge.malformed")
    now = ctx.now()
    with ctx.db.write() as session:
        item = permissions.require_snoozer(
            source.due_items(session, now, ctx.rules, item_ids=[clicked.item_id]), key=key,
            user=user)
        row = ledger.zones(session, [user]).get(user)
        until = snooze_end(now, zones.as_zone(row and row.tz, ctx.rules.pmo.tz),
                           ctx.rules.reminders.snooze_days)
        entry = ledger.ledger_entry(session, key, user)
        if entry is None or entry.snoozed_until != until:  # a double click changes nothing
            ledger.snooze(session, item, until, now)
            audit.record(session, at=now, actor=user, action="reminder.snoozed",
                         subject_type="reminder", subject_id=key,
                         after={"until": until.isoformat()})
    what = ctx.renderer.t(f"snooze.what.{kind}", **item.subject)
    return ctx.renderer.t("snooze.done", what=what, until=ctx.renderer.slack_date(until))


# --- the "Post update" button --------------------------------------------------------------

def no_longer_due(ctx: BotContext, key: str) -> str | None:
    """Why a "Post update" from an old reminder has nothing to do — the update was posted
    since, or the project no longer reports — or None while it is still due (or the project
    is unknown: the form's notice names it). Like Snooze on a stale item, it changes nothing."""
    with ctx.db.read() as session:
        project = projects_store.project_by_key(session, key)
        if project is None or status_due.SOURCE.due_items(
                session, ctx.now(), ctx.rules, item_ids=[str(project.id)]):
            return None
        return ctx.renderer.t("nudge.post_stale", key=project.key, state=project.state,
                              last=project.last_status_at)


# --- one pass -------------------------------------------------------------------------------

def plan_pass(ctx: BotContext, now: datetime) -> PassResult:
    """Plan everything due at `now`: first lift the holds that have ended (those projects are
    active again, so their status is chased from now on), then reminders, escalations, the
    weekly digest, the projects' own digests and the monthly executive report."""
    resumed, told = end_holds(ctx, now)
    if resumed:
        log.info("holds ended, projects active again: %s", ", ".join(resumed))
    result = enqueue_reminders(ctx, reminder_plan(ctx, now), now)
    result.resumed = resumed
    result.delivery_ids += told
    weekly = digest_plan(ctx, now)
    if weekly is not None and not weekly.planned:
        ids = enqueue_weekly_digest(ctx, weekly, now)
        if ids:
            result.digest = weekly.period.key
            result.delivery_ids += ids
    for ids in enqueue_project_digests(ctx, project_digest_plans(ctx, now), now).values():
        result.delivery_ids += ids
    monthly = report_plan(ctx, now)
    if monthly is not None and not monthly.planned:
        ids = enqueue_monthly_report(ctx, monthly, now)
        if ids:
            result.report = f"{monthly.month:%Y-%m}"
            result.delivery_ids += ids
    return result
