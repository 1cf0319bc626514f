"""`/pmo meeting KEY`: the minutes form. The project is checked before the form opens (an
unknown or ended project is the ack); a submission is checked (field errors keep the form
open), kept in the inbox before its ack — once per form, by its view id, so a double submit
records once — and recorded after it."""

from __future__ import annotations

from slack_bolt import App

from handlers.milestone import dates_of
from handlers.slack_io import Incoming, Reply, ephemeral, field_errors, keep, show_form, work
from pmo_rules import actions as action_rules
from pmo_rules import decisions as decision_rules
from pmo_rules import meetings
from pmo_rules.errors import UserError
from pmo_rules.ids import Action
from services import meetings as minutes_of
from services.context import BotContext


def register(app: App, ctx: BotContext) -> None:
    app.view(meetings.MEETING_FORM)(lambda ack, body, view: on_submit(ctx, ack, body, view))


def open_form(ctx: BotContext, ack, command: dict, respond, parsed: meetings.OpenMeeting) -> None:
    """Checked first (a refusal is the ack); then the form opens."""
    key, name = minutes_of.form_project(ctx, parsed.key)
    view = ctx.renderer.view(
        "meeting_form", key=key, name=name, today=dates_of(ctx)[0].isoformat(),
        action=Action.VALUE, callback=meetings.MEETING_FORM,
        metadata=meetings.MeetingForm(key, command.get("channel_id")).encode(),
        decision_rows=meetings.DECISION_ROWS, action_rows=meetings.ACTION_ROWS,
        title_max=meetings.TITLE_MAX, notes_max=meetings.NOTES_MAX,
        decision_max=decision_rules.TITLE_MAX, action_max=action_rules.TITLE_MAX)
    ack()
    show_form(ctx, command["trigger_id"], view, ephemeral(respond), "meeting.form_failed")


def answers(view: dict) -> dict[str, object]:
    """{block_id: value}: typed text, a picked date, a chosen person, the chosen people.
    What arrives from outside reads as empty when it is not the expected shape."""
    values = ((view.get("state") or {}).get("values") or {}) if isinstance(view, dict) else {}
    found: dict[str, object] = {}
    for block, elements in values.items():
        element = elements.get(Action.VALUE) if isinstance(elements, dict) else None
        if not isinstance(element, dict):
            continue
        for name in ("value", "selected_date", "selected_user"):
            if isinstance(element.get(name), str):
                found[block] = element[name]
        users = element.get("selected_users")
        if isinstance(users, list):
            found[block] = [u for u in users if isinstance(u, str)]
    return found


def read(ctx: BotContext, view: dict, at=None) -> meetings.Minutes:
    form = meetings.MeetingForm.decode(view.get("private_metadata"))
    return meetings.read_form(form.key, answers(view), dates_of(ctx, at)[0])


def on_submit(ctx: BotContext, ack, body: dict, view: dict) -> None:
    user = body["user"]["id"]
    try:
        read(ctx, view)
        form = meetings.MeetingForm.decode(view.get("private_metadata"))
    except UserError as error:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, "title"))
        return
    view_id = view.get("id")
    keep(ctx, ack, "meeting.form", body, user=user, channel=form.channel,
         once_as=f"view:{view_id}" if isinstance(view_id, str) and view_id else None)


@work("meeting.form")
def apply_form(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """A submitted minutes form, kept before its ack: read again, then recorded."""
    reply.say(minutes_of.record(ctx, request.user,
                                read(ctx, request.payload["view"], request.received_at)))
