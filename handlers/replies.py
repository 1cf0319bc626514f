"""Answering the person who acted: refusals with the syntax that works, modals, and short notes.

These go back directly (not through the outbox): they answer someone who is looking at Slack
right now, and a retry minutes later would only confuse them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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


def open_modal(client: WebClient, trigger_id: str, view: dict) -> str | None:
    """views.open; the Slack error code when it failed (an expired trigger, a refused view)."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        log.warning("views.open failed: %s", error)
        return error
    return None


def tell(client: WebClient, user: str, channel: str | None, text: str) -> None:
    """A note only `user` sees: ephemeral in `channel` where possible, else in the bot's DM.

    Used after a modal or a Home tab button, where Slack gives no response_url. The channel may
    be one the bot is not in, or a DM between two people; the bot's own DM always works.
    """
    if channel and channel[0] in "CG":
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        except SlackApiError as exc:
            log.info("ephemeral note failed (%s); sending it as a DM",
                     exc.response.get("error"))
    try:
        client.chat_postMessage(channel=user, text=text)
    except SlackApiError as exc:
        log.warning("could not send a note to the user: %s", exc.response.get("error"))
