"""What a person sees when handling their request failed unexpectedly: a 200 they can read.

bolt answers Slack 500 when a listener raises before `ack()`; Slack then shows "dispatch_failed"
or "We had some trouble connecting", and the person cannot tell whether anything was saved. The
app's error handler (bot/app.py) asks here for the answer instead: the right words (the database
being unreachable gets its own, saying nothing was saved) in the right shape for the surface —
an ephemeral text for a slash command, a field error that keeps a form open, a note for a click.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import psycopg
from slack_bolt import Ack, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy import exc as sa

from handlers.slack_io import tell
from templates.render import Renderer

# Errors that mean "the database cannot be used right now", not "our code is wrong": a lost or
# refused connection, a pool that has none left, a locked or missing SQLite file. Constraint and
# SQL errors (IntegrityError, ProgrammingError, DataError) stay internal errors.
_UNREACHABLE = (sa.OperationalError, sa.InterfaceError, sa.TimeoutError, sa.DisconnectionError,
                sqlite3.OperationalError, sqlite3.InterfaceError,
                psycopg.OperationalError, psycopg.InterfaceError)
FIELD_ERROR_LIMIT = 150


def database_down(error: BaseException | None) -> bool:
    """True when `error`, or an exception it was raised from or while handling, says so."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, _UNREACHABLE):
            return True
        if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
            return True
        error = error.__cause__ or error.__context__
    return False


def answer(renderer: Renderer, error: BaseException, body: dict, *, acked: bool,
           respond, client) -> BoltResponse | None:
    """The HTTP answer for a request whose listener raised (None once it was acked), after
    telling the person where that is the only way to reach them."""
    down = database_down(error)
    text = renderer.t("errors.database_down" if down else "errors.internal")
    kind = body.get("type") if isinstance(body.get("type"), str) else None
    if "command" in body and not acked:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
    if kind == "view_submission" and not acked:
        return BoltResponse(status=200, body=_form_answer(renderer, down, body.get("view")))
    if kind is not None or "command" in body:
        _note(text, body, respond, client)
    return None if acked else BoltResponse(status=200, body="")


def _form_answer(renderer: Renderer, down: bool, view: Any) -> dict:
    """Keep the form open with the words on its first input field; a form without one is
    replaced by a notice (Slack would show "trouble connecting" for anything else)."""
    short = renderer.t("errors.database_down" if down else "errors.internal_short")
    block_id = _first_input_block(view)
    if block_id:
        return {"response_action": "errors",
                "errors": {block_id: short.replace("*", "")[:FIELD_ERROR_LIMIT]}}
    return {"response_action": "update", "view": {
        "type": "modal",
        "title": {"type": "plain_text", "text": renderer.t("errors.notice_title")[:24]},
        "close": {"type": "plain_text", "text": renderer.t("errors.notice_close")[:24]},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": short}}]}}


def _first_input_block(view: Any) -> str | None:
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else ():
        if (isinstance(block, dict) and block.get("type") == "input"
                and isinstance(block.get("block_id"), str) and block["block_id"]):
            return block["block_id"]
    return None


def _note(text: str, body: dict, respond, client) -> None:
    """Through the response_url when there is one, else as a note only the person sees."""
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    channel = body.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else body.get("channel_id")
    if isinstance(user_id, str) and user_id and client is not None:
        tell(client, user_id, channel_id if isinstance(channel_id, str) else None, text)


ACK_WAIT = 0.1
"""Longest single wait of bolt's request thread in one look at the ack (its loop still ends at
the listener's ack timeout)."""


class KeptAck(Ack):
    """bolt's `ack`, except that once it holds a response nothing can take it back, and that
    the request's answer leaves the moment the listener acks.

    When a listener raises *after* calling `ack()`, bolt's thread runner sets the ack's
    response back to None after the error handler ran. If that happens before bolt's request
    thread has looked, the request waits the full 3 seconds, finds no ack, and Slack gets a
    404 for a click the listener did acknowledge.

    bolt's request thread looks for the ack every 10 ms (`time.sleep(0.01)` in
    slack_bolt/listener/thread_runner.py), so a listener that acks a moment after the first
    look — one that writes its inbox row first, about a millisecond on PostgreSQL — was
    answered 10 ms late, 20 under load: with a fixed number of server threads, that quantum,
    not the work, set the bot's throughput. Here a look by the thread that made the ack (the
    request's, in `KeepAcks`) waits on an event the ack sets, up to `ACK_WAIT`; other threads
    (the listener's own) never wait.
    """

    def __init__(self) -> None:
        self._acked = threading.Event()
        self._waiter = threading.get_ident()
        super().__init__()

    @property
    def response(self) -> BoltResponse | None:
        if self._kept is None and threading.get_ident() == self._waiter:
            self._acked.wait(ACK_WAIT)
        return self._kept

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or getattr(self, "_kept", None) is None:
            self._kept = value
        if value is not None:
            self._acked.set()


class KeepAcks(Middleware):
    """Global middleware: give each request a `KeptAck` before any listener sees its `ack`.

    A plain class, not a decorated function: bolt builds every injectable argument for a
    function middleware, which would cost each request more than this whole step."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next):  # noqa: A002 - bolt's name
        req.context["ack"] = KeptAck()
        return next()
