"""Has this delivery already been posted? The check before posting a message again.

Every chat.postMessage the outbox sender makes carries Slack message metadata naming the delivery
(`{"event_type": "pmo_delivery", "event_payload": {"delivery_id": 42}}`). When an attempt may
have reached Slack without its outcome being written — its sender died mid-send, or the call
ended with no answer — the next sender reads the conversation from that attempt's claim time
(`conversations.history`, or `conversations.replies` for a thread reply, with
`include_all_metadata`; at most two pages of 100) and, when the message is there, records it as
sent instead of posting it twice.

Reading history needs the `channels:history`, `groups:history` and `im:history` scopes, and a
DM's channel id comes from `conversations.open` (`im:write`). When Slack refuses the look-up for
a reason that will not change (`missing_scope`, `not_in_channel`, …) the message is posted
anyway — a possible duplicate beats a lost message — and the log says why; when the refusal is
passing (rate limit, Slack's own trouble, network) the delivery waits for its next attempt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

EVENT_TYPE = "pmo_delivery"
SKEW = timedelta(seconds=60)
"""Read from this much before the claim: Slack's clock and ours may differ a little."""
PAGE_SIZE = 100
PAGES = 10
"""Up to 1,000 messages posted since the claim: a busy channel (a burst of cards) can put the
one in doubt several pages back; only a message in doubt ever costs these calls."""


def tagged(payload: dict[str, Any], delivery_id: int) -> dict[str, Any]:
    """chat.postMessage arguments carrying the delivery id as message metadata."""
    return {**payload, "metadata": {"event_type": EVENT_TYPE,
                                    "event_payload": {"delivery_id": delivery_id}}}


@dataclass(frozen=True)
class Found:
    channel: str
    ts: str


class LookupFailed(Exception):
    """Slack did not let us look: `passing` when asking again later may work."""

    def __init__(self, error: str, *, passing: bool, retry_after: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.passing = passing
        self.retry_after = retry_after


def find_posted(client: WebClient, *, delivery_id: int, channel: str, since: datetime,
                thread: tuple[str, str] | None = None) -> Found | None:
    """The message posted for `delivery_id` in `channel` (a channel or user id) at or after
    `since`, or in the `thread` (channel id, parent ts) when it is a reply; None when the pages
    read do not hold it. Raises LookupFailed when Slack does not answer."""
    try:
        return _find(client, delivery_id, channel, since, thread)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        status = exc.response.status_code
        retry_after = exc.response.headers.get("Retry-After") if exc.response.headers else None
        raise LookupFailed(error, passing=error == "ratelimited" or status >= 500,
                           retry_after=int(retry_after) if retry_after else None) from None
    except Exception as exc:  # noqa: BLE001 - network faults: ask again next time
        raise LookupFailed(type(exc).__name__, passing=True) from None


def _find(client: WebClient, delivery_id: int, channel: str, since: datetime,
          thread: tuple[str, str] | None) -> Found | None:
    if thread is not None:
        channel = thread[0]
    elif channel[:1] in ("U", "W"):  # a DM: history wants the conversation's own id
        channel = client.conversations_open(users=channel)["channel"]["id"]
    args = dict(channel=channel, oldest=f"{(since - SKEW).timestamp():.6f}",
                include_all_metadata=True, limit=PAGE_SIZE)
    cursor = None
    for _ in range(PAGES):
        if thread is not None:
            page = client.conversations_replies(ts=thread[1], cursor=cursor, **args)
        else:
            page = client.conversations_history(cursor=cursor, **args)
        for message in page.get("messages") or []:
            if _is_delivery(message, delivery_id):
                return Found(channel, message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    log.info("delivery %s: not in the last %d messages of %s; posting it", delivery_id,
             PAGES * PAGE_SIZE, channel)
    return None


def _is_delivery(message: dict[str, Any], delivery_id: int) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == EVENT_TYPE and payload.get("delivery_id") == delivery_id
