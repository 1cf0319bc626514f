"""What Slack would still show after the console restarts: the stand-in's channels, DMs and
Home tabs, kept in a JSON file beside the console's SQLite database (`pmo-console.sqlite3` →
`pmo-console.slack.json`), so a restarted console shows the same messages and a waiting gate
card can still be voted on. A PostgreSQL or in-memory `--db` keeps nothing (no file to sit
beside); the database itself survives as always.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import SettingsError
from bot.standin import SlackStandIn

SUFFIX = ".slack.json"


def kept_file(database_url: str) -> Path | None:
    """The file beside a SQLite database; None for other databases."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    database = Path(parsed.database)
    return database.with_name(database.stem + SUFFIX)


def database_exists(database_url: str) -> bool:
    parsed = make_url(database_url)
    return bool(parsed.database) and Path(parsed.database).exists()


def restore(slack: SlackStandIn, path: Path | None) -> None:
    if path is None or not path.exists():
        return
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(kept, dict):
            raise ValueError("not an object")
        slack.restore(kept)
    except (OSError, ValueError, TypeError) as error:
        raise SettingsError(f"{path} (what the console's Slack showed) cannot be read "
                            f"({type(error).__name__}): delete it to start with empty "
                            f"channels") from None


def save(slack: SlackStandIn, path: Path | None) -> None:
    """Written whole and then moved into place, so a console killed mid-write keeps the
    previous file."""
    if path is None:
        return
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(slack.kept(), ensure_ascii=False, default=str),
                       encoding="utf-8")
    os.replace(partial, path)
