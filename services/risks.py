"""The risk register's changes: add, update, review, close — one write transaction each.

Every change locks the risk, re-checks who may make it (the owner may have changed since the
button was drawn), writes it with its audit entry, and puts the card update, a new card (for a
new risk or one that rose to high or critical) and the owner's DM in the outbox in the same
transaction; they are sent right after commit. A refusal is a `UserError`, so nothing is stored.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pmo_rules import permissions
from pmo_rules import risk as rules
from pmo_rules.errors import UserError
from pmo_rules.risk import RiskChanges, RiskDraft, RiskRef
from services import risk_cards as messages
from services.context import BotContext
from storage import outbox
from storage import projects as projects_store
from storage import risks as store
from storage.projects import Project
from storage.risks import Risk as Risk  # the row handlers/risk_views.py shows

Target = RiskRef | int
"""A risk as the user named it (APOLLO-R1) or as a button or form carries it (its id)."""


# ---------------------------------------------------------------------------------------------
# Look-ups and checks shared by the listeners (before ack) and the changes (under lock)
# ---------------------------------------------------------------------------------------------


def find(session: Session, target: Target, *, for_update: bool = False) -> Risk:
    if isinstance(target, RiskRef):
        risk = store.risk_by_ref(session, target, for_update=for_update)
        if risk is None:
            raise UserError("risk.unknown", ref=str(target), key=target.key)
        return risk
    risk = store.risk_by_id(session, target, for_update=for_update)
    if risk is None:
        raise UserError("risk.gone")
    return risk


def editable(ctx: BotContext, session: Session, target: Target, user: str, *,
             for_update: bool = False) -> Risk:
    """The risk, if `user` may change it under `[risk] editors`."""
    risk = find(session, target, for_update=for_update)
    permissions.require_risk_editor(user, risk.ref, risk.owner_id, risk.project.pm_id, ctx.rules)
    return risk


def ensure_active(ctx: BotContext, risk: Risk, verb: str) -> None:
    """A closed (or occurred) risk has nothing to review or close: say who ended it and when."""
    if not risk.active:
        when = risk.closed_at and ctx.renderer.slack_date(risk.closed_at)
        raise UserError("risk.not_active", ref=str(risk.ref), status=risk.status,
                        by=risk.closed_by or risk.created_by, when=when or "—", verb=verb)


def project_for_new_risk(session: Session, key: str) -> Project:
    project = projects_store.project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", field="project", key=key)
    rules.check_takes_risks(project.key, project.state)
    return project


def current_values(risk: Risk) -> dict:
    return {name: getattr(risk, name) for name in rules.FIELDS}


# ---------------------------------------------------------------------------------------------
# The changes
# ---------------------------------------------------------------------------------------------


def add(ctx: BotContext, user: str, draft: RiskDraft) -> str:
    """Record a new risk (owner defaults to the caller), post its card, tell its owner."""
    now = ctx.now()
    with ctx.db.write() as session:
        project = project_for_new_risk(session, draft.key)
        values = draft.values(owner_id=user,
                              next_review_on=rules.default_review(messages.today(ctx), ctx.rules))
        risk = store.add_risk(session, project=project, values=values, actor=user, now=now,
                              note=draft.note)
        sent = _publish(ctx, session, risk, actor=user, new_card=True, dm="risk.dm_added")
        reply = ctx.renderer.t("risk.added", ref=str(risk.ref), score=risk.score,
                               badge=messages.badge(ctx, messages.level(ctx, risk)),
                               owner=risk.owner_id, channel=project.channel_id,
                               review=risk.next_review_on, due=risk.due_on)
    ctx.sender.send(sent)
    return reply


def update(ctx: BotContext, user: str, target: Target, changes: RiskChanges, *,
           version: int | None = None) -> str:
    """Change fields (and/or add a note). `version` is the one a form showed: if the risk has
    changed since, the form's values are stale and are refused rather than written over."""
    now = ctx.now()
    with ctx.db.write() as session:
        risk = editable(ctx, session, target, user, for_update=True)
        if version is not None and risk.version != version:
            raise UserError("risk.changed_meanwhile", ref=str(risk.ref))
        values = rules.changed_values(current_values(risk), changes.values)
        if not values and not changes.note:
            raise UserError("risk.nothing_changed", ref=str(risk.ref))
        before, owner = messages.level(ctx, risk), risk.owner_id
        ending = values.get("status") in (rules.CLOSED, rules.OCCURRED)
        action = "risk.closed" if ending else "risk.updated"
        store.change_risk(session, risk, values, actor=user, now=now, note=changes.note,
                          action=action)
        rose = risk.active and rules.rose_to_alert(before, messages.level(ctx, risk))
        dm = "risk.dm_rose" if rose else "risk.dm_assigned" if risk.owner_id != owner else None
        sent = _publish(ctx, session, risk, actor=user, new_card=rose, dm=dm)
        reply = ctx.renderer.t(
            "risk.updated", ref=str(risk.ref), score=risk.score,
            badge=messages.badge(ctx, messages.level(ctx, risk)),
            fields=ctx.renderer.listing(_changed(ctx, name, value) for name, value in values.items()))
    ctx.sender.send(sent)
    return reply


def _changed(ctx: BotContext, name: str, value: object) -> str:
    """A changed field as the reply names it; a date with the date it resolved to (`+2w`)."""
    label = ctx.renderer.t(f"risk.field.{name}")
    return f"{label} {value.isoformat()}" if isinstance(value, date) else label


def review(ctx: BotContext, user: str, target: Target, note: str | None = None) -> str:
    """Stamp a review and move the next review date (`[risk] review_every_days` from today).
    A second review the same day without a note changes nothing and is answered as such."""
    now = ctx.now()
    with ctx.db.write() as session:
        risk = editable(ctx, session, target, user, for_update=True)
        ensure_active(ctx, risk, "review")
        if not note and rules.reviewed_today(risk.last_reviewed_at, now, ctx.rules.pmo.tz):
            raise UserError("risk.reviewed_already", ref=str(risk.ref), by=risk.last_reviewed_by,
                            next=risk.next_review_on.isoformat())
        next_review = rules.default_review(messages.today(ctx), ctx.rules)
        store.mark_reviewed(session, risk, actor=user, now=now, next_review_on=next_review,
                            note=note)
        sent = _publish(ctx, session, risk, actor=user)
        reply = ctx.renderer.t("risk.reviewed", ref=str(risk.ref), next=next_review.isoformat())
    ctx.sender.send(sent)
    return reply


def close(ctx: BotContext, user: str, target: Target, note: str,
          status: str = rules.CLOSED) -> str:
    """Close a risk (or record that it occurred) with the reason; the card loses its buttons."""
    now = ctx.now()
    with ctx.db.write() as session:
        risk = editable(ctx, session, target, user, for_update=True)
        ensure_active(ctx, risk, "close")
        store.change_risk(session, risk, {"status": status}, actor=user, now=now, note=note,
                          action="risk.closed")
        sent = _publish(ctx, session, risk, actor=user)
        reply = ctx.renderer.t("risk.closed", ref=str(risk.ref), status=status)
    ctx.sender.send(sent)
    return reply


def _publish(ctx: BotContext, session: Session, risk: Risk, *, actor: str,
             new_card: bool = False, dm: str | None = None) -> list[int]:
    """Bring the channel card up to date, post a fresh one when `new_card` (or when there is
    no card to update), and DM the owner the `dm` sentence with the card, unless they did it."""
    payload = messages.card(ctx, risk).as_payload()
    sent: list[int] = []
    card_id = store.live_card(session, risk)
    if card_id is not None:
        updated = outbox.enqueue_card_update(session, card_id, payload, ctx.now())
        if updated is None:  # the card had not gone out yet: it now carries this version
            new_card = False
        else:
            sent.append(updated.id)
    if new_card or card_id is None:
        post = outbox.enqueue(session, kind="risk_card", channel=risk.project.channel_id,
                              payload=payload, now=ctx.now(), requested_by=actor)
        risk.card_delivery_id = post.id
        sent.append(post.id)
    if dm and risk.owner_id != actor:
        level = messages.level(ctx, risk)
        intro = ctx.renderer.t(dm, ref=str(risk.ref), key=risk.project.key, by=actor,
                               badge=messages.badge(ctx, level), score=risk.score)
        message = messages.card(ctx, risk, intro=intro)
        sent.append(outbox.enqueue(session, kind="risk_dm", channel=risk.owner_id,
                                   payload=message.as_payload(), now=ctx.now(),
                                   requested_by=actor).id)
    return sent


# ---------------------------------------------------------------------------------------------
# What the listeners look up: checks before the ack, and what the views show
# ---------------------------------------------------------------------------------------------


def check_new_risk(ctx: BotContext, key: str) -> None:
    """Refuse before the ack: an unknown project, or one that takes no risks."""
    with ctx.db.read() as session:
        project_for_new_risk(session, key)


def risk_to_change(ctx: BotContext, user: str, target: Target, verb: str | None = None) -> Risk:
    """The risk, if `user` may change it; with `verb` ("review", "close"), only while active."""
    with ctx.db.read() as session:
        risk = editable(ctx, session, target, user)
    if verb is not None:
        ensure_active(ctx, risk, verb)
    return risk


def with_history(ctx: BotContext, target: Target) -> tuple[Risk, list]:
    """`/risk show`: the risk and its whole history (audit entries, oldest first)."""
    with ctx.db.read() as session:
        risk = find(session, target)
        return risk, store.history(session, risk.id)


def project_list(ctx: BotContext, key: str, *, include_closed: bool,
                 limit: int) -> tuple[Project, list[Risk], int]:
    """A project's risks (at most `limit`, ranked) and how many it has in all."""
    with ctx.db.read() as session:
        project = projects_store.project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        total = store.count_risks(session, project_id=project.id, include_closed=include_closed)
        risks = (store.project_risks(session, project.id, include_closed=include_closed,
                                     limit=limit) if total else [])
    return project, risks, total


def owned_list(ctx: BotContext, user: str, *, include_closed: bool,
               limit: int) -> tuple[list[Risk], int]:
    """The risks `user` owns (at most `limit`, ranked) and how many in all."""
    with ctx.db.read() as session:
        total = store.count_risks(session, owner_id=user, include_closed=include_closed)
        risks = (store.owned_risks(session, user, include_closed=include_closed, limit=limit)
                 if total else [])
    return risks, total


def heat_map(ctx: BotContext, top: int) -> tuple[dict[tuple[int, int], int], list[Risk]]:
    """`/pmo risks`: active risks counted by (probability, impact), and the `top` highest."""
    with ctx.db.read() as session:
        counts = store.heat_counts(session)
        return counts, (store.top_risks(session, top) if counts else [])


def form_projects(ctx: BotContext, most: int) -> list[Project] | None:
    """Projects a risk can be added to, for the form's select; None when more than `most`."""
    with ctx.db.read() as session:
        projects = store.projects_taking_risks(session, limit=most + 1)
    return projects if len(projects) <= most else None


def with_card(ctx: BotContext, risk_id: int) -> tuple[Risk, tuple[str, str] | None] | None:
    """The risk and where its channel card is (None until it is sent); None if it is gone."""
    with ctx.db.read() as session:
        risk = store.risk_by_id(session, risk_id)
        if risk is None:
            return None
        return risk, risk.card_delivery_id and outbox.message_of(session,
                                                                  risk.card_delivery_id)
