"""A recording stand-in for Slack's Web API, served over loopback.

Tests point a real ``slack_sdk.WebClient`` at it (``base_url=standin.base_url``) so the bot's
own HTTP calls, serialisation and retry handling are exercised, not a mock of them. Every call
is recorded; messages, ephemerals, response_url posts and views are kept as Slack would show
them, so tests assert on outcomes and the offline console renders the conversation. It checks
Slack's Block Kit limits (``limits.py``) and answers ``invalid_blocks`` / ``invalid_arguments``
where Slack would, so a test fails where production would.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import itertools
import json
import socketserver
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from . import history, limits, scopes
from .socket_mode import SocketModeLink

BOT_USER_ID, BOT_ID, BOT_NAME = "UPMOBOT", "BPMOBOT", "pmo-bot"
TEAM_ID, TEAM_NAME, TEAM_DOMAIN = "T0PMO", "PMO", "pmo"  # as bot/standin/driver.py
APP_ID = "A0PMO"
MAX_RESPONSES_PER_URL = 5  # Slack: a response_url takes 5 posts ...
RESPONSE_URL_TTL = 30 * 60  # ... within 30 minutes
TRIGGER_TTL = 3.0  # trigger_ids expire after 3 seconds
MAX_MODAL_STACK = 3
# Form-encoded requests carry these as JSON strings; decode them so args look like JSON bodies.
_JSON_FIELDS = {"blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks"}


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
    ) -> dict:
        record = {
            "id": id,
            "name": name,
            "real_name": real_name or name,
            "tz": tz,
            "is_bot": is_bot,
            "display_name": display_name or "",
            "email": email,
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
    ) -> dict:
        record = {
            "id": id,
            "name": name.lstrip("#"),
            "is_member": is_member,
            "is_private": is_private,
            "is_archived": is_archived,
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
    return {
        "id": r["id"],
        "team_id": TEAM_ID,
        "name": r["name"],
        "deleted": False,
        "real_name": r["real_name"],
        "tz": r["tz"],
        "tz_label": label,
        "tz_offset": offset,
        "is_bot": r["is_bot"],
        "is_admin": False,
        "profile": profile,
    }


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


def _error(error: str, **extra: Any) -> dict:
    return {"ok": False, "error": error, **extra}


def _invalid(error: str, problems: list[str]) -> dict:
    """Slack's shape for rejected input: the code plus one ``[ERROR]`` line per problem."""
    messages = [f"[ERROR] {p}" for p in problems]
    return _error(error, errors=problems, response_metadata={"messages": messages})


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


class SlackStandIn:
    """Slack's Web API (the parts the bot uses), recording everything, on 127.0.0.1."""

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
        "users.info": "_users_info",
        "users.list": "_users_list",
        "views.open": "_views_open",
        "views.push": "_views_push",
        "views.update": "_views_update",
        "views.publish": "_views_publish",
        "apps.connections.open": "_apps_connections_open",
    }

    def __init__(self, directory: Directory | None = None) -> None:
        self.directory = directory if directory is not None else Directory()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
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

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        if self._httpd is None:
            self._httpd = _HTTPServer(self)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                args=(0.02,),
                name="slack-standin-http",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._link.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("SlackStandIn is not started: call start() first")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def base_url(self) -> str:
        """What ``slack_sdk.WebClient(base_url=...)`` takes."""
        return f"{self.url}api/"

    # -- set-up helpers ------------------------------------------------------------------------

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

    def new_trigger_id(self, user: str) -> str:
        """A trigger_id for ``user``: single use, expires in 3 s; views opened with it are theirs.

        Trigger ids the stand-in did not issue are accepted too, for user "UNKNOWN".
        """
        trigger = f"{next(self._ids)}.{int(time.time())}.{uuid.uuid4().hex[:16]}"
        with self._lock:
            self._triggers[trigger] = {"user": user, "issued": time.monotonic(), "used": False}
        return trigger

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

    def close_modal(self, user: str, close_all: bool = False) -> None:
        """What the user's close button (or a ``clear`` response_action) does to the stack."""
        with self._lock:
            stack = self._modals.get(user, [])
            closed = stack[:] if close_all else stack[-1:]
            del stack[len(stack) - len(closed) :]
            for view in closed:
                self._event("view_close", user=user, view=view)
            self._changed.notify_all()

    def reset(self) -> None:
        """Forget every record (calls, messages, views, responses, warnings, acks) and undo
        ``fail_next``/``set_not_in_channel``/``set_channel_archived``/``set_scopes``, so a
        stand-in shared by many tests starts each one clean. The directory and issued
        URLs/triggers stay."""
        self.release_stalls()
        with self._lock:
            self._clear()
            self._not_in.clear()
            self._archived.clear()
            self._scopes = scopes.ALL_SCOPES
        self._link.reset()

    # -- queries -------------------------------------------------------------------------------

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
        self, method: str, count: int = 1, timeout: float = 5.0, **arg_filter: Any
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

    def wait_for_response(self, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Block until ``count`` response_url posts were accepted."""
        with self._lock:
            if self._changed.wait_for(lambda: len(self._responses) >= count, timeout):
                return copy.deepcopy(self._responses)
            raise TimeoutError(
                f"waited {timeout}s for {count} response_url post(s); got {len(self._responses)}"
            )

    # -- Socket Mode ---------------------------------------------------------------------------

    def socket_send(
        self,
        envelope_type: str,
        payload: dict,
        accepts_response_payload: bool = True,
        connect_timeout: float = 3.0,
    ) -> str:
        """Push an envelope to the connected Socket Mode client; returns its envelope_id."""
        return self._link.send(envelope_type, payload, accepts_response_payload, connect_timeout)

    @property
    def socket_acks(self) -> list[dict]:
        return self._link.acks

    def wait_for_socket_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:
        return self._link.wait_for_ack(envelope_id, timeout)

    @property
    def socket_link(self) -> SocketModeLink:
        return self._link

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

    # -- Web API methods (lock held; each returns the response body) ---------------------------

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
        user = self.directory.user(str(a.get("user", "")))
        return {"ok": True, "user": user} if user else _error("user_not_found")

    def _users_list(self, a: dict, token: str) -> dict:
        return {
            "ok": True,
            "members": self.directory.users(),
            "response_metadata": {"next_cursor": ""},
        }

    def _apps_connections_open(self, a: dict, token: str) -> dict:
        if not token.startswith("xapp-"):
            return _error("invalid_auth")
        return {"ok": True, "url": self._link.new_url()}

    # -- views ---------------------------------------------------------------------------------

    def _views_open(self, a: dict, token: str) -> dict:
        return self._open_or_push(a, push=False)

    def _views_push(self, a: dict, token: str) -> dict:
        return self._open_or_push(a, push=True)

    def _open_or_push(self, a: dict, push: bool) -> dict:
        method = "views.push" if push else "views.open"
        if not isinstance(a.get("trigger_id"), str) or not a["trigger_id"]:
            return _invalid("invalid_arguments", ["/trigger_id: missing required field"])
        if rejected := self._check_view(method, a, "modal"):
            return rejected
        user, error = self._exchange_trigger(a["trigger_id"])
        if error:
            return _error(error)
        stack = self._modals.setdefault(user, [])
        if push and len(stack) >= MAX_MODAL_STACK:
            return _error("push_limit_reached")
        if not push:
            stack.clear()
        root, previous = (stack[0]["id"], stack[-1]["id"]) if stack else (None, None)
        view = self._make_view(a["view"], root, previous)
        stack.append(view)
        self._event("view_push" if push else "view_open", user=user, view=view)
        return {"ok": True, "view": copy.deepcopy(view)}

    def _exchange_trigger(self, trigger: str) -> tuple[str, str | None]:
        """(user, error): issued triggers are single use and short-lived, as in Slack."""
        issued = self._triggers.get(trigger)
        if issued is None:
            return "UNKNOWN", None
        if issued["used"]:
            return "", "exchanged_trigger_id"
        if time.monotonic() - issued["issued"] > TRIGGER_TTL:
            return "", "expired_trigger_id"
        issued["used"] = True
        return issued["user"], None

    def _check_view(self, method: str, a: dict, want: str) -> dict | None:
        view = a.get("view")
        problems = limits.view_problems(view)
        kind = view.get("type") if isinstance(view, dict) else None
        if kind in ("modal", "home") and kind != want:
            problems.append(f"/type: {method} takes a {want} view")
        if problems:
            self._event("rejected", method=method, errors=problems, view=view)
            return _invalid("invalid_arguments", problems)
        return None

    def _make_view(
        self, view: dict, root: str | None, previous: str | None, view_id: str | None = None
    ) -> dict:
        """The view as Slack echoes it: the caller's fields plus id, hash and state."""
        view_id = view_id or f"V{next(self._ids):010d}"
        made = {"private_metadata": "", "callback_id": "", "external_id": "", **view}
        made.update(id=view_id, team_id=TEAM_ID, app_id=APP_ID, bot_id=BOT_ID)
        made.update(root_view_id=root or view_id, previous_view_id=previous)
        made.update(hash=f"{time.time():.6f}.{next(self._ids)}", state={"values": {}})
        return copy.deepcopy(made)

    def _views_update(self, a: dict, token: str) -> dict:
        view_id, external_id = a.get("view_id"), a.get("external_id")
        if not view_id and not external_id:
            return _invalid("invalid_arguments", ["/view_id: view_id or external_id required"])
        found = self._locate_view(view_id, external_id)
        if found is None:
            return _error("not_found")
        holder, key, user = found
        old = holder[key]
        if a.get("hash") and a["hash"] != old["hash"]:
            return _error("hash_conflict")
        if rejected := self._check_view("views.update", a, old.get("type", "modal")):
            return rejected
        view = self._make_view(a["view"], old["root_view_id"], old["previous_view_id"], old["id"])
        holder[key] = view
        self._event("view_update", user=user, view=view)
        return {"ok": True, "view": copy.deepcopy(view)}

    def _locate_view(self, view_id: Any, external_id: Any) -> tuple[Any, Any, str] | None:
        """(container, key, user) of the open modal or Home view with this id or external_id."""
        places = [
            (stack, i, user) for user, stack in self._modals.items() for i in range(len(stack))
        ]
        places += [(self._homes, user, user) for user in self._homes]
        for holder, key, user in places:
            view = holder[key]
            if (view_id and view["id"] == view_id) or (
                external_id and view.get("external_id") == external_id
            ):
                return holder, key, user
        return None

    def _views_publish(self, a: dict, token: str) -> dict:
        user = a.get("user_id")
        if not isinstance(user, str) or not user:
            return _invalid("invalid_arguments", ["/user_id: missing required field"])
        old = self._homes.get(user)
        if old and a.get("hash") and a["hash"] != old["hash"]:
            return _error("hash_conflict")
        if rejected := self._check_view("views.publish", a, "home"):
            return rejected
        view = self._make_view(a["view"], None, None, old["id"] if old else None)
        self._homes[user] = view
        self._event("view_publish", user=user, view=view)
        return {"ok": True, "view": copy.deepcopy(view)}


# -- HTTP plumbing -----------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 refuses connections under a burst; Slack doesn't

    def __init__(self, standin: SlackStandIn) -> None:
        self.standin = standin
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (or was killed) while its call was held: nothing to say

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can stall sandboxes.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read records
        pass

    def do_GET(self) -> None:  # Slack accepts GET with query parameters for most methods
        self.do_POST()

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        standin = self.server.standin
        args = _parse_body(self.headers.get("Content-Type", ""), self._read_body())
        if isinstance(args, dict):
            args = {**dict(parse_qsl(parts.query, keep_blank_values=True)), **args}
        if parts.path.startswith("/api/"):
            if not isinstance(args, dict):
                self._reply(200, _error("invalid_json"))
                return
            token = _bearer(self.headers.get("Authorization")) or args.get("token")
            args.pop("token", None)
            answer = standin._handle_api(parts.path[5:], args, token)
            if answer is None:  # a call Slack never got: no answer at all
                self.close_connection = True
                return
            self._reply(*answer)
        elif parts.path.startswith("/response/"):
            if isinstance(args, dict) and isinstance(args.get("payload"), str):
                args = _loads(args["payload"])  # form-encoded webhook style
            self._reply(*standin._handle_response_url(parts.path[10:], args))
        else:
            self._reply(404, _error("not_found"))

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _parse_body(content_type: str, raw: bytes) -> Any:
    """JSON, form-encoded or multipart bodies, as slack_sdk sends them, into one dict."""
    kind = content_type.split(";")[0].strip().lower()
    text = raw.decode("utf-8", "replace")
    if kind == "application/json":
        return _loads(text) if text else {}
    if kind == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            is_file = part.get_filename() is not None
            fields[str(name)] = payload if is_file else payload.decode("utf-8", "replace")
    else:
        fields = dict(parse_qsl(text, keep_blank_values=True))
    for key in _JSON_FIELDS & fields.keys():
        value = fields[key]
        if isinstance(value, str) and value[:1] in "[{":
            decoded = _loads(value)
            fields[key] = decoded if decoded is not None else value
    return fields
