"""The workspace the stand-in pretends to be: its ids and names, and its people and channels.

Kept apart from the Web API so tests and the console can seed a ``Directory`` (and read the
workspace constants) without the HTTP machinery; ``users.*`` and ``conversations.*`` answer
from it in the shapes Slack returns (``_slack_user``, ``_slack_channel``).
"""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

BOT_USER_ID, BOT_ID, BOT_NAME = "UPMOBOT", "BPMOBOT", "pmo-bot"
TEAM_ID, TEAM_NAME, TEAM_DOMAIN = "T0PMO", "PMO", "pmo"  # as bot/standin/driver.py
APP_ID = "A0PMO"

class Directory:
    """The users and channels of the fake workspace (users.info, conversations.* read it)."""

    def __init__(self) -> None:
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._lock = threading.Lock()

    def add_user(
        self,
        id: str,
        name: str,
        real_name: str | None = None,
        tz: str = "UTC",
        is_bot: bool = False,
        display_name: str | None = None,
        email: str | None = None,
        deleted: bool = False,
        guest: str | None = None,
        team_id: str = TEAM_ID,
    ) -> dict:
        """`guest`: "multi" (a multi-channel guest, `is_restricted`) or "single" (also
        `is_ultra_restricted`); `team_id`: another organisation's for a Slack Connect person."""
        record = {
            "id": id,
            "name": name,
            "real_name": real_name or name,
            "tz": tz,
            "is_bot": is_bot,
            "display_name": display_name or "",
            "email": email,
            "deleted": deleted,
            "guest": guest,
            "team_id": team_id,
        }
        with self._lock:
            self._users[id] = record
        return self.user(id)  # type: ignore[return-value]

    def add_channel(
        self,
        id: str,
        name: str,
        is_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
        members: list[str] | None = None,
    ) -> dict:
        """`members`: the people in it (conversations.members), besides the bot when it is."""
        record = {
            "id": id,
            "name": name.lstrip("#"),
            "is_member": is_member,
            "is_private": is_private,
            "is_archived": is_archived,
            "members": list(members or []),
        }
        with self._lock:
            self._channels[id] = record
        return self.channel(id)  # type: ignore[return-value]

    def user(self, id: str) -> dict | None:
        """The Slack-shaped user object (as users.info returns it), or None."""
        with self._lock:
            record = self._users.get(id)
        return _slack_user(record) if record else None

    def channel(self, id: str) -> dict | None:
        with self._lock:
            record = self._channels.get(id)
        return _slack_channel(record) if record else None

    def members(self, id: str) -> list[str] | None:
        """The channel's members (the bot among them when it is one), or None: no such channel."""
        with self._lock:
            record = self._channels.get(id)
            if record is None:
                return None
            return list(record["members"]) + ([BOT_USER_ID] if record["is_member"] else [])

    def set_members(self, id: str, members: list[str]) -> None:
        with self._lock:
            self._channels[id]["members"] = list(members)

    def user_by_name(self, name: str) -> dict | None:
        """Match on the handle first, then display name, then real name ("@" optional)."""
        name = name.lstrip("@")
        with self._lock:
            records = list(self._users.values())
        for key in ("name", "display_name", "real_name"):
            for record in records:
                if record[key] == name:
                    return _slack_user(record)
        return None

    def channel_by_name(self, name: str) -> dict | None:
        name = name.lstrip("#")
        with self._lock:
            records = list(self._channels.values())
        return next((_slack_channel(r) for r in records if r["name"] == name), None)

    def users(self) -> list[dict]:
        with self._lock:
            return [_slack_user(r) for r in self._users.values()]

    def channels(self) -> list[dict]:
        with self._lock:
            return [_slack_channel(r) for r in self._channels.values()]


def _slack_user(r: dict) -> dict:
    offset, label = _tz_facts(r["tz"])
    profile = {
        "real_name": r["real_name"],
        "display_name": r["display_name"],
        "real_name_normalized": r["real_name"],
        "display_name_normalized": r["display_name"],
    }
    if r["email"]:
        profile["email"] = r["email"]
    found = {
        "id": r["id"],
        "team_id": r.get("team_id", TEAM_ID),
        "name": r["name"],
        "deleted": r.get("deleted", False),
        "real_name": r["real_name"],
        "tz": r["tz"],
        "tz_label": label,
        "tz_offset": offset,
        "is_bot": r["is_bot"],
        "is_admin": False,
        "is_restricted": bool(r.get("guest")),
        "is_ultra_restricted": r.get("guest") == "single",
        "profile": profile,
    }
    if r.get("team_id", TEAM_ID) != TEAM_ID:  # Slack Connect: a person of another organisation
        found["is_stranger"] = True
    return found


def _tz_facts(tz: str) -> tuple[int, str]:
    """(UTC offset in seconds now, zone abbreviation now); Slack labels are long names."""
    try:
        now = datetime.now(ZoneInfo(tz))
    except Exception:  # unknown zone or no tz database: behave like UTC
        return 0, "UTC"
    offset = now.utcoffset()
    return int(offset.total_seconds()) if offset else 0, now.tzname() or tz


def _slack_channel(r: dict) -> dict:
    return {
        "id": r["id"],
        "name": r["name"],
        "name_normalized": r["name"],
        "is_channel": not r["is_private"],
        "is_group": False,
        "is_im": False,
        "is_private": r["is_private"],
        "is_archived": r["is_archived"],
        "is_member": r["is_member"],
    }
