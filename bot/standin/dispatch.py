"""How one Web API call is answered: armed failures (``fail_next``), held calls (``stall``),
token and scope checks, then the method of the family that implements it, recording the call.

The faults tests arm (rate limits, not_in_channel, archived channels, missing scopes, calls
that hang) live here with the checks that apply them.
"""

from __future__ import annotations

import threading
import time

from . import scopes
from .state import Call, StandInState, _error


class Dispatch(StandInState):
    """Web API routing and the faults tests can arm; the methods come from the other mixins."""

    _API = {
        "auth.test": "_auth_test",
        "chat.postMessage": "_chat_post_message",
        "chat.postEphemeral": "_chat_post_ephemeral",
        "chat.update": "_chat_update",
        "chat.delete": "_chat_delete",
        "chat.getPermalink": "_chat_get_permalink",
        "conversations.open": "_conversations_open",
        "conversations.history": "_conversations_history",
        "conversations.replies": "_conversations_replies",
        "conversations.info": "_conversations_info",
        "conversations.list": "_conversations_list",
        "conversations.members": "_conversations_members",
        "users.info": "_users_info",
        "users.list": "_users_list",
        "views.open": "_views_open",
        "views.push": "_views_push",
        "views.update": "_views_update",
        "views.publish": "_views_publish",
        "apps.connections.open": "_apps_connections_open",
        "files.getUploadURLExternal": "_files_get_upload_url_external",
        "files.completeUploadExternal": "_files_complete_upload_external",
    }

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        status: int = 200,
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}``.

        For a rate limit, use ``status=429, retry_after=N`` (Slack's ``Retry-After`` seconds).
        """
        with self._lock:
            self._failures.setdefault(method, []).append(
                {"error": error, "status": status, "retry_after": retry_after, "left": times}
            )

    def stall(self, method: str, *, accept: bool, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` unanswered until ``release_stalls()``,
        as a sender that dies mid-call sees Slack: with ``accept`` the call is carried out (a
        post is in the channel) and only the answer is held back; without, Slack never gets
        it (nothing is recorded, and on release the connection closes with no answer)."""
        with self._lock:
            self._stalls.setdefault(method, []).extend([accept] * times)

    def wait_stalled(self, count: int = 1, timeout: float = 10.0) -> None:
        """Block until ``count`` calls are being held by ``stall``."""
        with self._lock:
            if not self._changed.wait_for(lambda: self._stalled >= count, timeout):
                raise TimeoutError(f"waited {timeout}s for {count} stalled call(s); "
                                   f"{self._stalled} held")

    def release_stalls(self) -> None:
        """Let every held call finish (an accepted one answers, a dropped one hangs up)."""
        with self._lock:
            self._stalls.clear()
            self._stalled = 0
            release, self._release = self._release, threading.Event()
        release.set()

    def set_not_in_channel(self, channel_id: str, value: bool = True) -> None:
        """Posting or updating there fails with ``not_in_channel`` (the bot was never invited)."""
        with self._lock:
            (self._not_in.add if value else self._not_in.discard)(channel_id)

    def set_channel_archived(self, channel_id: str, value: bool = True) -> None:
        """Posting or updating there fails with ``is_archived``."""
        with self._lock:
            (self._archived.add if value else self._archived.discard)(channel_id)

    def set_scopes(self, granted: frozenset[str] | set[str] | None = None) -> None:
        """The bot token's scopes (None: all the stand-in knows); calls needing another scope
        are answered ``missing_scope``, and ``x-oauth-scopes`` lists these."""
        with self._lock:
            self._scopes = frozenset(scopes.ALL_SCOPES if granted is None else granted)

    # -- request handling (HTTP threads) -------------------------------------------------------

    def _handle_api(
        self, method: str, args: dict, token: str | None
    ) -> tuple[int, dict, dict] | None:
        """(status, body, headers), or None: hang up without answering (a dropped call)."""
        with self._lock:
            held = self._stalls.get(method)
            accept = held.pop(0) if held else None
            release = self._release
        if accept is False:
            self._hold(release)
            return None
        answer = self._answer(method, args, token)
        if accept:
            self._hold(release)
        return answer

    def _hold(self, release: threading.Event) -> None:
        with self._lock:
            self._stalled += 1
            self._changed.notify_all()
        release.wait(120)

    def _answer(self, method: str, args: dict, token: str | None) -> tuple[int, dict, dict]:
        with self._lock:
            status, headers = 200, {}
            armed = self._failures.get(method)
            if armed:
                failure = armed[0]
                failure["left"] -= 1
                if failure["left"] <= 0:
                    armed.pop(0)
                status, body = failure["status"], _error(failure["error"])
                if failure["retry_after"] is not None:
                    after = failure["retry_after"]
                    headers["Retry-After"] = str(int(after) if after == int(after) else after)
            elif method not in self._API:
                body = _error("unknown_method")
            elif not token:
                body = _error("not_authed")
            elif token.startswith("xapp-") and method not in ("apps.connections.open", "auth.test"):
                body = _error("not_allowed_token_type")
            elif (scope := self._needed_scope(method, args, token)) is not None:
                provided = ",".join(sorted(self._scopes))
                body = _error("missing_scope", needed=scope, provided=provided)
            else:
                try:
                    body = getattr(self, self._API[method])(args, token)
                except Exception as exc:  # a stand-in bug or odd input: answer, don't hang up
                    status, body = 500, _error("internal_error", detail=repr(exc))
            if token and token.startswith("xoxb-"):
                headers["x-oauth-scopes"] = ",".join(sorted(self._scopes))
            self._calls.append(Call(method, args, token, time.time(), body, status))
            self._changed.notify_all()
            return status, body, headers

    def _needed_scope(self, method: str, args: dict, token: str) -> str | None:
        """The scope a bot token lacks for this call, if any (lock held)."""
        if not token.startswith("xoxb-"):
            return None

        def private(channel: str) -> bool | None:
            known = self.directory.channel(channel)
            return known["is_private"] if known else None

        scope = scopes.needed(method, args, private)
        return scope if scope is not None and scope not in self._scopes else None
