"""`/status`: post, show and correct project status updates.

Parse and validate before `ack()` — including the indexed project look-up and the permission
check — so a refusal is the ack's own ephemeral text; store and post after it, so Slack never
waits on a database write or a Web API call. The one-liner and the form (handlers/status_form.py)
end in the same `post_status` / `correct_status` (services/status.py).
"""

from __future__ import annotations

from slack_bolt import App

from handlers import status_form
from handlers.slack_io import Incoming, Reply, ephemeral, error_text, keep, show_form, work
from pmo_rules.errors import UserError
from pmo_rules.status import Help, OpenModal, Post, Show, parse_status_command
from services.context import BotContext
from services.status import check_may_post, post_status, show_latest


def register(app: App, ctx: BotContext) -> None:
    app.command("/status")(
        lambda ack, command, respond: on_status(ctx, ack, command, respond))


def on_status(ctx: BotContext, ack, command: dict, respond) -> None:
    user, channel = command["user_id"], command.get("channel_id")
    try:
        parsed = parse_status_command(command.get("text", ""))
        if isinstance(parsed, Help):
            ack(text=ctx.renderer.t("help.status", edit_hours=ctx.rules.status.edit_window_hours))
        elif isinstance(parsed, Show):
            ack(**show_latest(ctx, parsed.key).as_payload())
        elif isinstance(parsed, Post):
            check_may_post(ctx, user, parsed.draft.key)
            keep(ctx, ack, "status.post", command, user=user, channel=channel)
        else:
            view = (status_form.new_form(ctx, user, key=parsed.key, channel=channel)
                    if isinstance(parsed, OpenModal)
                    else status_form.edit_form(ctx, user, parsed.key, channel=channel))
            ack()
            show_form(ctx, command["trigger_id"], view, ephemeral(respond), "status.form_failed")
    except UserError as error:
        ack(text=error_text(ctx.renderer, error))


@work("status.post")
def apply_post(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """`/status KEY rag summary`, kept before its ack: parsed again from the text Slack sent."""
    parsed = parse_status_command(request.payload.get("text", ""))
    reply.say(post_status(ctx, request.user, parsed.draft))
