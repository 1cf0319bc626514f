"""Digests: the weekly portfolio digest, the projects' own weekly digests, one posted on
demand (`pmo-bot digest`) and the `/pmo digest` preview's messages.

The portfolio digest's thread ends with its charts (services/charts.py: RAG over twelve weeks,
the risk heat map, SPI vs CPI), drawn and uploaded by the dispatcher.

A weekly digest is planned once per channel and ISO week (a unique outbox key), so a pass after
downtime plans the latest missed one and concurrent passes are harmless. The messages are
rendered before the write transaction opens, so the database lock (SQLite's single writer) is
held only for the inserts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pmo_rules.digest import DigestData
from pmo_rules.schedule import DigestPeriod, digest_period
from services import charts
from services.context import BotContext
from storage import outbox
from storage.digest import (
    DigestProject,
    digest_projects,
    load_digest,
    load_project_digests,
)
from templates.digest import digest_messages, period_label
from templates.render import Message

DIGEST, MANUAL_DIGEST = "digest", "digest_manual"


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
    with ctx.db.read() as session:
        found = charts.portfolio_charts(ctx, session, now)
    with ctx.db.write() as session:
        ids = _enqueue_weekly(ctx, session, DIGEST, plan.channel, messages, plan.dedupe_key,
                              now)
        return ids + charts.enqueue_in_thread(session, ctx, ids, found, now)


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
                                 dedupe_key=dedupe_key, requested_by=admin_to_tell(ctx))


def enqueue_manual_digest(ctx: BotContext, channel: str, now: datetime,
                          requested_by: str | None = None) -> list[int]:
    """A digest posted on demand: outside the weekly ledger, so it never stops the weekly one."""
    messages = build_digest(ctx, now, None)
    with ctx.db.write() as session:
        return outbox.enqueue_thread(session, kind=MANUAL_DIGEST, channel=channel, now=now,
                                     payloads=[m.as_payload() for m in messages],
                                     requested_by=requested_by or admin_to_tell(ctx))


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


def admin_to_tell(ctx: BotContext) -> str | None:
    """Who hears about a scheduled post that cannot go out (e.g. the bot is not in the
    channel): the first PMO admin, since no person's action caused it."""
    return ctx.rules.pmo.admins[0] if ctx.rules.pmo.admins else None
