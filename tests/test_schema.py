"""The migrations and the models describe the same schema, on SQLite and on PostgreSQL.

A database upgraded by storage/migrate.py (what `pmo-bot db upgrade` and start-up run) is
compared with storage.models' metadata by Alembic's autogenerate: no table, column, type,
server default, index or unique constraint may differ. Autogenerate does not look at CHECK
constraints or at a partial index's WHERE clause, so those are compared by name here.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, create_engine, inspect

from storage.lessons import ENGINE_OWNED
from storage.models import Base


def differences(url: str, metadata: MetaData) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True,
                            "include_name": _shared})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def _shared(name, kind, _parents) -> bool:
    """Leave out the search objects one engine owns (storage/lessons.py: the SQLite FTS5 table
    and its shadow tables, PostgreSQL's GIN indexes): the models describe what both share."""
    return not (name and any(name.startswith(owned) for owned in ENGINE_OWNED))


def test_migrations_build_what_the_models_describe(database_url):
    assert differences(database_url, Base.metadata) == []


def test_check_constraints_and_partial_indexes_match(database_url):
    engine = create_engine(database_url)
    dialect = engine.dialect.name
    partial = set()
    try:
        inspector = inspect(engine)
        for table in Base.metadata.sorted_tables:
            built = {c["name"] for c in inspector.get_check_constraints(table.name)}
            modelled = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            assert built == modelled, table.name
            built = {i["name"] for i in inspector.get_indexes(table.name)
                     if (i.get("dialect_options") or {}).get(f"{dialect}_where") is not None}
            modelled = {i.name for i in table.indexes
                        if i.dialect_options[dialect]._non_defaults.get("where") is not None}
            assert built == modelled, table.name
            partial |= built
    finally:
        engine.dispose()
    assert "uq_gate_requests_one_open" in partial  # one open gate request per project


def test_a_difference_would_be_reported(database_url):
    """The comparison is not blind: a column the migrations lack shows up."""
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["projects"].append_column(Column("budget", Integer))
    assert [diff[0] for diff in differences(database_url, changed)] == ["add_column"]
