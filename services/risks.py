"""The risk register's changes: add, update, review, close — one write transaction each.

Every change locks the risk, re-checks who may make it (the owner may have changed since the
button was drawn), writes it with its audit entry, and puts the card update, a new card (for a
new risk or one that rose to high or critical) and the owner's DM in the outbox in the same
transaction; they are sent right after commit. A refusal is a `UserError`, so nothing is stored.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy.orm import Session

from pmo_rules import permissions
from pmo_rules import risk as rules
from pmo_rules.errors import UserError
from pmo_rules.risk import RiskChanges, RiskDraft, RiskRef
from pmo_rules.risk_command import ListRisks
from services import access, directory
from services import risk_cards as messages
from services.context import BotContext
from storage import outbox
from storage import projects as projects_store
from storage import risks as store
from storage.projects import Project
from storage.risks import Links as Links  # a card's duplicate links, as the views show them
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
    return require_editor(ctx, find(session, target, for_update=for_update), user)


def require_editor(ctx: BotContext, risk: Risk, user: str) -> Risk:
    permissions.require_risk_editor(user, risk.ref, risk.owner_id, risk.project.pm_id, ctx.rules)
    return risk


def lock(session: Session, risks: list[Risk]) -> None:
    """Lock several risks' rows, in one order (by id) so two changes never wait on each
    other; the objects are refreshed to what the rows hold now."""
    for risk in sorted(risks, key=lambda r: r.id):
        store.risk_by_id(session, risk.id, for_update=True)


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
    note = directory.checked(ctx, role="owner", people=[draft.owner_id] if draft.owner_id else [])
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
    return reply + note


def update(ctx: BotContext, user: str, target: Target, changes: RiskChanges, *,
           version: int | None = None) -> str:
    """Change fields (and/or add a note). `version` is the one a form showed: if the risk has
    changed since, the form's values are stale and are refused rather than written over. A
    closed risk takes only a reopening (with a note saying why) or the other outcome
    (`pmo_rules.risk.check_update`)."""
    owner = changes.values.get("owner_id")
    note = directory.checked(ctx, role="owner", people=[owner] if owner else [])
    now = ctx.now()
    with ctx.db.write() as session:
        risk = editable(ctx, session, target, user, for_update=True)
        if version is not None and risk.version != version:
            raise UserError("risk.changed_meanwhile", ref=str(risk.ref))
        values = values_to_write(ctx, risk, changes)
        if not values and not changes.note:
            raise UserError("risk.nothing_changed", ref=str(risk.ref))
        before, owner = messages.level(ctx, risk), risk.owner_id
        ending = values.get("status") in (rules.CLOSED, rules.OCCURRED)
        action = "risk.closed" if ending else "risk.updated"
        original = risk.duplicate_of_id and store.risk_by_id(session, risk.duplicate_of_id)
        store.change_risk(session, risk, values, actor=user, now=now, note=changes.note,
                          action=action)
        rose = risk.active and rules.rose_to_alert(before, messages.level(ctx, risk))
        dm = "risk.dm_rose" if rose else "risk.dm_assigned" if risk.owner_id != owner else None
        sent = _publish(ctx, session, risk, actor=user, new_card=rose, dm=dm)
        if original and risk.duplicate_of_id is None:  # reopened: the original's card unlinks
            sent += _publish(ctx, session, original, actor=user)
        reply = ctx.renderer.t(
            "risk.updated", ref=str(risk.ref), score=risk.score,
            badge=messages.badge(ctx, messages.level(ctx, risk)),
            fields=ctx.renderer.listing(_changed(ctx, name, value)
                                        for name, value in values.items()))
    ctx.sender.send(sent)
    return reply + note


def values_to_write(ctx: BotContext, risk: Risk, changes: RiskChanges) -> dict:
    """The values an update writes to `risk` as it is now (only what differs), or the refusal
    (a closed risk changed without reopening it, a reopening without a reason)."""
    current = current_values(risk)
    values = rules.check_update(risk.status, rules.changed_values(current, changes.values),
                                changes.note, ref=str(risk.ref), today=messages.today(ctx),
                                rules=ctx.rules)
    return rules.changed_values(current, values)


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
            raise _reviewed_already(risk)
        next_review = _review(ctx, session, risk, user, note)
        sent = _publish(ctx, session, risk, actor=user)
        reply = ctx.renderer.t("risk.reviewed", ref=str(risk.ref), next=next_review.isoformat())
    ctx.sender.send(sent)
    return reply


def review_all(ctx: BotContext, user: str, refs: tuple[RiskRef, ...],
               note: str | None = None) -> str:
    """`/risk reviewed ID ID …`: review each risk, in one transaction. A risk that may not be
    reviewed (unknown, closed, not the caller's to change) refuses the whole command, so
    nothing is half done; one already reviewed today (without a note) is left as it is and
    named in the answer."""
    if len(refs) == 1:
        return review(ctx, user, refs[0], note)
    now = ctx.now()
    with ctx.db.write() as session, _none_reviewed(ctx, refs):
        found = [find(session, ref) for ref in refs]
        lock(session, found)
        reviewed, lines, sent = [], [], []
        for risk in found:
            require_editor(ctx, risk, user)
            ensure_active(ctx, risk, "review")
            if not note and rules.reviewed_today(risk.last_reviewed_at, now, ctx.rules.pmo.tz):
                already = _reviewed_already(risk)
                lines.append(ctx.renderer.t(already.key, **already.params))
                continue
            next_review = _review(ctx, session, risk, user, note)
            reviewed.append(str(risk.ref))
            sent += _publish(ctx, session, risk, actor=user)
        if reviewed:
            lines.insert(0, ctx.renderer.t("risk.reviewed_many", refs=reviewed,
                                           next=next_review.isoformat()))
        reply = "\n".join(lines)
    ctx.sender.send(sent)
    return reply


def _review(ctx: BotContext, session: Session, risk: Risk, user: str, note: str | None):
    next_review = rules.default_review(messages.today(ctx), ctx.rules)
    store.mark_reviewed(session, risk, actor=user, now=ctx.now(), next_review_on=next_review,
                        note=note)
    return next_review


def _reviewed_already(risk: Risk) -> UserError:
    return UserError("risk.reviewed_already", ref=str(risk.ref), by=risk.last_reviewed_by,
                     next=risk.next_review_on.isoformat())


def close(ctx: BotContext, user: str, target: Target, note: str | None,
          status: str = rules.CLOSED, duplicate_of: RiskRef | None = None) -> str:
    """Close a risk (or record that it occurred) with the reason; the card loses its buttons
    and its next review. As a duplicate of another risk, both cards show the link."""
    now = ctx.now()
    with ctx.db.write() as session:
        risk = find(session, target)
        original = find(session, duplicate_of) if duplicate_of is not None else None
        lock(session, [risk] + ([original] if original is not None else []))
        require_editor(ctx, risk, user)
        ensure_active(ctx, risk, "close")
        if original is not None:
            rules.check_duplicate(risk.ref, original.ref, original.status)
        store.change_risk(session, risk, {"status": status}, actor=user, now=now, note=note,
                          action="risk.closed", duplicate_of=original)
        sent = _publish(ctx, session, risk, actor=user)
        if original is not None:
            sent += _publish(ctx, session, original, actor=user)
            reply = ctx.renderer.t("risk.closed_duplicate", ref=str(risk.ref),
                                   original=str(original.ref))
        else:
            reply = ctx.renderer.t("risk.closed", ref=str(risk.ref), status=status)
    ctx.sender.send(sent)
    return reply


def close_with_project(ctx: BotContext, session: Session, project: Project, *, actor: str,
                       ended: str) -> list[int]:
    """The project has just ended (`ended`: cancelled or closed), in the caller's transaction:
    its open risks close with the outcome "project cancelled" / "project closed" (each audited,
    its card updated), and each owner gets one message listing theirs. Their review and
    response dates no longer nudge anyone, and the portfolio views leave them out."""
    risks = store.open_risks_locked(session, project.id)
    if not risks:
        return []
    note = ctx.renderer.t(f"risk.project_ended.{ended}")
    sent: list[int] = []
    owners: dict[str, list[str]] = {}
    for risk in risks:
        store.change_risk(session, risk, {"status": rules.CLOSED}, actor=actor, now=ctx.now(),
                          note=note, action="risk.closed")
        sent += _publish(ctx, session, risk, actor=actor)
        owners.setdefault(risk.owner_id, []).append(str(risk.ref))
    for owner, refs in owners.items():
        if owner == actor:
            continue
        message = ctx.renderer.text("risk.project_ended.dm", key=project.key, state=ended,
                                    by=actor, refs=refs, count=len(refs))
        sent.append(outbox.enqueue(session, kind="risk_dm", channel=owner,
                                   payload=message.as_payload(), now=ctx.now(),
                                   requested_by=actor).id)
    return sent


def refresh_card(ctx: BotContext, session: Session, risk: Risk, *, actor: str) -> list[int]:
    """Bring the risk's channel card up to date, in the caller's transaction (another
    domain changed what it shows: an issue raised from it)."""
    return _publish(ctx, session, risk, actor=actor)


def _publish(ctx: BotContext, session: Session, risk: Risk, *, actor: str,
             new_card: bool = False, dm: str | None = None) -> list[int]:
    """Bring the channel card up to date, post a fresh one when `new_card` (or when there is
    no card to update), and DM the owner the `dm` sentence with the card, unless they did it."""
    links = store.links(session, risk)
    payload = messages.card(ctx, risk, links=links).as_payload()
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
        message = messages.card(ctx, risk, intro=intro, links=links)
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


def check_update(ctx: BotContext, user: str, target: Target, changes: RiskChanges) -> None:
    """Refuse before the ack what `update` would refuse (under lock, it checks again)."""
    risk = risk_to_change(ctx, user, target)
    values_to_write(ctx, risk, changes)


def check_close(ctx: BotContext, user: str, target: Target,
                duplicate_of: RiskRef | None) -> None:
    """Refuse before the ack what `close` would refuse (under lock, it checks again)."""
    risk = risk_to_change(ctx, user, target, "close")
    if duplicate_of is not None:
        with ctx.db.read() as session:
            original = find(session, duplicate_of)
        rules.check_duplicate(risk.ref, original.ref, original.status)


def check_review(ctx: BotContext, user: str, refs: tuple[RiskRef, ...]) -> None:
    """Refuse before the ack a review of a risk that cannot be reviewed (each of `refs`)."""
    with _none_reviewed(ctx, refs):
        for ref in refs:
            risk_to_change(ctx, user, ref, "review")


@contextmanager
def _none_reviewed(ctx: BotContext, refs: tuple[RiskRef, ...]):
    """A refusal about one of several risks reviewed together says that none was reviewed."""
    try:
        yield
    except UserError as error:
        if len(refs) < 2:
            raise
        raise UserError("risk.review_refused", usage=error.usage, count=len(refs),
                        reason=ctx.renderer.t(error.key, **error.params)) from error


def with_history(ctx: BotContext, target: Target) -> tuple[Risk, list, store.Links]:
    """`/risk show`: the risk, its whole history (audit entries, oldest first), its links."""
    with ctx.db.read() as session:
        risk = find(session, target)
        return risk, store.history(session, risk.id), store.links(session, risk)


def list_risks(ctx: BotContext, user: str, cmd: ListRisks, *,
               limit: int) -> tuple[Project | None, list[Risk], int]:
    """`/risk list …`: the project (when a KEY was given), the risks the filters select (at
    most `limit`, ranked) and how many there are in all. Without a KEY or `owner:`, the
    caller's own risks."""
    scores = cmd.level and rules.score_range(cmd.level, ctx.rules.risk.levels)
    with ctx.db.read() as session:
        project = None
        if cmd.key is not None:
            project = projects_store.project_by_key(session, cmd.key)
            if project is None:  # a filter mistyped where a KEY may stand, too
                raise UserError("project.unknown", key=cmd.key, usage=rules.LIST_USAGE)
        wanted = store.Filter(
            project_id=project and project.id, include_closed=cmd.include_closed,
            excluding=access.hidden_from(ctx, session, user) if project is None else frozenset(),
            owner_id=cmd.owner or (None if project else user), scores=scores or None,
            late_on=messages.today(ctx) if cmd.overdue else None)
        total = store.count_risks(session, wanted=wanted)
        risks = store.listed_risks(session, wanted, limit=limit) if total else []
    return project, risks, total


def heat_map(ctx: BotContext, top: int,
             user: str) -> tuple[dict[tuple[int, int], int], list[Risk]]:
    """`/pmo risks`: active risks counted by (probability, impact), and the `top` highest, of
    the projects `user` may see."""
    with ctx.db.read() as session:
        hidden = access.hidden_from(ctx, session, user)
        counts = store.heat_counts(session, excluding=hidden)
        return counts, (store.top_risks(session, top, excluding=hidden) if counts else [])


def form_projects(ctx: BotContext, most: int, user: str) -> list[Project] | None:
    """Projects a risk can be added to that `user` may see, for the form's select; None when
    more than `most`."""
    with ctx.db.read() as session:
        hidden = access.hidden_from(ctx, session, user)
        projects = [p for p in store.projects_taking_risks(session, limit=most + 1 + len(hidden))
                    if p.id not in hidden]
    return projects if len(projects) <= most else None


def with_card(ctx: BotContext, risk_id: int) -> tuple[Risk, tuple[str, str] | None,
                                                      store.Links] | None:
    """The risk, where its channel card is (None until it is sent) and its links; None if it
    is gone."""
    with ctx.db.read() as session:
        risk = store.risk_by_id(session, risk_id)
        if risk is None:
            return None
        return risk, risk.card_delivery_id and outbox.message_of(
            session, risk.card_delivery_id), store.links(session, risk)
