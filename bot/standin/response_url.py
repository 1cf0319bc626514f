"""response_url: the URLs handed out in command and click payloads, and what a post to one
does (reply ephemerally or in channel, replace or delete the original), with Slack's limits
of 5 posts within 30 minutes per URL.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from . import limits
from .chat import Chat
from .state import _error, _invalid, _truthy

MAX_RESPONSES_PER_URL = 5  # Slack: a response_url takes 5 posts ...
RESPONSE_URL_TTL = 30 * 60  # ... within 30 minutes


class ResponseUrls(Chat):
    """Issues response_urls and applies posts to them to the message store."""

    def new_response_url(
        self, channel: str | None = None, user: str | None = None, message_ts: str | None = None
    ) -> str:
        """A response_url as Slack puts in a command or click payload.

        ``channel``/``user`` say where in_channel and ephemeral responses show up;
        ``message_ts`` names the original message that replace/delete_original act on.
        """
        token = uuid.uuid4().hex
        with self._lock:
            self._response_urls[token] = {
                "count": 0,
                "issued": time.monotonic(),
                "channel": self._dm_or(channel),
                "user": user,
                "message_ts": message_ts,
            }
        return f"{self.url}response/{token}"

    def _handle_response_url(self, token: str, body: Any) -> tuple[int, dict]:
        with self._lock:
            hook = self._response_urls.get(token)
            if hook is None:
                return 404, _error("no_active_hooks")
            if time.monotonic() - hook["issued"] > RESPONSE_URL_TTL:
                return 404, _error("expired_url")
            if hook["count"] >= MAX_RESPONSES_PER_URL:
                return 404, _error("used_url")
            if not isinstance(body, dict):
                return 400, _error("invalid_payload")
            text, blocks = body.get("text"), body.get("blocks")
            deleting = _truthy(body.get("delete_original"))
            if not deleting and text is None and not blocks and not body.get("attachments"):
                return 400, _error("no_text")
            problems = [] if deleting else limits.message_problems(blocks, text)
            if problems:
                self._event("rejected", method="response_url", errors=problems, body=body)
                return 400, _invalid("invalid_blocks", problems)
            if not deleting:
                self._warn("response_url", hook["channel"], blocks, text)
            hook["count"] += 1
            effect, ts = self._apply_response(hook, body, deleting)
            record = {
                "url": f"{self.url}response/{token}",
                "body": body,
                "effect": effect,
                "channel": hook["channel"],
                "user": hook["user"],
                "ts": ts,
                "at": time.time(),
            }
            self._responses.append(record)
            self._event("response", **{k: v for k, v in record.items() if k != "at"})
            self._changed.notify_all()
            return 200, {"ok": True}

    def _apply_response(self, hook: dict, body: dict, deleting: bool) -> tuple[str, str | None]:
        """Do what Slack does with a response_url post: (effect, ts of the message it touched).

        The timeline gets one ``response`` event for it, not a message/update/delete as well.
        """
        channel, ts = hook["channel"], hook["message_ts"]
        original = self._find(channel, ts) if channel and ts else None
        if deleting:
            if original is not None:
                self._messages[channel].remove(original)
            return "delete_original", ts
        if _truthy(body.get("replace_original")):
            target = original or next((e for e in self._ephemerals if ts and e["ts"] == ts), None)
            if target is not None:
                target["text"] = body.get("text") or ""
                target["blocks"] = body.get("blocks") or []
            return "replace_original", ts
        if body.get("response_type") == "in_channel":
            posted = self._store_message(channel, body, body.get("thread_ts")) if channel else None
            return "in_channel", posted and posted["ts"]
        if hook["user"]:
            shown = self._store_ephemeral(channel or "", hook["user"], body, "response_url")
            return "ephemeral", shown["ts"]
        return "ephemeral", None
