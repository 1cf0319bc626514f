"""What the long-running and one-shot commands share: a context built from the environment."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.context import BotContext, Clock, make_context, system_clock
from bot.rules_file import load_rules
from bot.settings import SECRETS, SettingsError, load_settings, redact_url
from storage.db import Database
from storage.migrate import is_current, upgrade

UPGRADE_HINT = "run `pmo-bot db upgrade` first"


def load_context(clock: Clock = system_clock, *,
                 needs: frozenset[str] = SECRETS) -> BotContext:
    """Settings, rules and a database at the newest schema, or one clear SettingsError.
    `needs`: the secrets the command uses (bot.settings.load_settings)."""
    settings = load_settings(needs=needs)
    ctx = make_context(settings, load_rules(settings.rules_path), clock=clock)
    require_current(ctx.db)
    return ctx


def require_current(db: Database) -> None:
    """Refuse, in one line, a database that is missing, unreachable or not at the newest
    schema: a one-shot command must neither create an empty SQLite file where the operator
    mistyped a path nor fail half-way with a driver's traceback."""
    shown = redact_url(db.url)
    if missing_sqlite_file(db.url):
        raise SettingsError(f"there is no database at {shown}: {UPGRADE_HINT} "
                            f"(or fix DATABASE_URL)")
    try:
        current = is_current(db.engine, db.url)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise SettingsError(f"cannot open the database {shown}: {reason}") from None
    if not current:
        raise SettingsError(f"the database {shown} is not at the newest schema: {UPGRADE_HINT}")


def prepare_database(url: str) -> None:
    """Upgrade the database at `url` to the newest schema, or one SettingsError naming
    DATABASE_URL: a server that cannot be reached, a SQLite file in a folder that does not
    exist, a file that is not a database (`pmo-bot db upgrade` and `serve` start here)."""
    shown = redact_url(url)
    folder = missing_sqlite_folder(url)
    if folder is not None:
        raise SettingsError(f"DATABASE_URL {shown} cannot be used: the folder {folder} does "
                            f"not exist (create it, or fix DATABASE_URL)")
    try:
        upgrade(url)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise SettingsError(f"DATABASE_URL {shown} cannot be used: {reason}") from None


def missing_sqlite_folder(url: str) -> Path | None:
    """The folder a SQLite file would be created in, when that folder does not exist."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    folder = Path(parsed.database).absolute().parent
    return None if folder.is_dir() else folder


def missing_sqlite_file(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    return not Path(parsed.database).exists()
