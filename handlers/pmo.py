"""`/pmo`: the PMO office's verbs — the portfolio, one project, registering a project, a
project's own weekly digest, risks, gates, help.

`pmo_rules.pmo_commands` parses the text into a command object; `VERBS` maps each command type to
the function that answers it, so a new verb is one parser entry and one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from handlers import (
    action,
    capacity,
    change,
    decision,
    gate_views,
    issue,
    lesson,
    meeting,
    milestone,
    plan_form,
    proposal,
    risk_views,
)
from handlers.portfolio_views import portfolio_messages, project_card
from handlers.reminders import preview_digest
from handlers.slack_io import (
    Incoming,
    Reply,
    answer_later,
    ephemeral,
    error_text,
    keep,
    work,
)
from pmo_rules import permissions
from pmo_rules.capacity import Allocate, People
from pmo_rules.charts import ChartRequest
from pmo_rules.errors import UserError
from pmo_rules.gates import SetApprovers
from pmo_rules.ids import Action
from pmo_rules.meetings import OpenMeeting
from pmo_rules.plans import OpenPlanForm, Rebaseline, SetPlan
from pmo_rules.pmo_commands import (
    ActionWords,
    AddProject,
    ChangeWords,
    DecisionWords,
    EditProject,
    Help,
    IssueWords,
    LessonWords,
    ListGates,
    ListProjects,
    MilestoneWords,
    PreviewDigest,
    SetConfidential,
    SetProjectDigest,
    ShowAudit,
    ShowProject,
    parse_pmo_command,
)
from pmo_rules.proposals import (
    ListProposals,
    OpenProposalForm,
    PortfolioOverview,
    ProposalVerb,
    Rank,
)
from pmo_rules.risk_command import PortfolioRisks
from pmo_rules.values import ProjectButton
from services import audit, charts, plans, projects
from services import gates as gate_flow
from services.context import BotContext
from templates.audit import audit_text


def register(app: App, ctx: BotContext) -> None:
    app.command("/pmo")(lambda ack, command, respond: on_pmo(ctx, ack, command, respond))
    app.action(Action.MAKE_CONFIDENTIAL)(
        lambda ack, body, respond: on_make_confidential(ctx, ack, body, respond))


def on_pmo(ctx: BotContext, ack, command: dict, respond) -> None:
    try:
        parsed = parse_pmo_command(command.get("text", ""), *milestone.dates_of(ctx))
        answer = VERBS.get(type(parsed))
        if answer is None:
            raise UserError("pmo.no_such_command", word=command.get("text", "")[:40])
        answer(ctx, ack, command, respond, parsed)
    except UserError as error:
        ack(text=error_text(ctx.renderer, error))


def show_help(ctx: BotContext, ack, _command: dict, _respond, _parsed: Help) -> None:
    ack(text=ctx.renderer.t("help.pmo"))


def list_projects(ctx: BotContext, ack, command: dict, respond, parsed: ListProjects) -> None:
    """Reading the whole portfolio is not an indexed look-up: ack first, then answer."""
    ack()
    rule = parsed.filter.for_user(command["user_id"])

    def send_portfolio() -> None:
        for message in portfolio_messages(ctx, rule, command["user_id"]):
            respond(**message.as_payload(), response_type="ephemeral")

    apologise = ephemeral(respond)
    ctx.after_ack.run(send_portfolio,
                      on_error=lambda: apologise(ctx.renderer.t("errors.internal")))


def show_digest(ctx: BotContext, ack, _command: dict, respond, _parsed: PreviewDigest) -> None:
    """The digest reads the whole portfolio: ack first, then post the preview."""
    ack()
    apologise = ephemeral(respond)
    ctx.after_ack.run(lambda: preview_digest(ctx, respond),
                      on_error=lambda: apologise(ctx.renderer.t("errors.internal")))


def send_chart(ctx: BotContext, ack, command: dict, respond, parsed: ChartRequest) -> None:
    """`/pmo chart rag|risks|indicators [KEY]`: ack at once; the chart's numbers are read after
    the ack and its picture drawn and uploaded to the caller's DM by the dispatcher. An unknown
    project is refused before the ack (one indexed look-up)."""
    charts.check_request(ctx, parsed)
    ack(text=ctx.renderer.t("chart.drawing", chart=parsed.chart, key=parsed.key))
    user, say = command["user_id"], ephemeral(respond)

    def produce() -> None:
        try:
            charts.send_to(ctx, user, parsed)
        except UserError as error:
            say(error_text(ctx.renderer, error))

    ctx.after_ack.run(produce, on_error=lambda: say(ctx.renderer.t("errors.internal")))


def show_project(ctx: BotContext, ack, _command: dict, _respond, parsed: ShowProject) -> None:
    ack(**project_card(ctx, parsed.key).as_payload())


def show_risks(ctx: BotContext, ack, command: dict, _respond, _parsed: PortfolioRisks) -> None:
    ack(**risk_views.portfolio(ctx, command["user_id"]).as_payload())


def list_gates(ctx: BotContext, ack, command: dict, _respond, _parsed: ListGates) -> None:
    rows = gate_flow.pending_requests(ctx, command["user_id"])
    ack(**gate_views.pending(ctx.renderer, rows, ctx.now()).as_payload())


def show_audit(ctx: BotContext, ack, command: dict, respond, parsed: ShowAudit) -> None:
    """Read-only and PMO admins only: refused before the ack, read after it."""
    permissions.require_admin(command["user_id"], ctx.rules, action="audit")
    ack()
    say = ephemeral(respond)

    def produce() -> str:
        try:
            return audit_text(ctx.renderer, audit.audit_page(ctx, parsed.key, parsed.page))
        except UserError as error:
            return error_text(ctx.renderer, error)

    answer_later(ctx, produce, say)


def change_approvers(ctx: BotContext, ack, command: dict, respond, parsed: SetApprovers) -> None:
    _keep_for_admins(ctx, ack, command, action="set_approvers", work_name="pmo.approvers")


@work("pmo.approvers")
def apply_approvers(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    reply.say(projects.set_approvers(ctx, request.user, _parsed(ctx, request, SetApprovers)))


def _keep_for_admins(ctx: BotContext, ack, command: dict, *, action: str,
                     work_name: str) -> None:
    """A PMO-admin command: anyone else gets the refusal as the ack (nothing is kept); an
    admin's is kept before the ack and applied after it by `work_name`."""
    permissions.require_admin(command["user_id"], ctx.rules, action=action)
    keep(ctx, ack, work_name, command, user=command["user_id"],
         channel=command.get("channel_id"))


def _parsed(ctx: BotContext, request: Incoming, kind: type):
    """A kept `/pmo` command parsed again from the text Slack sent (it parsed before the ack)."""
    parsed = parse_pmo_command(request.payload.get("text", ""),
                               *milestone.dates_of(ctx, request.received_at))
    if not isinstance(parsed, kind):
        raise UserError("pmo.no_such_command", word=str(request.payload.get("text"))[:40])
    return parsed


def register_project(ctx: BotContext, ack, command: dict, respond, parsed: AddProject) -> None:
    _keep_for_admins(ctx, ack, command, action="add_project", work_name="pmo.project_add")


@work("pmo.project_add")
def apply_add_project(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = _parsed(ctx, request, AddProject)
    answer = projects.add_project(ctx, request.user, request.channel or request.user, parsed)
    offer = projects.confidential_offer(ctx, parsed.key)
    if offer is None:
        reply.say(answer)
        return
    key, channel = offer
    reply.say(answer, blocks=[
        {"type": "section", "text": {"type": "mrkdwn", "text": answer[:3000]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": ctx.renderer.t(
            "access.private_channel", key=key, channel=channel)},
         "accessory": {"type": "button", "action_id": Action.MAKE_CONFIDENTIAL,
                       "style": "danger", "value": ProjectButton(key).encode(),
                       "text": {"type": "plain_text",
                                "text": ctx.renderer.t("access.mark_confidential")[:75]}}}])


def set_confidential(ctx: BotContext, ack, command: dict, respond,
                     parsed: SetConfidential) -> None:
    _keep_for_admins(ctx, ack, command, action="confidential",
                     work_name="pmo.project_confidential")


@work("pmo.project_confidential")
def apply_confidential(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    reply.say(projects.set_confidential(ctx, request.user,
                                        _parsed(ctx, request, SetConfidential)))


def on_make_confidential(ctx: BotContext, ack, body: dict, respond) -> None:
    """The button under a project registered with a private channel: PMO admins only (anyone
    else is told so, nothing is kept); a stale or forged value is answered, not applied."""
    user = body["user"]["id"]
    try:
        permissions.require_admin(user, ctx.rules, action="confidential")
        ProjectButton.decode(body["actions"][0].get("value", ""))
    except UserError as error:
        ack()
        respond(text=error_text(ctx.renderer, error), response_type="ephemeral",
                replace_original=False)
        return
    keep(ctx, ack, "pmo.confidential_button", body, user=user,
         channel=(body.get("channel") or {}).get("id"))


@work("pmo.confidential_button")
def apply_confidential_button(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    key = ProjectButton.decode(request.payload["actions"][0].get("value", "")).key
    reply.say(projects.set_confidential(ctx, request.user, SetConfidential(key, True)))


def edit_project(ctx: BotContext, ack, command: dict, respond, parsed: EditProject) -> None:
    """`/pmo project KEY pm|rename|channel …`: PMO admins; applied after the ack."""
    _keep_for_admins(ctx, ack, command, action="edit_project", work_name="pmo.project_edit")


@work("pmo.project_edit")
def apply_edit_project(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    reply.say(projects.edit_project(ctx, request.user, _parsed(ctx, request, EditProject)))


def switch_project_digest(ctx: BotContext, ack, command: dict, respond,
                          parsed: SetProjectDigest) -> None:
    """PMO admins only: anyone else gets the refusal as the ack, and nothing is read or
    changed. The change itself is answered after the ack, like the other admin verbs."""
    _keep_for_admins(ctx, ack, command, action="set_project_digest", work_name="pmo.project_digest")


@work("pmo.project_digest")
def apply_project_digest(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    reply.say(projects.set_project_digest(ctx, request.user,
                                          _parsed(ctx, request, SetProjectDigest)))


def set_plan(ctx: BotContext, ack, command: dict, respond, parsed: SetPlan) -> None:
    """The PM or a PMO admin: who may is checked with the project, after the ack."""
    keep(ctx, ack, "pmo.project_plan", command, user=command["user_id"],
         channel=command.get("channel_id"))


@work("pmo.project_plan")
def apply_plan(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    reply.say(plans.set_plan(ctx, request.user, _parsed(ctx, request, SetPlan)))


def rebaseline(ctx: BotContext, ack, command: dict, respond, parsed: Rebaseline) -> None:
    _keep_for_admins(ctx, ack, command, action="rebaseline", work_name="pmo.project_rebaseline")


@work("pmo.project_rebaseline")
def apply_rebaseline(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    reply.say(plans.rebaseline(ctx, request.user, _parsed(ctx, request, Rebaseline)))


VERBS: dict[type, Callable[..., None]] = {
    Help: show_help,
    ListProjects: list_projects,
    ShowProject: show_project,
    AddProject: register_project,
    PortfolioRisks: show_risks,
    ListGates: list_gates,
    SetApprovers: change_approvers,
    PreviewDigest: show_digest,
    SetProjectDigest: switch_project_digest,
    SetConfidential: set_confidential,
    SetPlan: set_plan,
    OpenPlanForm: plan_form.open_form,
    OpenMeeting: meeting.open_form,
    Rebaseline: rebaseline,
    MilestoneWords: lambda ctx, ack, command, _respond, _parsed: milestone.on_milestone(
        ctx, ack, command),
    IssueWords: lambda ctx, ack, command, respond, _parsed: issue.on_issue(
        ctx, ack, command, respond),
    ActionWords: lambda ctx, ack, command, _respond, _parsed: action.on_action(ctx, ack, command),
    DecisionWords: lambda ctx, ack, command, _respond, _parsed: decision.on_decision(
        ctx, ack, command),
    ChangeWords: lambda ctx, ack, command, _respond, _parsed: change.on_change(ctx, ack, command),
    LessonWords: lambda ctx, ack, command, respond, _parsed: lesson.on_lesson(
        ctx, ack, command, respond),
    EditProject: edit_project,
    ShowAudit: show_audit,
    OpenProposalForm: proposal.open_form,
    ListProposals: proposal.list_proposals,
    ProposalVerb: proposal.on_proposal,
    Rank: proposal.rank,
    PortfolioOverview: proposal.overview,
    Allocate: capacity.allocate,
    People: capacity.people,
    ChartRequest: send_chart,
}
