"""What the stand-in remembers, shared by every part of it: the recorded calls, messages,
ephemerals, response_url posts, views and timeline, the set-up it was given, and the small
helpers all Web API families use (ids, ts, channel resolution, Slack's error shapes).

Each family of Web API methods is a mixin over ``StandInState`` (``chat.py``, ``views.py``, ...),
so one lock and one set of records serve them all, as one Slack workspace would.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from . import scopes
from .directory import Directory
from .socket_mode import SocketModeLink


@dataclass(frozen=True)
class Call:
    """One Web API request as the stand-in received it, and what it answered."""

    method: str
    args: dict
    token: str | None
    at: float
    response: dict = field(default_factory=dict, compare=False)
    status: int = 200

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


def _error(error: str, **extra: Any) -> dict:
    return {"ok": False, "error": error, **extra}


def _invalid(error: str, problems: list[str]) -> dict:
    """Slack's shape for rejected input: the code plus one ``[ERROR]`` line per problem."""
    messages = [f"[ERROR] {p}" for p in problems]
    return _error(error, errors=problems, response_metadata={"messages": messages})


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


class StandInState:
    """The records and set-up of one stand-in; every attribute is guarded by ``_lock``."""

    def __init__(self, directory: Directory | None = None) -> None:
        self.directory = directory if directory is not None else Directory()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._link = SocketModeLink()
        # Message ts are the wall clock in microseconds, as Slack's are (conversations.history's
        # `oldest` compares them with real times), and strictly increasing: a console restarted
        # on the same database must not hand out the ts of a card an earlier session posted
        # (the bot would chat.update the wrong message).
        self._last_ts = 0
        self._ids = itertools.count(1)
        self._not_in: set[str] = set()
        self._archived: set[str] = set()
        self._scopes: frozenset[str] = scopes.ALL_SCOPES
        self._response_urls: dict[str, dict] = {}  # issued URLs and triggers outlive reset()
        self._triggers: dict[str, dict] = {}
        self._stalls: dict[str, list[bool]] = {}  # method -> [accept?] of calls to hold
        self._stalled = 0
        self._release = threading.Event()
        self._clear()

    def _clear(self) -> None:
        self._calls: list[Call] = []
        self._messages: dict[str, list[dict]] = {}
        self._ephemerals: list[dict] = []
        self._responses: list[dict] = []
        self._modals: dict[str, list[dict]] = {}
        self._homes: dict[str, dict] = {}
        self._timeline: list[dict] = []
        self._warnings: list[str] = []
        self._failures: dict[str, list[dict]] = {}
        self._uploads: dict[str, dict] = {}  # file id -> an upload waiting for its completion
        self._files: list[dict] = []

    # -- internals (lock held) -----------------------------------------------------------------

    def _event(self, kind: str, **data: Any) -> None:
        self._timeline.append({"kind": kind, "at": time.time(), **copy.deepcopy(data)})

    def _next_ts(self) -> str:
        micros = self._last_ts = max(self._last_ts + 100, time.time_ns() // 1000)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _resolve(self, channel: Any, dm: bool = True) -> str | None:
        """Channel id for an arg: ``#name`` via the directory, a user id as their DM if ``dm``."""
        if not isinstance(channel, str) or not channel:
            return None
        if channel.startswith("#"):
            found = self.directory.channel_by_name(channel)
            return found["id"] if found else None
        if channel[0] in "UW":
            return f"D{channel}" if dm else None
        return channel

    def _dm_or(self, channel: str | None) -> str | None:
        return self._resolve(channel) or channel
