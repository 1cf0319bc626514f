"""A real outbox sender in its own process, for the tests that race or kill one.

    python -m tests.support.outbox_sender DATABASE_URL API_URL [--lease S] [--heartbeat S]
                                          [--start T] [--drain]

It builds the production context (system clock, a real WebClient to the stand-in) and its
OutboxSender, waits until the wall clock reaches `--start` (so several processes begin together),
then sends one batch (`send_due`) or, with `--drain`, everything due; it prints one JSON line
with how many it sent. Tests SIGKILL it while the stand-in holds its post.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import timedelta

from bot.context import make_context
from bot.outbox_sender import OutboxSender
from bot.scheduler import send_all_due
from bot.settings import Settings
from pmo_rules.config import DEFAULT_RULES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--heartbeat", type=float, default=10.0)
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument("--drain", action="store_true")
    args = parser.parse_args()
    settings = Settings(bot_token="xoxb-test", signing_secret="test",
                        api_url=args.api_url, database_url=args.database_url)
    ctx = make_context(settings, DEFAULT_RULES)
    sender = OutboxSender(ctx, owner=f"process-{os.getpid()}",
                            lease=timedelta(seconds=args.lease),
                            heartbeat=timedelta(seconds=args.heartbeat))
    time.sleep(max(0.0, args.start - time.time()))
    outcomes = send_all_due(sender) if args.drain else sender.send_due()
    print(json.dumps({"sent": sum(o.ok for o in outcomes), "outcomes": len(outcomes)}),
          flush=True)
    sender.close()
    ctx.db.dispose()


if __name__ == "__main__":
    main()
