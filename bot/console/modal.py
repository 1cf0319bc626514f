"""A modal as a terminal form: each input asked in turn, then a real `view_submission`.

Slack checks some things in the client before a form is sent (a required field left empty, a
number out of range, a date that is not a date, an option that is not offered); the console does
the same and asks again. What the app says about the answers (`response_action: errors`) is
shown next to the field, and only those fields are asked again. `update`, `push` and `clear`
behave as in Slack. A view without a submit button (the notice a form turns into) is shown and
closed, as its Close button would close it: Slack never submits such a view. Menus and pickers
in messages are operated with the same questions. How each answer is read and checked is in
`answers.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from bot.console.answers import (
    KINDS,
    Cancelled,
    InputEnded,
    options_of,
    read_answer,
    state_value,
)
from bot.console.engine import ack_body
from bot.console.render import Drawing, draw_block, plain
from bot.standin.driver import HttpResponse
from pmo_rules.errors import UserError

if TYPE_CHECKING:
    from bot.console.session import Session

VIEW_EVENTS = frozenset({"view_open", "view_push", "view_update"})
_TYPED = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})
INLINE_OPTIONS_WIDTH = 60


# -- questions ---------------------------------------------------------------------------------


def describe(session: Session, label: str, element: dict, *, optional: bool,
             hint: object = None) -> None:
    """The question: label, hint, the choices on offer and what Enter keeps."""
    side = session.printer.side
    side(session.words("console.form_label", "bold", label=label, optional=optional))
    if hint:
        side(Text(plain(hint, session.names), style="dim"))
    if element.get("multiline"):
        side(session.words("console.form_multiline", "dim"))
    options = [plain(o.get("text"), session.names) for o in options_of(element)]
    default = _shown_default(session, element)
    if element["type"] == "checkboxes" and len(options) == 1:
        side(session.words("console.form_tick", option=options[0],
                           may_skip=optional and not default))
    else:
        _list_options(session, element, options)
    if default:
        side(session.words("console.form_default", "dim", value=default))


def _list_options(session: Session, element: dict, options: list[str]) -> None:
    """The numbered choices, on one line when they fit, and how to pick several."""
    numbered = [f"{i}. {text}" for i, text in enumerate(options, start=1)]
    if numbered and sum(len(n) + 3 for n in numbered) <= INLINE_OPTIONS_WIDTH:
        session.printer.side("   ".join(numbered))
    else:
        for line in numbered:
            session.printer.side(line)
    if element["type"] in ("multi_static_select", "checkboxes"):
        session.printer.side(session.words("console.form_several", "dim"))


def _shown_default(session: Session, element: dict) -> str:
    kind = KINDS.get(element["type"])
    initial = element.get(kind.initial) if kind else None
    if initial in (None, "", []):
        return ""
    items = initial if isinstance(initial, list) else [initial]
    shown = []
    for item in items:
        if isinstance(item, dict):
            shown.append(plain(item.get("text"), session.names))
        elif kind.key in ("selected_user", "selected_users"):
            shown.append(session.names.user(item))
        elif kind.key in ("selected_conversation", "selected_channel"):
            shown.append(session.names.channel(item))
        else:
            shown.append(str(item))
    return ", ".join(shown)


def ask(session: Session, label: str, element: dict, *, optional: bool,
        hint: object = None) -> dict:
    """Ask for one element's answer until it is acceptable; its state value."""
    describe(session, label, element, optional=optional, hint=hint)
    while True:
        try:
            return state_value(session, element, read_answer(session), optional)
        except UserError as refusal:
            session.printer.side(session.words(refusal.key, "yellow", **refusal.params))


def confirmed(session: Session, confirm: dict) -> bool:
    """A button's confirmation dialog: True only when the person confirms."""
    names, side = session.names, session.printer.side
    session.printer.card(plain(confirm.get("title"), names) or session.t("console.confirm"),
                         [])
    side(plain(confirm.get("text"), names))
    yes = plain(confirm.get("confirm"), names) or session.t("console.confirm_yes")
    no = plain(confirm.get("deny"), names) or session.t("console.confirm_no")
    side(f"1. {yes}   2. {no}")
    while True:
        answer = read_answer(session).casefold()
        if answer in ("1", "y", "yes", yes.casefold()):
            return True
        if answer in ("", "2", "n", "no", no.casefold()):
            session.note(session.t("console.click_declined"))
            return False
        side(session.words("console.form_not_option", "yellow", answer=answer[:40], count=2))


def action_for(session: Session, element: dict, block_id: str | None, action_ts: str) -> dict:
    """The `actions[0]` of a block_actions payload; menus and pickers ask for their choice."""
    kind = element.get("type")
    action = {"type": kind, "action_id": element.get("action_id", ""),
              "block_id": block_id or "", "action_ts": action_ts}
    if kind == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        return action
    session.printer.card(session.t("console.choose"), [])
    label = plain(element.get("placeholder"), session.names) or session.t("console.choose")
    chosen = ask(session, label, element, optional=False)
    action.update({k: v for k, v in chosen.items() if k != "type"})
    return action


# -- the form ----------------------------------------------------------------------------------


def input_blocks(view: dict) -> dict[str, dict]:
    return {block.get("block_id") or f"block_{i}": block
            for i, block in enumerate(view.get("blocks") or [])
            if isinstance(block, dict) and block.get("type") == "input"}


def fill(session: Session, view: dict, values: dict, only: dict[str, str] | None) -> dict:
    """Ask the view's inputs (or just those named in `only`, with the app's complaint)."""
    inputs = input_blocks(view)
    values = dict(values)
    blocks = view.get("blocks") or []
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id") or f"block_{i}"
        if block_id not in inputs:
            if only is None:
                drawing = Drawing(session.names, clickable=False)
                draw_block(block, drawing)
                for line in drawing.lines:
                    session.printer.side(line)
            continue
        if only is not None and block_id not in only:
            continue
        if only is not None:
            session.printer.side(Text(f"⚠ {only[block_id]}", style="yellow"))
        values[block_id] = _answer_block(session, block, rejected=only is not None)
    return values


def _answer_block(session: Session, block: dict, *, rejected: bool) -> dict:
    """Ask one input. Asked again after the app refused it, it keeps nothing: offering the
    refused answer (or the default it replaced) would make Enter send it again, so Enter leaves
    an optional field empty and a required one must be answered."""
    element = block.get("element") or {}
    kind = KINDS.get(element.get("type"))
    if rejected and kind is not None:
        element = {k: v for k, v in element.items() if k != kind.initial}
    label = plain(block.get("label"), session.names)
    action_id = element.get("action_id") or "value"
    if element.get("type") not in KINDS:
        session.printer.side(session.words("console.form_unsupported", "yellow", label=label,
                                           kind=element.get("type")))
        return {action_id: {"type": element.get("type")}}
    # A text box's placeholder is what Slack shows in it before anything is typed: the only
    # hint a box may have (the status form's KEY box, once projects outgrow a menu).
    hint = block.get("hint") or (element.get("placeholder") if element.get("type") in _TYPED
                                 else None)
    chosen = ask(session, label, element, optional=bool(block.get("optional")), hint=hint)
    return {action_id: chosen}


def run_form(session: Session, stack: list[dict]) -> None:
    """Fill in and submit the top view of `stack` (Slack's modal stack for this person) until
    the app has closed every view, following `update`, `push`, `clear` and the app's own
    views.update / views.push calls."""
    slack, user = session.bot.slack, session.user
    stack = list(stack)
    try:
        while stack:
            stack = _submit_top(session, stack)
    except (Cancelled, KeyboardInterrupt):
        slack.close_modal(user, close_all=True)
        session.note(session.t("console.form_cancelled"))
        if stack[-1].get("notify_on_close"):
            session.settle(session.bot.view_closed(user=user, view=stack[-1]))
    except InputEnded:
        slack.close_modal(user, close_all=True)
        raise


def _submit_top(session: Session, stack: list[dict]) -> list[dict]:
    """Fill in the top view, submit it, and return the stack as Slack shows it afterwards."""
    stack = _submitted(session, stack) if stack[-1].get("submit") else _dismissed(session, stack)
    session.begin_screen()
    events = session.show_events()
    session.end_screen()
    if any(e["kind"] in VIEW_EVENTS and e.get("user") == session.user for e in events):
        stack = session.bot.slack.modal_stack(session.user)
    return stack


def _submitted(session: Session, stack: list[dict]) -> list[dict]:
    """Fill in and submit the top view; the stack after the app's answer to the submission."""
    view = stack[-1]
    response, body = _filled_and_submitted(session, view)
    action = body.get("response_action") if response.status == 200 else None
    if action in ("update", "push") and isinstance(body.get("view"), dict):
        following = {k: v for k, v in body["view"].items() if k != "id"}
        if action == "update":
            return [*stack[:-1], dict(following, id=view.get("id"))]
        return [*stack, following]
    return _closed(session, stack, action, response.status, body)


def _dismissed(session: Session, stack: list[dict]) -> list[dict]:
    """A view with nothing to submit (a notice): there is nothing to answer and no submit
    button, so the person reads it and presses Close; Slack tells the app when it asks to
    know (`notify_on_close`)."""
    view, names = stack[-1], session.names
    drawing = Drawing(names, clickable=False)
    for block in view.get("blocks") or []:
        if isinstance(block, dict):
            draw_block(block, drawing)
    session.printer.card(session.t("console.notice_title",
                                   title=plain(view.get("title"), names)), drawing.lines)
    session.note(session.t("console.notice_closed",
                           close=plain(view.get("close"), names)
                           or session.t("console.notice_close")))
    stack = _popped(session, stack)
    if view.get("notify_on_close"):
        session.bot.view_closed(user=session.user, view=view)
        session.bot.quiet()
    return stack


def _filled_and_submitted(session: Session, view: dict) -> tuple[HttpResponse, dict]:
    """Ask every input, submit, and ask again the fields the app complains about."""
    session.printer.card(session.t("console.form_title",
                                   title=plain(view.get("title"), session.names)),
                         [session.words("console.form_intro", "dim")])
    inputs = input_blocks(view)
    values = fill(session, view, {}, None)
    while True:
        response = session.bot.view_submission(user=session.user, view=view, values=values)
        session.bot.quiet()
        body = ack_body(response) if response.status == 200 else {}
        errors = body.get("errors") if body.get("response_action") == "errors" else None
        if not (isinstance(errors, dict) and errors and set(errors) <= set(inputs)):
            return response, body
        complaints = {block_id: f"{plain(inputs[block_id].get('label'), session.names)}: "
                                f"{message}" for block_id, message in errors.items()}
        values = fill(session, view, values, complaints)


def _closed(session: Session, stack: list[dict], action: str | None, status: int,
            body: dict) -> list[dict]:
    """The stack after the top view closed (all of it for `clear` or a failed submission)."""
    slack, user = session.bot.slack, session.user
    if status == 200 and action in (None, "clear"):
        session.note(session.t("console.form_closed"))
    elif action == "errors":
        session.note(session.t("console.form_errors_elsewhere",
                               errors="; ".join(f"{k}: {v}" for k, v in
                                                (body.get("errors") or {}).items())))
    else:
        session.note(session.t("console.form_failed", status=status))
    if status != 200 or action is not None:
        slack.close_modal(user, close_all=True)
        return []
    return _popped(session, stack)


def _popped(session: Session, stack: list[dict]) -> list[dict]:
    """The stack without its top view, closed in Slack too unless the app already closed it."""
    slack, user = session.bot.slack, session.user
    top = slack.modal_stack(user)[-1:]
    if top and top[0].get("id") == stack[-1].get("id"):
        slack.close_modal(user)
    return stack[:-1]
