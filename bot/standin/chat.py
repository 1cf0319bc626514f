"""``chat.*``: posting, updating and deleting messages and ephemerals, checked against
Slack's Block Kit limits (``limits.py``) and refused where Slack would refuse them.
"""

from __future__ import annotations

import copy
from typing import Any

from . import history, limits
from .directory import BOT_ID, BOT_USER_ID, TEAM_DOMAIN
from .state import StandInState, _error, _invalid


class Chat(StandInState):
    """The chat.* methods and the message store they share with response_url posts."""

    # -- messages (lock held) ----------------------------------------------------------------

    def _postable(self, channel: str) -> str | None:
        """The error Slack gives for posting here, if any."""
        known = self.directory.channel(channel)
        if channel in self._archived or (known and known["is_archived"]):
            return "is_archived"
        if channel in self._not_in or (known and not known["is_member"]):
            return "not_in_channel"
        return None

    def _find(self, channel: str, ts: Any) -> dict | None:
        return next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)

    def _warn(self, method: str, channel: str | None, blocks: Any, text: Any) -> None:
        for warning in limits.message_warnings(blocks, text):
            self._warnings.append(f"{method} to {channel}: {warning}")

    def _check_message(self, method: str, a: dict) -> dict | None:
        problems = limits.message_problems(a.get("blocks"), a.get("text"))
        if problems:
            self._event(
                "rejected",
                method=method,
                channel=a.get("channel"),
                errors=problems,
                text=a.get("text"),
                blocks=a.get("blocks"),
            )
            return _invalid("invalid_blocks", problems)
        return None

    def _store_message(self, channel: str, a: dict, thread_ts: Any) -> dict:
        message = {
            "type": "message",
            "ts": self._next_ts(),
            "channel": channel,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": a.get("text") or "",
            "blocks": a.get("blocks") or [],
        }
        for key in ("attachments", "metadata"):
            if a.get(key) is not None:
                message[key] = a[key]
        if thread_ts:
            message["thread_ts"] = thread_ts
        self._messages.setdefault(channel, []).append(message)
        return message

    def _store_ephemeral(self, channel: str, user: str, a: dict, via: str) -> dict:
        ephemeral = {
            "ts": self._next_ts(),
            "channel": channel,
            "user": user,
            "text": a.get("text") or "",
            "blocks": a.get("blocks") or [],
            "via": via,
        }
        if a.get("thread_ts"):
            ephemeral["thread_ts"] = a["thread_ts"]
        self._ephemerals.append(ephemeral)
        return ephemeral

    # -- chat.* (lock held; each returns the response body) -----------------------------------

    def _chat_post_message(self, a: dict, token: str) -> dict:
        channel = self._resolve(a.get("channel"))
        if channel is None:
            return _error("channel_not_found")
        if error := self._postable(channel):
            return _error(error)
        if a.get("text") is None and not a.get("blocks") and not a.get("attachments"):
            return _error("no_text")
        if rejected := self._check_message("chat.postMessage", a):
            return rejected
        if error := history.metadata_error(a.get("metadata")):
            return _error(error)
        self._warn("chat.postMessage", channel, a.get("blocks"), a.get("text"))
        message = self._store_message(channel, a, a.get("thread_ts"))
        self._event("message", **message)
        body = {k: v for k, v in message.items() if k != "channel"}
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": body}

    def _chat_post_ephemeral(self, a: dict, token: str) -> dict:
        channel = self._resolve(a.get("channel"))
        if channel is None:
            return _error("channel_not_found")
        if not a.get("user"):
            return _invalid("invalid_arguments", ["/user: missing required field"])
        if error := self._postable(channel):
            return _error(error)
        if a.get("text") is None and not a.get("blocks") and not a.get("attachments"):
            return _error("no_text")
        if rejected := self._check_message("chat.postEphemeral", a):
            return rejected
        self._warn("chat.postEphemeral", channel, a.get("blocks"), a.get("text"))
        ephemeral = self._store_ephemeral(channel, a["user"], a, "chat.postEphemeral")
        self._event("ephemeral", **ephemeral)
        return {"ok": True, "message_ts": ephemeral["ts"]}

    def _chat_update(self, a: dict, token: str) -> dict:
        channel = self._resolve(a.get("channel"), dm=False)  # Slack wants the id it gave back
        if channel is None:
            return _error("channel_not_found")
        if error := self._postable(channel):
            return _error(error)
        message = self._find(channel, a.get("ts"))
        if message is None:
            return _error("message_not_found")
        if rejected := self._check_message("chat.update", a):
            return rejected
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in a:  # absent fields keep their old value, as in Slack
                message[key] = a[key] if a[key] is not None else ("" if key == "text" else [])
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        self._warn("chat.update", channel, message["blocks"], message["text"])
        self._event("update", **message)
        body = {k: v for k, v in message.items() if k != "channel"}
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(body),
        }

    def _chat_delete(self, a: dict, token: str) -> dict:
        channel = self._resolve(a.get("channel"), dm=False)
        message = self._find(channel, a.get("ts")) if channel else None
        if message is None:
            return _error("message_not_found" if channel else "channel_not_found")
        self._messages[channel].remove(message)  # type: ignore[index]
        self._event("delete", channel=channel, ts=message["ts"])
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def _chat_get_permalink(self, a: dict, token: str) -> dict:
        channel, ts = self._resolve(a.get("channel"), dm=False), a.get("message_ts")
        if channel is None or self._find(channel, ts) is None:
            return _error("message_not_found")
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{str(ts).replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}
