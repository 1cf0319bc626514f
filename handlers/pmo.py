"""`/pmo`: the PMO office's verbs — the portfolio, one project, registering a project, help."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.exc import IntegrityError

from bot.context import BotContext
from handlers import gate_flow, risk_messages
from handlers.reminders import preview_digest
from handlers.replies import error_text
from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.gates import SetApprovers
from pmo_rules.pmo_commands import AddProject, Help, ListGates, PreviewDigest, parse_pmo_command
from pmo_rules.risk import PortfolioRisks
from storage import projects as store


def register(app: App, ctx: BotContext) -> None:
    app.command("/pmo")(lambda ack, command, respond: on_pmo(ctx, ack, command, respond))


def on_pmo(ctx: BotContext, ack, command: dict, respond) -> None:
    user = command["user_id"]
    try:
        parsed = parse_pmo_command(command.get("text", ""))
        if isinstance(parsed, Help):
            ack(text=ctx.renderer.t("help.pmo"))
        elif isinstance(parsed, PortfolioRisks):
            with ctx.db.read() as session:
                ack(**risk_messages.portfolio(ctx, session).as_payload())
        elif isinstance(parsed, ListGates):
            ack(**gate_flow.pending_message(ctx).as_payload())
        elif isinstance(parsed, SetApprovers):
            permissions.require_admin(user, ctx.rules, action="set_approvers")
            ack()
            respond(text=set_approvers(ctx, user, parsed), response_type="ephemeral")
        elif isinstance(parsed, AddProject):
            permissions.require_admin(user, ctx.rules, action="add_project")
            ack()
            respond(text=add_project(ctx, user, command["channel_id"], parsed),
                    response_type="ephemeral")
        elif isinstance(parsed, PreviewDigest):
            ack()
            preview_digest(ctx, respond)
        else:
            raise UserError("pmo.unknown_subcommand", usage="pmo", word=command.get("text", ""))
    except UserError as error:
        ack(text=error_text(ctx.renderer, error))


def set_approvers(ctx: BotContext, user: str, cmd: SetApprovers) -> str:
    try:
        return gate_flow.set_approvers(ctx, user, cmd)
    except UserError as error:
        return error_text(ctx.renderer, error)


def add_project(ctx: BotContext, user: str, channel: str, cmd: AddProject) -> str:
    try:
        with ctx.db.write() as session:
            if store.project_by_key(session, cmd.key) is not None:
                raise UserError("project.key_taken", key=cmd.key)
            project = store.add_project(session, key=cmd.key, name=cmd.name,
                                        pm_id=cmd.pm_id or user,
                                        channel_id=cmd.channel_id or channel,
                                        actor=user, now=ctx.now())
    except IntegrityError:  # another admin added the same KEY a moment ago
        return error_text(ctx.renderer, UserError("project.key_taken", key=cmd.key))
    except UserError as error:
        return error_text(ctx.renderer, error)
    return ctx.renderer.t("project.added", key=project.key, name=project.name,
                          pm=project.pm_id, channel=project.channel_id)
