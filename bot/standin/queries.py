"""What tests and the console ask the stand-in: the records as Slack would show them now
(calls, messages, ephemerals, responses, views, warnings, timeline) and waits for calls or
response_url posts that arrive on other threads. Everything returned is a copy.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from .state import Call, StandInState


class Queries(StandInState):
    """Read-only views of the records, and waits on them."""

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str) -> list[dict]:
        """The channel as it looks now: posts in ts order, after updates and deletes.

        A user id ``U…`` means the bot's DM with them; ``#name`` is looked up in the directory.
        """
        with self._lock:
            channel = self._resolve(channel) or channel
            return copy.deepcopy(self._messages.get(channel, []))

    def kept(self) -> dict:
        """What a workspace still shows after its apps restart, as JSON-ready data: every
        channel's and DM's messages (buttons included) and each Home tab. Ephemerals, open
        modals and the call records are not kept, as Slack does not keep them."""
        with self._lock:
            return copy.deepcopy({"messages": self._messages, "homes": self._homes,
                                  "last_ts": self._last_ts})

    def restore(self, kept: dict) -> None:
        """Show again what `kept()` returned (before anything else is posted): no timeline
        entries, since nothing new happened; message ts go on rising past the kept ones."""
        with self._lock:
            self._messages = copy.deepcopy(dict(kept.get("messages") or {}))
            self._homes = copy.deepcopy(dict(kept.get("homes") or {}))
            self._last_ts = max(self._last_ts, int(kept.get("last_ts") or 0))

    def files(self, channel: str | None = None) -> list[dict]:
        """Files shared by ``files.completeUploadExternal`` (of one channel or DM: a user id
        means their DM), each ``{id, name, title, alt_txt, data, channel, ts, thread_ts}``."""
        with self._lock:
            where = None if channel is None else (self._resolve(channel) or channel)
            return copy.deepcopy([f for f in self._files if where in (None, f["channel"])])

    def dm_messages(self, user_id: str) -> list[dict]:
        return self.messages(f"D{user_id}")

    def ephemerals(self, user: str | None = None) -> list[dict]:
        with self._lock:
            return copy.deepcopy([e for e in self._ephemerals if user in (None, e["user"])])

    @property
    def responses(self) -> list[dict]:
        """Bodies posted to response_urls, each ``{url, body, effect, channel, user, ts, at}``."""
        with self._lock:
            return copy.deepcopy(self._responses)

    @property
    def views(self) -> dict:
        """``{"modals": {user: [root, ..., top]}, "home": {user: view}}`` as they are now."""
        with self._lock:
            return copy.deepcopy(
                {"modals": {u: s for u, s in self._modals.items() if s}, "home": self._homes}
            )

    def modal_stack(self, user: str) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._modals.get(user, []))

    def home_view(self, user: str) -> dict | None:
        with self._lock:
            return copy.deepcopy(self._homes.get(user))

    @property
    def warnings(self) -> list[str]:
        """Accepted-but-bad posts: blocks without a text fallback, text over 4,000 characters."""
        with self._lock:
            return list(self._warnings)

    def timeline(self) -> list[dict]:
        """Everything shown to users, in arrival order, each with a ``kind``: message, update,
        delete, ephemeral, response, view_open, view_push, view_update, view_publish,
        view_close; plus ``rejected`` for posts Slack would have refused."""
        with self._lock:
            return copy.deepcopy(self._timeline)

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 15.0, **arg_filter: Any
    ) -> list[Call]:
        """Block until ``count`` calls of ``method`` whose args match ``arg_filter`` arrived."""

        def matching() -> list[Call]:
            return [
                c
                for c in self._calls
                if c.method == method and all(c.args.get(k) == v for k, v in arg_filter.items())
            ]

        with self._lock:
            if self._changed.wait_for(lambda: len(matching()) >= count, timeout):
                return matching()
            seen = Counter(c.method for c in self._calls)
            got = ", ".join(f"{m} x{n}" for m, n in seen.items()) or "no calls at all"
            want = f"{count} {method} call(s)" + (f" with {arg_filter}" if arg_filter else "")
            raise TimeoutError(
                f"waited {timeout}s for {want}; {len(matching())} matched; received: {got}"
            )

    def wait_for_response(self, count: int = 1, timeout: float = 15.0) -> list[dict]:
        """Block until ``count`` response_url posts were accepted."""
        with self._lock:
            if self._changed.wait_for(lambda: len(self._responses) >= count, timeout):
                return copy.deepcopy(self._responses)
            raise TimeoutError(
                f"waited {timeout}s for {count} response_url post(s); got {len(self._responses)}"
            )
