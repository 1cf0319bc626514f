"""`/risk`, the risk card's buttons and the risk forms.

Commands are parsed and checked (the risk or project exists, the caller may change it) before
`ack()`, so a refusal is the ack's own ephemeral text; the change runs after it. Buttons ack at
once (a click has no text to carry) and answer with an ephemeral reply. The buttons' action ids
and their value are stable (pmo_rules/ids.py `RiskAction`, pmo_rules/values.py `RiskButton`):
other features put the same buttons on their own messages and these listeners serve them.
"""

from __future__ import annotations

import logging

from slack_bolt import App

from handlers import issue
from handlers import risk_views as messages
from handlers.slack_io import (
    Incoming,
    Reply,
    ephemeral,
    error_text,
    field_errors,
    keep,
    show_form,
    tell,
    work,
)
from pmo_rules import risk as rules
from pmo_rules.errors import UserError
from pmo_rules.ids import Action, RiskAction, RiskBlock, RiskCallback
from pmo_rules.projects import parse_key
from pmo_rules.risk_command import (
    Add,
    Close,
    Help,
    ListRisks,
    OpenForm,
    Reviewed,
    Show,
    Update,
    parse_risk_command,
)
from pmo_rules.values import RiskButton, RiskCloseForm, RiskForm
from services import issues
from services import risks as actions
from services.context import BotContext
from templates.render import Message

log = logging.getLogger(__name__)


def register(app: App, ctx: BotContext) -> None:
    app.command("/risk")(lambda ack, command, respond: on_risk(ctx, ack, command, respond))
    app.action(RiskAction.REVIEWED)(
        lambda ack, body: keep(ctx, ack, "risk.reviewed_button", body, user=body["user"]["id"],
                               channel=_clicked_channel(body)))
    for action_id, act in ((RiskAction.UPDATE, _open_update_form),
                           (RiskAction.CLOSE, _open_close_form)):
        app.action(action_id)(_button_listener(ctx, act))
    app.view(RiskCallback.FORM)(lambda ack, body, view: on_form(ctx, ack, body, view))
    app.view(RiskCallback.CLOSE_FORM)(lambda ack, body, view: on_close_form(ctx, ack, body,
                                                                             view))


def _button_listener(ctx: BotContext, act):
    """A listener bound to one button's act (bolt fills a listener's arguments by name)."""
    return lambda ack, body, respond: on_button(ctx, ack, body, respond, act)


# ---------------------------------------------------------------------------------------------
# /risk
# ---------------------------------------------------------------------------------------------


def on_risk(ctx: BotContext, ack, command: dict, respond) -> None:
    user, channel = command["user_id"], command["channel_id"]
    try:
        parsed = parse_risk_command(command.get("text", ""), today=messages.today(ctx),
                                    rules=ctx.rules)
        if isinstance(parsed, Help):
            ack(text=help_text(ctx, parsed.unknown))
        elif isinstance(parsed, OpenForm):
            view = form_for(ctx, user, channel, parsed)
            ack()
            show_form(ctx, command["trigger_id"], view, ephemeral(respond), "risk.form_failed")
        elif isinstance(parsed, (ListRisks, Show)):
            ack(**look_up(ctx, user, parsed).as_payload())
        else:
            check_before_change(ctx, user, parsed)
            keep(ctx, ack, "risk.change", command, user=user, channel=channel)
    except UserError as error:
        ack(text=error_text(ctx.renderer, error))


def help_text(ctx: BotContext, unknown: str | None = None) -> str:
    """`/risk help`; after a sub-command that does not exist, saying so first."""
    risk = ctx.rules.risk
    text = ctx.renderer.t("risk.help", scale=risk.scale, medium=risk.levels.medium,
                          high=risk.levels.high, critical=risk.levels.critical,
                          review_days=risk.review_every_days, roles=list(risk.editors))
    if unknown is None:
        return text
    return ctx.renderer.t("risk.no_such_command", word=unknown) + "\n\n" + text


def form_for(ctx: BotContext, user: str, channel: str, cmd: OpenForm) -> dict:
    """The form to open: for a risk the caller may change, or a new one (for a project)."""
    if cmd.ref is not None:
        risk = actions.risk_to_change(ctx, user, cmd.ref)
        return messages.form_view(ctx, channel=channel, risk=risk)
    if cmd.key is not None:
        actions.check_new_risk(ctx, cmd.key)
    return messages.form_view(ctx, channel=channel, key=cmd.key, owner=user)


def look_up(ctx: BotContext, user: str, cmd: ListRisks | Show) -> Message:
    if isinstance(cmd, Show):
        return messages.show(ctx, *actions.with_history(ctx, cmd.ref))
    project, risks, total = actions.list_risks(ctx, user, cmd, limit=messages.LIST_MAX)
    return messages.listed(ctx, user, cmd, project and project.key, risks, total)


def check_before_change(ctx: BotContext, user: str, cmd: Add | Update | Close | Reviewed) -> None:
    """The indexed look-ups a refusal needs, before ack; the change repeats them under lock."""
    if isinstance(cmd, Add):
        actions.check_new_risk(ctx, cmd.draft.key)
    elif isinstance(cmd, Update):
        actions.check_update(ctx, user, cmd.ref, cmd.changes)
    elif isinstance(cmd, Close):
        actions.check_close(ctx, user, cmd.ref, cmd.duplicate_of)
    else:
        actions.check_review(ctx, user, cmd.refs)


def change(ctx: BotContext, user: str, cmd: Add | Update | Close | Reviewed) -> str:
    if isinstance(cmd, Add):
        return actions.add(ctx, user, cmd.draft)
    if isinstance(cmd, Update):
        return actions.update(ctx, user, cmd.ref, cmd.changes)
    if isinstance(cmd, Close):
        return actions.close(ctx, user, cmd.ref, cmd.note, cmd.status, cmd.duplicate_of)
    return actions.review_all(ctx, user, cmd.refs, cmd.note)


@work("risk.change")
def apply_change(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """`/risk add|update|close|reviewed …`, kept before its ack and parsed again here (with the
    day it was sent, so relative dates mean what they meant then)."""
    parsed = parse_risk_command(request.payload.get("text", ""),
                                today=messages.today(ctx, request.received_at),
                                rules=ctx.rules)
    text = change(ctx, request.user, parsed)  # a refusal is answered by slack_io.perform
    occurred = (isinstance(parsed, Close) and parsed.status == rules.OCCURRED) or (
        isinstance(parsed, Update) and parsed.changes.values.get("status") == rules.OCCURRED)
    offered = issues.occurred_risk(ctx, parsed.ref) if occurred else None
    reply.say(**issue.offer_for_risk(ctx, text, offered))


# ---------------------------------------------------------------------------------------------
# The card's buttons
# ---------------------------------------------------------------------------------------------


def clicked_risk(body: dict) -> int:
    """The risk id in a button's value; a value we did not write is answered, not crashed on."""
    clicked = (body.get("actions") or [{}])[0]
    return RiskButton.decode(clicked.get("value") if isinstance(clicked, dict) else None).risk_id


def on_button(ctx: BotContext, ack, body: dict, respond, act) -> None:
    """"Update" and "Close": ack at once, read the risk id, open the form (or say why not)."""
    ack()
    click(ctx, body, body["user"]["id"], _Respond(respond), act)


@work("risk.reviewed_button")
def apply_reviewed_button(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """"Mark reviewed", kept before its ack."""
    click(ctx, request.payload, request.user, reply, _review)


def click(ctx: BotContext, body: dict, user: str, reply, act) -> None:
    """What the three buttons share: read the risk id, act, answer the clicker.

    `act(ctx, body, user, risk_id)` returns a reply to show, or None when it opened a form. A
    refusal (the risk was closed meanwhile, the clicker may not change it) is shown and the
    clicked message is redrawn, so a stale card stops offering what cannot be done.
    """
    try:
        risk_id = clicked_risk(body)
    except UserError as error:
        reply.say(error_text(ctx.renderer, error))
        return
    try:
        text = act(ctx, body, user, risk_id)
    except UserError as error:
        refresh_clicked(ctx, body, reply, risk_id, refused=True)
        reply.say(error_text(ctx.renderer, error))
        return
    if text is not None:
        refresh_clicked(ctx, body, reply, risk_id)
        reply.say(text)


class _Respond:
    """bolt's `respond` with the two verbs of a kept request's `Reply` (say, replace)."""

    def __init__(self, respond) -> None:
        self._respond = respond

    def say(self, text: str) -> None:
        self._respond(text=text, response_type="ephemeral", replace_original=False)

    def replace(self, **message) -> None:
        self._respond(replace_original=True, **message)


def _review(ctx: BotContext, _body: dict, user: str, risk_id: int) -> str:
    return actions.review(ctx, user, risk_id)


def _open_update_form(ctx: BotContext, body: dict, user: str, risk_id: int) -> None:
    _open_form(ctx, body, user, risk_id, "update")


def _open_close_form(ctx: BotContext, body: dict, user: str, risk_id: int) -> None:
    _open_form(ctx, body, user, risk_id, "close")


def _open_form(ctx: BotContext, body: dict, user: str, risk_id: int, verb: str) -> None:
    """"Update" and "Close" open a form, for people who may change a risk that is still open."""
    channel = _clicked_channel(body) or user
    risk = actions.risk_to_change(ctx, user, risk_id, verb)
    view = (messages.form_view(ctx, channel=channel, risk=risk)
            if verb == "update" else messages.close_view(ctx, risk, channel=channel))
    show_form(ctx, body["trigger_id"], view, lambda text: tell(ctx.client, user, channel, text),
              "risk.form_failed")


def refresh_clicked(ctx: BotContext, body: dict, reply, risk_id: int, *,
                    refused: bool = False) -> None:
    """Redraw the message the button was on with the risk as it is now, through the click's
    response_url. After a change the channel card is redrawn by the outbox already, so only
    other messages (the owner's DM, an ephemeral `/risk show`) are; after a refusal the
    clicked message was evidently out of date, whichever it is. A reminder is never redrawn
    as the card: it lists the person's other overdue items too, and the reply says what
    happened."""
    if _is_reminder(body):
        return
    clicked = _clicked_message(body)
    found = actions.with_card(ctx, risk_id)
    if found is None:
        return
    risk, card, links = found
    payload = messages.card(ctx, risk, links=links).as_payload()
    if refused or clicked is None or clicked != card:
        reply.replace(**payload)


def _is_reminder(body: dict) -> bool:
    """Whether the button was clicked in a reminder DM (which carries Snooze buttons)."""
    blocks = (body.get("message") or {}).get("blocks") or []
    return any(element.get("action_id") == Action.NUDGE_SNOOZE
               for block in blocks for element in block.get("elements") or [])


def _clicked_channel(body: dict) -> str | None:
    return (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")


def _clicked_message(body: dict) -> tuple[str, str] | None:
    ts = (body.get("container") or {}).get("message_ts")
    channel = _clicked_channel(body)
    return (channel, ts) if channel and ts else None


# ---------------------------------------------------------------------------------------------
# The forms
# ---------------------------------------------------------------------------------------------


def on_form(ctx: BotContext, ack, body: dict, view: dict) -> None:
    """The add/update form: field errors keep it open; a valid one closes and is confirmed."""
    default_field = RiskBlock.TITLE  # on both forms; the add form's own refusals name PROJECT
    try:
        form = RiskForm.decode(view.get("private_metadata"))
        if not form.is_update:
            default_field = RiskBlock.PROJECT
        _checked_form(ctx, body["user"]["id"], view, form)
    except UserError as error:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, default_field))
        return
    keep(ctx, ack, "risk.form", body, user=body["user"]["id"], channel=form.channel)


@work("risk.form")
def apply_form(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """A submitted add/update form, kept before its ack: checked again, then applied."""
    view = request.payload["view"]
    reply.say(_checked_form(ctx, request.user, view,
                            RiskForm.decode(view.get("private_metadata")))())


def _checked_form(ctx: BotContext, user: str, view: dict, form: RiskForm):
    fields = {block: messages.submitted(view["state"]["values"], block) for block in RiskBlock}
    if form.is_update:
        return _checked_update(ctx, user, form, fields)
    return _checked_add(ctx, user, fields)


def _checked_add(ctx: BotContext, user: str, fields: dict):
    today = messages.today(ctx)
    key = parse_key(fields.get(RiskBlock.PROJECT), usage=rules.ADD_USAGE)
    values = rules.read_form(fields, today=today, rules=ctx.rules)
    draft = rules.make_draft(key=key, rules=ctx.rules, **values)
    actions.check_new_risk(ctx, key)
    return lambda: actions.add(ctx, user, draft)


def _checked_update(ctx: BotContext, user: str, form: RiskForm, fields: dict):
    risk_id, version = form.risk_id, form.version
    risk = actions.risk_to_change(ctx, user, risk_id)
    if risk.version != version:
        raise UserError("risk.changed_meanwhile", ref=str(risk.ref))
    current = actions.current_values(risk)
    values = rules.read_form(fields, today=messages.today(ctx), rules=ctx.rules, current=current)
    changes = rules.check_changes(rules.changed_values(current, values), fields.get("note"),
                                  usage=rules.UPDATE_USAGE)
    actions.values_to_write(ctx, risk, changes)  # a closed risk: reopened, with a reason
    if not changes.values and not changes.note:
        raise UserError("risk.nothing_changed", ref=str(risk.ref))
    return lambda: actions.update(ctx, user, risk_id, changes, version=version)


def on_close_form(ctx: BotContext, ack, body: dict, view: dict) -> None:
    try:
        form, *_ = _checked_close(ctx, body["user"]["id"], view)
    except UserError as error:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, RiskBlock.NOTE))
        return
    keep(ctx, ack, "risk.close_form", body, user=body["user"]["id"], channel=form.channel)


@work("risk.close_form")
def apply_close_form(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    view = request.payload["view"]
    form, note, status = _checked_close(ctx, request.user, view)
    text = actions.close(ctx, request.user, form.risk_id, note, status)
    offered = issues.occurred_risk(ctx, form.risk_id) if status == rules.OCCURRED else None
    reply.say(**issue.offer_for_risk(ctx, text, offered))


def _checked_close(ctx: BotContext, user: str, view: dict):
    values = view["state"]["values"]
    outcome = messages.submitted(values, RiskBlock.OUTCOME)
    status = outcome if outcome in (rules.CLOSED, rules.OCCURRED) else rules.CLOSED
    note = rules.check_closing_note(messages.submitted(values, RiskBlock.NOTE),
                                    usage=rules.CLOSE_USAGE)
    form = RiskCloseForm.decode(view.get("private_metadata"))
    actions.risk_to_change(ctx, user, form.risk_id, "close")
    return form, note, status
