"""`/milestone` (and the same words after `/pmo milestone`): add, list, forecast, done, show,
help.

Reading (`list`, `show`, `help`) is answered in the ack. A change is kept in the inbox before
the ack and applied after it (`keep` + `@work`); who may change what is checked there, with
the milestone and its project at hand, and refused in words.
"""

from __future__ import annotations

from datetime import date, datetime

from slack_bolt import App

from handlers.slack_io import Incoming, Reply, error_text, keep, work
from pmo_rules import milestones as grammar
from pmo_rules.errors import UserError
from services import milestones as actions
from services.context import BotContext
from templates.paging import REPLY_CHARS
from templates.render import Message

LIST_MAX = 40


def register(app: App, ctx: BotContext) -> None:
    app.command("/milestone")(lambda ack, command, respond: on_milestone(ctx, ack, command))


def dates_of(ctx: BotContext, at: datetime | None = None) -> tuple[date, int]:
    """The PMO's date now (or when a kept request was sent, so `+2w` means what it meant then)
    and `[pmo] max_years_ahead`: what plan and milestone dates are read against."""
    return (at or ctx.now()).astimezone(ctx.rules.pmo.tz).date(), ctx.rules.pmo.max_years_ahead


def milestone_text(payload: dict) -> str:
    """The `/milestone` words of a command: after `milestone` when it came as `/pmo`."""
    text = payload.get("text", "") or ""
    if payload.get("command") == "/pmo":
        text = text.strip()[len("milestone"):]
    return text


def on_milestone(ctx: BotContext, ack, command: dict) -> None:
    try:
        parsed = grammar.parse_milestone_command(milestone_text(command), *dates_of(ctx))
        if isinstance(parsed, grammar.Help):
            ack(text=help_text(ctx))
        elif isinstance(parsed, grammar.ListMilestones):
            ack(**listing(ctx, parsed.key).as_payload())
        elif isinstance(parsed, grammar.Show):
            ack(**show(ctx, parsed.ref).as_payload())
        else:
            keep(ctx, ack, "milestone.change", command, user=command["user_id"],
                 channel=command.get("channel_id"))
    except UserError as error:
        answer = error_text(ctx.renderer, error)
        if error.key == "milestone.no_such_command":
            answer += "\n" + help_text(ctx)
        ack(text=answer)


def help_text(ctx: BotContext) -> str:
    return ctx.renderer.t("milestone.help", before=ctx.rules.milestones.remind_before_days)


def listing(ctx: BotContext, key: str) -> Message:
    project, rows = actions.project_list(ctx, key)
    t = ctx.renderer.t
    if not rows:
        return ctx.renderer.text("milestone.list_empty", key=project.key)
    lines = [t("milestone.list_header", key=project.key, count=len(rows))]
    lines += [t("milestone.list_row", m=m) for m in rows[:LIST_MAX]]
    return Message(text="\n".join(lines)[:REPLY_CHARS])


def show(ctx: BotContext, ref: grammar.MilestoneRef) -> Message:
    project, milestone, history = actions.with_history(ctx, ref)
    return actions.card(ctx, project.key, project.name, milestone, "shown", history=history)


@work("milestone.change")
def apply_change(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = grammar.parse_milestone_command(milestone_text(request.payload),
                                             *dates_of(ctx, request.received_at))
    use_case = {grammar.Add: actions.add, grammar.Forecast: actions.forecast,
                grammar.Done: actions.done}.get(type(parsed))
    if use_case is None:
        raise UserError("milestone.no_such_command", word=milestone_text(request.payload)[:40])
    reply.say(use_case(ctx, request.user, parsed))
