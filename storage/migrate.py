"""Alembic, driven from code: `pmo-bot db upgrade` and start-up call `upgrade(url)`.

The migration scripts ship inside the package (storage/migrations), so an installed bot can
upgrade its database without a checkout or an alembic.ini on disk.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the schema at `url` to the newest revision (a no-op when it is already there)."""
    command.upgrade(alembic_config(url), "head")


def is_current(engine: Engine, url: str) -> bool:
    """True when the database is at head; used to tell an operator to run `db upgrade`."""
    current, head = revisions(engine, url)
    return current == head


def revisions(engine: Engine, url: str) -> tuple[str | None, str]:
    """(the database's revision, None when it has none; the newest this code knows)."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision(), head
