"""`pmo-bot db upgrade`: bring the database schema to the newest migration."""

from __future__ import annotations

import os

from bot.settings import DATABASE_DEFAULT, database_url, redact_url
from storage.migrate import upgrade


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("db", help="database maintenance")
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="migrate DATABASE_URL to the newest schema").set_defaults(
        func=run_upgrade)


def run_upgrade(_args) -> int:
    url = database_url(os.environ.get("DATABASE_URL") or DATABASE_DEFAULT)
    upgrade(url)
    print(f"database {redact_url(url)} is at the newest schema")
    return 0
