"""The change request's approval card (posted and updated in place by the approvals engine),
the card an approved change posts to the project channel, and the impact in words."""

from __future__ import annotations

from decimal import Decimal

from pmo_rules.ids import Action
from pmo_rules.money import format_amount
from pmo_rules.values import ChangeButton
from services.approvals import approvals, voters
from services.context import BotContext
from storage.changes import ChangeRequest, ChangeVote
from storage.projects import Project
from templates.render import Message


def impact(ctx: BotContext, project: Project, request: ChangeRequest) -> list[str]:
    """One line a kind of impact: schedule, cost, scope, milestones moved."""
    t, lines = ctx.renderer.t, []
    if request.schedule_days:
        lines.append(t("change.impact.days", days=request.schedule_days))
    if request.new_finish:
        lines.append(t("change.impact.finish", finish=request.new_finish.isoformat()))
    if request.cost_delta is not None:
        lines.append(t("change.impact.cost", amount=signed(ctx, request.cost_delta)))
    if request.scope:
        lines.append(t("change.impact.scope", scope=request.scope))
    for move in request.moves:
        lines.append(t("change.impact.move", ref=f"{project.key}-M{move['number']}",
                       to=move["to"]))
    return lines


def signed(ctx: BotContext, amount: Decimal | str | None) -> str:
    value = Decimal(str(amount or 0))
    text = format_amount(abs(value), ctx.rules.pmo.currency)
    return ("+" if value >= 0 else "−") + text


def money(ctx: BotContext, amount: str | None) -> str:
    return "—" if amount is None else format_amount(Decimal(amount), ctx.rules.pmo.currency)


def card(ctx: BotContext, project: Project, request: ChangeRequest,
         votes: list[ChangeVote]) -> Message:
    """The approval card as it should look now: buttons while open, the decision after."""
    ref = request.ref(project.key)
    context = dict(key=project.key, name=project.name, ref=ref, request=request,
                   impact=impact(ctx, project, request), voters=voters(request, votes),
                   approvals=approvals(votes), value=ChangeButton(request.id).encode(),
                   approve_action=Action.CHANGE_APPROVE, reject_action=Action.CHANGE_REJECT,
                   applied=applied_lines(ctx, request))
    return Message(text=ctx.renderer.t("change.card_text", ref=ref, title=request.title,
                                       state=request.state, requester=request.requested_by),
                   blocks=ctx.renderer.blocks("change_card", **context))


def applied_lines(ctx: BotContext, request: ChangeRequest) -> list[str]:
    """What an approved change moved, before → after."""
    if not request.applied:
        return []
    t = ctx.renderer.t
    plan = request.applied["plan"]
    before, after = plan["before"], plan["after"]
    lines = []
    if before["baseline_finish"] != after["baseline_finish"]:
        lines.append(t("change.applied.finish", before=before["baseline_finish"],
                       after=after["baseline_finish"]))
    if before["baseline_budget"] != after["baseline_budget"]:
        lines.append(t("change.applied.budget", before=money(ctx, before["baseline_budget"]),
                       after=money(ctx, after["baseline_budget"])))
    lines += [t("change.applied.milestone", **moved) for moved in request.applied["milestones"]]
    return lines or [t("change.applied.nothing")]


def decided_card(ctx: BotContext, project: Project, request: ChangeRequest) -> Message:
    """The card an approved change posts to the project channel: what moved."""
    ref = request.ref(project.key)
    return ctx.renderer.message("change_applied", "change.applied.text", ref=ref,
                                title=request.title, key=project.key, name=project.name,
                                by=request.decided_by, lines=applied_lines(ctx, request),
                                scope=request.scope)
