"""What a request from Slack must look like before bolt sees it: its size, signature and shape.

bolt's WSGI adapter reads whatever Content-Length says, decodes it as UTF-8 and parses it; a
body that is too large, not UTF-8 or not the shape Slack sends raises inside it, and gunicorn
answers 500. The checks here run first, cheapest first, so such a request gets a 4xx and one
log line (never its content): 413 before the body is read, 401 before it is decoded, 400 when
a correctly signed body is not something Slack sends.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import parse_qsl

# Slack's largest requests are view submissions: a modal holds at most 100 blocks and their
# state comes back form-encoded with the whole view (each plain_text_input up to 3,000
# characters, each select up to 100 options of 150 characters), which adds up to a few hundred
# KB at the very worst. 1 MB leaves room for that and refuses anything larger unread.
MAX_BODY_BYTES = 1_000_000
MAX_CLOCK_SKEW_SECONDS = 300  # Slack's rule: a timestamp more than 5 minutes off is a replay

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Interactive payloads that come from a person: every listener for them needs who it was.
_PERSONAL = {"block_actions", "block_suggestion", "view_submission", "view_closed",
             "shortcut", "message_action", "interactive_message", "dialog_submission"}


class TooLarge(Exception):
    """The body is over MAX_BODY_BYTES (declared, or found while reading)."""


def declared_length(environ: dict) -> int | None:
    """Content-Length as a number; None when absent (chunked); -1 when it is not a number."""
    raw = environ.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return None
    try:
        length = int(raw)
    except ValueError:
        return -1
    return length if length >= 0 else -1


def read_body(environ: dict, length: int | None) -> bytes:
    """The body, never reading more than MAX_BODY_BYTES + 1 bytes; TooLarge beyond that."""
    if length is not None and length > MAX_BODY_BYTES:
        raise TooLarge
    stream = environ.get("wsgi.input")
    if stream is None or length == 0:
        return b""
    body = stream.read(MAX_BODY_BYTES + 1 if length is None else length)
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge
    return body


def signed(secret: bytes, body: bytes, timestamp: str | None, signature: str | None,
           now: float | None = None) -> bool:
    """Slack's `v0` HMAC-SHA256 over the raw bytes, and a timestamp within five minutes.

    Computed on bytes (slack_sdk's verifier decodes first, and so raises on a non-UTF-8 body)."""
    if not timestamp or not signature:
        return False
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    if age > MAX_CLOCK_SKEW_SECONDS:
        return False
    digest = hmac.new(secret, b"v0:" + timestamp.encode("ascii", "replace") + b":" + body,
                      hashlib.sha256).hexdigest()
    return hmac.compare_digest("v0=" + digest, signature)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def content_problem(text: str, kind: str) -> str | None:
    """Why the body cannot be what Slack sends, judged before parsing; None when it may be."""
    if kind == FORM:
        return "JSON sent as a form" if text.startswith("{") else None
    if kind == JSON:
        return None
    return "content type Slack does not send"


def command_form(text: str) -> dict[str, str] | None:
    """The form itself, when bolt read it as an empty interaction: bolt takes any form that
    contains the word "payload" (in a command's text, say) for one."""
    form = dict(parse_qsl(text, keep_blank_values=True))
    return form if "payload" not in form and form else None


def shape_problem(body: Any, kind: str) -> str | None:
    """Why a parsed body (bolt's `request.body`) is not a request Slack sends, or None.

    Slash commands and interactions are form-encoded (an interaction as one JSON `payload`
    field, which bolt has already unpacked), the Events API is JSON. The reasons are fixed
    words, safe to log. Parsing is left to bolt, so each body is parsed once.
    """
    if not isinstance(body, dict) or not body:
        return "empty body"
    if kind == FORM:
        if "command" in body:
            command, user = body.get("command"), body.get("user_id")
            if not (isinstance(command, str) and command.startswith("/")
                    and isinstance(user, str) and user):
                return "slash command without a command name or user_id"
            return None
        if "ssl_check" in body:
            return None
        return _payload_problem(body)
    if not isinstance(body.get("type"), str):
        return "JSON body without a type"
    if body["type"] == "url_verification" and not isinstance(body.get("challenge"), str):
        return "url_verification without a challenge"
    if body["type"] == "event_callback":
        event = body.get("event")
        if not (isinstance(event, dict) and isinstance(event.get("type"), str)):
            return "event_callback without an event type"
        if any(event.get(name) is not None and not isinstance(event[name], dict)
               for name in ("message", "previous_message")):
            return "event_callback with a message that is not an object"
    return None


def _payload_problem(payload: dict) -> str | None:
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        return "neither a command nor an interaction with a type"
    if kind in _PERSONAL:
        user = payload.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
            return "payload without user.id"
    if kind == "block_actions":
        actions = payload.get("actions")
        if not (isinstance(actions, list) and actions and all(
                isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)):
            return "block_actions without actions"
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not (isinstance(view, dict) and isinstance(view.get("type"), str)
                and isinstance(view.get("callback_id"), str)):
            return f"{kind} without a view"
    if kind == "block_suggestion" and not isinstance(payload.get("action_id"), str):
        return "block_suggestion without an action_id"
    return None
