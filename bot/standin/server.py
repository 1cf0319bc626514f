"""A recording stand-in for Slack's Web API, served over loopback.

Tests point a real ``slack_sdk.WebClient`` at it (``base_url=standin.base_url``) so the bot's
own HTTP calls, serialisation and retry handling are exercised, not a mock of them. Every call
is recorded; messages, ephemerals, response_url posts and views are kept as Slack would show
them, so tests assert on outcomes and the offline console renders the conversation. It checks
Slack's Block Kit limits (``limits.py``) and answers ``invalid_blocks`` / ``invalid_arguments``
where Slack would, so a test fails where production would.

The stand-in is assembled from mixins, one per job: ``state.py`` (the records),
``queries.py`` (what tests read and wait for), ``dispatch.py`` (answering a call, armed
faults), ``chat.py``, ``files.py``, ``response_url.py``, ``conversations.py``, ``views.py``
(the Web API families) and ``wire.py`` (HTTP). This module puts them together and runs the server.
"""

from __future__ import annotations

import threading

from . import scopes
from .conversations import Conversations
from .directory import Directory
from .dispatch import Dispatch
from .files import Files
from .queries import Queries
from .response_url import ResponseUrls
from .socket_mode import SocketModeLink
from .views import Views
from .wire import _HTTPServer


class SlackStandIn(Queries, Dispatch, ResponseUrls, Files, Conversations, Views):
    """Slack's Web API (the parts the bot uses), recording everything, on 127.0.0.1."""

    def __init__(self, directory: Directory | None = None, *, port: int = 0) -> None:
        """`port` 0: any free port (tests); `pmo-bot standin` gives a fixed one."""
        super().__init__(directory)
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        if self._httpd is None:
            self._httpd = _HTTPServer(self, self._port)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                args=(0.02,),
                name="slack-standin-http",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._link.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("SlackStandIn is not started: call start() first")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def base_url(self) -> str:
        """What ``slack_sdk.WebClient(base_url=...)`` takes."""
        return f"{self.url}api/"

    def reset(self) -> None:
        """Forget every record (calls, messages, views, responses, warnings, acks) and undo
        ``fail_next``/``set_not_in_channel``/``set_channel_archived``/``set_scopes``, so a
        stand-in shared by many tests starts each one clean. The directory and issued
        URLs/triggers stay."""
        self.release_stalls()
        with self._lock:
            self._clear()
            self._not_in.clear()
            self._archived.clear()
            self._scopes = scopes.ALL_SCOPES
        self._link.reset()

    # -- Socket Mode ---------------------------------------------------------------------------

    def socket_send(
        self,
        envelope_type: str,
        payload: dict,
        accepts_response_payload: bool = True,
        connect_timeout: float = 3.0,
    ) -> str:
        """Push an envelope to the connected Socket Mode client; returns its envelope_id."""
        return self._link.send(envelope_type, payload, accepts_response_payload, connect_timeout)

    @property
    def socket_acks(self) -> list[dict]:
        return self._link.acks

    def wait_for_socket_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:
        return self._link.wait_for_ack(envelope_id, timeout)

    @property
    def socket_link(self) -> SocketModeLink:
        return self._link
