"""Milestone use cases (issue 11): add, forecast, done — each one transaction with its audit
entry and, when a milestone is added, slips or is done, its card to the project channel in the
outbox — and what `/milestone list|show` read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmo_rules import milestones as rules
from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import in_portfolio
from pmo_rules.schedule import WorkCalendar
from services import directory
from services.context import BotContext
from storage import milestones as store
from storage import outbox
from storage.audit import AuditEntry
from storage.milestones import Milestone
from storage.projects import Project, project_by_key
from templates.errors import error_text
from templates.render import Message


@dataclass(frozen=True)
class MilestoneShown:
    """A milestone as cards and lists show it."""

    ref: str
    title: str
    owner_id: str
    weight: int
    due: date
    forecast: date | None
    done_on: date | None
    slip: int
    overdue: bool


def today(ctx: BotContext) -> date:
    return ctx.now().astimezone(ctx.rules.pmo.tz).date()


def shown(ctx: BotContext, key: str, row: Milestone, day: date | None = None) -> MilestoneShown:
    day = day or today(ctx)
    calendar = WorkCalendar.of(ctx.rules.pmo)
    return MilestoneShown(
        ref=row.ref(key), title=row.title, owner_id=row.owner_id, weight=row.weight,
        due=row.due_on, forecast=row.forecast_on, done_on=row.done_on,
        slip=rules.slip_days(row.due_on, row.forecast_on, row.done_on, day, calendar),
        overdue=row.done_on is None and day > row.expected_on)


def card(ctx: BotContext, key: str, name: str, milestone: MilestoneShown, event: str,
         **facts: object) -> Message:
    return ctx.renderer.message("milestone_card", "milestone.card_text", key=key, name=name,
                                m=milestone, event=event, **facts)


def _project_for_change(session: Session, key: str) -> Project:
    project = project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", key=key)
    if not in_portfolio(project.state):
        raise UserError("milestone.project_ended", key=project.key, state=project.state)
    return project


def _post_card(ctx: BotContext, session: Session, project: Project, message: Message,
               user: str, now: datetime) -> int:
    return outbox.enqueue(session, kind="milestone_card", channel=project.channel_id,
                          payload=message.as_payload(), now=now, requested_by=user).id


def add(ctx: BotContext, user: str, cmd: rules.Add) -> str:
    """The owner is checked with Slack first (services.directory): a bot, a deactivated or an
    unknown account is refused and nothing is saved."""
    now = ctx.now()
    try:
        note = directory.checked(ctx, role="milestone_owner",
                                 people=[cmd.owner_id] if cmd.owner_id else [])
        with ctx.db.write() as session:
            project = _project_for_change(session, cmd.key)
            if not permissions.may_change_milestone(user, pm_id=project.pm_id, owner_id=None,
                                                    rules=ctx.rules):
                raise UserError("milestone.not_allowed", key=project.key, pm=project.pm_id)
            row = store.add(session, project=project, title=cmd.title, due=cmd.due,
                            owner=cmd.owner_id or user, weight=cmd.weight, actor=user, now=now)
            view = shown(ctx, project.key, row)
            delivery = _post_card(ctx, session, project,
                                  card(ctx, project.key, project.name, view, "added", by=user),
                                  user, now)
            channel = project.channel_id
    except IntegrityError:  # another milestone took the number a moment ago
        return ctx.renderer.t("milestone.conflict", key=cmd.key)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send([delivery])
    return ctx.renderer.t("milestone.added", m=view, channel=channel) + note


def _to_change(ctx: BotContext, session: Session, user: str,
               ref: rules.MilestoneRef) -> tuple[Project, Milestone]:
    found = store.milestone(session, ref.key, ref.number)
    if found is None:
        raise UserError("milestone.unknown", ref=str(ref))
    project, row = found
    _project_for_change(session, project.key)
    if not permissions.may_change_milestone(user, pm_id=project.pm_id, owner_id=row.owner_id,
                                            rules=ctx.rules):
        raise UserError("milestone.not_allowed_one", ref=str(ref), pm=project.pm_id,
                        owner=row.owner_id)
    return project, row


def forecast(ctx: BotContext, user: str, cmd: rules.Forecast) -> str:
    """A new expected date with its reason; the baseline date is kept. A forecast later than
    the baseline date is a slip: its card goes to the project channel."""
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            project, row = _to_change(ctx, session, user, cmd.ref)
            if row.done_on is not None:
                raise UserError("milestone.already_done", ref=str(cmd.ref), on=row.done_on)
            if row.forecast_on == cmd.on:
                raise UserError("milestone.same_forecast", ref=str(cmd.ref), on=cmd.on)
            store.set_forecast(session, project=project, row=row, on=cmd.on, reason=cmd.reason,
                               actor=user, now=now)
            view = shown(ctx, project.key, row)
            deliveries = []
            if cmd.on > row.due_on:
                deliveries.append(_post_card(ctx, session, project, card(
                    ctx, project.key, project.name, view, "slipped", by=user,
                    reason=cmd.reason), user, now))
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(deliveries)
    return ctx.renderer.t("milestone.forecast_set", m=view)


def done(ctx: BotContext, user: str, cmd: rules.Done) -> str:
    now = ctx.now()
    day = today(ctx)
    on = cmd.on or day
    try:
        rules.check_done_on(on, day)
        with ctx.db.write() as session:
            project, row = _to_change(ctx, session, user, cmd.ref)
            if row.done_on is not None:
                raise UserError("milestone.already_done", ref=str(cmd.ref), on=row.done_on)
            store.set_done(session, project=project, row=row, on=on, actor=user, now=now)
            view = shown(ctx, project.key, row)
            delivery = _post_card(ctx, session, project, card(
                ctx, project.key, project.name, view, "done", by=user), user, now)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send([delivery])
    return ctx.renderer.t("milestone.done_set", m=view)


# -- what people look at --------------------------------------------------------------------------

def project_list(ctx: BotContext, key: str) -> tuple[Project, list[MilestoneShown]]:
    with ctx.db.read() as session:
        project = project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        day = today(ctx)
        return project, [shown(ctx, project.key, row, day)
                         for row in store.milestones_of(session, project.id)]


def with_history(ctx: BotContext,
                 ref: rules.MilestoneRef) -> tuple[Project, MilestoneShown, list[AuditEntry]]:
    with ctx.db.read() as session:
        found = store.milestone(session, ref.key, ref.number)
        if found is None:
            raise UserError("milestone.unknown", ref=str(ref))
        project, row = found
        return project, shown(ctx, project.key, row), store.history(session, ref.key,
                                                                    ref.number)
