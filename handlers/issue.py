"""`/issue` (and the same words after `/pmo issue`): add (one line or the form), list, show,
update, resolve, escalate, help; "I'll coordinate" on the PMO's copy of an issue; "Raise as an
issue" under a risk that occurred.

Reading is answered in the ack. A change is checked (the issue exists, the caller may) before
the ack, kept in the inbox and applied after it (`keep` + `@work`), where it is checked again.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.milestone import dates_of
from handlers.slack_io import (
    Incoming,
    Reply,
    ephemeral,
    error_text,
    field_errors,
    keep,
    show_form,
    work,
)
from pmo_rules import issues as grammar
from pmo_rules.errors import UserError
from pmo_rules.ids import Action, IssueAction, IssueBlock, IssueCallback
from pmo_rules.values import IssueButton, IssueForm, RiskButton
from services import issue_cards as views
from services import issues as actions
from services.context import BotContext
from templates.paging import REPLY_CHARS
from templates.render import Message

LIST_MAX = 40


def register(app: App, ctx: BotContext) -> None:
    app.command("/issue")(lambda ack, command, respond: on_issue(ctx, ack, command, respond))
    for action_id, name in ((IssueAction.COORDINATE, "issue.coordinate"),
                            (IssueAction.FROM_RISK, "issue.from_risk")):
        app.action(action_id)(_kept_click(ctx, name))
    app.view(IssueCallback.FORM)(lambda ack, body, view: on_form(ctx, ack, body, view))


def _kept_click(ctx: BotContext, name: str):
    return lambda ack, body: keep(ctx, ack, name, body, user=body["user"]["id"],
                                  channel=_clicked_channel(body))


def issue_text(payload: dict) -> str:
    """The `/issue` words of a command: after `issue` when it came as `/pmo`."""
    text = payload.get("text", "") or ""
    if payload.get("command") == "/pmo":
        text = text.strip()[len("issue"):]
    return text


def on_issue(ctx: BotContext, ack, command: dict, respond) -> None:
    user = command["user_id"]
    try:
        parsed = grammar.parse_issue_command(issue_text(command), *dates_of(ctx))
        if isinstance(parsed, grammar.Help):
            ack(text=help_text(ctx))
        elif isinstance(parsed, grammar.OpenForm):
            view = form_view(ctx, user, command.get("channel_id"), parsed.key)
            ack()
            show_form(ctx, command["trigger_id"], view, ephemeral(respond), "issue.form_failed")
        elif isinstance(parsed, grammar.ListIssues):
            ack(**listing(ctx, user, parsed).as_payload())
        elif isinstance(parsed, grammar.Show):
            issue, history = views.with_history(ctx, parsed.ref)
            ack(**views.card(ctx, issue, history=history).as_payload())
        else:
            actions.check_change(ctx, user, parsed)
            keep(ctx, ack, "issue.change", command, user=user,
                 channel=command.get("channel_id"))
    except UserError as error:
        answer = error_text(ctx.renderer, error)
        if error.key == "issue.no_such_command":
            answer += "\n" + help_text(ctx)
        ack(text=answer)


def help_text(ctx: BotContext) -> str:
    return ctx.renderer.t("issue.help")


def listing(ctx: BotContext, user: str, cmd: grammar.ListIssues) -> Message:
    project, rows, total = views.listing(ctx, user, cmd, LIST_MAX)
    t = ctx.renderer.t
    if not rows:
        if project is None:
            return ctx.renderer.text("issue.list_empty_mine")
        return ctx.renderer.text("issue.list_empty", key=project.key)
    if project is None:
        lines = [t("issue.list_header_mine", count=total)]
    else:
        header = "issue.list_header_all" if cmd.include_resolved else "issue.list_header"
        lines = [t(header, key=project.key, count=total)]
    lines += [t("issue.list_row", i=issue) for issue in rows]
    if total > len(rows):
        lines.append(t("issue.list_more", more=total - len(rows)))
    return Message(text="\n".join(lines)[:REPLY_CHARS])


@work("issue.change")
def apply_change(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = grammar.parse_issue_command(issue_text(request.payload),
                                         *dates_of(ctx, request.received_at))
    use_case = {grammar.Add: actions.add, grammar.Update: actions.update,
                grammar.Resolve: actions.resolve,
                grammar.Escalate: actions.escalate}.get(type(parsed))
    if use_case is None:
        raise UserError("issue.no_such_command", word=issue_text(request.payload)[:40])
    reply.say(use_case(ctx, request.user, parsed))


# --- buttons -------------------------------------------------------------------------------------

def _clicked_channel(body: dict) -> str | None:
    return (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")


def _clicked_value(body: dict) -> object:
    clicked = (body.get("actions") or [{}])[0]
    return clicked.get("value") if isinstance(clicked, dict) else None


@work("issue.coordinate")
def apply_coordinate(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """"I'll coordinate": PMO admins only; the first click wins, later ones are told who."""
    issue_id = IssueButton.decode(_clicked_value(request.payload)).issue_id
    text, issue = actions.coordinate(ctx, request.user, issue_id)
    reply.say(text)
    if issue is not None and issue.coordinator_id:  # the clicked copy loses its button
        reply.replace(**views.card(ctx, issue).as_payload())


@work("issue.from_risk")
def apply_from_risk(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    risk_id = RiskButton.decode(_clicked_value(request.payload)).risk_id
    reply.say(actions.raise_from_risk(ctx, request.user, risk_id))


def offer_for_risk(ctx: BotContext, text: str, risk_id: int | None) -> dict:
    """A risk change's reply; when the risk has just occurred, with "Raise as an issue"."""
    if risk_id is None:
        return {"text": text}
    blocks = ctx.renderer.blocks("issue_offer", reply=text, action_id=IssueAction.FROM_RISK,
                                 value=RiskButton(risk_id).encode())
    return {"text": text, "blocks": blocks}


# --- the form ------------------------------------------------------------------------------------

def form_view(ctx: BotContext, user: str, channel: str | None, key: str) -> dict:
    name = actions.check_new_issue(ctx, key)
    return ctx.renderer.view("issue_form", callback_id=IssueCallback.FORM,
                             metadata=IssueForm(key, channel).encode(), key=key, name=name,
                             B=IssueBlock, action=Action.VALUE, owner=user,
                             severities=grammar.SEVERITIES, title_max=grammar.TITLE_MAX)


def on_form(ctx: BotContext, ack, body: dict, view: dict) -> None:
    try:
        form, _ = _checked_form(ctx, view)
    except UserError as error:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, IssueBlock.TITLE))
        return
    keep(ctx, ack, "issue.form", body, user=body["user"]["id"], channel=form.channel)


@work("issue.form")
def apply_form(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    _form, cmd = _checked_form(ctx, request.payload["view"], request.received_at)
    reply.say(actions.add(ctx, request.user, cmd))


def _checked_form(ctx: BotContext, view: dict, at=None) -> tuple[IssueForm, grammar.Add]:
    form = IssueForm.decode(view.get("private_metadata"))
    values = view["state"]["values"]

    def field(block: str) -> str | None:
        element = (values.get(block) or {}).get(Action.VALUE) or {}
        for name in ("value", "selected_user", "selected_date"):
            if element.get(name) is not None:
                return element[name]
        return (element.get("selected_option") or {}).get("value")

    today, years = dates_of(ctx, at)
    try:
        title = grammar.check_title(field(IssueBlock.TITLE))
    except UserError as error:
        raise _on(error, IssueBlock.TITLE) from None
    try:
        severity = grammar.parse_severity(field(IssueBlock.SEVERITY), usage=grammar.ADD_USAGE)
    except UserError as error:
        raise _on(error, IssueBlock.SEVERITY) from None
    due = None
    if field(IssueBlock.DUE):
        try:
            due = grammar.parse_due(field(IssueBlock.DUE), usage=grammar.ADD_USAGE, today=today,
                                    max_years_ahead=years)
        except UserError as error:
            raise _on(error, IssueBlock.DUE) from None
    actions.check_new_issue(ctx, form.key)
    return form, grammar.Add(form.key, title, severity, field(IssueBlock.OWNER), due)


def _on(error: UserError, block: str) -> UserError:
    return UserError(error.key, field=block, **error.params)
