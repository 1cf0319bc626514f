"""Project use cases: registering a project, editing its PM, name or channel, switching its own
weekly digest, and a gate's approvers for one project — each one write transaction with its
audit entry.

`/pmo` (handlers/pmo.py) calls these after the admin check and the ack, and answers with the
sentence they return; a refusal comes back as that sentence too (or as a `UserError` where the
caller renders it).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from pmo_rules import gates, permissions
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import ENDED_STATES, PORTFOLIO_STATES
from pmo_rules.pmo_commands import AddProject, EditProject, SetConfidential, SetProjectDigest
from pmo_rules.projects import check_digest_allowed
from services import access, directory
from services import lessons as lesson_flow
from services.context import BotContext
from services.gate_cards import gate_shown
from services.gates import find_project, gate_rule
from storage import gates as gate_store
from storage import projects as store
from storage.projects import Project as Project  # the rows handlers' views show
from storage.projects import StatusUpdate as StatusUpdate
from templates.errors import error_text


def add_project(ctx: BotContext, user: str, channel: str, cmd: AddProject) -> str:
    try:
        note = directory.checked(ctx, role="pm", people=[cmd.pm_id] if cmd.pm_id else [],
                                 channels=[cmd.channel_id or channel])
        with ctx.db.write() as session:
            if store.project_by_key(session, cmd.key) is not None:
                raise UserError("project.key_taken", key=cmd.key)
            project = store.add_project(session, key=cmd.key, name=cmd.name,
                                        pm_id=cmd.pm_id or user,
                                        channel_id=cmd.channel_id or channel,
                                        actor=user, now=ctx.now(),
                                        confidential=cmd.confidential)
            sharing = store.keys_in_channel(session, project.channel_id, besides=project.id)
            suggested = lesson_flow.suggest(ctx, session, project, ctx.now(), user)
    except IntegrityError:  # another admin added the same KEY a moment ago
        return error_text(ctx.renderer, UserError("project.key_taken", key=cmd.key))
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(suggested)
    if cmd.confidential:
        access.sync_members(ctx, [project.channel_id])
    added = ctx.renderer.t("project.added", key=project.key, name=project.name,
                           pm=project.pm_id, channel=project.channel_id)
    secret = ("\n" + ctx.renderer.t("access.confidential_on", key=project.key,
                                    channel=project.channel_id)) if cmd.confidential else ""
    return (added + secret + note
            + _shared_channel(ctx, project.key, project.channel_id, sharing))


def confidential_offer(ctx: BotContext, key: str) -> tuple[str, str] | None:
    """(key, channel) when project `key` is not confidential and its channel is private
    (conversations.info): the reply to registering it offers to make it so (README: Who
    sees what). None otherwise, or when Slack cannot say."""
    with ctx.db.read() as session:
        project = store.project_by_key(session, key)
    if project is None or project.confidential:
        return None
    if directory.channel_private(ctx, project.channel_id):
        return project.key, project.channel_id
    return None


def set_confidential(ctx: BotContext, user: str, cmd: SetConfidential) -> str:
    """PMO admins mark a project confidential or not (audited); its channel's members are
    asked for at once, so they see it without waiting for the next refresh."""
    permissions.require_admin(user, ctx.rules, action="confidential")
    with ctx.db.write() as session:
        project = store.project_by_key(session, cmd.key)
        if project is None:
            raise UserError("project.unknown", key=cmd.key)
        changed = store.set_confidential(session, project=project, on=cmd.on, actor=user,
                                         now=ctx.now())
        channel = project.channel_id
    access.forget(ctx)
    if not changed:
        return ctx.renderer.t("access.confidential_already", key=cmd.key, on=cmd.on)
    if cmd.on:
        access.sync_members(ctx, [channel])
        return ctx.renderer.t("access.confidential_on", key=cmd.key, channel=channel)
    return ctx.renderer.t("access.confidential_off", key=cmd.key)


def _shared_channel(ctx: BotContext, key: str, channel: str, sharing: list[str]) -> str:
    """A warning line when other projects post in the same channel (empty when none do)."""
    if not sharing:
        return ""
    return "\n" + ctx.renderer.t("project.channel_shared", key=key, channel=channel,
                                  others=sharing)


def edit_project(ctx: BotContext, user: str, cmd: EditProject) -> str:
    """An admin changes a project's PM, name or channel (audited, before and after).

    A new PM who could not get their gate decided (the only approver, without self-approval)
    is saved with a warning that says what to type; a channel shared with other projects is
    saved with a warning too. A new PM must be a person and a new channel one the bot is in
    (asked of Slack; nothing is saved otherwise). Cards already posted stay where they are.
    """
    permissions.require_admin(user, ctx.rules, action="edit_project")
    t = ctx.renderer.t
    note = ""  # a new PM or channel is checked with Slack first (services/directory.py)
    if cmd.field == "pm":
        note = directory.checked(ctx, role="pm", people=[cmd.value])
    elif cmd.field == "channel":
        note = directory.checked(ctx, role="pm", channels=[cmd.value])
    with ctx.db.write() as session:
        project = find_project(session, cmd.key)
        before = store.edit_project(session, project=project, field=cmd.field,
                                    value=cmd.value, actor=user, now=ctx.now())
        if before is None:
            return t("project.edit_unchanged", key=project.key, field=cmd.field,
                     value=cmd.value)
        warning = ""
        if cmd.field == "pm":
            warning = _gate_warning(ctx, session, project)
        elif cmd.field == "channel":
            warning = _shared_channel(ctx, project.key, cmd.value, store.keys_in_channel(
                session, cmd.value, besides=project.id))
    return t(f"project.edited.{cmd.field}", key=project.key, before=before,
             after=cmd.value) + note + warning


def _gate_warning(ctx: BotContext, session, project: Project) -> str:
    """A warning line when the project's current gate could not decide its PM's request."""
    if not gates.is_running(project.phase, project.state):
        return ""
    rule = gate_rule(ctx, session, project, project.phase)
    try:
        gates.check_decidable(rule, project.pm_id, self_approval=ctx.rules.gates.self_approval,
                              key=project.key, phase=project.phase, saved=True)
    except UserError as error:
        return "\n" + error_text(ctx.renderer, error)
    return ""


def set_project_digest(ctx: BotContext, user: str, cmd: SetProjectDigest) -> str:
    """Store the switch (audited) and say where and when the digest goes, or that it already
    was so (or why it cannot be turned on: pmo_rules.projects.check_digest_allowed)."""
    t = ctx.renderer.t
    with ctx.db.write() as session:
        project = store.project_by_key(session, cmd.key)
        if project is None:
            return error_text(ctx.renderer, UserError("project.unknown", key=cmd.key))
        try:
            check_digest_allowed(project.key, project.state, cmd.on)
        except UserError as error:
            return error_text(ctx.renderer, error)
        changed = store.set_digest(session, project=project, on=cmd.on, actor=user,
                                   now=ctx.now())
        channel = project.channel_id
    state = "on" if cmd.on else "off"
    rules = ctx.rules
    return t(f"project.digest_{state}" if changed else f"project.digest_already_{state}",
             key=cmd.key, channel=channel, day=t(f"digest.weekday.{rules.digest.weekday}"),
             time=f"{rules.digest.time:%H:%M}", tz=rules.pmo.timezone,
             enabled=rules.digest.enabled)


def set_approvers(ctx: BotContext, user: str, command: gates.SetApprovers) -> str:
    """An admin's per-project override of one gate's approvers (or its removal).

    A set that could not decide the PM's request is refused (nothing saved) with what to type
    instead; going back to the rules file's approvers is saved, with the same warning when
    those could not decide it either.
    """
    permissions.require_admin(user, ctx.rules, action="set_approvers")
    rule = gates.effective_gate(ctx.rules.approval_rule(command.phase), command.approvers,
                                command.quorum)
    warning = ""
    note = ""
    if command.approvers is not None:
        note = directory.checked(ctx, role="approver", people=command.approvers)
    try:
        with ctx.db.write() as session:
            project = find_project(session, command.key)
            try:
                gates.check_decidable(rule, project.pm_id,
                                      self_approval=ctx.rules.gates.self_approval,
                                      key=project.key, phase=command.phase,
                                      saved=command.approvers is None)
            except UserError as error:
                if command.approvers is not None:
                    raise
                warning = "\n" + error_text(ctx.renderer, error)
            gate_store.set_approvers(session, project=project, phase=command.phase,
                                     approvers=command.approvers, quorum=command.quorum,
                                     actor=user, now=ctx.now())
    except IntegrityError:  # another admin set the same gate at the same moment
        raise UserError("gate.approvers_conflict", key=command.key) from None
    shown = gate_shown(rule, override=command.approvers is not None)
    key = "gate.approvers_set" if shown.override else "gate.approvers_reset"
    return ctx.renderer.t(key, key=command.key, phase=command.phase, approvers=shown.approvers,
                          quorum=shown.quorum, quorum_kind=shown.quorum_kind) + note + warning


# -- what people look at --------------------------------------------------------------------------

def portfolio(ctx: BotContext, user: str | None = None
              ) -> tuple[list[Project], dict[int, StatusUpdate]]:
    """Every project `user` may see (all of them when None) in KEY order and each one's
    latest update (two queries, three with confidential projects to leave out)."""
    with ctx.db.read() as session:
        hidden = access.hidden_from(ctx, session, user) if user else frozenset()
        return store.all_projects(session, excluding=hidden), store.latest_statuses(session)


def managed_by(ctx: BotContext, user: str,
               most: int) -> tuple[list[Project], dict[int, StatusUpdate], list[Project]]:
    """Up to `most` projects of the portfolio `user` manages, with each one's latest update,
    and up to `most` of their cancelled and closed ones (three queries)."""
    with ctx.db.read() as session:
        projects = store.list_projects(session, pm_id=user, limit=most, states=PORTFOLIO_STATES)
        ended = store.list_projects(session, pm_id=user, limit=most, states=ENDED_STATES)
        return projects, store.latest_statuses(session, [p.id for p in projects]), ended


def with_recent(ctx: BotContext, key: str, count: int) -> tuple[Project, list[StatusUpdate]]:
    """Project `key` and its latest `count` updates, newest first."""
    with ctx.db.read() as session:
        project = store.project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        return project, store.recent_statuses(session, project.id, count)
