"""Action use cases (issue 12): add, update, done — each one transaction with its audit entry
and, when someone else is made an action's owner, a DM to them in the outbox — and what
`/action list|show` read.

`record` and `dm_assignment` take the caller's session, so one transaction may record several
actions (a meeting's minutes) with their DMs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from pmo_rules import actions as rules
from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import in_portfolio
from services import directory
from services.context import BotContext
from storage import actions as store
from storage import outbox
from storage.actions import Action
from storage.audit import AuditEntry
from storage.projects import Project, project_by_key
from templates.errors import error_text
from templates.render import Message


@dataclass(frozen=True)
class ActionShown:
    """An action as cards and lists show it."""

    ref: str
    key: str
    title: str
    owner_id: str
    due: date
    done_on: date | None
    done_by: str | None
    note: str | None
    overdue: bool
    late_days: int


def today(ctx: BotContext) -> date:
    return ctx.now().astimezone(ctx.rules.pmo.tz).date()


def shown(key: str, row: Action, day: date) -> ActionShown:
    overdue = rules.is_overdue(row.due_on, row.done_on, day)
    return ActionShown(ref=row.ref(key), key=key, title=row.title, owner_id=row.owner_id,
                       due=row.due_on, done_on=row.done_on, done_by=row.done_by,
                       note=row.done_note, overdue=overdue,
                       late_days=(day - row.due_on).days if overdue else 0)


def project_for_change(session: Session, key: str) -> Project:
    project = project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", key=key)
    if not in_portfolio(project.state):
        raise UserError("action.project_ended", key=project.key, state=project.state)
    return project


def record(ctx: BotContext, session: Session, *, project: Project, title: str, due: date,
           owner: str, actor: str, now: datetime,
           tell_owner: bool = True) -> tuple[ActionShown, list[int]]:
    """One action in the caller's transaction, with the DM to its owner when that is not the
    actor: the view and the delivery ids to send after commit. The due date is checked
    (not before the PMO's today) here too, for callers that did not parse a command.
    `tell_owner=False`: the caller tells the owner itself (a meeting: one DM per owner)."""
    day = now.astimezone(ctx.rules.pmo.tz).date()
    rules.check_due(due, day)
    row = store.add(session, project=project, title=title, due=due, owner=owner, actor=actor,
                    now=now)
    view = shown(project.key, row, day)
    if not tell_owner:
        return view, []
    return view, dm_assignment(ctx, session, view, owner=owner, actor=actor, now=now)


def dm_assignment(ctx: BotContext, session: Session, view: ActionShown, *, owner: str,
                  actor: str, now: datetime) -> list[int]:
    if owner == actor:
        return []
    message = ctx.renderer.text("action.dm_assigned", a=view, by=actor)
    return [outbox.enqueue(session, kind="action_dm", channel=owner,
                           payload=message.as_payload(), now=now, requested_by=actor).id]


def add(ctx: BotContext, user: str, cmd: rules.Add) -> str:
    """Anyone may add an action to a project in the portfolio (as risks); the owner defaults to
    the caller and is checked with Slack first (a bot or a deactivated account is refused)."""
    now = ctx.now()
    try:
        note = directory.checked(ctx, role="action_owner",
                                 people=[cmd.owner_id] if cmd.owner_id else [])
        with ctx.db.write() as session:
            project = project_for_change(session, cmd.key)
            view, sent = record(ctx, session, project=project, title=cmd.title, due=cmd.due,
                                owner=cmd.owner_id or user, actor=user, now=now)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(sent)
    return ctx.renderer.t("action.added", a=view, told=bool(sent)) + note


def _to_change(ctx: BotContext, session: Session, user: str,
               ref: rules.ActionRef) -> tuple[Project, Action]:
    found = store.action(session, ref.key, ref.number, for_update=True)
    if found is None:
        raise UserError("action.unknown", ref=str(ref), key=ref.key)
    project, row = found
    if not in_portfolio(project.state):
        raise UserError("action.project_ended", key=project.key, state=project.state)
    if not permissions.may_change_action(user, owner_id=row.owner_id, pm_id=project.pm_id,
                                         rules=ctx.rules):
        raise UserError("action.not_allowed", ref=str(ref), owner=row.owner_id,
                        pm=project.pm_id)
    if row.done_on is not None:
        raise UserError("action.already_done", ref=str(ref), on=row.done_on,
                        by=row.done_by or row.owner_id)
    return project, row


def update(ctx: BotContext, user: str, cmd: rules.Update) -> str:
    now = ctx.now()
    try:
        note = directory.checked(ctx, role="action_owner",
                                 people=[cmd.owner_id] if cmd.owner_id else [])
        with ctx.db.write() as session:
            project, row = _to_change(ctx, session, user, cmd.ref)
            if ((cmd.due is None or cmd.due == row.due_on)
                    and (cmd.owner_id is None or cmd.owner_id == row.owner_id)):
                raise UserError("action.nothing_changed", ref=str(cmd.ref))
            before_owner = row.owner_id
            store.change(session, project=project, row=row, due=cmd.due, owner=cmd.owner_id,
                         actor=user, now=now)
            view = shown(project.key, row, today(ctx))
            sent = (dm_assignment(ctx, session, view, owner=row.owner_id, actor=user, now=now)
                    if row.owner_id != before_owner else [])
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(sent)
    return ctx.renderer.t("action.updated", a=view, told=bool(sent)) + note


def done(ctx: BotContext, user: str, cmd: rules.Done) -> str:
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            project, row = _to_change(ctx, session, user, cmd.ref)
            store.set_done(session, project=project, row=row, on=today(ctx), note=cmd.note,
                           actor=user, now=now)
            view = shown(project.key, row, today(ctx))
    except UserError as error:
        return error_text(ctx.renderer, error)
    return ctx.renderer.t("action.done_set", a=view)


# -- what people look at --------------------------------------------------------------------------

@dataclass(frozen=True)
class RaidCounts:
    """What `/pmo project KEY` shows of a project's actions and decisions."""

    open: int
    overdue: int
    decisions: int


def counts(ctx: BotContext, project_id: int) -> RaidCounts:
    with ctx.db.read() as session:
        return RaidCounts(*store.raid_counts(session, project_id, today(ctx)))


def project_list(ctx: BotContext, key: str,
                 include_done: bool) -> tuple[Project, list[ActionShown]]:
    with ctx.db.read() as session:
        project = project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        day = today(ctx)
        return project, [shown(project.key, row, day) for row in
                         store.actions_of(session, project.id, include_done=include_done)]


def owned_by(ctx: BotContext, user: str, *, include_done: bool = False,
             limit: int | None = None) -> list[ActionShown]:
    with ctx.db.read() as session:
        day = today(ctx)
        return [shown(key, row, day) for key, row in
                store.actions_owned(session, user, include_done=include_done, limit=limit)]


def with_history(ctx: BotContext,
                 ref: rules.ActionRef) -> tuple[Project, ActionShown, list[AuditEntry]]:
    with ctx.db.read() as session:
        found = store.action(session, ref.key, ref.number)
        if found is None:
            raise UserError("action.unknown", ref=str(ref), key=ref.key)
        project, row = found
        return project, shown(project.key, row, today(ctx)), store.history(session, ref.key,
                                                                           ref.number)


def card(ctx: BotContext, project: Project, action: ActionShown,
         history: list[AuditEntry]) -> Message:
    return ctx.renderer.message("action_card", "action.card_text", key=project.key,
                                name=project.name, a=action, history=history)
