"""One long-running bot process per SQLite file.

SQLite has a single writer and no `SKIP LOCKED`, and two schedulers on one file would only
fight over its lock, so a server or scheduler takes an exclusive lock on `<database>.lock`
before it starts; a second one (another `serve`, a `scheduler`, or a second gunicorn worker)
stops with a clear message. One-shot commands (`remind --now`, `digest --now`) do not take it:
they serialise on the database itself. PostgreSQL needs no lock: replicas share the work.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from bot.settings import SettingsError


class AlreadyRunning(SettingsError):
    """Another long-running process holds this SQLite file; str() is the line to print."""


@dataclass
class InstanceLock:
    path: Path
    handle: IO[str]

    def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()


def hold_single_instance(database_url: str, role: str) -> InstanceLock | None:
    """Take the SQLite single-instance lock for `role` ("server", "scheduler") and keep it
    until `release()` or the process ends; None when the database needs no lock.

    Raises AlreadyRunning naming the holder when another process has it.
    """
    database = sqlite_file(database_url)
    if database is None:
        return None
    path = database.with_name(database.name + ".lock")
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "process"
        handle.close()
        raise AlreadyRunning(
            f"another pmo-bot {holder} is already running on {database}. SQLite allows one "
            f"long-running server or scheduler per database file (with threads, one worker): "
            f"stop the other one first, or use PostgreSQL to run several replicas") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{role} (pid {os.getpid()})")
    handle.flush()
    return InstanceLock(path, handle)
