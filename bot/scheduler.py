"""The bot's clock: a one-minute tick that plans what is due and sends what the outbox holds.

APScheduler (3.x, in-memory job store) only decides *when* the tick runs. The tick itself is a
plain function of the context's `now`, so tests drive it with a fake clock and no threads,
and `pmo-bot remind --now` runs exactly the same pass once.

Beside the tick, a sweep every 15 seconds sends what is due in the outbox (one claim statement
when nothing is): a retry goes when its backoff ends, and a dead sender's messages are taken over
soon after its 30-second lease runs out (bot/leases.py), not at the next minute.

`pmo-bot serve` calls `start_scheduler(ctx)` (unless `--no-scheduler`), `pmo-bot scheduler`
runs it alone; on SQLite both first take the single-instance lock (bot/single_instance.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot import metrics
from bot.outbox_sender import OutboxSender, Outcome
from services import access
from services.context import BotContext
from services.reminders import PassResult, plan_pass

log = logging.getLogger(__name__)

TICK = timedelta(minutes=1)
RECOVER_EVERY = timedelta(seconds=10)
"""How often kept requests whose process died are looked for, beside the tick: their leases
last 30 s (bot/inbox.py), so one is taken over within about 40 s of its process dying."""
BATCH = 50
MAX_BATCHES = 20
"""At most 1,000 sends per tick; the rest go in the next one (Slack allows about one post per
second per channel anyway)."""
SWEEP = timedelta(seconds=15)
ACCESS_EVERY = timedelta(minutes=1)


@dataclass
class TickResult:
    planned: PassResult = field(default_factory=PassResult)
    outcomes: list[Outcome] = field(default_factory=list)
    recovered: int = 0
    """Kept requests another process had not finished, applied by this tick."""


def tick(ctx: BotContext) -> TickResult:
    """One pass at the context's `now`: finish kept requests nobody finished (bot/inbox.py) and
    delete old finished ones, plan what is due, then send everything that is due.

    Sending runs even when recovering or planning fails, so retries and other senders'
    leftovers still go.
    """
    result = TickResult()
    try:
        result.recovered = ctx.inbox.recover()
        ctx.inbox.prune()
    except Exception:  # noqa: BLE001 - planning and sending still run; the next tick retries
        log.exception("recovering kept requests failed")
    try:
        result.planned = plan_pass(ctx, ctx.now())
    finally:
        result.outcomes = send_all_due(ctx.sender)
    return result


def send_all_due(sender: OutboxSender) -> list[Outcome]:
    """Send due deliveries in batches until none is left (or this tick's share is used)."""
    outcomes: list[Outcome] = []
    for _ in range(MAX_BATCHES):
        batch = sender.send_due(limit=BATCH)
        outcomes += batch
        if len(batch) < BATCH:
            break
    return outcomes


def _run_tick(ctx: BotContext) -> None:
    """The job: a failing tick is logged and the next one runs a minute later."""
    started = time.perf_counter()
    try:
        result = tick(ctx)
    except Exception:  # noqa: BLE001 - keep the clock alive; the log has the cause
        metrics.scheduler_tick(time.perf_counter() - started, ok=False)
        log.exception("scheduler tick failed")
        return
    metrics.scheduler_tick(time.perf_counter() - started, ok=True)
    if result.planned.delivery_ids or result.outcomes or result.recovered:
        sent = sum(outcome.ok for outcome in result.outcomes)
        log.info("tick: recovered %d, planned %d, sent %d of %d", result.recovered,
                 len(result.planned.delivery_ids), sent, len(result.outcomes))


def _recover_inbox(ctx: BotContext) -> None:
    """The job beside the tick: apply kept requests whose process died (one indexed query)."""
    try:
        ctx.inbox.recover()
    except Exception:  # noqa: BLE001 - the database may be down: the next run tries again
        log.warning("recovering kept requests failed; trying again in %ss",
                    int(RECOVER_EVERY.total_seconds()))


def _run_sweep(ctx: BotContext) -> None:
    """The outbox between ticks: whatever became due (a retry, a dead sender's leftovers)."""
    try:
        outcomes = send_all_due(ctx.sender)
    except Exception:  # noqa: BLE001 - keep the clock alive; the log has the cause
        log.exception("outbox sweep failed")
        return
    if outcomes:
        log.info("outbox sweep: sent %d of %d", sum(o.ok for o in outcomes), len(outcomes))


def _sync_access(ctx: BotContext, last: dict[str, datetime]) -> None:
    """The job beside the tick: renew what decides who sees what — everyone's kind from
    users.list every `access.SYNC_EVERY`, and the members of the channels that decide it
    (each at most every `[access] members_minutes`)."""
    try:
        now = ctx.now()
        if "people" not in last or now - last["people"] >= access.SYNC_EVERY:
            access.sync_people(ctx)
            last["people"] = now
        access.sync_members(ctx)
    except Exception:  # noqa: BLE001 - the database may be down: the next run tries again
        log.warning("renewing who may see what failed; trying again in a minute")


def start_scheduler(ctx: BotContext, *, interval: timedelta = TICK,
                    sweep: timedelta = SWEEP) -> BackgroundScheduler:
    """Start the background clock: a first tick now, then one per `interval`; beside it an
    outbox sweep every `sweep` and the inbox's recovery every `RECOVER_EVERY`. Each job runs
    once at a time (a slow tick makes the next one wait, missed runs are coalesced). Stop it
    with `scheduler.shutdown()`."""
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(interval.total_seconds())},
        timezone=UTC)
    scheduler.add_job(_run_tick, "interval", args=[ctx], id="pmo-bot-tick",
                      seconds=interval.total_seconds(), next_run_time=datetime.now(UTC))
    scheduler.add_job(_run_sweep, "interval", args=[ctx], id="pmo-bot-outbox-sweep",
                      seconds=sweep.total_seconds())
    scheduler.add_job(_recover_inbox, "interval", args=[ctx], id="pmo-bot-inbox-recovery",
                      seconds=RECOVER_EVERY.total_seconds())
    scheduler.add_job(_sync_access, "interval", args=[ctx, {}], id="pmo-bot-access",
                      seconds=ACCESS_EVERY.total_seconds(), next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler
