"""`/status`: post, show and (with the modal) edit project status updates.

Parse and validate before `ack()` — including the indexed project look-up and the permission
check — so a refusal is the ack's own ephemeral text; store and post after it, so Slack never
waits on a database write or a Web API call.
"""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext
from handlers.replies import error_text
from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.status import Help, Post, Show, StatusDraft, parse_status_command
from storage import outbox
from storage import projects as store


def register(app: App, ctx: BotContext) -> None:
    app.command("/status")(lambda ack, command, respond: on_status(ctx, ack, command, respond))


def on_status(ctx: BotContext, ack, command: dict, respond) -> None:
    user = command["user_id"]
    try:
        parsed = parse_status_command(command.get("text", ""))
        if isinstance(parsed, Help):
            ack(text=ctx.renderer.t("help.status", edit_hours=ctx.rules.status.edit_window_hours))
        elif isinstance(parsed, Show):
            ack(**show_latest(ctx, parsed.key).as_payload())
        elif isinstance(parsed, Post):
            check_may_post(ctx, user, parsed.draft.key)
            ack()
            respond(text=post_status(ctx, user, parsed.draft), response_type="ephemeral")
        else:
            ack(text=error_text(ctx.renderer, UserError("status.edit_usage", usage="status")))
    except UserError as error:
        ack(text=error_text(ctx.renderer, error))


def check_may_post(ctx: BotContext, user: str, key: str) -> None:
    """Refuse before ack: an unknown project or a user who may not post for it."""
    with ctx.db.read() as session:
        project = store.project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        permissions.require_status_poster(user, project.key, project.pm_id, ctx.rules)


def post_status(ctx: BotContext, user: str, draft: StatusDraft) -> str:
    """Store the update and its card in one transaction, send the card, return the reply."""
    now = ctx.now()
    with ctx.db.write() as session:
        project = store.project_by_key(session, draft.key)
        if project is None:  # removed between the check before ack and now
            return error_text(ctx.renderer, UserError("project.unknown", key=draft.key))
        status = store.add_status(session, project=project, author=user,
                                  values=draft.values(), now=now)
        card = ctx.renderer.message("status_card", "status.card_text", project=project,
                                    status=status, key=project.key,
                                    rag_word=ctx.renderer.rag_word(status.overall),
                                    summary=status.summary[:300])
        delivery = outbox.enqueue(session, kind="status_card", channel=project.channel_id,
                                  payload=card.as_payload(), now=now, requested_by=user)
        status.card_delivery_id = delivery.id
    ctx.dispatcher.send([delivery.id])
    return ctx.renderer.t("status.posted", key=project.key, channel=project.channel_id,
                          rag_word=ctx.renderer.rag_word(draft.overall.value))


def show_latest(ctx: BotContext, key: str):
    with ctx.db.read() as session:
        project = store.project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        status = store.latest_status(session, project.id)
    if status is None:
        return ctx.renderer.text("status.none_yet", key=key)
    return ctx.renderer.message("status_card", "status.card_text", project=project,
                                status=status, key=project.key,
                                rag_word=ctx.renderer.rag_word(status.overall),
                                summary=status.summary[:300])
