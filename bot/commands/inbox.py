"""`pmo-bot inbox`: what the inbox holds, failed requests given another try, old rows removed.

Every changing Slack request is a row in the inbox before its ack (bot/inbox.py). A request is
retried a few times and then marked failed, and its author is told. This is the operator's side:
see what is waiting or failed (never what people typed: the payload is not shown), put failed
requests back once the cause is fixed (a running bot applies them within seconds, and their
authors get their answers), and remove finished rows, which hold what people typed, once they
are old (the scheduler's tick also does that, after bot/inbox.py `KEEP_DONE`).
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime, timedelta

from bot.commands.runtime import require_current
from bot.settings import DATABASE_DEFAULT, SettingsError, database_url
from storage import inbox as store
from storage.db import Database

SHOWN = 50


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "inbox", help="see, retry and prune the requests kept before their ack",
        description="Without an action: the counts by state, then failed and pending requests "
                    "(oldest first, at most 50).")
    actions = parser.add_subparsers(dest="inbox_action", metavar="ACTION")
    parser.set_defaults(func=run_show)
    retry = actions.add_parser("retry", help="give failed requests another try")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="request ids (see the list)")
    retry.add_argument("--all-failed", action="store_true", help="every failed request")
    retry.set_defaults(func=run_retry)
    prune = actions.add_parser("prune", help="delete finished requests older than N days")
    prune.add_argument("--older-than", type=_days, default=30, metavar="DAYS",
                       help="age in days of the finished requests to delete (default 30)")
    prune.add_argument("--failed-too", action="store_true",
                       help="delete failed requests of that age as well")
    prune.set_defaults(func=run_prune)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number of days, not {text!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError("at least 1 day")
    return days


def _database() -> Database:
    db = Database(database_url(os.environ.get("DATABASE_URL") or DATABASE_DEFAULT))
    try:
        require_current(db)
    except Exception:
        db.dispose()
        raise
    return db


def run_show(_args) -> int:
    db = _database()
    try:
        with db.engine.connect() as connection:
            counts = store.counts(connection)
            rows = store.not_done(connection, limit=SHOWN)
    finally:
        db.dispose()
    print(f"inbox: {counts['pending']} pending, {counts['failed']} failed, "
          f"{counts['done']} done")
    for row in rows:
        where = f" in {row.channel_id}" if row.channel_id else ""
        line = (f"  #{row.id} {row.state:<7} {row.work} by {row.user_id}{where}, received "
                f"{_utc(row.received_at)}, {row.attempts} attempt(s)")
        if row.state == store.PENDING and row.lease_until is not None:
            line += f", next try or lease until {_utc(row.lease_until)}"
        if row.last_error:
            line += f", last error {row.last_error}"
        print(line)
    shown = counts["pending"] + counts["failed"]
    if shown > len(rows):
        print(f"  … and {shown - len(rows)} more")
    if counts["failed"]:
        print("retry them with: pmo-bot inbox retry ID … (or --all-failed)")
    return 0


def run_retry(args) -> int:
    if bool(args.ids) == args.all_failed:
        raise SettingsError("name the request ids to retry, or say --all-failed (not both)")
    db = _database()
    try:
        with db.write() as session:
            retried = store.retry_failed(session, None if args.all_failed else args.ids)
    finally:
        db.dispose()
    missing = sorted(set(args.ids) - set(retried))
    if retried:
        print(f"retrying {len(retried)} request(s): {', '.join(f'#{i}' for i in retried)}; a "
              "running bot applies them within about ten seconds and answers their authors")
    if missing:
        print(f"not failed (or no such request), left alone: "
              f"{', '.join(f'#{i}' for i in missing)}")
    if not retried and args.all_failed:
        print("no failed requests")
    return 0 if retried or args.all_failed else 1


def run_prune(args) -> int:
    db = _database()
    before = datetime.now(UTC) - timedelta(days=args.older_than)
    try:
        with db.write() as session:
            removed = store.prune(session, before=before, failed_too=args.failed_too)
    finally:
        db.dispose()
    kinds = "finished or failed" if args.failed_too else "finished"
    print(f"deleted {removed} {kinds} request(s) older than {args.older_than} day(s)")
    return 0


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
