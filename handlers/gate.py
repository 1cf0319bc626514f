"""`/gate`, the request form, and the Approve / Reject buttons on approval cards.

Slash commands refuse in their ack (checked on a read-only session first). Button clicks ack at
once and answer with an ephemeral reply, since Slack shows nothing of a block_actions ack.
Form submissions store first and ack after, because only the ack can put an error on the form;
the write is one short transaction, well inside Slack's three seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from slack_bolt import App

from handlers import gate_views as views
from handlers.home import home_view
from handlers.slack_io import (
    Incoming,
    Reply,
    ephemeral,
    error_text,
    field_errors,
    keep,
    publish_home,
    show_form,
    work,
)
from pmo_rules import gates
from pmo_rules.errors import UserError
from pmo_rules.ids import Action, Block, Callback
from pmo_rules.values import GateButton, GateKillForm, GateRequestForm
from services import approvals
from services import gate_commands as typed
from services import gates as flow
from services.approvals import Done, StaleRequest
from services.context import BotContext


def register(app: App, ctx: BotContext) -> None:
    app.command("/gate")(
        lambda ack, command, respond: on_gate(ctx, ack, command, respond))
    app.view(Callback.GATE_REQUEST)(lambda ack, body: on_request_form(ctx, ack, body))
    app.action(Action.GATE_APPROVE)(
        lambda ack, body, action, respond: on_approve(ctx, ack, body, action, respond))
    app.action(Action.GATE_REJECT)(
        lambda ack, body, action, respond: on_reject(ctx, ack, body, action, respond))
    app.view(Callback.GATE_REJECT)(lambda ack, body: on_reject_form(ctx, ack, body))
    app.view(Callback.GATE_KILL)(lambda ack, body: on_kill_form(ctx, ack, body))


def on_gate(ctx: BotContext, ack, command: dict, respond) -> None:
    user = command["user_id"]
    try:
        parsed = gates.parse_gate_command(command.get("text", ""), *_today(ctx))
        if isinstance(parsed, gates.Help):
            ack(text=ctx.renderer.t("help.gate"))
        elif isinstance(parsed, gates.Status):
            ack(**views.status(ctx.renderer, *flow.gate_status(ctx, parsed.key)).as_payload())
        elif isinstance(parsed, gates.Request):
            prepared = flow.check_request(ctx, user, parsed.key)
            form = views.request_form(ctx.renderer, prepared.project, prepared.electorate,
                                      prepared.criteria, parsed.note,
                                      lessons=prepared.lessons, ticked=prepared.ticked)
            ack()
            show_form(ctx, command["trigger_id"], form, ephemeral(respond), "gate.form_failed")
        elif isinstance(parsed, gates.Withdraw):
            flow.check_withdraw(ctx, user, parsed)
            keep(ctx, ack, "gate.withdraw", command, user=user, channel=command.get("channel_id"))
        elif isinstance(parsed, gates.Vote):
            typed.check_vote(ctx, user, parsed)
            keep(ctx, ack, "gate.vote", command, user=user, channel=command.get("channel_id"))
        elif isinstance(parsed, gates.Resume):
            typed.check_resume(ctx, user, parsed)
            keep(ctx, ack, "gate.resume", command, user=user, channel=command.get("channel_id"))
        elif parsed.outcome == gates.KILLED:  # cannot be undone: a form confirms it first
            project, had_request = flow.check_decide(ctx, user, parsed)
            ack()
            show_form(ctx, command["trigger_id"],
                      views.kill_form(ctx.renderer, project, parsed.reason, had_request),
                      ephemeral(respond), "gate.form_failed")
        else:
            flow.check_decide(ctx, user, parsed)
            keep(ctx, ack, "gate.decide", command, user=user, channel=command.get("channel_id"))
    except UserError as error:
        ack(text=error_text(ctx.renderer, error))


def _today(ctx: BotContext, at: datetime | None = None) -> tuple[date, int]:
    """The PMO's date now (or when a kept request was sent, so `until:+2w` means what it meant
    then) and `[pmo] max_years_ahead`: what the gate grammar reads dates against."""
    return (at or ctx.now()).astimezone(ctx.rules.pmo.tz).date(), ctx.rules.pmo.max_years_ahead


def _parsed(ctx: BotContext, request: Incoming) -> gates.GateCommand:
    """A kept `/gate` command read again after the ack, its dates as of when it was sent."""
    return gates.parse_gate_command(request.payload.get("text", ""),
                                    *_today(ctx, request.received_at))


@work("gate.withdraw")
def apply_withdraw(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = _parsed(ctx, request)
    answer(ctx, reply, lambda: flow.withdraw(ctx, request.user, parsed))


@work("gate.vote")
def apply_vote(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = _parsed(ctx, request)
    answer(ctx, reply, lambda: typed.vote_by_key(ctx, request.user, parsed))


@work("gate.resume")
def apply_resume(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = _parsed(ctx, request)
    answer(ctx, reply, lambda: typed.resume(ctx, request.user, parsed))


@work("gate.decide")
def apply_decide(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = _parsed(ctx, request)
    answer(ctx, reply, lambda: flow.decide(ctx, request.user, parsed))


def answer(ctx: BotContext, reply: Reply, use_case: Callable[[], Done],
           clicked: tuple[str, str] | None = None) -> None:
    """Run a use case after the ack, reply to the person, then send what it queued (gates and
    change requests alike: one approvals engine)."""
    try:
        done = use_case()
    except UserError as error:
        refuse(ctx, reply.say, error, clicked)
        return
    reply.say(done.reply)
    ctx.sender.send(done.deliveries)


def refuse(ctx: BotContext, say: Callable[[str], None], error: UserError,
           clicked: tuple[str, str] | None = None) -> None:
    """Say why nothing changed; a click on a decided request (a gate's or a change request's)
    also brings its card up to date."""
    say(error_text(ctx.renderer, error))
    if isinstance(error, StaleRequest):
        ctx.sender.send(approvals.refresh_for(ctx, error, clicked))


def on_approve(ctx: BotContext, ack, body: dict, action: dict, respond) -> None:
    keep(ctx, ack, "gate.approve", body, user=body["user"]["id"],
         channel=(clicked_message(body) or (None,))[0])


@work("gate.approve")
def apply_approve(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    body = request.payload
    value = (body.get("actions") or [{}])[0].get("value")
    answer(ctx, reply,
           lambda: flow.vote(ctx, request.user, GateButton.decode(value).request_id,
                             gates.APPROVE),
           clicked_message(body))
    if (body.get("view") or {}).get("type") == "home":  # clicked on the Home tab: redraw it
        publish_home(ctx.client, request.user, home_view(ctx, request.user))


def on_reject(ctx: BotContext, ack, body: dict, action: dict, respond) -> None:
    """Reject asks for the reason first; the vote is cast when the reason modal is submitted."""
    ack()
    try:
        form = views.reject_form(ctx.renderer, *flow.check_reject(
            ctx, body["user"]["id"], GateButton.decode(action.get("value")).request_id))
    except UserError as error:
        refuse(ctx, lambda text: respond(text=text, response_type="ephemeral"), error,
               clicked_message(body))
        return
    show_form(ctx, body["trigger_id"], form, ephemeral(respond), "gate.form_failed")


def clicked_message(body: dict) -> tuple[str, str] | None:
    """(channel, ts) of the card that was clicked, so a stale click refreshes that card."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    return (channel, ts) if channel and ts else None


def on_request_form(ctx: BotContext, ack, body: dict) -> None:
    view = body["view"]
    values = view.get("state", {}).get("values", {})

    def request() -> flow.Done:
        form = GateRequestForm.decode(view.get("private_metadata"))
        note = _input(values.get(Block.NOTE, {}), "value") or ""
        return flow.submit_request(ctx, body["user"]["id"], form.key, form.phase,
                                   _ticked(values), note)

    submit(ctx, ack, request, default_field=Block.NOTE)


def on_reject_form(ctx: BotContext, ack, body: dict) -> None:
    view = body["view"]
    reason = _input(view.get("state", {}).get("values", {}).get(Block.REASON, {}), "value")

    def reject() -> flow.Done:
        request_id = GateButton.decode(view.get("private_metadata")).request_id
        return flow.vote(ctx, body["user"]["id"], request_id, gates.REJECT,
                         gates.check_reason(reason or ""))

    submit(ctx, ack, reject, default_field=Block.REASON)


def on_kill_form(ctx: BotContext, ack, body: dict) -> None:
    """The kill confirmed: the reason (a few words at least) goes to the PM."""
    view = body["view"]
    reason = _input(view.get("state", {}).get("values", {}).get(Block.REASON, {}), "value")

    def kill() -> flow.Done:
        key = GateKillForm.decode(view.get("private_metadata")).key
        return flow.decide(ctx, body["user"]["id"], gates.Decide(
            key, gates.KILLED, gates.check_kill_reason(reason or "", usage=None)))

    submit(ctx, ack, kill, default_field=Block.REASON)


def submit(ctx: BotContext, ack, use_case: Callable[[], flow.Done], *,
           default_field: str) -> None:
    """Run a form's use case, then turn the form into what happened (or show why not)."""
    try:
        done = use_case()
    except UserError as error:
        form_refusal(ctx, ack, error, default_field=default_field)
        return
    ack(response_action="update", view=views.notice(ctx.renderer, done.reply))
    ctx.sender.send(done.deliveries)


def _ticked(values: dict) -> set[int]:
    """Indexes of the checklist items ticked in the request form."""
    ticked = set()
    for block_id, fields in values.items():
        index = block_id.removeprefix(Block.GATE_CHECK)
        if block_id.startswith(Block.GATE_CHECK) and index.isdigit() and _input(
                fields, "selected_options"):
            ticked.add(int(index))
    return ticked


def form_refusal_notice(ctx: BotContext, ack, error: UserError, *, default_field: str) -> None:
    """A problem with one field goes next to it; anything else replaces the form with why."""
    if error.field:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, default_field))
        return
    ack(response_action="update", view=views.notice(ctx.renderer, error_text(ctx.renderer, error)))


def form_refusal(ctx: BotContext, ack, error: UserError, *, default_field: str) -> None:
    """A form's refusal (`form_refusal_notice`); a stale gate request's cards are refreshed."""
    form_refusal_notice(ctx, ack, error, default_field=default_field)
    if isinstance(error, flow.StaleRequest) and not error.field:
        ctx.sender.send(flow.refresh_stale(ctx, error.request_id))


def _input(fields: dict, name: str):
    """The one element's `name` in a submitted input block (Slack nests it under action_id)."""
    element = fields.get(Action.VALUE) if isinstance(fields, dict) else None
    return element.get(name) if isinstance(element, dict) else None
