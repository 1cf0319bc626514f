"""The buttons under a reminder DM ("Snooze", "Post update") and `/pmo digest`'s preview.

A block action is acknowledged at once (Slack shows no text for it); the answer goes to the
person alone through the response_url, and a damaged, outdated or someone else's button gets a
plain explanation and changes nothing.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.slack_io import Incoming, Reply, error_text, keep, work
from handlers.status_form import open_status_modal
from pmo_rules.errors import UserError
from pmo_rules.ids import Action
from pmo_rules.values import PostStatus
from services import reminders
from services.context import BotContext
from services.digest import build_digest

MAX_PREVIEW_POSTS = 4
"""A response_url takes five posts: four digest parts and, if needed, a line about the rest."""


def register(app: App, ctx: BotContext) -> None:
    app.action(Action.NUDGE_SNOOZE)(
        lambda ack, body, respond: on_snooze(ctx, ack, body, respond))
    app.action(Action.NUDGE_POST_STATUS)(
        lambda ack, body, respond, client: on_post_status(ctx, ack, body, respond, client))


def _answer(respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def on_snooze(ctx: BotContext, ack, body: dict, respond) -> None:
    keep(ctx, ack, "reminders.snooze", body, user=body["user"]["id"],
         channel=(body.get("container") or {}).get("channel_id"))


@work("reminders.snooze")
def apply_snooze(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """A Snooze click, kept before its ack."""
    actions = request.payload.get("actions") or [{}]
    reply.say(reminders.snooze(ctx, request.user, actions[0].get("value")))


def on_post_status(ctx: BotContext, ack, body: dict, respond, client) -> None:
    """Open the status form on the nudged project, pre-filled from its latest update.

    The form is opened first: the click's `trigger_id` expires three seconds after the click.
    """
    ack()
    try:
        key = PostStatus.decode(body["actions"][0].get("value")).key
    except UserError as error:
        _answer(respond, error_text(ctx.renderer, error))
        return
    if (done := reminders.no_longer_due(ctx, key)) is not None:
        _answer(respond, done)
        return
    open_status_modal(ctx, client, body["trigger_id"], body["user"]["id"], key=key,
                      prefill_from_latest=True)


def preview_digest(ctx: BotContext, respond) -> None:
    """`/pmo digest`: the digest as it would read now, to the caller only."""
    messages = build_digest(ctx, ctx.now(), None, note=_preview_note(ctx))
    for message in messages[:MAX_PREVIEW_POSTS]:
        respond(response_type="ephemeral", **message.as_payload())
    if len(messages) > MAX_PREVIEW_POSTS:
        respond(response_type="ephemeral", text=ctx.renderer.t(
            "digest.preview_more", count=len(messages) - MAX_PREVIEW_POSTS))


def _preview_note(ctx: BotContext) -> str:
    t, rules = ctx.renderer.t, ctx.rules
    if not rules.digest.enabled:
        when = t("digest.disabled")
    elif rules.pmo.digest_channel is None:
        when = t("digest.no_channel")
    else:
        when = t("digest.schedule", channel=rules.pmo.digest_channel,
                 day=t(f"digest.weekday.{rules.digest.weekday}"),
                 time=f"{rules.digest.time:%H:%M}", tz=rules.pmo.timezone)
    return f"{t('digest.preview')} {when}"
