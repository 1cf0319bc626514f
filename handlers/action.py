"""`/action` (and the same words after `/pmo action`): add, list, done, update, show, help.

Reading (`list`, `show`, `help`) is answered in the ack. A change is kept in the inbox before
the ack and applied after it (`keep` + `@work`); who may change what is checked there.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.milestone import dates_of
from handlers.slack_io import Incoming, Reply, error_text, keep, work
from pmo_rules import actions as grammar
from pmo_rules.errors import UserError
from services import actions
from services.context import BotContext
from templates.paging import REPLY_CHARS
from templates.render import Message

LIST_MAX = 40


def register(app: App, ctx: BotContext) -> None:
    app.command("/action")(lambda ack, command, respond: on_action(ctx, ack, command))


def words_of(payload: dict, verb: str) -> str:
    """The words of a command after `verb` when it came as `/pmo verb …`."""
    text = payload.get("text", "") or ""
    if payload.get("command") == "/pmo":
        text = text.strip()[len(verb):]
    return text


def on_action(ctx: BotContext, ack, command: dict) -> None:
    try:
        parsed = grammar.parse_action_command(words_of(command, "action"), *dates_of(ctx))
        if isinstance(parsed, grammar.Help):
            ack(text=ctx.renderer.t("action.help"))
        elif isinstance(parsed, grammar.ListActions):
            ack(**listing(ctx, command["user_id"], parsed).as_payload())
        elif isinstance(parsed, grammar.Show):
            project, action, history = actions.with_history(ctx, parsed.ref)
            ack(**actions.card(ctx, project, action, history).as_payload())
        else:
            keep(ctx, ack, "action.change", command, user=command["user_id"],
                 channel=command.get("channel_id"))
    except UserError as error:
        answer = error_text(ctx.renderer, error)
        if error.key == "action.no_such_command":
            answer += "\n" + ctx.renderer.t("action.help")
        ack(text=answer)


def listing(ctx: BotContext, user: str, cmd: grammar.ListActions) -> Message:
    t = ctx.renderer.t
    if cmd.key is None:
        rows = actions.owned_by(ctx, user, include_done=cmd.include_done)
        if not rows:
            return ctx.renderer.text("action.mine_empty")
        lines = [t("action.mine_header", count=len(rows), all=cmd.include_done)]
    else:
        project, rows = actions.project_list(ctx, cmd.key, cmd.include_done)
        if not rows:
            return ctx.renderer.text("action.list_empty", key=project.key)
        lines = [t("action.list_header", key=project.key, count=len(rows),
                   all=cmd.include_done)]
    lines += [t("action.list_row", a=a) for a in rows[:LIST_MAX]]
    if len(rows) > LIST_MAX:
        lines.append(t("action.list_more", count=len(rows) - LIST_MAX))
    return Message(text="\n".join(lines)[:REPLY_CHARS])


@work("action.change")
def apply_change(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    words = words_of(request.payload, "action")
    parsed = grammar.parse_action_command(words, *dates_of(ctx, request.received_at))
    use_case = {grammar.Add: actions.add, grammar.Update: actions.update,
                grammar.Done: actions.done}.get(type(parsed))
    if use_case is None:
        raise UserError("action.no_such_command", word=words[:40])
    reply.say(use_case(ctx, request.user, parsed))
