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
from pmo_rules.projects import looks_like_key
from pmo_rules.status import (
    HISTORY_MAX,
    Help,
    History,
    NoSuchCommand,
    OpenModal,
    Post,
    Show,
    parse_status_command,
)
from services.context import BotContext
from services.status import check_may_post, history, post_status, project_exists, show_latest
from templates.paging import page_lines
from templates.render import Message

MAX_MESSAGES = 5  # a response_url takes five posts


def register(app: App, ctx: BotContext) -> None:
    app.command("/status")(
        lambda ack, command, respond: on_status(ctx, ack, command, respond))


def on_status(ctx: BotContext, ack, command: dict, respond) -> None:
    user, channel = command["user_id"], command.get("channel_id")
    try:
        parsed = parse_status_command(command.get("text", ""))
        if isinstance(parsed, NoSuchCommand):
            if not (looks_like_key(parsed.word) and project_exists(ctx, parsed.word)):
                ack(text=ctx.renderer.t("status.no_such_command", word=parsed.word) + "\n"
                    + _help(ctx))
                return
            if isinstance(parsed.otherwise, UserError):  # `/status apollo gren …`: the colour
                raise parsed.otherwise
            parsed = parsed.otherwise  # `/status apollo`: project APOLLO
        if isinstance(parsed, Help):
            ack(text=_help(ctx))
        elif isinstance(parsed, History):
            ack()
            show_history(ctx, parsed, respond)
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


def _help(ctx: BotContext) -> str:
    return ctx.renderer.t("help.status", edit_hours=ctx.rules.status.edit_window_hours,
                          most=HISTORY_MAX, currency=ctx.rules.pmo.currency)


def show_history(ctx: BotContext, parsed: History, respond) -> None:
    """`/status history KEY [N]`, after the ack: the last N updates, newest first, in as many
    messages as Slack's limits need (up to the five a response_url takes)."""
    def send() -> None:
        for message in history_messages(ctx, parsed):
            respond(**message.as_payload(), response_type="ephemeral")

    ctx.after_ack.run(send, on_error=lambda: ephemeral(respond)(ctx.renderer.t("errors.internal")))


def history_messages(ctx: BotContext, parsed: History) -> list[Message]:
    try:
        project, updates = history(ctx, parsed.key, parsed.count)
    except UserError as error:
        return [Message(text=error_text(ctx.renderer, error))]
    if not updates:
        return [ctx.renderer.text("status.none_yet", key=project.key)]
    lines = [ctx.renderer.t("status.history_row", status=update) for update in updates]
    pages = page_lines(lines)[:MAX_MESSAGES]
    shown = sum(len(group) for page in pages for group in page)
    return [ctx.renderer.message("status_history", "status.history_text", project=project,
                                 count=len(updates), sections=page, part=number,
                                 parts=len(pages),
                                 hidden=len(updates) - shown if number == len(pages) else 0)
            for number, page in enumerate(pages, start=1)]


@work("status.post")
def apply_post(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """`/status KEY rag summary`, kept before its ack: parsed again from the text Slack sent."""
    parsed = parse_status_command(request.payload.get("text", ""))
    reply.say(post_status(ctx, request.user, parsed.draft))
