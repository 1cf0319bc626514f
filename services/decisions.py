"""Decision use cases (issue 12): record one — in one transaction with its audit entry and its
card to the project channel in the outbox — and what `/decision list|show` read. A decision is
never changed; a later one may supersede it (same project, once: the database holds both).

`record` takes the caller's session, so a meeting's minutes record several in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmo_rules import decisions as rules
from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import in_portfolio
from services import directory
from services.context import BotContext
from storage import decisions as store
from storage import outbox
from storage.decisions import Decision
from storage.projects import Project, project_by_key
from templates.errors import error_text
from templates.render import Message


@dataclass(frozen=True)
class DecisionShown:
    ref: str
    title: str
    note: str | None
    decided_by: str
    recorded_by: str
    on: date
    supersedes: str | None
    superseded_by: str | None
    superseded_on: date | None = None


def shown(ctx: BotContext, key: str, row: Decision, later: Decision | int | None = None
          ) -> DecisionShown:
    tz = ctx.rules.pmo.tz
    later_number = later.number if isinstance(later, Decision) else later
    return DecisionShown(
        ref=row.ref(key), title=row.title, note=row.note, decided_by=row.decided_by,
        recorded_by=row.recorded_by, on=row.recorded_at.astimezone(tz).date(),
        supersedes=None if row.supersedes_number is None else f"{key}-D{row.supersedes_number}",
        superseded_by=None if later_number is None else f"{key}-D{later_number}",
        superseded_on=(later.recorded_at.astimezone(tz).date()
                       if isinstance(later, Decision) else None))


def card(ctx: BotContext, project: Project, decision: DecisionShown) -> Message:
    return ctx.renderer.message("decision_card", "decision.card_text", key=project.key,
                                name=project.name, d=decision)


def record(ctx: BotContext, session: Session, *, project: Project, title: str,
           note: str | None, decided_by: str, supersedes: rules.DecisionRef | None,
           actor: str, now: datetime, announce: bool = True) -> tuple[DecisionShown, list[int]]:
    """One decision in the caller's transaction, with its card to the project channel: the
    view and the delivery ids to send after commit. Superseding checks the project, who asks
    and that the old one is not superseded yet; the unique constraint settles a race (the
    caller turns the IntegrityError into `decision.conflict`). `announce=False`: no card of
    its own (a meeting posts its decisions in the minutes)."""
    if not in_portfolio(project.state):
        raise UserError("decision.project_ended", key=project.key, state=project.state)
    number = None
    if supersedes is not None:
        rules.check_same_project(project.key, supersedes)
        found = store.decision(session, supersedes.key, supersedes.number)
        if found is None:
            raise UserError("decision.unknown", ref=str(supersedes), key=supersedes.key)
        old = found[1]
        if not permissions.may_supersede_decision(actor, recorded_by=old.recorded_by,
                                                  decided_by=old.decided_by,
                                                  pm_id=project.pm_id, rules=ctx.rules):
            raise UserError("decision.supersede_not_allowed", ref=str(supersedes),
                            recorded_by=old.recorded_by, decided_by=old.decided_by,
                            pm=project.pm_id)
        later = store.superseded_by(session, project.id, old.number)
        if later is not None:
            raise UserError("decision.already_superseded", ref=str(supersedes),
                            by=later.ref(project.key))
        number = old.number
    row = store.add(session, project=project, title=title, note=note, decided_by=decided_by,
                    supersedes=number, actor=actor, now=now)
    view = shown(ctx, project.key, row)
    if not announce:
        return view, []
    message = card(ctx, project, view)
    delivery = outbox.enqueue(session, kind="decision_card", channel=project.channel_id,
                              payload=message.as_payload(), now=now, requested_by=actor).id
    return view, [delivery]


def add(ctx: BotContext, user: str, cmd: rules.Add) -> str:
    now = ctx.now()
    try:
        note = directory.checked(ctx, role="decider",
                                 people=[cmd.decided_by] if cmd.decided_by else [])
        with ctx.db.write() as session:
            project = project_by_key(session, cmd.key)
            if project is None:
                raise UserError("project.unknown", key=cmd.key)
            view, sent = record(ctx, session, project=project, title=cmd.title, note=cmd.note,
                                decided_by=cmd.decided_by or user, supersedes=cmd.supersedes,
                                actor=user, now=now)
            channel = project.channel_id
    except IntegrityError:  # another decision superseded the same one a moment ago
        return ctx.renderer.t("decision.conflict", ref=str(cmd.supersedes))
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(sent)
    return ctx.renderer.t("decision.recorded", d=view, channel=channel) + note


def project_list(ctx: BotContext, key: str) -> tuple[Project, list[DecisionShown]]:
    with ctx.db.read() as session:
        project = project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        return project, [shown(ctx, project.key, row, later)
                         for row, later in store.decisions_of(session, project.id)]


def one(ctx: BotContext, ref: rules.DecisionRef) -> tuple[Project, DecisionShown]:
    with ctx.db.read() as session:
        found = store.decision(session, ref.key, ref.number)
        if found is None:
            raise UserError("decision.unknown", ref=str(ref), key=ref.key)
        project, row = found
        return project, shown(ctx, project.key, row,
                              store.superseded_by(session, project.id, row.number))
