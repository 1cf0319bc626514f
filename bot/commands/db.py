"""`pmo-bot db upgrade`: bring the database schema to the newest migration."""

from __future__ import annotations

import os

from sqlalchemy.exc import SQLAlchemyError

from bot.commands.runtime import missing_sqlite_file, prepare_database
from bot.settings import DATABASE_DEFAULT, database_url, redact_url
from storage.db import Database
from storage.migrate import revisions


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("db", help="database maintenance")
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="migrate DATABASE_URL to the newest schema").set_defaults(
        func=run_upgrade)


def run_upgrade(_args) -> int:
    url = database_url(os.environ.get("DATABASE_URL") or DATABASE_DEFAULT)
    before = None if missing_sqlite_file(url) else _revision(url)
    prepare_database(url)
    after = _revision(url)
    change = "already" if before == after else f"upgraded from {before or 'empty'} to {after};"
    print(f"database {redact_url(url)}: {change} at the newest schema")
    return 0


def _revision(url: str) -> str | None:
    """The database's revision, or None when it has none (or cannot be read yet: then
    prepare_database says why)."""
    db = Database(url)
    try:
        return revisions(db.engine, url)[0]
    except SQLAlchemyError:
        return None
    finally:
        db.dispose()
