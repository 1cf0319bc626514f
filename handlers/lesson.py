"""`/lesson` (and the same words after `/pmo lesson`): add (one line, or the form), list, show,
search, help.

Reading is answered in the ack (`list`, `show`, `help`) or after it (`search`, which may scan).
A new lesson is kept in the inbox before the ack and recorded after it (`keep` + `@work`).
"""

from __future__ import annotations

from slack_bolt import App

from handlers.forms import form_values
from handlers.slack_io import (
    Incoming,
    Reply,
    answer_later,
    ephemeral,
    error_text,
    field_errors,
    keep,
    show_form,
    work,
)
from pmo_rules import lessons as grammar
from pmo_rules.errors import UserError
from pmo_rules.ids import Action
from services import lessons as actions
from services.context import BotContext
from templates.paging import REPLY_CHARS
from templates.render import Message


def register(app: App, ctx: BotContext) -> None:
    app.command("/lesson")(lambda ack, command, respond: on_lesson(ctx, ack, command, respond))
    app.view(grammar.FORM)(lambda ack, body, view: on_submit(ctx, ack, body, view))
    app.action(grammar.NOT_USEFUL)(
        lambda ack, body: keep(ctx, ack, "lesson.not_useful", body, user=body["user"]["id"],
                               channel=(body.get("container") or {}).get("channel_id")))


def lesson_text(payload: dict) -> str:
    """The `/lesson` words of a command: after `lesson` when it came as `/pmo`."""
    text = payload.get("text", "") or ""
    if payload.get("command") == "/pmo":
        text = text.strip()[len("lesson"):]
    return text


def _parse(ctx: BotContext, payload: dict) -> object:
    return grammar.parse_lesson_command(lesson_text(payload), ctx.rules.lessons.categories)


def on_lesson(ctx: BotContext, ack, command: dict, respond) -> None:
    try:
        parsed = _parse(ctx, command)
        if isinstance(parsed, grammar.Help):
            ack(text=help_text(ctx))
        elif isinstance(parsed, grammar.ListLessons):
            ack(**listing(ctx, parsed.key, command["user_id"]).as_payload())
        elif isinstance(parsed, grammar.Show):
            ack(**actions.card(ctx, actions.one(ctx, parsed.number), "shown").as_payload())
        elif isinstance(parsed, grammar.Search):
            ack()
            answer_later(ctx, lambda: search_text(ctx, parsed, command["user_id"]),
                         ephemeral(respond))
        elif isinstance(parsed, grammar.OpenForm):
            open_form(ctx, ack, command, respond, parsed.key)
        else:
            keep(ctx, ack, "lesson.add", command, user=command["user_id"],
                 channel=command.get("channel_id"))
    except UserError as error:
        answer = error_text(ctx.renderer, error)
        if error.key == "lesson.no_such_command":
            answer += "\n" + help_text(ctx)
        ack(text=answer)


def help_text(ctx: BotContext) -> str:
    return ctx.renderer.t("lesson.help", categories=list(ctx.rules.lessons.categories),
                          required=ctx.rules.lessons.required_at_closing)


def listing(ctx: BotContext, key: str | None, user: str) -> Message:
    key, rows = actions.listing(ctx, key, user)
    t = ctx.renderer.t
    if not rows:
        return ctx.renderer.text("lesson.list_empty", key=key)
    lines = [t("lesson.list_header", key=key, count=len(rows))]
    lines += [t("lesson.list_row", lesson=lesson) for lesson in rows]
    return Message(text="\n".join(lines)[:REPLY_CHARS])


def search_text(ctx: BotContext, query: grammar.Search, user: str) -> str:
    try:
        hits = actions.search(ctx, query, user)
    except UserError as error:
        return error_text(ctx.renderer, error)
    t = ctx.renderer.t
    words = " ".join(query.terms)
    if not hits:
        return t("lesson.search_none", words=words)
    lines = [t("lesson.search_header", words=words, count=len(hits))]
    lines += [t("lesson.list_row", lesson=lesson) for lesson in hits]
    return "\n".join(lines)[:REPLY_CHARS]


def open_form(ctx: BotContext, ack, command: dict, respond, key: str) -> None:
    """The project is checked first (a refusal is the ack); then the form opens."""
    key = actions.check_project(ctx, key)
    view = ctx.renderer.view(
        "lesson_form", key=key, categories=list(ctx.rules.lessons.categories),
        went_words=list(grammar.WENT), action=Action.VALUE, callback=grammar.FORM,
        metadata=grammar.LessonForm(key, command.get("channel_id")).encode())
    ack()
    show_form(ctx, command["trigger_id"], view, ephemeral(respond), "lesson.form_failed")


def _read(ctx: BotContext, view: dict) -> tuple[grammar.LessonForm, grammar.Add]:
    form = grammar.LessonForm.decode(view.get("private_metadata"))
    return form, grammar.read_form(form.key, form_values(view), ctx.rules.lessons.categories)


def on_submit(ctx: BotContext, ack, body: dict, view: dict) -> None:
    user = body["user"]["id"]
    try:
        form, _command = _read(ctx, view)
    except UserError as error:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, "learned"))
        return
    keep(ctx, ack, "lesson.form", body, user=user, channel=form.channel)


@work("lesson.add")
def apply_add(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = _parse(ctx, request.payload)
    if not isinstance(parsed, grammar.Add):
        raise UserError("lesson.no_such_command", word=lesson_text(request.payload)[:40])
    reply.say(actions.add(ctx, request.user, parsed))


@work("lesson.form")
def apply_form(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    _form, command = _read(ctx, request.payload["view"])
    reply.say(actions.add(ctx, request.user, command))


@work("lesson.not_useful")
def apply_not_useful(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """A *Not useful* click, kept before its ack: counted once per click."""
    actions_ = request.payload.get("actions") or [{}]
    button = grammar.LessonButton.decode(actions_[0].get("value"))
    reply.say(actions.not_useful(ctx, request.user, button.number))
