"""Loopback Socket Mode endpoint for the Slack stand-in.

The bot runs in Socket Mode (slack_sdk's built-in client under bolt's SocketModeHandler):
``apps.connections.open`` hands out a ``ws://`` URL, the client connects, Slack says ``hello``,
then pushes envelopes and waits for an ack carrying the same ``envelope_id``. This module plays
Slack's side of that so tests drive the real client, not a fake of it.
"""

from __future__ import annotations

import json
import threading
import uuid
import weakref
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

# Frequent pings: slack_sdk's built-in client holds its receive lock through a 3 s socket
# timeout, so its close() waits that long unless some frame arrives; a ping every 0.2 s lets
# it shut down promptly. (Slack itself pings far less often.)
PING_INTERVAL = 0.2

_live: weakref.WeakSet[SocketModeLink] = weakref.WeakSet()


def _stop_all_at_exit() -> None:
    for link in list(_live):
        link.stop()


# websockets runs each connection in a non-daemon thread; a link left running with a client
# attached would keep the interpreter from exiting. threading's own exit hook runs before it
# joins those threads (atexit would run too late).
_register = getattr(threading, "_register_atexit", None)
if _register is not None:
    _register(_stop_all_at_exit)


class SocketModeLink:
    """Slack's Socket Mode side: issues tickets, says hello, pushes envelopes, records acks."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._host = host
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._acks: list[dict] = []
        self._sent: list[dict] = []

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SocketModeLink:
        with self._lock:
            if self._server is None:
                self._server = serve(
                    self._handle,
                    self._host,
                    0,
                    process_request=self._check_ticket,
                    compression=None,
                    ping_interval=PING_INTERVAL,
                    close_timeout=1,
                )
                self._thread = threading.Thread(
                    target=self._server.serve_forever, name="slack-standin-socket", daemon=True
                )
                self._thread.start()
                _live.add(self)
        return self

    def stop(self) -> None:
        """Close client connections (1001 going away) and the listening socket."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("Socket Mode link is not started")
        return self._server.socket.getsockname()[1]

    def new_url(self) -> str:
        """What apps.connections.open returns: a one-off ticket on the loopback endpoint."""
        self.start()
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://{self._host}:{self.port}/link?ticket={ticket}"

    def reset(self) -> None:
        with self._lock:
            self._acks.clear()
            self._sent.clear()

    # -- Slack's side of the protocol ----------------------------------------------------------

    @property
    def connected(self) -> int:
        with self._lock:
            return len(self._connections)

    @property
    def acks(self) -> list[dict]:
        """What the client sent back: ``{"envelope_id", "payload"?}`` in arrival order."""
        with self._lock:
            return [dict(a) for a in self._acks]

    @property
    def sent(self) -> list[dict]:
        with self._lock:
            return [dict(s) for s in self._sent]

    def send(
        self,
        envelope_type: str,
        payload: dict,
        accepts_response_payload: bool = True,
        connect_timeout: float = 3.0,
    ) -> str:
        """Push an envelope to the newest client (waiting for one to connect); its envelope_id."""
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        self.send_raw(envelope, connect_timeout)
        return envelope["envelope_id"]

    def send_raw(self, message: dict, connect_timeout: float = 3.0) -> None:
        """Send any frame Slack may send, e.g. ``{"type": "disconnect", "reason": "warning"}``."""
        with self._lock:
            if not self._changed.wait_for(lambda: self._connections, connect_timeout):
                raise TimeoutError(f"no Socket Mode client connected within {connect_timeout}s")
            connection = self._connections[-1]
            self._sent.append(message)
        connection.send(json.dumps(message))

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:
        def find() -> dict | None:
            return next((a for a in self._acks if a.get("envelope_id") == envelope_id), None)

        with self._lock:
            if self._changed.wait_for(lambda: find() is not None, timeout):
                return dict(find())  # type: ignore[arg-type]
            got = [a.get("envelope_id") for a in self._acks]
            raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout}s; got {got}")

    # -- websockets callbacks (server threads) -------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Any) -> Any:
        parts = urlsplit(request.path)
        ticket = parse_qs(parts.query).get("ticket", [""])[0]
        with self._lock:
            known = ticket in self._tickets
        if parts.path != "/link" or not known:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")
        return None

    def _handle(self, connection: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {
                "host": "slack-standin",
                "build_number": 1,
                "approximate_connection_time": 3600,
            },
            "connection_info": {"app_id": "A0PMO"},
        }
        try:
            connection.send(json.dumps(hello))
            with self._lock:
                self._connections.append(connection)
                self._changed.notify_all()
            for raw in connection:
                self._record(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._changed.notify_all()

    def _record(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if isinstance(message, dict) and "envelope_id" in message:
            with self._lock:
                self._acks.append(message)
                self._changed.notify_all()
