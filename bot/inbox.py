"""Acked means kept: the process side of the inbox (storage/inbox.py holds its rows).

A listener whose request changes something calls `accept` before its `ack()` (through
handlers/slack_io.py `keep`): one INSERT in a short transaction of its own. Then `apply_later`
hands the request to the after-ack pool, where `apply` runs its work; the work's first write
transaction also marks the request done (storage/inbox.py `applying`), so the change and "done"
commit together or not at all.

While this process holds requests (queued or running) the heartbeat the outbox uses too
(bot/leases.py) renews their lease every few seconds. If the process dies, its leases run out
within `LEASE` and `recover` — called by every scheduler tick and once when a process starts —
claims and applies them: nothing acked is lost, and nothing is applied twice (the conditional
"done" update decides between racers). A request whose work fails is retried a few times with a
growing pause, its author told once that it is kept and will be retried, and told again if it
is finally given up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import Any

from bot.leases import LeaseKeeper, owner_id
from pmo_rules.errors import UserError
from services.context import BotContext
from storage import inbox as store
from storage.inbox import AlreadyApplied, Request

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
RENEW_EVERY = timedelta(seconds=10)
MAX_ATTEMPTS = 5
BATCH = 20
MAX_BATCHES = 10
KEEP_DONE = timedelta(days=30)
"""Finished requests are deleted after this long: they hold what people typed, and a request
repeated after so long is a new one anyway. Failed ones stay until an operator acts
(`pmo-bot inbox`)."""
PRUNE_EVERY = timedelta(hours=1)


def _backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min between attempts."""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


class Inbox:
    """Keeps requests before their ack and applies them after it; one instance per process."""

    def __init__(self, ctx: BotContext, owner: str | None = None) -> None:
        self.ctx = ctx
        self.owner = owner or owner_id()
        self._held: dict[int, AbstractContextManager[None]] = {}
        self._lock = threading.Lock()
        self.keeper = LeaseKeeper(ctx.db, self.owner, self._renew, every=RENEW_EVERY,
                                  clock=ctx.now)
        self._recovered_once = False
        self._local = threading.local()
        self._pruned_at: datetime | None = None
        self.only_process = False
        """True in a server or scheduler holding SQLite's single-instance lock: no other
        process can be applying requests, so its first recovery need not wait for leases."""

    # -- before the ack -----------------------------------------------------------------------

    def accept(self, *, work: str, key: str, user: str, channel: str | None,
               response_url: str | None, payload: dict[str, Any]) -> Request | None:
        """Keep one request (None when this key was kept before). Raises when the database
        cannot be written: the caller has not acked yet and says "nothing was saved"."""
        now = self.ctx.now()
        request = self.ctx.db.write_one(lambda connection: store.accept(
            connection, work=work, key=key, user=user, channel=channel,
            response_url=response_url, payload=payload, now=now, owner=self.owner,
            lease=LEASE))
        if request is not None:
            self._hold(request.id)
        return request

    # -- after the ack ------------------------------------------------------------------------

    def apply_later(self, request: Request) -> None:
        """Apply `request` on the after-ack pool (its row stays leased to us meanwhile); inside
        `deferred()` on this thread, only note it for the caller to apply."""
        noted = getattr(self._local, "deferred", None)
        if noted is not None:
            noted.append(request)
            return
        self.ctx.after_ack.run(lambda: self.apply(request))

    @contextmanager
    def deferred(self) -> Iterator[list[Request]]:
        """While it lasts, requests kept on this thread are collected, not handed to the pool:
        a work that dispatches a command again applies what it kept itself, in order, and
        finishes within its own attempt (bot/access.py)."""
        self._local.deferred = noted = []
        try:
            yield noted
        finally:
            self._local.deferred = None

    def apply(self, request: Request) -> None:
        """Run the request's work once; a failure leaves it for a later attempt."""
        import bot.app  # noqa: F401 - registers every work (a scheduler-only process too)
        from handlers.slack_io import perform, tell_author  # the listeners' side of the work

        now = self.ctx.now()
        try:
            with store.applying(request.id, now) as applied:
                perform(self.ctx, request)
            if not applied.settled:  # the work changed nothing (a refusal): done all the same
                with self.ctx.db.write() as session:
                    store.mark_done(session, request.id, now=now)
        except AlreadyApplied:
            log.info("request %s was applied by another process", request.id)
        except Exception as error:  # noqa: BLE001 - kept for a retry; the author is told
            log.warning("request %s (%s) failed: %s", request.id, request.work,
                        type(error).__name__, exc_info=not isinstance(error, UserError))
            self._failed(request, type(error).__name__, tell_author)
        finally:
            self._release_hold(request.id)

    def _failed(self, request: Request, error: str, tell_author) -> None:
        now = self.ctx.now()
        try:
            with self.ctx.db.write() as session:
                if request.attempts >= MAX_ATTEMPTS:
                    gave_up = store.mark_failed(session, request.id, error=error, now=now)
                else:
                    gave_up = False
                    store.release(session, request.id, owner=self.owner, error=error,
                                  retry_at=now + _backoff(request.attempts))
        except Exception:  # noqa: BLE001 - the database is down too: the lease runs out anyway
            log.warning("request %s: could not record the failure; its lease will run out",
                        request.id)
            gave_up = False
        if gave_up:
            tell_author(self.ctx, request, "inbox.gave_up")
        elif request.attempts == 1:
            tell_author(self.ctx, request, "inbox.retrying")

    # -- requests nobody finished -------------------------------------------------------------

    def recover(self) -> int:
        """Claim and apply requests whose owner stopped renewing their lease; how many.

        On SQLite only one server runs (bot/single_instance.py), so at its first recovery every
        pending request not its own belongs to a process that is gone: it takes them at once
        instead of waiting for their leases to run out (`only_process`).
        """
        take_all = not self._recovered_once and self.only_process
        self._recovered_once = True
        total = 0
        for _ in range(MAX_BATCHES):
            with self.ctx.db.write() as session:
                claimed = store.claim_stale(session, now=self.ctx.now(), owner=self.owner,
                                            lease=LEASE, limit=BATCH,
                                            ignore_leases_of_others=take_all)
            for request in claimed:
                self._hold(request.id)
                self.apply(request)
            total += len(claimed)
            if len(claimed) < BATCH:
                break
        if total:
            log.info("recovered %d request(s) that another process had not finished", total)
        return total

    def prune(self) -> int:
        """Delete requests finished more than `KEEP_DONE` ago, at most once per `PRUNE_EVERY`
        in this process (the scheduler's tick calls it); how many were deleted."""
        now = self.ctx.now()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return 0
        self._pruned_at = now
        with self.ctx.db.write() as session:
            removed = store.prune(session, before=now - KEEP_DONE)
        if removed:
            log.info("deleted %d request(s) finished more than %d days ago", removed,
                     KEEP_DONE.days)
        return removed

    # -- the lease heartbeat --------------------------------------------------------------------

    def _hold(self, request_id: int) -> None:
        """From the keep to the end of the work: the heartbeat renews the request's lease."""
        holding = self.keeper.holding()
        holding.__enter__()
        with self._lock:
            self._held[request_id] = holding

    def _release_hold(self, request_id: int) -> None:
        with self._lock:
            holding = self._held.pop(request_id, None)
        if holding is not None:
            holding.__exit__(None, None, None)

    def held(self) -> list[int]:
        with self._lock:
            return sorted(self._held)

    def _renew(self, session, owner: str, now: datetime) -> int:
        return store.renew(session, owner, until=now + LEASE)

    def renew(self) -> int:
        """Extend the lease of every request this process still holds, now."""
        return self.keeper.beat()

    def close(self) -> None:
        self.keeper.stop()
