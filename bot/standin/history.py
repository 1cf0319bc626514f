"""Reading a conversation back: conversations.history and conversations.replies, as Slack pages.

Slack's rules, kept here so a test fails where Slack would: history holds a channel's top-level
messages, newest first; replies holds a thread (its parent first, then the replies in order);
`oldest` and `latest` bound the range and are exclusive unless `inclusive`; `limit` (default
100 history, 1,000 replies) and an opaque `cursor` page it (`has_more`,
`response_metadata.next_cursor`); message `metadata` comes back only with
`include_all_metadata`; history and replies want a conversation id (a DM's `D…`, not a user's
`U…`). Message metadata on a post must be `{"event_type": str, "event_payload": object}`.
"""

from __future__ import annotations

import base64
import copy
from typing import Any


def metadata_error(metadata: Any) -> str | None:
    """Slack's error for a malformed `metadata` argument, or None when it is fine (or absent)."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return "invalid_metadata_format"
    if not isinstance(metadata.get("event_type"), str) or not metadata["event_type"]:
        return "invalid_metadata_schema"
    if not isinstance(metadata.get("event_payload"), dict):
        return "invalid_metadata_schema"
    return None


def history_page(messages: list[dict], args: dict) -> dict:
    """conversations.history over a channel's messages (stored oldest first)."""
    top = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
    return _page(list(reversed(top)), args, default_limit=100)


def replies_page(messages: list[dict], args: dict) -> dict:
    """conversations.replies: the thread whose parent (or any message of it) has `ts`."""
    ts = args.get("ts")
    found = next((m for m in messages if m["ts"] == ts), None)
    if found is None:
        return {"ok": False, "error": "thread_not_found"}
    parent = found.get("thread_ts") or found["ts"]
    thread = [m for m in messages if m["ts"] == parent]
    thread += [m for m in messages if m.get("thread_ts") == parent and m["ts"] != parent]
    return _page(thread, args, default_limit=1000)


def _page(ordered: list[dict], args: dict, *, default_limit: int) -> dict:
    inclusive = _truthy(args.get("inclusive"))
    oldest, latest = _ts(args.get("oldest")), _ts(args.get("latest"))
    if oldest is None and args.get("oldest") not in (None, ""):
        return {"ok": False, "error": "invalid_ts_oldest"}
    if latest is None and args.get("latest") not in (None, ""):
        return {"ok": False, "error": "invalid_ts_latest"}
    chosen = [m for m in ordered if _within(float(m["ts"]), oldest, latest, inclusive)]
    try:
        limit = int(args.get("limit") or default_limit)
        start = int(base64.b64decode(args["cursor"]).decode()) if args.get("cursor") else 0
    except ValueError:
        return {"ok": False, "error": "invalid_cursor"}
    limit = max(1, min(limit, 999))
    page = chosen[start:start + limit]
    more = start + limit < len(chosen)
    keep_metadata = _truthy(args.get("include_all_metadata"))
    body: dict[str, Any] = {"ok": True, "messages": [_shown(m, keep_metadata) for m in page],
                            "has_more": more}
    next_cursor = base64.b64encode(str(start + limit).encode()).decode() if more else ""
    body["response_metadata"] = {"next_cursor": next_cursor}
    return body


def _shown(message: dict, keep_metadata: bool) -> dict:
    shown = {k: v for k, v in message.items() if k != "channel"}
    if not keep_metadata:
        shown.pop("metadata", None)
    return copy.deepcopy(shown)


def _within(ts: float, oldest: float | None, latest: float | None, inclusive: bool) -> bool:
    if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
        return False
    return latest is None or ts < latest or (ts == latest and inclusive)


def _ts(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))
