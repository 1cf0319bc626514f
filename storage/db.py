"""Engines and sessions for the two supported databases.

SQLite is the embedded default: WAL so readers never block the writer, foreign keys on (SQLite
leaves them off), and a busy timeout so a second writer waits instead of failing. Writes start
with BEGIN IMMEDIATE: in WAL mode a transaction that starts as a reader and then writes fails at
once (SQLITE_BUSY_SNAPSHOT) when another writer got in between, and the busy timeout cannot help
it. PostgreSQL is the multi-replica path and needs nothing special beyond a pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from storage import inbox

SQLITE_BUSY_TIMEOUT_MS = 10_000
_IMMEDIATE = "pmo_sqlite_immediate"


class Database:
    """One engine, and the two ways the code uses it: `write()` and `read()` transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writes = sessionmaker(self.engine.execution_options(**{_IMMEDIATE: True}),
                                    expire_on_commit=False)
        self._reads = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One use case, one transaction: commit on success, roll back on any exception."""
        with self._writes.begin() as session:
            yield session
            applied = inbox.settle(session)  # the request being applied, if any: done with it
        if applied is not None:
            applied.settled = True

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only look-up (never blocks the writer on SQLite); nothing is committed."""
        with self._reads() as session:
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A bare connection for an indexed read or two, without an ORM session.

        What a listener may do before `ack()`: a session costs about three times the query
        itself, and every microsecond there is added to every ack.
        """
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def quick_write(self) -> Iterator[Connection]:
        """A bare connection in a write transaction, committed on success: one or two
        statements before an `ack()` (the inbox row), without an ORM session's cost."""
        with self.engine.execution_options(**{_IMMEDIATE: True}).begin() as connection:
            yield connection

    def ping(self) -> bool:
        """True when the database answers; what /healthz reports."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    """Create the engine for `url`, with the SQLite pragmas applied to every connection."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling is turned off so that `_sqlite_begin` decides how a
    # transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    immediate = connection.get_execution_options().get(_IMMEDIATE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
