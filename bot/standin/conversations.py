"""The read side of the workspace: ``conversations.*``, ``users.*``, ``auth.test`` and
``apps.connections.open``, answered from the ``Directory`` and the recorded messages.
"""

from __future__ import annotations

from typing import Any

from . import history
from .directory import BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME
from .state import StandInState, _error, _invalid, _truthy


class Conversations(StandInState):
    """Who and where: identity, conversations and users (lock held; each returns the body)."""

    def _auth_test(self, a: dict, token: str) -> dict:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _conversations_open(self, a: dict, token: str) -> dict:
        users = a.get("users")
        if isinstance(users, str):
            users = [u.strip() for u in users.split(",") if u.strip()]
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            users = []
        if a.get("channel"):
            return {"ok": True, "channel": {"id": a["channel"]}}
        if not users:
            return _error("users_list_not_supplied")
        if len(users) == 1:
            return {"ok": True, "channel": {"id": f"D{users[0]}", "is_im": True, "user": users[0]}}
        return {"ok": True, "channel": {"id": "G" + "".join(sorted(users)), "is_mpim": True}}

    def _conversations_history(self, a: dict, token: str) -> dict:
        channel = a.get("channel")
        if error := self._readable(channel):
            return _error(error)
        return history.history_page(self._messages.get(channel, []), a)

    def _conversations_replies(self, a: dict, token: str) -> dict:
        channel = a.get("channel")
        if error := self._readable(channel):
            return _error(error)
        if not a.get("ts"):
            return _invalid("invalid_arguments", ["/ts: missing required field"])
        return history.replies_page(self._messages.get(channel, []), a)

    def _readable(self, channel: Any) -> str | None:
        """Why the bot may not read this conversation's history, if it may not: history wants
        a conversation id (``D…`` for a DM, never a user id) the bot is a member of."""
        if not isinstance(channel, str) or not channel or channel[0] in "UW#":
            return "channel_not_found"
        if channel.startswith("D"):
            return None
        known = self.directory.channel(channel)
        if known is None and channel not in self._messages:
            return "channel_not_found"
        if channel in self._not_in or (known and not known["is_member"]):
            return "not_in_channel"
        return None

    def _conversations_info(self, a: dict, token: str) -> dict:
        channel = self._resolve(a.get("channel"), dm=False) or ""
        if channel.startswith("D"):
            return {"ok": True, "channel": {"id": channel, "is_im": True, "user": channel[1:]}}
        info = self.directory.channel(channel)
        if info is None:
            return _error("channel_not_found")
        if info["is_private"] and not info["is_member"]:  # Slack hides it from outsiders
            return _error("channel_not_found")
        info["is_archived"] = info["is_archived"] or channel in self._archived
        info["is_member"] = info["is_member"] and channel not in self._not_in
        return {"ok": True, "channel": info}

    def _conversations_list(self, a: dict, token: str) -> dict:
        types = str(a.get("types") or "public_channel").split(",")
        wanted = [
            c
            for c in self.directory.channels()
            if ("private_channel" if c["is_private"] else "public_channel") in types
        ]
        if _truthy(a.get("exclude_archived")):
            wanted = [c for c in wanted if not c["is_archived"]]
        return {"ok": True, "channels": wanted, "response_metadata": {"next_cursor": ""}}

    def _users_info(self, a: dict, token: str) -> dict:
        wanted = str(a.get("user", ""))
        if wanted == BOT_USER_ID and self.directory.user(wanted) is None:  # the bot itself
            return {"ok": True, "user": {"id": BOT_USER_ID, "team_id": TEAM_ID,
                                         "name": BOT_NAME, "real_name": BOT_NAME,
                                         "deleted": False, "is_bot": True, "tz": None,
                                         "profile": {"real_name": BOT_NAME,
                                                     "bot_id": BOT_ID}}}
        user = self.directory.user(wanted)
        return {"ok": True, "user": user} if user else _error("user_not_found")

    def _users_list(self, a: dict, token: str) -> dict:
        """Everyone of this workspace (people of other organisations are not listed), a page
        of `limit` (default 200) at a time, as Slack pages it (`cursor`)."""
        members = [u for u in self.directory.users() if u["team_id"] == TEAM_ID]
        page, cursor = _page(members, a)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _conversations_members(self, a: dict, token: str) -> dict:
        channel = self._resolve(a.get("channel"), dm=False) or ""
        members = self.directory.members(channel)
        info = self.directory.channel(channel)
        if members is None or (info["is_private"] and not info["is_member"]):
            return _error("channel_not_found")
        page, cursor = _page(members, a)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _apps_connections_open(self, a: dict, token: str) -> dict:
        if not token.startswith("xapp-"):
            return _error("invalid_auth")
        return {"ok": True, "url": self._link.new_url()}


def _page(items: list, a: dict) -> tuple[list, str]:
    """One page of `items` after `cursor` (an offset, as opaque to the caller as Slack's)."""
    try:
        limit = max(1, min(1000, int(a.get("limit") or 200)))
        start = int(str(a.get("cursor") or "0").removeprefix("c"))
    except ValueError:
        return [], ""
    end = start + limit
    return items[start:end], (f"c{end}" if end < len(items) else "")
