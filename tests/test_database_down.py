"""A database that is really down: every request still gets a 200 the person can read, saying
nothing was saved; /healthz says 503; once the database is back, the same app just works.

PostgreSQL is reached through a loopback forwarder (below) that can cut every live connection
and refuse new ones, then resume, like a network partition or a restarting server. SQLite's
file is replaced by a directory, so every new connection fails to open it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select

from pmo_rules.ids import RiskAction
from storage.projects import StatusUpdate
from tests.support import ALICE, APOLLO_CHANNEL, BOB, GENERAL, Bot, make_bot
from tests.support.modals import fill
from tests.support.risks import add, card_message, click
from tests.test_status_form import open_form

SAVED_NOTHING = "nothing was saved"
COMMAND = "APOLLO amber Vendor API slipped two weeks"


class Forwarder:
    """A TCP forwarder on loopback: `cut()` drops every connection and refuses new ones (each
    is closed as soon as it is accepted) until `resume()`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="forwarder").start()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            sockets, self._open = self._open, set()
        for sock in sockets:
            _close(sock)

    def resume(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refused = self._cut
            if refused:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _close(sock)
            with self._lock:
                self._open.difference_update((source, sink))


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class SqliteOutage:
    """The database file (and its WAL) moved away and a directory put in its place.

    Open SQLite connections keep the moved file's inode and would go on working, so the pool is
    emptied first, as a restarted process would have it; from then on every connection the bot
    opens fails, as it would on a lost volume. root ignores file permissions, so a directory it
    is, not a chmod."""

    def __init__(self, bot: Bot, url: str) -> None:
        self.bot, self.path = bot, Path(make_url(url).database)

    def cut(self) -> None:
        self.bot.ctx.db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                os.rename(part, f"{part}.away")
        self.path.mkdir()

    def resume(self) -> None:
        self.path.rmdir()
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{self.path}{suffix}.away").exists():
                os.rename(f"{self.path}{suffix}.away", f"{self.path}{suffix}")


@pytest.fixture
def outage(database_url, slack) -> Iterator[tuple[Bot, object]]:
    """A bot with APOLLO whose database can be cut and resumed (the same app throughout)."""
    forwarder = None
    if database_url.startswith("sqlite"):
        bot = make_bot(database_url, slack)
        switch = SqliteOutage(bot, database_url)
    else:
        url = make_url(database_url)
        forwarder = Forwarder((url.host or "127.0.0.1", url.port or 5432))
        through = url.set(host="127.0.0.1", port=forwarder.port)
        bot = make_bot(through.render_as_string(hide_password=False), slack)
        switch = forwarder
    bot.command("/pmo", f"project add APOLLO Apollo data-centre migration pm:<@{ALICE}|alice> "
                        f"channel:<#{APOLLO_CHANNEL}|apollo>", user="UADMIN1")
    bot.slack.wait_for_response(1)
    bot.slack.reset()
    try:
        yield bot, switch
    finally:
        with _quietly():
            if database_url.startswith("sqlite") and switch.path.is_dir():
                switch.resume()
            bot.close()
            if forwarder is not None:
                forwarder.close()


@contextmanager
def _quietly() -> Iterator[None]:
    try:
        yield
    except Exception:  # noqa: BLE001 - teardown after a failed test must not hide its cause
        logging.getLogger(__name__).warning("teardown failed", exc_info=True)


def updates(bot: Bot) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(StatusUpdate))


def healthz(bot: Bot) -> int:
    return bot.driver.call("GET", "/healthz").status


def test_a_command_while_the_database_is_down_says_nothing_was_saved(outage, caplog):
    bot, switch = outage
    assert healthz(bot) == 200
    switch.cut()
    with caplog.at_level(logging.INFO):
        response = bot.command("/status", COMMAND)
    assert response.status == 200
    assert response.json["response_type"] == "ephemeral"
    assert SAVED_NOTHING in response.text
    assert healthz(bot) == 503
    assert "Vendor API" not in caplog.text  # what the person typed stays out of the log
    switch.resume()
    assert healthz(bot) == 200
    assert updates(bot) == 0  # nothing was stored while it was down
    response = bot.command("/status", COMMAND)
    assert response.status == 200 and response.text == ""
    assert "recorded" in bot.reply()
    assert updates(bot) == 1


def test_a_form_submitted_while_the_database_is_down_stays_open_with_a_field_error(outage):
    bot, switch = outage
    view = open_form(bot, channel=GENERAL)
    values = fill(view, overall="amber", summary="Vendor API slipped")
    switch.cut()
    response = bot.driver.view_submission(user=ALICE, view=view, values=values)
    assert response.status == 200
    assert response.json["response_action"] == "errors"
    [(field, text)] = response.json["errors"].items()
    assert field == "project" and SAVED_NOTHING in text
    switch.resume()
    response = bot.driver.view_submission(user=ALICE, view=view, values=values)
    assert response.status == 200 and not response.body
    bot.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    assert updates(bot) == 1


def test_a_button_clicked_while_the_database_is_down_gets_a_note(outage):
    bot, switch = outage
    add(bot, f"Vendor may slip p:2 i:3 owner:<@{BOB}|bob>")
    card = card_message(bot)
    switch.cut()
    reply = click(bot, card, RiskAction.REVIEWED, user=BOB)  # asserts the click got a 200
    assert SAVED_NOTHING in reply
    switch.resume()
    assert "marked reviewed" in click(bot, card, RiskAction.REVIEWED, user=BOB)


def test_a_command_checked_from_memory_is_refused_in_its_ack_when_it_cannot_be_kept(outage):
    """The project look-up before the ack may come from memory (bot/lookup_cache.py), but the
    request itself is written to the inbox before the ack: with the database cut, the ack says
    nothing was saved — never an ack followed by a failure."""
    bot, switch = outage
    assert bot.command("/status", COMMAND).status == 200
    assert "recorded" in bot.reply()
    bot.slack.reset()
    switch.cut()
    response = bot.command("/status", "APOLLO red Second update")
    assert response.status == 200 and SAVED_NOTHING in response.text
    switch.resume()
    assert updates(bot) == 1
    assert bot.command("/status", "APOLLO red Second update").status == 200
    assert "recorded" in bot.reply()
    assert updates(bot) == 2
