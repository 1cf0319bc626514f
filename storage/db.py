"""Engines and sessions for the two supported databases.

SQLite is the embedded default: WAL so readers never block the writer, foreign keys on (SQLite
leaves them off), and a busy timeout so a second writer waits instead of failing. Writes start
with BEGIN IMMEDIATE: in WAL mode a transaction that starts as a reader and then writes fails at
once (SQLITE_BUSY_SNAPSHOT) when another writer got in between, and the busy timeout cannot help
it. PostgreSQL is the multi-replica path and needs nothing special beyond a pool.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from storage import inbox

T = TypeVar("T")
SQLITE_BUSY_TIMEOUT_MS = 10_000
_IMMEDIATE = "pmo_sqlite_immediate"
AUTOCOMMIT_POOL = 16
"""Connections kept for single autocommitted statements (`Database.write_one`), per process."""


class WriterTurns:
    """SQLite has one writer at a time. Threads of one process take turns here, each handed
    the turn the moment the previous writer commits, instead of SQLite's busy handler, which
    sleeps and polls (1, 2, 5, 10 … ms) and under a burst added tens of milliseconds to acks.
    Writes before an `ack()` (`urgent`, the inbox row) go before work that follows acks.
    Re-entrant per thread. Other processes (a one-shot `pmo-bot remind`) still meet SQLite's
    busy timeout.

    Turns are first come, first served within each kind: the writer that ends its turn hands
    it to the longest-waiting urgent writer (else to the longest-waiting other one) and wakes
    that thread alone. Woken all at once to race for it, as a condition's `notify_all` does,
    an unlucky listener lost the race again and again: in a burst of 2,000 acks (bench/ack.py,
    SQLite) a few waited 2–3 s each, past Slack's 3 s, and bolt answered one of them "not
    handled" (404)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None
        self._depth = 0
        self._urgent: deque[tuple[int, threading.Event]] = deque()
        self._others: deque[tuple[int, threading.Event]] = deque()

    @contextmanager
    def turn(self, *, urgent: bool = False) -> Iterator[None]:
        me = threading.get_ident()
        handed: threading.Event | None = None
        with self._lock:
            if self._holder == me:
                self._depth += 1
            elif self._holder is None:  # nobody writes, so nobody waits either
                self._holder, self._depth = me, 1
            else:
                handed = threading.Event()
                (self._urgent if urgent else self._others).append((me, handed))
        if handed is not None:
            handed.wait()  # the writer before sets us as the holder, then this event
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if not self._depth:
                    queue = self._urgent or self._others
                    if queue:
                        self._holder, woken = queue.popleft()
                        self._depth = 1
                        woken.set()
                    else:
                        self._holder = None


class Database:
    """One engine, and the two ways the code uses it: `write()` and `read()` transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._turns = WriterTurns() if url.startswith("sqlite") else None
        # As many pooled connections as threads write through it at once (bolt's listener
        # threads keeping requests, the after-ack and outbox threads marking deliveries sent):
        # beyond the pool, each connection is opened for one statement and closed after it,
        # a new server process each time (with four, a burst of acks opened one every 25
        # requests or so, bench/ack.py). A connection is opened only when first needed.
        self._autocommit = None if self._turns is not None else make_engine(
            url, pool_pre_ping=False, pool_size=AUTOCOMMIT_POOL,
            max_overflow=8).execution_options(isolation_level="AUTOCOMMIT")
        self._writes = sessionmaker(self.engine.execution_options(**{_IMMEDIATE: True}),
                                    expire_on_commit=False)
        self._reads = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One use case, one transaction: commit on success, roll back on any exception."""
        with self._turn(), self._writes.begin() as session:
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

    def write_one(self, statement: Callable[[Connection], T], *, urgent: bool = True) -> T:
        """One statement, committed on its own (autocommit): the write before an `ack()`, and
        single-statement outcomes after it (`urgent=False`: on SQLite, behind pre-ack writes).

        One round trip on PostgreSQL: no BEGIN/COMMIT, and a pool of its own without the
        main pool's check-out ping (`pool_pre_ping` costs a round trip per check-out). A pooled
        connection the server dropped since (a restart, a failover) fails that one statement;
        it is retried once on a fresh connection, so a healthy database never shows it.
        """
        if self._turns is not None:  # SQLite: in-process, a transaction costs no round trip
            with self._turns.turn(urgent=urgent), \
                    self.engine.execution_options(**{_IMMEDIATE: True}).begin() as connection:
                return statement(connection)
        for attempt in (1, 2):
            try:
                with self._autocommit.connect() as connection:
                    return statement(connection)
            except DBAPIError as error:
                if attempt == 2 or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def _turn(self, *, urgent: bool = False):
        return self._turns.turn(urgent=urgent) if self._turns is not None else nullcontext()

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
        if self._autocommit is not None:
            self._autocommit.engine.dispose()


def make_engine(url: str, *, pool_pre_ping: bool = True, pool_size: int = 10,
                max_overflow: int = 20) -> Engine:
    """Create the engine for `url`, with the SQLite pragmas applied to every connection."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No JIT compilation: the bot's statements are short, and a row estimate the planner
    # cannot know (a JSON list of approvers expanded as a table: 100 rows a request by
    # default) pushed the digest's vote query over `jit_above_cost`, for 30-35 ms of
    # compiling to save nothing. A URL that sets its own `options` keeps them.
    connect_args = {} if "options=" in url else {"options": "-c jit=off"}
    return create_engine(url, pool_pre_ping=pool_pre_ping, pool_size=pool_size,
                         max_overflow=max_overflow, connect_args=connect_args)


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
