"""The PostgreSQL pool's liveness check (`storage.db.IdlePing`): a connection the server dropped
while it sat idle in the pool is replaced before use; a busy connection is not pinged.

The server really drops the connection here (`pg_terminate_backend`), nothing is mocked.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from storage.db import make_engine

pytestmark = pytest.mark.postgres


def _server_drops_pooled_connection(engine) -> None:
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()


def _select_one(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar_one()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(_postgres_url):
    engine = make_engine(_postgres_url, ping_after_idle=0.05, pool_size=1, max_overflow=0)
    try:
        _server_drops_pooled_connection(engine)
        time.sleep(0.1)
        assert _select_one(engine) == 1  # no error: the ping found it dead, the pool replaced it
    finally:
        engine.dispose()


@pytest.mark.parametrize("ping_after_idle", [None, 60.0], ids=["never", "not-idle-long-enough"])
def test_without_the_ping_the_dropped_connection_fails_once_then_the_pool_recovers(
        _postgres_url, ping_after_idle):
    """What the ping saves, and the price of skipping it for busy connections: one failure, and
    SQLAlchemy invalidates the pool, so the next use works."""
    engine = make_engine(_postgres_url, ping_after_idle=ping_after_idle, pool_size=1,
                         max_overflow=0)
    try:
        _server_drops_pooled_connection(engine)
        time.sleep(0.1)
        with pytest.raises(DBAPIError) as failure:
            _select_one(engine)
        assert failure.value.connection_invalidated
        assert _select_one(engine) == 1
    finally:
        engine.dispose()
