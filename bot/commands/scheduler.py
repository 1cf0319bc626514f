"""`pmo-bot scheduler`: the clock alone, for deployments that run the server separately."""

from __future__ import annotations

import logging
import signal
import threading

from bot.commands.runtime import load_context
from bot.scheduler import start_scheduler
from bot.single_instance import hold_single_instance

log = logging.getLogger(__name__)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "scheduler", help="run the reminder/digest clock alone (one tick a minute)",
        description="Plans reminders, escalations and the weekly digest and sends the outbox, "
                    "once a minute, until stopped (SIGTERM or Ctrl-C). On SQLite only one "
                    "server or scheduler may run per database file.")
    parser.set_defaults(func=run)


def run(_args) -> int:
    ctx = load_context(needs=frozenset({"SLACK_BOT_TOKEN"}))  # it posts; it is never called
    lock = hold_single_instance(ctx.settings.database_url, "scheduler")
    ctx.inbox.only_process = lock is not None
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler = start_scheduler(ctx)
    log.info("scheduler running: one tick a minute; SIGTERM or Ctrl-C stops it")
    try:
        while not stop.wait(1):
            pass
    finally:
        scheduler.shutdown(wait=True)
        if lock is not None:
            lock.release()
        ctx.close()
    return 0
