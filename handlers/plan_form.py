"""The plan form: `/pmo project KEY plan` without options opens it, pre-filled with the plan
as it stands; a submission is checked (field errors keep it open), kept in the inbox before
its ack and applied after it like the one-line command."""

from __future__ import annotations

from slack_bolt import App

from handlers.forms import form_values
from handlers.milestone import dates_of
from handlers.slack_io import Incoming, Reply, ephemeral, field_errors, keep, show_form, work
from pmo_rules import plans
from pmo_rules.errors import UserError
from pmo_rules.ids import Action
from services import plans as actions
from services.context import BotContext


def register(app: App, ctx: BotContext) -> None:
    app.view(plans.PLAN_FORM)(lambda ack, body, view: on_submit(ctx, ack, body, view))


def open_form(ctx: BotContext, ack, command: dict, respond, parsed: plans.OpenPlanForm) -> None:
    """Checked first (a refusal is the ack); then the form opens."""
    key, current, stage = actions.plan_to_edit(ctx, command["user_id"], parsed.key)
    form = dict.fromkeys(plans.FORM_FIELDS)
    if current is not None:
        form.update(start=current.start.isoformat(), finish=current.finish.isoformat(),
                    budget=f"{current.budget:f}".removesuffix(".00"),
                    sponsor=current.sponsor_id, method=current.method)
    view = ctx.renderer.view(
        "plan_form", key=key, form=form, stage=stage, currency=ctx.rules.pmo.currency,
        method_words=list(plans.METHODS), action=Action.VALUE, callback=plans.PLAN_FORM,
        metadata=plans.PlanForm(key, command.get("channel_id")).encode())
    ack()
    show_form(ctx, command["trigger_id"], view, ephemeral(respond), "plan.form_failed")


def _submitted(ctx: BotContext, user: str, view: dict) -> tuple[plans.PlanForm, plans.SetPlan]:
    form = plans.PlanForm.decode(view.get("private_metadata"))
    values = {**form_values(view), **_pickers(view)}
    command = plans.read_form(form.key, values, *dates_of(ctx))
    actions.check_plan(ctx, user, command)
    return form, command


def _pickers(view: dict) -> dict[str, str | None]:
    """Dates and people: `form_values` reads text and options only."""
    values = ((view.get("state") or {}).get("values") or {})
    found: dict[str, str | None] = {}
    for block, key in (("start", "selected_date"), ("finish", "selected_date"),
                       ("sponsor", "selected_user")):
        element = (values.get(block) or {}).get(Action.VALUE) or {}
        found[block] = element.get(key) if isinstance(element.get(key), str) else None
    return found


def on_submit(ctx: BotContext, ack, body: dict, view: dict) -> None:
    user = body["user"]["id"]
    try:
        form, _command = _submitted(ctx, user, view)
    except UserError as error:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, "budget"))
        return
    keep(ctx, ack, "plan.form", body, user=user, channel=form.channel)


@work("plan.form")
def apply_form(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    """A submitted plan form, kept before its ack: read again, then applied (checked again)."""
    form = plans.PlanForm.decode(request.payload["view"].get("private_metadata"))
    command = plans.read_form(form.key, {**form_values(request.payload["view"]),
                                         **_pickers(request.payload["view"])},
                              *dates_of(ctx, request.received_at))
    reply.say(actions.set_plan(ctx, request.user, command))
