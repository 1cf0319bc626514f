"""The one way listeners talk to Slack and hand work past the ack.

- `keep`: a request that changes something is kept in the inbox (bot/inbox.py) *before* the ack,
  then its registered `work` runs after it; `perform` runs a kept request's work, for the first
  time or after a crash, and `Reply` routes its answer.
- `answer_later`: read-only work after the ack (a portfolio list, a preview), not kept.
- Answers to the person who acted — refusals with the syntax that works, modals, short notes —
  go back directly, not through the outbox: they answer someone looking at Slack right now.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from pmo_rules.errors import UserError
from services.context import BotContext
from templates.errors import error_text as error_text  # the listeners' refusals
from templates.render import Renderer

log = logging.getLogger(__name__)


def field_errors(renderer: Renderer, error: UserError, default_field: str) -> dict[str, str]:
    """`response_action: errors` wants {block_id: message}: short, and plain text (Slack shows
    a field error as typed, so mrkdwn's `*bold*` and `code` marks would show as characters)."""
    message = renderer.t(error.key, **error.params).replace("*", "").replace("`", "")
    return {error.field or default_field: message[:150]}


def answer_later(ctx: BotContext, produce: Callable[[], str],
                 send: Callable[[str], None]) -> None:
    """After the ack: do the work (`produce` returns the reply) off bolt's listener thread, then
    `send` the reply; if the work fails, `send` the apology instead of leaving silence."""
    ctx.after_ack.run(lambda: send(produce()),
                      on_error=lambda: send(ctx.renderer.t("errors.internal")))


def ephemeral(respond) -> Callable[[str], None]:
    """Send a text through a command's response_url, only to the person who typed it."""
    return lambda text: respond(text=text, response_type="ephemeral")


def show_form(ctx: BotContext, trigger_id: str, view: dict, say: Callable[[str], None],
              failed_key: str) -> bool:
    """Open a form; when Slack refuses it (an expired trigger, mostly) `say` why, in the words
    of `failed_key`, instead of leaving the person with nothing. True when it opened."""
    if error := open_modal(ctx.client, trigger_id, view):
        say(ctx.renderer.t(failed_key, error=error))
        return False
    return True


def publish_home(client: WebClient, user: str, view: dict) -> None:
    """views.publish: the person's Home tab (a view, not a reply; nothing to fall back to)."""
    client.views_publish(user_id=user, view=view)


def open_modal(client: WebClient, trigger_id: str, view: dict) -> str | None:
    """views.open; the Slack error code when it failed (an expired trigger, a refused view)."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        log.warning("views.open failed: %s", error)
        return error
    return None


def tell(client: WebClient, user: str, channel: str | None, text: str,
         **message: Any) -> None:
    """A note only `user` sees: ephemeral in `channel` where possible, else in the bot's DM.

    Used after a modal or a Home tab button, where Slack gives no response_url. The channel may
    be one the bot is not in, or a DM between two people; the bot's own DM always works.
    """
    if channel and channel[0] in "CG":
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text, **message)
            return
        except SlackApiError as exc:
            log.info("ephemeral note failed (%s); sending it as a DM",
                     exc.response.get("error"))
    try:
        client.chat_postMessage(channel=user, text=text, **message)
    except SlackApiError as exc:
        log.warning("could not send a note to the user: %s", exc.response.get("error"))


# ---------------------------------------------------------------------------------------------
# Kept requests: the inbox before the ack, the work after it
# ---------------------------------------------------------------------------------------------

RESPONSE_URL_LIFETIME = timedelta(minutes=30)
"""Slack accepts posts to a response_url for 30 minutes; later answers go to the DM."""
NOT_KEPT = frozenset({"token"})
"""Payload fields never stored: the legacy verification token is a credential."""


@dataclass(frozen=True)
class Incoming:
    """A kept request as its work sees it: who, where, and Slack's payload as it arrived."""

    user: str
    channel: str | None
    payload: dict[str, Any]
    received_at: datetime
    replayed: bool
    """True when another attempt than the first applies it (after a crash or a failure)."""


Work = Callable[[BotContext, Incoming, "Reply"], None]
WORKS: dict[str, Work] = {}


def work(name: str) -> Callable[[Work], Work]:
    """Register the function that applies kept requests named `name` (stable: rows carry it)."""

    def register(func: Work) -> Work:
        if WORKS.get(name, func) is not func:
            raise ValueError(f"two works named {name!r}")
        WORKS[name] = func
        return func

    return register


def keep(ctx: BotContext, ack, name: str, payload: dict[str, Any], *, user: str,
         channel: str | None, ack_with: dict[str, Any] | None = None,
         once_as: str | None = None) -> None:
    """Keep the request, ack it, and apply it after the ack with the work called `name`.

    The inbox row is written before `ack()`: when the database cannot be written this raises,
    nothing is acked, and the app's error handler answers that nothing was saved. A request
    kept before (the same trigger) is acked and not applied again. `once_as` names the request
    instead of its trigger (a form's view id: each submission has its own trigger, so a double
    submit of one form is applied once).
    """
    if name not in WORKS:
        raise KeyError(f"no work named {name!r}")
    kept = {k: v for k, v in payload.items() if k not in NOT_KEPT}
    request = ctx.inbox.accept(work=name, key=f"{name}:{once_as or request_key(kept)}",
                               user=user, channel=channel,
                               response_url=payload.get("response_url"), payload=kept)
    ack(**(ack_with or {}))
    if request is not None:
        ctx.inbox.apply_later(request)


def request_key(payload: dict[str, Any]) -> str:
    """Slack's trigger id names one command, click or submission; without one, the payload."""
    trigger = payload.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        return trigger
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def perform(ctx: BotContext, request) -> None:
    """Apply one kept request (a storage.inbox.Request) with its work, answering its author.

    A refusal (`UserError`) is the answer; any other exception goes back to the inbox, which
    keeps the request for another attempt.
    """
    func = WORKS.get(request.work)
    if func is None:
        raise LookupError(f"no work named {request.work!r}")
    incoming, reply = _addressed(ctx, request)
    try:
        func(ctx, incoming, reply)
    except UserError as error:
        reply.say(error_text(ctx.renderer, error))


def tell_author(ctx: BotContext, request, key: str) -> None:
    """A note about the request itself (kept for a retry, given up) to the person who sent it."""
    _incoming, reply = _addressed(ctx, request)
    reply.say(ctx.renderer.t(key, received=ctx.renderer.slack_date(request.received_at)))


def _addressed(ctx: BotContext, request) -> tuple[Incoming, Reply]:
    """A kept request (storage.inbox.Request) as its work sees it, and where answers go."""
    incoming = Incoming(user=request.user_id, channel=request.channel_id,
                        payload=request.payload, received_at=request.received_at,
                        replayed=request.attempts > 1)
    return incoming, Reply(ctx, incoming, request.response_url)


class Reply:
    """Where a kept request's answers go: the response_url while Slack still takes it (half an
    hour), else only to the author — ephemeral in the channel, or in the bot's DM."""

    def __init__(self, ctx: BotContext, incoming: Incoming, response_url: str | None) -> None:
        self.ctx = ctx
        self.incoming = incoming
        self.response_url = response_url

    def _url(self) -> str | None:
        """The response_url, unless it has surely expired: a first attempt runs moments after
        its ack, so it always tries it (and falls back if Slack refuses); a request applied
        again later (after a crash or a failure) uses it only within Slack's half hour."""
        if not self.response_url:
            return None
        if (self.incoming.replayed
                and self.ctx.now() - self.incoming.received_at > RESPONSE_URL_LIFETIME):
            return None
        return self.response_url

    def say(self, text: str, **message: Any) -> None:
        """An ephemeral answer (text, or a message with blocks and its fallback text)."""
        url = self._url()
        if url is not None and self._post(url, text=text, response_type="ephemeral",
                                          replace_original=False, **message):
            return
        tell(self.ctx.client, self.incoming.user, self.incoming.channel, text, **message)

    def replace(self, **message: Any) -> None:
        """Redraw the message that was clicked (only while its response_url lives)."""
        url = self._url()
        if url is not None:
            self._post(url, replace_original=True, **message)

    def _post(self, url: str, **body: Any) -> bool:
        try:
            response = WebhookClient(url, timeout=10).send_dict(body)
        except Exception as error:  # noqa: BLE001 - the DM is the fallback
            log.info("response_url post failed (%s)", type(error).__name__)
            return False
        if response.status_code != 200:
            log.info("response_url post refused (%s)", response.status_code)
            return False
        return True
