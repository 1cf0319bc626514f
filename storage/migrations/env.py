"""Alembic environment: the URL comes from the caller's Config, the schema from storage.models."""

from alembic import context
from sqlalchemy import create_engine, pool

from storage.lessons import ENGINE_OWNED
from storage.models import Base

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      include_name=_shared)
    with context.begin_transaction():
        context.run_migrations()


def _shared(name, _kind, _parents) -> bool:
    """`alembic check` and autogenerate leave out the search objects one engine owns
    (storage/lessons.py: SQLite's FTS5 table and its shadow tables, PostgreSQL's GIN indexes):
    the models describe what both engines share, and migration 0021 builds the rest."""
    return not (name and any(name.startswith(owned) for owned in ENGINE_OWNED))


run_migrations()
