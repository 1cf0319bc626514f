"""Sends what the outbox holds: right after a commit, and again on every scheduler tick.

A claim is committed before the Web API call and the outcome is written after it, so no
database transaction stays open while Slack answers. Claims are leased for 30 seconds and a
heartbeat (bot/leases.py) renews them while this process works on them, so the rows of a process
that died are taken over within half a minute. Every post carries its delivery id as message
metadata; a delivery whose earlier attempt may have reached Slack is looked for first
(bot/sent_lookup.py) and recorded as sent when it is there, instead of being posted twice.

Failures are sorted into "try again later" (rate limits, Slack or network trouble, a channel the
bot has not been invited to yet) and "will never work" (Slack rejected the message itself);
either way the person whose action caused the message is told once, with the fix, instead of
the message vanishing. One failure has its own cure: a card update answered `message_not_found`
(the card was deleted, or the database restored from before it) posts the card again, once
however many updates race (a conditional update on the card's row), records its new ts, and
tells the requester once per card per day (`_lost`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics, sent_lookup
from bot.leases import LeaseKeeper, owner_id
from services import charts, report
from services.context import BotContext
from storage import outbox
from templates.reminders import stored_message

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=10)
"""A live sender renews its leases this often: two beats may be missed before one runs out."""
MAX_ATTEMPTS = 8
NOT_YET_POSTED = "target_not_posted_yet"
TARGET_LOST = "target_lost"
UNRENDERABLE = "unrenderable"
LOST = "message_not_found"
"""chat.update's answer when the card is gone from Slack: it is posted again (`_lost`)."""
# Slack will give the same answer however often we ask: stop and tell the requester.
PERMANENT_ERRORS = frozenset({"invalid_blocks", "channel_not_found", "is_archived",
                              "msg_too_long", "no_text", "cant_update_message",
                              "message_not_found", "user_not_found", "invalid_arguments"})
# Errors a person can fix (invite the bot): retry, and tell the requester how to fix it.
FIXABLE_ERRORS = frozenset({"not_in_channel"})


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    ok: bool
    error: str | None = None
    given_up: bool = False
    """The row is dead: nobody sends it again (otherwise a failed row waits for its retry)."""


class OutboxSender:
    """Claims due deliveries and makes their Web API calls; one instance per process."""

    def __init__(self, ctx: BotContext, owner: str | None = None, *,
                 lease: timedelta = LEASE, heartbeat: timedelta = HEARTBEAT) -> None:
        self.ctx = ctx
        self.owner = owner or owner_id()
        self.lease = lease
        self.keeper = LeaseKeeper(ctx.db, self.owner, self._renew, every=heartbeat,
                                  clock=ctx.now)

    def close(self) -> None:
        """Stop the heartbeat (at shutdown; sends still under way lose their renewals)."""
        self.keeper.stop()

    def send(self, ids: list[int]) -> list[Outcome]:
        """Send these just-committed deliveries now (the fast path after a user's action)."""
        return self._run(ids=[i for i in ids if i is not None]) if ids else []

    def lease_at(self, now) -> outbox.Lease:
        """A lease for a delivery this sender sends right after its commit (`send_leased`)."""
        return outbox.Lease(self.owner, now + self.lease)

    def send_leased(self, rows: list[outbox.Delivery]) -> list[Outcome]:
        """Send just-committed deliveries enqueued with `lease_at`: already ours, no claim."""
        if not rows:
            return []
        self.ctx.after_ack.give_way()  # on the after-ack pool: Web API calls after the acks
        with self.keeper.holding():
            return [self._deliver(outbox.claimed_row(row)) for row in rows]

    def send_due(self, limit: int = 50) -> list[Outcome]:
        """Send whatever is due: retries, and anything a crashed sender left behind."""
        return self._run(ids=None, limit=limit)

    def _run(self, ids: list[int] | None, limit: int = 50) -> list[Outcome]:
        now = self.ctx.now()
        with self.ctx.db.write() as session:
            claimed = outbox.claim(session, now=now, owner=self.owner, lease=self.lease, ids=ids,
                                   limit=limit)
        if not claimed:
            return []
        self.ctx.after_ack.give_way()  # on the after-ack pool: Web API calls after the acks
        with self.keeper.holding():
            return [self._deliver(item) for item in claimed]

    def _renew(self, session, owner: str, now) -> int:
        return outbox.renew(session, owner, until=now + self.lease)

    def _deliver(self, item: outbox.Claimed) -> Outcome:
        if item.target_id is not None and item.target_ts is None:
            with self.ctx.db.read() as session:
                item = outbox.refresh_target(session, item)
        if item.target_id is not None and item.target_ts is None:
            return self._without_target(item)
        if item.method == outbox.FILE:
            return self._upload(item)
        try:
            payload = stored_message(self.ctx.renderer, item.payload, self.ctx.rules.reminders)
        except Exception:  # noqa: BLE001 - a stored record this bot cannot word: never retried
            log.exception("delivery %s (%s): its message could not be rendered", item.id,
                          item.kind)
            return self._give_up(item, UNRENDERABLE)
        if item.method == outbox.POST and item.in_doubt_since is not None:
            found = self._look_up(item)
            if isinstance(found, Outcome):
                return found
            if found is not None:
                with self.ctx.db.write() as session:
                    outbox.mark_sent(session, item.id, self.owner, now=self.ctx.now(),
                                     slack_channel=found.channel, slack_ts=found.ts)
                log.info("delivery %s was already in Slack (%s); not posted again", item.id,
                         found.ts)
                return Outcome(item.id, True)
        try:
            response = self._call(item, payload)
        except SlackApiError as exc:
            return self._failed(item, exc)
        except Exception as exc:  # noqa: BLE001 - network faults of every kind are retried
            log.warning("delivery %s: %s", item.id, type(exc).__name__)
            return self._retry(item, type(exc).__name__, delay=_backoff(item.attempts),
                               maybe_posted=True)  # no answer: it may be in Slack
        now = self.ctx.now()  # one statement: autocommitted, one round trip on PostgreSQL
        self.ctx.db.write_one(lambda connection: outbox.mark_sent(
            connection, item.id, self.owner, now=now,
            slack_channel=response.get("channel") or item.target_channel,
            slack_ts=response.get("ts") or item.target_ts), urgent=False)
        metrics.delivery("sent")
        return Outcome(item.id, True)

    def _upload(self, item: outbox.Claimed) -> Outcome:
        """A chart or the monthly report: drawn now (services/charts.py, services/report.py),
        then `files_upload_v2` to its channel (a user id: their DM, opened first), in its
        target's thread when it has one. An upload that ended without an answer is tried again
        and may show twice: a file share carries no metadata to look for first. The report
        reads the database first: a database fault there is retried like a network fault."""
        try:
            if report.REPORT in item.payload:  # the monthly report: a PDF
                args = report.upload_args(self.ctx, item.payload)
            else:
                args = charts.upload_args(self.ctx.renderer, item.payload)
        except SQLAlchemyError as exc:
            log.warning("delivery %s: reading the report failed (%s)", item.id,
                        type(exc).__name__)
            return self._retry(item, type(exc).__name__, delay=_backoff(item.attempts))
        except Exception:  # noqa: BLE001 - a stored chart this bot cannot draw: never retried
            log.exception("delivery %s (%s): its chart could not be drawn", item.id, item.kind)
            return self._give_up(item, UNRENDERABLE)
        client = self.ctx.client
        try:
            channel = item.target_channel if item.target_id is not None else item.channel
            if channel and channel[0] in "UW":
                channel = client.conversations_open(users=channel)["channel"]["id"]
            thread = item.target_ts if item.target_id is not None else None
            response = client.files_upload_v2(channel=channel, thread_ts=thread, **args)
        except SlackApiError as exc:
            return self._failed(item, exc)
        except Exception as exc:  # noqa: BLE001 - network faults of every kind are retried
            log.warning("delivery %s: %s", item.id, type(exc).__name__)
            return self._retry(item, type(exc).__name__, delay=_backoff(item.attempts),
                               maybe_posted=True)
        log.info("delivery %s: chart uploaded as %s", item.id,
                 [f.get("id") for f in response.get("files") or []])
        now = self.ctx.now()
        self.ctx.db.write_one(lambda connection: outbox.mark_sent(
            connection, item.id, self.owner, now=now, slack_channel=channel, slack_ts=None),
            urgent=False)
        metrics.delivery("sent")
        return Outcome(item.id, True)

    def _look_up(self, item: outbox.Claimed) -> sent_lookup.Found | Outcome | None:
        """The message an earlier attempt posted, or None (post it); an Outcome when the
        look-up must wait (Slack is busy) — unless waiting would use the last attempt."""
        thread = (item.target_channel, item.target_ts) if item.target_id is not None else None
        try:
            return sent_lookup.find_posted(self.ctx.client, delivery_id=item.id,
                                           channel=item.channel, since=item.in_doubt_since,
                                           thread=thread)
        except sent_lookup.LookupFailed as failed:
            if failed.passing and item.attempts + 1 < MAX_ATTEMPTS:
                log.warning("delivery %s: cannot check whether it was posted yet (%s); "
                            "retrying later", item.id, failed.error)
                delay = (timedelta(seconds=failed.retry_after) if failed.retry_after
                         else _backoff(item.attempts))
                return self._retry(item, f"lookup:{failed.error}", delay=delay)
            log.warning("delivery %s: cannot check whether an earlier attempt posted it (%s; "
                        "the bot needs the channels:history, groups:history, im:history and "
                        "im:write scopes); posting it", item.id, failed.error)
            return None

    def _without_target(self, item: outbox.Claimed) -> Outcome:
        """The message it updates or replies to is not posted: wait for it, or give up when
        that message will never be posted (it was given up on itself)."""
        if item.target_pending:
            return self._retry(item, NOT_YET_POSTED, delay=timedelta(seconds=30))
        return self._give_up(item, TARGET_LOST)

    def _give_up(self, item: outbox.Claimed, error: str, *,
                 tell_requester: bool = False) -> Outcome:
        """Mark the row dead: nobody sends it again. With `tell_requester`, the person whose
        action caused it hears why (once: only the outbox sender that marked it dead tells)."""
        with self.ctx.db.write() as session:
            dead = outbox.mark_dead(session, item.id, self.owner, error=error)
        metrics.delivery("given_up")
        if dead and tell_requester:
            self._tell_requester(item, error)
        return Outcome(item.id, False, error, given_up=True)

    def _call(self, item: outbox.Claimed, payload: dict):
        """chat.update for a card; chat.postMessage, as a thread reply when it has a target."""
        if item.method == outbox.UPDATE:
            return self.ctx.client.chat_update(channel=item.target_channel, ts=item.target_ts,
                                               **payload)
        payload = sent_lookup.tagged(payload, item.id)
        if item.target_id is not None:
            return self.ctx.client.chat_postMessage(channel=item.target_channel,
                                                    thread_ts=item.target_ts, **payload)
        return self.ctx.client.chat_postMessage(channel=item.channel, **payload)

    def _failed(self, item: outbox.Claimed, exc: SlackApiError) -> Outcome:
        error = str(exc.response.get("error") or "unknown_error")
        metrics.slack_error(error)
        if error == LOST and item.method == outbox.UPDATE and item.target_ts is not None:
            return self._lost(item)
        log.warning("delivery %s (%s to %s) failed: %s", item.id, item.kind, item.channel, error)
        if error in PERMANENT_ERRORS or item.attempts + 1 >= MAX_ATTEMPTS:
            return self._give_up(item, error, tell_requester=True)
        retry_after = exc.response.headers.get("Retry-After") if exc.response.headers else None
        delay = timedelta(seconds=int(retry_after)) if retry_after else _backoff(item.attempts)
        # Slack answered: nothing was posted — unless Slack itself failed (5xx), maybe midway.
        outcome = self._retry(item, error, delay=delay,
                              maybe_posted=exc.response.status_code >= 500)
        if error in FIXABLE_ERRORS and item.attempts == 0:
            self._tell_requester(item, error)
        return outcome

    def _lost(self, item: outbox.Claimed) -> Outcome:
        """The card this update was for is gone from Slack (deleted, or the database was
        restored from before it): the card is posted again — once, however many updates fail
        at the same moment (storage.outbox.repost_lost_card) — and its requester is told once
        per card per day. An update newer than the fresh card's picture waits and updates it."""
        now = self.ctx.now()
        with self.ctx.db.write() as session:
            fresh = outbox.repost_lost_card(session, item.target_id, item.target_ts, now=now)
            shown = fresh or outbox.shown_by_fresh_card(session, item.id)
            if shown:
                outbox.mark_shown(session, item.id, self.owner, now=now)
        if not shown:
            return self._retry(item, LOST, delay=timedelta(seconds=5))
        metrics.delivery("sent")
        if fresh:
            log.info("delivery %s: card %s was gone from Slack; posting it again", item.id,
                     item.target_id)
            self._send_fresh(item.target_id)
            self._tell_requester(item, "reposted",
                                 dedupe_key=f"notice:reposted:{item.target_id}:{now.date()}")
        return Outcome(item.id, True)

    def _send_fresh(self, card_id: int) -> None:
        """Post a card set to go again. Another update of the same card, failing at the same
        moment, may hold its row for an instant (PostgreSQL's SKIP LOCKED then passes it by):
        try a few times before leaving it to the next sweep."""
        for pause in (0, 0.05, 0.2, 0.5):
            time.sleep(pause)
            if self.send([card_id]):
                return

    def _retry(self, item: outbox.Claimed, error: str, *, delay: timedelta,
               maybe_posted: bool = False) -> Outcome:
        with self.ctx.db.write() as session:
            outbox.mark_retry(session, item.id, self.owner, error=error,
                              retry_at=self.ctx.now() + delay, maybe_posted=maybe_posted)
        metrics.delivery("retried")
        return Outcome(item.id, False, error)

    def _tell_requester(self, item: outbox.Claimed, error: str, *,
                        dedupe_key: str | None = None) -> None:
        """DM the person whose action caused the message why it did not arrive (or that it was
        posted again), once per `dedupe_key` (default: once per delivery and error)."""
        if not item.requested_by or item.kind == "notice":
            return
        message = self.ctx.renderer.text(f"delivery.{_error_family(error)}",
                                         channel=item.channel, error=error, kind=item.kind,
                                         update=item.method == outbox.UPDATE)
        with self.ctx.db.write() as session:
            notice = outbox.enqueue_once(session, kind="notice", channel=item.requested_by,
                                         payload=message.as_payload(), now=self.ctx.now(),
                                         dedupe_key=dedupe_key or f"notice:{item.id}:{error}")
        if notice is not None:
            self.send([notice])


def _error_family(error: str) -> str:
    if error == "reposted":
        return error
    return "not_in_channel" if error in FIXABLE_ERRORS else "failed"


def _backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** attempts, 3600))
