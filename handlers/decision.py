"""`/decision` (and the same words after `/pmo decision`): add, list, show, help. There is no
update or delete: a decision is superseded by a later one.

Reading is answered in the ack; recording one is kept in the inbox before the ack and applied
after it (`keep` + `@work`).
"""

from __future__ import annotations

from slack_bolt import App

from handlers.action import words_of
from handlers.slack_io import Incoming, Reply, error_text, keep, work
from pmo_rules import decisions as grammar
from pmo_rules.errors import UserError
from services import decisions
from services.context import BotContext
from templates.paging import REPLY_CHARS
from templates.render import Message

LIST_MAX = 30


def register(app: App, ctx: BotContext) -> None:
    app.command("/decision")(lambda ack, command, respond: on_decision(ctx, ack, command))


def on_decision(ctx: BotContext, ack, command: dict) -> None:
    try:
        parsed = grammar.parse_decision_command(words_of(command, "decision"))
        if isinstance(parsed, grammar.Help):
            ack(text=ctx.renderer.t("decision.help"))
        elif isinstance(parsed, grammar.ListDecisions):
            ack(**listing(ctx, parsed.key).as_payload())
        elif isinstance(parsed, grammar.Show):
            project, decision = decisions.one(ctx, parsed.ref)
            ack(**decisions.card(ctx, project, decision).as_payload())
        else:
            keep(ctx, ack, "decision.record", command, user=command["user_id"],
                 channel=command.get("channel_id"))
    except UserError as error:
        answer = error_text(ctx.renderer, error)
        if error.key == "decision.no_such_command":
            answer += "\n" + ctx.renderer.t("decision.help")
        ack(text=answer)


def listing(ctx: BotContext, key: str) -> Message:
    project, rows = decisions.project_list(ctx, key)
    t = ctx.renderer.t
    if not rows:
        return ctx.renderer.text("decision.list_empty", key=project.key)
    lines = [t("decision.list_header", key=project.key, count=len(rows))]
    lines += [t("decision.list_row", d=d) for d in rows[:LIST_MAX]]
    if len(rows) > LIST_MAX:
        lines.append(t("decision.list_more", count=len(rows) - LIST_MAX))
    return Message(text="\n".join(lines)[:REPLY_CHARS])


@work("decision.record")
def apply_record(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    words = words_of(request.payload, "decision")
    parsed = grammar.parse_decision_command(words)
    if not isinstance(parsed, grammar.Add):
        raise UserError("decision.no_such_command", word=words[:40])
    reply.say(decisions.add(ctx, request.user, parsed))
