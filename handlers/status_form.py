"""The status form: `/status` with no text, `/status edit KEY`, and every "Post update" button.

`open_status_modal(ctx, client, trigger_id, user, key=None, prefill_from_latest=False)` is what
other features call (the Home tab, the reminders' "Post update" button). A submission has
exactly the effect of the one-liner (`services.status.post_status`); a correction goes through
`services.status.correct_status`, which updates the posted card in place. Bad input comes back on
the field (`response_action: errors`) and the form stays open.

The view's private_metadata (`pmo_rules.values.StatusForm` / `StatusEditForm`) carries the
channel the form was opened from (where the confirmation goes) and, for a correction, the
update's id.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers.forms import form_values
from handlers.slack_io import (
    Incoming,
    Reply,
    error_text,
    field_errors,
    keep,
    show_form,
    tell,
    work,
)
from pmo_rules.errors import UserError
from pmo_rules.ids import Action, Block, Callback
from pmo_rules.status import (
    DIMENSIONS,
    MONEY,
    NOT_RATED,
    NOTE_MAX,
    SUMMARY_MAX,
    draft_from_form,
)
from pmo_rules.values import StatusEditForm, StatusForm
from services.context import BotContext
from services.status import (
    StatusUpdate,
    check_correction,
    check_may_post,
    correct_status,
    form_start,
    latest_to_correct,
    post_status,
)

MAX_OPTIONS = 100  # Slack's limit for a static_select; more projects get a KEY text box
PREFILLED = ("overall", *DIMENSIONS, "percent_complete", *MONEY, "summary", "blockers",
             "next_steps")
"""What a form starting from an update carries over: all of it, the summary too (the issue
asks for the form "pre-filled with the last update"; a PM rewrites what changed rather than
retyping what did not)."""


def register(app: App, ctx: BotContext) -> None:
    app.view(Callback.STATUS_MODAL)(
        lambda ack, body, client: on_submit_new(ctx, ack, body, client))
    app.view(Callback.STATUS_EDIT)(
        lambda ack, body, client: on_submit_edit(ctx, ack, body, client))


# -- opening ------------------------------------------------------------------------------------

def open_status_modal(ctx: BotContext, client, trigger_id: str, user: str, key: str | None = None,
                      prefill_from_latest: bool = False, channel: str | None = None) -> None:
    """Open the status form for `user`, on project `key` if given.

    `prefill_from_latest` starts from the project's latest update (colours, percent, summary,
    blockers, next steps), for the PM to edit. A refusal — an unknown project, someone
    who may not post for it — opens a short notice instead, so a button never goes silent.
    Call it before any slow work: `trigger_id` expires three seconds after the click.
    """
    try:
        view = new_form(ctx, user, key=key, prefill_from_latest=prefill_from_latest,
                        channel=channel)
    except UserError as error:
        view = notice_view(ctx, error_text(ctx.renderer, error))
    show_form(ctx, trigger_id, view, lambda text: tell(ctx.client, user, channel, text),
              "status.form_failed")


def new_form(ctx: BotContext, user: str, *, key: str | None = None,
             prefill_from_latest: bool = False, channel: str | None = None) -> dict[str, Any]:
    """The form for a new update; refuses (UserError) when `user` may post for no project."""
    projects, chosen, latest = form_start(ctx, user, key=key, most=MAX_OPTIONS,
                                          prefill_from_latest=prefill_from_latest)
    return _render(ctx, Callback.STATUS_MODAL, "status.form.title_new",
                   StatusForm(channel).encode(),
                   _values(latest, PREFILLED), projects=projects[:MAX_OPTIONS],
                   key_input=len(projects) > MAX_OPTIONS, chosen=chosen, fixed=None)


def edit_form(ctx: BotContext, user: str, key: str, *, channel: str | None = None) -> dict:
    """The form pre-filled with `user`'s latest update on `key`, if they may still correct it."""
    status, project = latest_to_correct(ctx, user, key)
    return _render(ctx, Callback.STATUS_EDIT, "status.form.title_edit",
                   StatusEditForm(status.id, channel).encode(), _values(status, PREFILLED),
                   projects=[], key_input=False, chosen=None, fixed=project)


def notice_view(ctx: BotContext, text: str) -> dict[str, Any]:
    return ctx.renderer.view("notice_modal", text=text)


def _values(status: StatusUpdate | None, names: tuple[str, ...]) -> dict[str, Any]:
    """The form's starting values; amounts as a person types them (`150000`, `1234.5`)."""
    if status is None:
        return {}
    values = {name: getattr(status, name) for name in names}
    for name in MONEY:
        if values.get(name) is not None:
            values[name] = format(values[name].normalize(), "f")
    return values


def _render(ctx: BotContext, callback: Callback, title_key: str, metadata: str,
            values: dict[str, Any], **project_part: Any) -> dict[str, Any]:
    return ctx.renderer.view("status_modal", callback_id=callback, title_key=title_key,
                             metadata=metadata, values=values, block=Block, action=Action,
                             not_rated=NOT_RATED, summary_max=SUMMARY_MAX, note_max=NOTE_MAX,
                             money_fields=MONEY, currency=ctx.rules.pmo.currency,
                             **project_part)


# -- submitting ---------------------------------------------------------------------------------

def on_submit_new(ctx: BotContext, ack, body: dict, client) -> None:
    user, view = body["user"]["id"], body["view"]
    try:
        channel = StatusForm.decode(view.get("private_metadata")).channel
        draft = draft_from_form(form_values(view))
        check_may_post(ctx, user, draft.key)
    except UserError as error:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, Block.PROJECT))
        return
    keep(ctx, ack, "status.form_new", body, user=user, channel=channel)


@work("status.form_new")
def apply_new(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """A submitted status form, kept before its ack: read again from the view Slack sent."""
    draft = draft_from_form(form_values(request.payload["view"]))
    reply.say(post_status(ctx, request.user, draft))


def on_submit_edit(ctx: BotContext, ack, body: dict, client) -> None:
    """Checked again at submit: the form may have outlived the edit window or the update."""
    user, view = body["user"]["id"], body["view"]
    try:
        form = StatusEditForm.decode(view.get("private_metadata"))
        _draft_of_correction(ctx, user, view, form.status_id)
    except UserError as error:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, Block.SUMMARY))
        return
    keep(ctx, ack, "status.form_edit", body, user=user, channel=form.channel)


@work("status.form_edit")
def apply_edit(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """A submitted correction, kept before its ack; `correct_status` checks it once more."""
    view = request.payload["view"]
    status_id = StatusEditForm.decode(view.get("private_metadata")).status_id
    reply.say(correct_status(ctx, request.user, status_id,
                             _draft_of_correction(ctx, request.user, view, status_id)))


def _draft_of_correction(ctx: BotContext, user: str, view: dict, status_id: int) -> Any:
    project = check_correction(ctx, user, status_id)
    return draft_from_form({**form_values(view), Block.PROJECT: project.key})
