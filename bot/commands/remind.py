"""`pmo-bot remind --now [--as-of ISO] [--dry-run]`: one planner and outbox-sender pass, now.

Safe beside a running server, on SQLite too: the pass serialises on the database and the
outbox's unique keys keep anything from going out twice. The dry run lists what would go out.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.commands.outcomes import failure_lines
from bot.commands.runtime import load_context
from bot.context import system_clock
from bot.scheduler import tick
from pmo_rules.reminders import DueItem, ReminderPlan
from services import digest, reminders

FIRST_YEAR, LAST_YEAR = 2000, 2999


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "remind", help="plan and send due reminders, escalations and the weekly digest now")
    parser.add_argument("--now", action="store_true", required=True,
                        help="run one pass now (required: this command never waits)")
    parser.add_argument("--as-of", type=_instant, metavar="ISO-DATETIME",
                        help="plan as if it were this moment, e.g. 2026-11-30T09:00+08:00 "
                             "(without an offset: UTC)")
    parser.add_argument("--dry-run", action="store_true",
                        help="only list what would go out; change nothing in Slack")
    parser.set_defaults(func=run)


def _instant(text: str) -> datetime:
    """An aware UTC moment in years FIRST_YEAR to LAST_YEAR: the planner turns it into every
    recipient's local date, which near year 1 or 9999 would fall off the calendar."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date-time such as 2026-11-30T09:00+08:00") from None
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"{text!r} is out of range: use a moment in the years {FIRST_YEAR} to "
            f"{LAST_YEAR}, such as 2026-11-30T09:00+08:00")
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def run(args) -> int:
    as_of = args.as_of
    # A dry run asks Slack nothing (so needs no token) and is never called by Slack.
    needs = frozenset() if args.dry_run else frozenset({"SLACK_BOT_TOKEN"})
    ctx = load_context(clock=(lambda: as_of) if as_of else system_clock, needs=needs)
    now = ctx.now()
    try:
        if args.dry_run:
            print("\n".join(dry_run_lines(ctx, now)))
            return 0
        result = tick(ctx)
    finally:
        ctx.close()
    sent = sum(outcome.ok for outcome in result.outcomes)
    print(f"as of {now:%Y-%m-%d %H:%M} UTC: planned {len(result.planned.nudged)} nudge(s), "
          f"{len(result.planned.escalated)} escalation(s)"
          f"{', the digest for ' + result.planned.digest if result.planned.digest else ''}; "
          f"sent {sent} of {len(result.outcomes)} due message(s)")
    failed = failure_lines(result.outcomes)
    if failed:
        print("\n".join(failed))
    return 0 if not failed else 1


def dry_run_lines(ctx, now: datetime) -> list[str]:
    """What a pass at `now` would plan, one line per message (for admins, in English): items
    by the names people use (APOLLO-R2, a project KEY), people and channels by their Slack id,
    marked @ and # (no name is stored offline, and a dry run asks Slack nothing: time zones
    not cached yet are assumed to be the PMO's, and the last line says whose)."""
    plan, assumed = reminders.offline_plan(ctx, now)
    lines = [f"as of {now:%Y-%m-%d %H:%M} UTC (dry run: nothing is sent)"]
    lines += _plan_lines(plan)
    weekly = digest.digest_plan(ctx, now)
    if weekly is None:
        lines.append("digest: off (no [pmo] digest_channel, or [digest] enabled = false)")
    else:
        state = "already planned" if weekly.planned else "would be posted"
        lines.append(f"digest {weekly.period.key} to #{weekly.channel}: {state}")
    lines += [f"project digest {plan.period.key} for {plan.project.key} to "
              f"#{plan.project.channel_id}: would be posted"
              for plan in digest.project_digest_plans(ctx, now)]
    if assumed:
        lines.append(f"time zone assumed to be the PMO's ({ctx.rules.pmo.tz}; looked up on "
                     "the first real pass): " + ", ".join(f"@{user}" for user in sorted(assumed)))
    return lines


_KIND_WORDS = {"status": "status update", "gate_vote": "gate vote"}


def _item_label(item: DueItem) -> str:
    """`risk APOLLO-R2`, `status update APOLLO`, `gate vote HERMES (planning)`: what the
    register and the cards call it, never a database id."""
    subject = item.subject
    name = subject.get("ref") or subject.get("key") or subject.get("project") or item.item_id
    phase = f" ({subject['phase']})" if subject.get("phase") else ""
    return f"{_KIND_WORDS.get(item.kind, item.kind.replace('_', ' '))} {name}{phase}"


def _plan_lines(plan: ReminderPlan) -> list[str]:
    lines = [f"nudge to @{nudge.recipient} for {nudge.day}: "
             + ", ".join(_item_label(item) for item in nudge.items)
             + (f" (+{nudge.more} more)" if nudge.more else "")
             for nudge in plan.nudges]
    lines += [f"escalation: {_item_label(item)} (for @{item.recipient}, due "
              f"{item.due_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
              for item in plan.escalations]
    return lines or ["no reminders due now"]
