"""Everything a use case or a listener needs, built once per process and passed in.

`BotContext` lives here, below `bot/`, so the use cases in `services/` can take it without
importing the process. The process parts it hands out — the outbox sender (`sender`), the
pool for work after an ack (`after_ack`) and the per-process look-up cache (`lookups`) — are
described here as small Protocols and built by the factories in `ProcessParts`, which
`bot.context.make_context` fills with bot/'s classes. Tests and the console build their context
the same way (a stand-in Slack, a temporary database, a fixed clock).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Protocol

from slack_sdk import WebClient

from pmo_rules.config import Rules
from storage.db import Database
from templates.render import Renderer

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class Settings(Protocol):
    """The process's settings as far as a context is concerned (bot.settings.Settings)."""

    @property
    def database_url(self) -> str: ...


class Sender(Protocol):
    """Sends what the outbox holds (bot.outbox_sender.OutboxSender)."""

    def send(self, ids: list[int]) -> list[Any]: ...

    def send_due(self, limit: int = 50) -> list[Any]: ...

    def lease_at(self, now: datetime) -> Any: ...

    def send_leased(self, rows: list[Any]) -> list[Any]: ...

    def close(self) -> None: ...


class AfterAckRunner(Protocol):
    """Runs a listener's work after its ack (bot.after_ack.AfterAck)."""

    def run(self, job: Callable[[], None], *,
            on_error: Callable[[], None] | None = None) -> Future: ...

    def serving(self) -> AbstractContextManager[None]: ...

    def give_way(self) -> None: ...


class Lookups(Protocol):
    """Recent answers to the look-ups made before an ack (bot.lookup_cache.LookupCache)."""

    def get(self, key: Hashable) -> Any | None: ...

    def put(self, key: Hashable, value: Any) -> None: ...

    def forget(self, kind: str) -> None: ...


class Keeper(Protocol):
    """Keeps a changing request before its ack and applies it after (bot.inbox.Inbox)."""

    only_process: bool

    def accept(self, *, work: str, key: str, user: str, channel: str | None,
               response_url: str | None, payload: dict[str, Any]) -> Any | None: ...

    def apply_later(self, request: Any) -> None: ...

    def recover(self) -> int: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ProcessParts:
    """How a context builds its process parts; bot.context.make_context supplies bot/'s."""

    sender: Callable[[BotContext], Sender]
    after_ack: Callable[[], AfterAckRunner]
    lookups: Callable[[], Lookups]
    inbox: Callable[[BotContext], Keeper]


@dataclass
class BotContext:
    settings: Settings
    rules: Rules
    db: Database
    renderer: Renderer
    client: WebClient
    clock: Clock = system_clock
    parts: ProcessParts | None = None
    replay_app: Any = None
    """A bolt App whose listeners run in the caller's thread (bot/app.py, built on first use):
    what dispatches again the first command of a person the bot did not know yet, once Slack
    has said who they are (bot/access.py)."""
    home: dict[str, str | None] = field(default_factory=dict)
    """The installation's `team` and `enterprise`, as the rules file names them or as
    `auth.test` said (learned with the first request: handlers/access.py)."""

    def now(self) -> datetime:
        return self.clock()

    def _parts(self) -> ProcessParts:
        if self.parts is None:
            raise RuntimeError("this context has no process parts: build it with "
                               "bot.context.make_context")
        return self.parts

    def close(self) -> None:
        """At shutdown: stop the outbox's and the inbox's lease heartbeats (if this context
        ever started them), then close the database's pool."""
        for part in ("sender", "inbox"):
            if part in self.__dict__:
                self.__dict__[part].close()
        self.db.dispose()

    @cached_property
    def sender(self) -> Sender:
        """The process's outbox sender, one per context (its lease owner id is per process)."""
        return self._parts().sender(self)

    @cached_property
    def lookups(self) -> Lookups:
        """Recent answers to the look-ups made before `ack()` (bot/lookup_cache.py)."""
        return self._parts().lookups()

    @cached_property
    def inbox(self) -> Keeper:
        """Where listeners keep a changing request before its `ack()` (bot/inbox.py)."""
        return self._parts().inbox(self)

    @cached_property
    def after_ack(self) -> AfterAckRunner:
        """Where listeners put the work that follows their `ack()` (bot/after_ack.py)."""
        return self._parts().after_ack()


__all__ = ["AfterAckRunner", "BotContext", "Clock", "Keeper", "Lookups", "ProcessParts", "Sender",
           "Settings", "system_clock"]

