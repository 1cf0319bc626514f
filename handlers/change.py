"""`/change` (and the same words after `/pmo change`): request, list, show, withdraw, help; the
Approve / Reject buttons on a change request's card and the Reject reason form.

Reading is answered in the ack. A request or a withdrawal is checked on a read-only session,
kept in the inbox before the ack and applied after it (`keep` + `@work`); a click on Approve is
kept and applied the same way. The vote itself is the approvals engine's, as for gates.
"""

from __future__ import annotations

from datetime import datetime

from slack_bolt import App

from handlers.gate import answer, clicked_message, form_refusal_notice, refuse
from handlers.home import home_view
from handlers.milestone import dates_of
from handlers.slack_io import (
    Incoming,
    Reply,
    ephemeral,
    error_text,
    keep,
    publish_home,
    show_form,
    work,
)
from pmo_rules import changes as grammar
from pmo_rules import gates
from pmo_rules.approvals import APPROVE, REJECT
from pmo_rules.errors import UserError
from pmo_rules.ids import Action, Block, Callback
from pmo_rules.values import ChangeButton
from services import changes as flow
from services.approvals import StaleRequest
from services.change_cards import impact
from services.context import BotContext
from templates.paging import REPLY_CHARS
from templates.render import Message

LIST_MAX = 40
HISTORY_MAX = 20


def register(app: App, ctx: BotContext) -> None:
    app.command("/change")(lambda ack, command, respond: on_change(ctx, ack, command))
    app.action(Action.CHANGE_APPROVE)(
        lambda ack, body, action, respond: on_approve(ctx, ack, body))
    app.action(Action.CHANGE_REJECT)(
        lambda ack, body, action, respond: on_reject(ctx, ack, body, action, respond))
    app.view(Callback.CHANGE_REJECT)(lambda ack, body: on_reject_form(ctx, ack, body))


def change_text(payload: dict) -> str:
    """The `/change` words of a command: after `change` when it came as `/pmo`."""
    text = payload.get("text", "") or ""
    if payload.get("command") == "/pmo":
        text = text.strip()[len("change"):]
    return text


def _parsed(ctx: BotContext, payload: dict, at: datetime | None = None) -> grammar.Command:
    return grammar.parse_change_command(change_text(payload), *dates_of(ctx, at))


def on_change(ctx: BotContext, ack, command: dict) -> None:
    user = command["user_id"]
    try:
        parsed = _parsed(ctx, command)
        if isinstance(parsed, grammar.Help):
            ack(text=ctx.renderer.t("change.help"))
        elif isinstance(parsed, grammar.ListChanges):
            ack(**listing(ctx, parsed).as_payload())
        elif isinstance(parsed, grammar.Show):
            ack(**show(ctx, parsed.ref).as_payload())
        elif isinstance(parsed, grammar.Request):
            flow.check_request(ctx, user, parsed)
            keep(ctx, ack, "change.request", command, user=user,
                 channel=command.get("channel_id"))
        else:
            flow.check_withdraw(ctx, user, parsed)
            keep(ctx, ack, "change.withdraw", command, user=user,
                 channel=command.get("channel_id"))
    except UserError as error:
        answer = error_text(ctx.renderer, error)
        if error.key == "change.no_such_command":
            answer += "\n" + ctx.renderer.t("change.help")
        ack(text=answer)


def listing(ctx: BotContext, parsed: grammar.ListChanges) -> Message:
    project, rows = flow.listing(ctx, parsed.key, parsed.everything)
    t = ctx.renderer.t
    if not rows:
        return Message(text=t("change.list_empty", key=project.key, everything=parsed.everything))
    lines = [t("change.list_header", key=project.key, count=len(rows),
               everything=parsed.everything)]
    lines += [t("change.list_row", ref=row.ref(project.key), title=row.title, state=row.state,
                requester=row.requested_by,
                impact=" · ".join(line.split(" ", 1)[-1] for line in
                                  impact(ctx, project, row)[:2]))
              for row in rows[:LIST_MAX]]
    return Message(text="\n".join(lines)[:REPLY_CHARS])


def show(ctx: BotContext, ref: grammar.ChangeRef) -> Message:
    """The request's card as it stands (votes, decision, what moved) and its history."""
    shown = flow.show(ctx, ref)
    message = flow.SUBJECT.card(ctx, shown.project, shown.request, shown.votes)
    t = ctx.renderer.t
    lines = [t("change.history_header")]
    lines += [t("change.history_line", when=ctx.renderer.slack_date(entry.at),
                actor=entry.actor_id, action=entry.action, after=entry.after)
              for entry in shown.history[-HISTORY_MAX:]]
    blocks = [*message.blocks, {"type": "section",
                                "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}}]
    return Message(text=message.text, blocks=blocks)


@work("change.request")
def apply_request(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = _parsed(ctx, request.payload, request.received_at)
    if not isinstance(parsed, grammar.Request):
        raise UserError("change.no_such_command", word=change_text(request.payload)[:40])
    answer(ctx, reply, lambda: flow.request(ctx, request.user, parsed))


@work("change.withdraw")
def apply_withdraw(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = _parsed(ctx, request.payload, request.received_at)
    if not isinstance(parsed, grammar.Withdraw):
        raise UserError("change.no_such_command", word=change_text(request.payload)[:40])
    answer(ctx, reply, lambda: flow.withdraw(ctx, request.user, parsed))


def on_approve(ctx: BotContext, ack, body: dict) -> None:
    keep(ctx, ack, "change.approve", body, user=body["user"]["id"],
         channel=(clicked_message(body) or (None,))[0])


@work("change.approve")
def apply_approve(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    body = request.payload
    value = (body.get("actions") or [{}])[0].get("value")
    answer(ctx, reply,
           lambda: flow.vote(ctx, request.user, ChangeButton.decode(value).request_id, APPROVE),
           clicked_message(body))
    if (body.get("view") or {}).get("type") == "home":  # clicked on the Home tab: redraw it
        publish_home(ctx.client, request.user, home_view(ctx, request.user))


def on_reject(ctx: BotContext, ack, body: dict, action: dict, respond) -> None:
    """Reject asks for the reason first; the vote is cast when the reason form is submitted."""
    ack()
    try:
        project, row = flow.check_reject(ctx, body["user"]["id"],
                                         ChangeButton.decode(action.get("value")).request_id)
    except UserError as error:
        refuse(ctx, lambda text: respond(text=text, response_type="ephemeral"), error,
               clicked_message(body))
        return
    form = ctx.renderer.view("change_reject_modal", ref=row.ref(project.key), title=row.title,
                             metadata=ChangeButton(row.id).encode(),
                             callback_id=Callback.CHANGE_REJECT, reason_block=Block.REASON,
                             value_action=Action.VALUE, reason_max=gates.REASON_MAX)
    show_form(ctx, body["trigger_id"], form, ephemeral(respond), "gate.form_failed")


def on_reject_form(ctx: BotContext, ack, body: dict) -> None:
    view = body["view"]
    fields = view.get("state", {}).get("values", {}).get(Block.REASON, {})
    element = fields.get(Action.VALUE) if isinstance(fields, dict) else None
    reason = element.get("value") if isinstance(element, dict) else None
    try:
        request_id = ChangeButton.decode(view.get("private_metadata")).request_id
        done = flow.vote(ctx, body["user"]["id"], request_id, REJECT,
                         gates.check_reason(reason or ""))
    except UserError as error:
        form_refusal_notice(ctx, ack, error, default_field=Block.REASON)
        if isinstance(error, StaleRequest):
            ctx.sender.send(flow.refresh_stale(ctx, error.request_id))
        return
    ack(response_action="update", view=ctx.renderer.view("gate_notice_modal",
                                                         message=done.reply))
    ctx.sender.send(done.deliveries)
