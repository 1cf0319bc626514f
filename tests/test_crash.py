"""Acked means kept, black-box: real `pmo-bot serve` processes killed mid-burst, and SIGTERM.

A burst of signed `/status` commands from client threads; a third of the way in one server is
killed with SIGKILL (its whole process group: gunicorn's master and workers) and started again.
Then every command that was acked (HTTP 200) must be stored exactly once and its card posted
exactly once — whichever process applied it. On SQLite one server (its only kind); on
PostgreSQL two replicas on one database, one of them killed. The figures are printed (run with
`-s` to see them) and quoted in the README.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.inbox import InboxItem
from storage.projects import StatusUpdate
from tests.support import APOLLO_CHANNEL
from tests.support.ports import free_port
from tests.test_serve import (
    Served,
    add_apollo,
    healthy,
    post_signed,
    set_environment,
    status_command,
)

BURST = 240
CLIENTS = 12


class Fleet:
    """Replicas of `pmo-bot serve` on one database, each on its own port."""

    def __init__(self, env: dict[str, str], replicas: int, *args: str) -> None:
        self.env, self.args = env, args
        self.servers: list[tuple[str, Served]] = []
        for _ in range(replicas):
            self.start()

    def start(self) -> str:
        port = str(free_port())
        served = Served({**self.env, "PORT": port}, "--host", "127.0.0.1", *self.args,
                        log_level="INFO")
        base = f"http://127.0.0.1:{port}"
        served.wait_until(lambda: healthy(base), "a healthy /healthz")
        self.servers.append((base, served))
        return base

    def live(self) -> list[str]:
        return [base for base, served in self.servers if served.process.poll() is None]

    def kill(self, index: int) -> None:
        os.killpg(self.servers[index][1].process.pid, signal.SIGKILL)
        self.servers[index][1].process.wait(timeout=10)

    def stop(self) -> list[str]:
        return [served.stop() for _base, served in self.servers]


def _burst(fleet: Fleet, slack, *, on_third, hold: float = 60) -> list[str]:
    """Send BURST commands round-robin over the live replicas; the texts that were acked.
    While no replica is up, the rest of the burst waits up to `hold` seconds for one."""
    acked: list[str] = []
    lock = threading.Lock()
    sent = iter(range(BURST))

    def one(_worker: int) -> None:
        while True:
            with lock:
                index = next(sent, None)
                if index == BURST // 3:
                    on_third()
            if index is None:
                return
            text = f"burst {index:04d}"  # the update's summary
            deadline = time.monotonic() + hold
            while not (live := fleet.live()) and time.monotonic() < deadline:
                time.sleep(0.05)  # between the kill and the restart: hold the rest of the burst
            try:
                status, body = post_signed(f"{live[index % len(live)]}/slack/events",
                                           status_command(slack, f"APOLLO green {text}"))
            except OSError:
                continue  # the server was gone: not acked, the author sees Slack's error
            if status == 200 and body == b"":
                with lock:
                    acked.append(text)

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, range(CLIENTS)))
    return acked


def _stored(database_url: str) -> Counter:
    db = Database(database_url)
    try:
        with db.read() as session:
            return Counter(session.scalars(select(StatusUpdate.summary)))
    finally:
        db.dispose()


def _recovered(database_url: str) -> int:
    """Requests applied by another attempt than the first (after the kill)."""
    db = Database(database_url)
    try:
        with db.read() as session:
            return session.scalar(select(func.count()).select_from(InboxItem)
                                  .where(InboxItem.attempts > 1, InboxItem.state == "done"))
    finally:
        db.dispose()


def _posted(slack) -> Counter:
    return Counter(block_text for call in slack.calls("chat.postMessage")
                   if call.args.get("channel") == APOLLO_CHANNEL
                   for block_text in [_summary(call.args)] if block_text)


def _summary(args: dict) -> str | None:
    for part in str(args.get("blocks")).split("'"):
        if part.startswith("burst "):
            return part
    return None


def _wait_until(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not check():
        time.sleep(0.5)


@pytest.mark.slow
def test_a_killed_server_loses_no_acked_command_and_posts_nothing_twice(
        database_url, slack, monkeypatch, capsys):
    env = set_environment(monkeypatch, slack, database_url)
    add_apollo(database_url)
    postgres = database_url.startswith("postgresql")
    fleet = Fleet(env, 2 if postgres else 1, "--threads", "8")
    restarted = threading.Event()

    def kill_and_restart() -> None:
        fleet.kill(0)
        if not postgres:  # SQLite: the one server comes back; PostgreSQL: the other replica
            threading.Thread(target=lambda: (fleet.start(), restarted.set())).start()

    try:
        acked = _burst(fleet, slack, on_third=kill_and_restart)
        if not postgres:
            assert restarted.wait(60)
        else:
            fleet.start()  # the killed replica comes back too
        _wait_until(lambda: all(_stored(database_url)[t] for t in acked), timeout=90)
        _wait_until(lambda: all(_posted(slack)[t] for t in acked), timeout=60)
        stored, posted = _stored(database_url), _posted(slack)
        recovered = _recovered(database_url)
    finally:
        fleet.stop()
    lost = [text for text in acked if not stored[text]]
    twice = [text for text, n in stored.items() if n > 1]
    unposted = [text for text in acked if not posted[text]]
    posted_twice = [text for text, n in posted.items() if n > 1]
    with capsys.disabled():
        print(f"\n[{'postgresql, 2 replicas' if postgres else 'sqlite, 1 server'}] sent {BURST},"
              f" acked {len(acked)}, stored {sum(stored.values())}, recovered after the kill "
              f"{recovered}, posted {sum(posted.values())}, lost {len(lost)}, stored twice "
              f"{len(twice)}, posted twice {len(posted_twice)}")
    assert len(acked) >= BURST // 3  # the burst really ran
    assert not lost, f"acked but never stored: {lost[:5]}"
    assert not twice and not posted_twice
    assert not unposted, f"stored but no card: {unposted[:5]}"
    assert set(stored) <= {f"burst {i:04d}" for i in range(BURST)}


@pytest.mark.slow
@pytest.mark.postgres
def test_sigterm_under_load_finishes_every_acked_command_before_exit(
        database_url, slack, monkeypatch, capsys):
    if not database_url.startswith("postgresql"):
        pytest.skip("two worker processes need PostgreSQL")
    env = set_environment(monkeypatch, slack, database_url)
    add_apollo(database_url)
    fleet = Fleet(env, 1, "--threads", "8", "--workers", "2", "--no-scheduler")
    logs: list[str] = []

    def terminate() -> None:
        os.killpg(fleet.servers[0][1].process.pid, signal.SIGTERM)

    try:
        acked = _burst(fleet, slack, on_third=terminate, hold=0)
        fleet.servers[0][1].process.wait(timeout=30)
    finally:
        logs = fleet.stop()
    assert fleet.servers[0][1].process.returncode == 0, logs[0][-2000:]
    stored = _stored(database_url)  # right at exit: nothing left for a later recovery
    db = Database(database_url)
    with db.read() as session:
        pending = session.scalar(select(func.count()).select_from(InboxItem)
                                 .where(InboxItem.state == "pending"))
    db.dispose()
    with capsys.disabled():
        print(f"\n[postgresql, SIGTERM, 2 workers] sent {BURST}, acked {len(acked)}, stored "
              f"{sum(stored.values())} before exit, pending {pending}")
    assert len(acked) >= BURST // 4  # the burst ran (those in flight at the signal may fail)
    assert all(stored[text] == 1 for text in acked)
    assert pending == 0
