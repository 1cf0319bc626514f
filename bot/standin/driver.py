"""Playing Slack's side of the conversation: signed requests into the bot's real WSGI app.

The tests and the offline console both talk to the bot through this: a slash command, a button
click or a modal submission becomes the same form-encoded, HMAC-signed HTTP request Slack would
send, and it goes through the same WSGI callable, bolt's signature check and listeners.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM = {"id": "T0PMO", "domain": "pmo"}


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        """What an ack shows the user: its `text`, or the raw body when it is not JSON."""
        if not self.body:
            return ""
        try:
            return self.json.get("text", "")
        except (ValueError, AttributeError):
            return self.body.decode()


class SlackDriver:
    """Builds Slack's payloads, signs them with the app's signing secret, and calls the app."""

    def __init__(
        self,
        wsgi_app: Callable,
        signing_secret: str,
        new_response_url: Callable[..., str],
        path: str = "/slack/events",
        new_trigger_id: Callable[[str], str] | None = None,
    ) -> None:
        """`new_response_url(channel=, user=)` and `new_trigger_id(user)` come from the stand-in,
        so that what the bot posts to a response_url or opens with a trigger is filed under the
        right channel and person."""
        self.wsgi_app = wsgi_app
        self.signer = SignatureVerifier(signing_secret)
        self.new_response_url = new_response_url
        self.new_trigger_id = new_trigger_id
        self.path = path
        self._trigger = 0

    def trigger_id(self, user: str) -> str:
        if self.new_trigger_id is not None:
            return self.new_trigger_id(user)
        self._trigger += 1
        return f"{self._trigger}.1234.trigger"

    def command(
        self,
        command: str,
        text: str,
        *,
        user: str,
        channel: str,
        user_name: str = "",
        channel_name: str = "",
    ) -> HttpResponse:
        form = {
            "token": "legacy",
            "team_id": TEAM["id"],
            "team_domain": TEAM["domain"],
            "channel_id": channel,
            "channel_name": channel_name or channel,
            "user_id": user,
            "user_name": user_name or user,
            "command": command,
            "text": text,
            "api_app_id": "A0PMO",
            "is_enterprise_install": "false",
            "response_url": self.new_response_url(channel=channel, user=user),
            "trigger_id": self.trigger_id(user),
        }
        return self.post(urlencode(form).encode())

    def block_action(
        self,
        *,
        user: str,
        action: dict,
        channel: str | None = None,
        message: dict | None = None,
        view: dict | None = None,
    ) -> HttpResponse:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": TEAM,
            "user": {"id": user, "team_id": TEAM["id"]},
            "api_app_id": "A0PMO",
            "trigger_id": self.trigger_id(user),
            "actions": [action],
            "response_url": self.new_response_url(channel=channel, user=user),
            "token": "legacy",
        }
        if channel:
            payload["channel"] = {"id": channel}
            payload["container"] = {
                "type": "message",
                "channel_id": channel,
                "message_ts": (message or {}).get("ts"),
            }
        if message:
            payload["message"] = message
        if view:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id")}
        return self.interactive(payload)

    def view_submission(self, *, user: str, view: dict, values: dict) -> HttpResponse:
        """Submit `view` with `values` in Slack's shape: {block_id: {action_id: {...}}}."""
        submitted = dict(view, state={"values": values})
        submitted.setdefault("id", "VSTANDIN")
        payload = {
            "type": "view_submission",
            "team": TEAM,
            "user": {"id": user, "team_id": TEAM["id"]},
            "api_app_id": "A0PMO",
            "trigger_id": self.trigger_id(user),
            "view": submitted,
            "token": "legacy",
            "response_urls": [],
        }
        return self.interactive(payload)

    def event(self, event: dict, *, event_id: str | None = None) -> HttpResponse:
        """An Events API delivery (JSON `event_callback`), e.g. ``{"type": "app_home_opened",
        "user": "U1", "tab": "home"}``."""
        envelope = {
            "token": "legacy",
            "team_id": TEAM["id"],
            "api_app_id": "A0PMO",
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": int(time.time()),
        }
        return self.post(json.dumps(envelope).encode(), content_type="application/json")

    def interactive(self, payload: dict) -> HttpResponse:
        return self.post(urlencode({"payload": json.dumps(payload)}).encode())

    def post(
        self,
        body: bytes,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> HttpResponse:
        """POST a body; by default correctly signed, or with the given (forged/stale) headers."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = (
            signature
            if signature is not None
            else self.signer.generate_signature(timestamp=ts, body=body.decode())
        )
        headers = {"HTTP_X_SLACK_REQUEST_TIMESTAMP": ts}
        if sig:
            headers["HTTP_X_SLACK_SIGNATURE"] = sig
        return self.call("POST", self.path, body, content_type, headers)

    def call(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str = "",
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "3000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": content_type,
            "wsgi.errors": io.StringIO(),
            **(headers or {}),
        }
        captured: dict[str, Any] = {}

        def start_response(status: str, response_headers: list, exc_info=None) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = dict(response_headers)

        chunks = self.wsgi_app(environ, start_response)
        body_out = b"".join(chunks)
        return HttpResponse(captured["status"], captured["headers"], body_out)
