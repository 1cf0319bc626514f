"""Issue use cases (issue 12): add, update, resolve, escalate, coordinate, and raise one from a
risk that occurred — each one write transaction with its audit entry and its outbox rows.

- The card goes to the project channel when an issue is added, changes severity, owner or due
  date, is escalated or resolved (a fresh card; the one before is brought up to date); a note
  alone updates the card in place.
- A critical issue (added critical, or raised to it) and any `/issue escalate` go to the PMO at
  once: each PMO admin by DM and `[pmo] digest_channel`, with "I'll coordinate". The first admin
  to click takes it (a conditional update); the card then names them.
- An issue raised from an occurred risk carries the risk's id (unique: a second click finds
  the first issue), and both cards name each other.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmo_rules import issues as rules
from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import in_portfolio
from pmo_rules.risk import OCCURRED
from services import directory
from services import issue_cards as cards
from services import risks as risk_flow
from services.context import BotContext
from storage import issues as store
from storage import outbox
from storage.issues import Issue
from storage.projects import Project, project_by_key
from storage.risks import Risk, risk_by_id
from templates.errors import error_text

SEVERITY_OF_LEVEL = {"low": "low", "medium": "medium", "high": "high", "critical": "critical"}
"""A risk's level (pmo_rules.config risk levels) → the severity of the issue it becomes."""


def _project_for_change(session: Session, key: str) -> Project:
    project = project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", key=key)
    if not in_portfolio(project.state):
        raise UserError("issue.project_ended", key=project.key, state=project.state)
    return project


def check_new_issue(ctx: BotContext, key: str) -> str:
    """Refuse before the ack (or before opening the form): an unknown or ended project. The
    project's name, for the form."""
    with ctx.db.read() as session:
        return _project_for_change(session, key).name


def _find(session: Session, ref: rules.IssueRef, *,
          for_update: bool = False) -> tuple[Project, Issue]:
    found = store.issue(session, ref.key, ref.number, for_update=for_update)
    if found is None:
        raise UserError("issue.unknown", ref=str(ref), key=ref.key)
    return found


def _open(project: Project, row: Issue, verb: str) -> None:
    if row.status != rules.OPEN:
        raise UserError("issue.already_resolved", ref=row.ref(project.key), by=row.resolved_by,
                        verb=verb)


def check_change(ctx: BotContext, user: str, cmd: object) -> None:
    """What `apply` would refuse, before the ack (under lock it checks again)."""
    if isinstance(cmd, rules.Add):
        check_new_issue(ctx, cmd.key)
        return
    with ctx.db.read() as session:
        _allowed(ctx, session, user, cmd)


def _allowed(ctx: BotContext, session: Session, user: str, cmd, *,
             for_update: bool = False) -> tuple[Project, Issue]:
    project, row = _find(session, cmd.ref, for_update=for_update)
    ref = row.ref(project.key)
    if isinstance(cmd, rules.Update):
        _open(project, row, "update")
        permissions.require_issue_editor(user, ref, row.owner_id, project.pm_id, ctx.rules)
    else:
        verb = "resolve" if isinstance(cmd, rules.Resolve) else "escalate"
        _open(project, row, verb)
        permissions.require_issue_resolver(user, ref, row.owner_id, project.pm_id, ctx.rules,
                                           verb=verb)
    return project, row


# --- the changes ---------------------------------------------------------------------------------

def add(ctx: BotContext, user: str, cmd: rules.Add) -> str:
    """Anyone may add an issue to a running project (as a risk); the owner defaults to them."""
    now = ctx.now()
    try:
        note = directory.checked(ctx, role="issue_owner",
                                 people=[cmd.owner_id] if cmd.owner_id else [])
        with ctx.db.write() as session:
            project = _project_for_change(session, cmd.key)
            row = store.add(session, project=project, title=cmd.title, severity=cmd.severity,
                            rank=rules.rank(cmd.severity), owner=cmd.owner_id or user,
                            due=cmd.due, actor=user, now=now)
            sent, view = _publish(ctx, session, project, row, user, "added", fresh=True,
                                  to_owner=True)
            if rules.goes_to_pmo(None, row.severity):
                sent += _to_pmo(ctx, session, project, row, view, "critical", user)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(sent)
    return ctx.renderer.t("issue.added", i=view, channel=project.channel_id) + note


def update(ctx: BotContext, user: str, cmd: rules.Update) -> str:
    now = ctx.now()
    try:
        note = directory.checked(ctx, role="issue_owner",
                                 people=[cmd.owner_id] if cmd.owner_id else [])
        with ctx.db.write() as session:
            project, row = _allowed(ctx, session, user, cmd, for_update=True)
            wanted = {"severity": cmd.severity, "owner_id": cmd.owner_id, "due_on": cmd.due}
            changed = {name: value for name, value in wanted.items()
                       if value is not None and getattr(row, name) != value}
            if not changed and not cmd.note:
                raise UserError("issue.nothing_changed", ref=row.ref(project.key))
            before = {name: _jsonable(getattr(row, name)) for name in changed}
            previous_severity, previous_owner = row.severity, row.owner_id
            for name, value in changed.items():
                setattr(row, name, value)
            if "severity" in changed:
                row.severity_rank = rules.rank(row.severity)
            if cmd.note:
                row.last_note = cmd.note
            row.updated_at = now
            after = {name: _jsonable(value) for name, value in changed.items()}
            if cmd.note:
                after["note"] = cmd.note
            store.record(session, project, row, "issue.updated", user, now, before, after)
            labels = [ctx.renderer.t(f"issue.field_name.{name}") for name in changed]
            sent, view = _publish(ctx, session, project, row, user, "updated",
                                  fresh=bool(changed), to_owner=row.owner_id != previous_owner,
                                  changed=labels, note=cmd.note or "")
            if rules.goes_to_pmo(previous_severity, row.severity):
                sent += _to_pmo(ctx, session, project, row, view, "critical", user)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(sent)
    return ctx.renderer.t("issue.updated", i=view, changed=labels,
                          noted=bool(cmd.note)) + note


def resolve(ctx: BotContext, user: str, cmd: rules.Resolve) -> str:
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            project, row = _allowed(ctx, session, user, cmd, for_update=True)
            row.status, row.resolution = rules.RESOLVED, cmd.resolution
            row.resolved_at, row.resolved_by, row.updated_at = now, user, now
            store.record(session, project, row, "issue.resolved", user, now,
                         {"status": rules.OPEN},
                         {"status": rules.RESOLVED, "resolution": cmd.resolution})
            sent, view = _publish(ctx, session, project, row, user, "resolved", fresh=True)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(sent)
    return ctx.renderer.t("issue.resolved", i=view)


def escalate(ctx: BotContext, user: str, cmd: rules.Escalate) -> str:
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            project, row = _allowed(ctx, session, user, cmd, for_update=True)
            row.escalated_at, row.escalated_by = now, user
            row.escalation_reason, row.updated_at = cmd.reason, now
            store.record(session, project, row, "issue.escalated", user, now, None,
                         {"reason": cmd.reason})
            sent, view = _publish(ctx, session, project, row, user, "escalated", fresh=True)
            sent += _to_pmo(ctx, session, project, row, view, "escalated", user, cmd.reason)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(sent)
    return ctx.renderer.t("issue.escalated", i=view, admins=list(ctx.rules.pmo.admins),
                          channel=ctx.rules.pmo.digest_channel)


def coordinate(ctx: BotContext, user: str, issue_id: int) -> tuple[str, cards.IssueShown | None]:
    """"I'll coordinate": a PMO admin takes the issue; the first click wins (a conditional
    update), a later one is told who has it. Returns the reply and the issue as it is now."""
    permissions.require_coordinator(user, ctx.rules)
    now = ctx.now()
    with ctx.db.write() as session:
        found = store.issue_by_id(session, issue_id)
        if found is None:
            raise UserError("issue.gone")
        project, row = found
        won = store.take_coordination(session, issue_id, user, now)
        session.refresh(row)
        if not won:
            view = cards.shown(ctx, project.key, project.name, row, _risk_ref(session, row))
            return ctx.renderer.t("issue.coordinated_already", i=view,
                                  mine=row.coordinator_id == user), view
        store.record(session, project, row, "issue.coordinating", user, now, None,
                     {"coordinator": user})
        sent, view = _publish(ctx, session, project, row, user, "coordinating")
    ctx.sender.send(sent)
    return ctx.renderer.t("issue.coordinating", i=view), view


def raise_from_risk(ctx: BotContext, user: str, risk_id: int) -> str:
    """"Raise as an issue" under a risk that occurred: one issue per risk (the unique risk_id
    settles two clicks at once), named on both cards."""
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            risk = risk_by_id(session, risk_id, for_update=True)
            if risk is None:
                raise UserError("risk.gone")
            risk_flow.require_editor(ctx, risk, user)
            existing = store.issue_of_risk(session, risk.id)
            if existing is not None:
                raise UserError("issue.risk_raised_already", risk=str(risk.ref),
                                ref=existing[1].ref(existing[0].key))
            if risk.status != OCCURRED:
                raise UserError("issue.risk_not_occurred", risk=str(risk.ref))
            project = _project_for_change(session, risk.project.key)
            severity = SEVERITY_OF_LEVEL[ctx.rules.risk.levels.level_of(risk.score)]
            row = store.add(session, project=project, title=risk.title, severity=severity,
                            rank=rules.rank(severity), owner=risk.owner_id, due=None,
                            actor=user, now=now, risk_id=risk.id, risk_ref=str(risk.ref))
            sent, view = _publish(ctx, session, project, row, user, "added", fresh=True,
                                  to_owner=True, risk=str(risk.ref))
            sent += risk_flow.refresh_card(ctx, session, risk, actor=user)
            if rules.goes_to_pmo(None, row.severity):
                sent += _to_pmo(ctx, session, project, row, view, "critical", user)
    except IntegrityError:  # the other click of a double click made it a moment ago
        return _already_raised(ctx, risk_id)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(sent)
    return ctx.renderer.t("issue.raised_from_risk", i=view, channel=project.channel_id)


def _already_raised(ctx: BotContext, risk_id: int) -> str:
    with ctx.db.read() as session:
        risk = risk_by_id(session, risk_id)
        existing = store.issue_of_risk(session, risk_id)
        if risk is None or existing is None:
            return ctx.renderer.t("errors.internal")
        return error_text(ctx.renderer, UserError(
            "issue.risk_raised_already", risk=str(risk.ref),
            ref=existing[1].ref(existing[0].key)))


def occurred_risk(ctx: BotContext, target: risk_flow.Target) -> int | None:
    """The risk's id when it has occurred and no issue was raised from it yet: the reply to
    its change then offers "Raise as an issue"."""
    with ctx.db.read() as session:
        try:
            risk = risk_flow.find(session, target)
        except UserError:
            return None
        if risk.status != OCCURRED or store.issue_of_risk(session, risk.id) is not None:
            return None
        return risk.id


# --- cards and messages --------------------------------------------------------------------------

def _risk_ref(session: Session, row: Issue) -> str | None:
    if row.risk_id is None:
        return None
    risk: Risk | None = risk_by_id(session, row.risk_id)
    return None if risk is None else str(risk.ref)


def _publish(ctx: BotContext, session: Session, project: Project, row: Issue, actor: str,
             event: str, *, fresh: bool = False, to_owner: bool = False,
             risk: str | None = None, **facts) -> tuple[list[int], cards.IssueShown]:
    """Bring the channel card up to date, post a fresh one when `fresh` (or when there is
    none), and DM the owner the card when `to_owner` and they did not act themselves."""
    view = cards.shown(ctx, project.key, project.name, row, risk or _risk_ref(session, row))
    message = cards.card(ctx, view, event, by=actor, **facts)
    sent: list[int] = []
    card_id = store.live_card(session, row)
    if card_id is not None:
        current = cards.card(ctx, view, "shown").as_payload() if fresh else message.as_payload()
        updated = outbox.enqueue_card_update(session, card_id, current, ctx.now())
        if updated is not None:
            sent.append(updated.id)
    if fresh or card_id is None:
        post = outbox.enqueue(session, kind="issue_card", channel=project.channel_id,
                              payload=message.as_payload(), now=ctx.now(), requested_by=actor)
        row.card_delivery_id = post.id
        sent.append(post.id)
    if to_owner and row.owner_id != actor:
        intro = ctx.renderer.t("issue.dm_owner", i=view, by=actor)
        sent.append(outbox.enqueue(session, kind="issue_dm", channel=row.owner_id,
                                   payload=cards.card(ctx, view, event, intro=intro,
                                                      by=actor).as_payload(),
                                   now=ctx.now(), requested_by=actor).id)
    return sent, view


def _to_pmo(ctx: BotContext, session: Session, project: Project, row: Issue,
            view: cards.IssueShown, why: str, actor: str, reason: str | None = None) -> list[int]:
    """Each PMO admin's DM and the digest channel: the issue, and "I'll coordinate"."""
    payload = cards.to_pmo(ctx, view, why, actor, reason).as_payload()
    places = [*ctx.rules.pmo.admins]
    if ctx.rules.pmo.digest_channel:
        places.append(ctx.rules.pmo.digest_channel)
    store.record(session, project, row, "issue.to_pmo", actor, ctx.now(), None,
                 {"why": why, "to": places})
    return [outbox.enqueue(session, kind="issue_pmo", channel=place, payload=payload,
                           now=ctx.now(), requested_by=actor).id
            for place in dict.fromkeys(places)]


def _jsonable(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value
