"""Status use cases shared by the one-liner, the form and the Home tab: post, correct, show.

Each write is one transaction holding the change, its audit entry and its outbox delivery; the
delivery is sent right after commit. Nothing here talks to the person: callers render the
returned sentence (or the `UserError`) where that person is looking.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm import Session

from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.status import CARRIED, StatusDraft, check_reporting
from services import plans
from services.context import BotContext
from services.plans import ReportedBetter
from storage import outbox
from storage import projects as store
from storage.projects import Project
from storage.projects import StatusUpdate as StatusUpdate  # for the views
from templates.errors import error_text
from templates.render import Message


def check_may_post(ctx: BotContext, user: str, key: str) -> None:
    """Refuse before ack: an unknown project or a user who may not post for it.

    A recent answer that lets `user` post is taken from memory (`ctx.lookups`); `post_status`
    checks again in its transaction (a project closed or cancelled since is refused there), so
    only a refusal needs the database here.
    """
    remembered = ctx.lookups.get(("pm_of", key))
    if (remembered and remembered[2] in PORTFOLIO_STATES
            and permissions.may_post_status(user, remembered[1], ctx.rules)):
        return
    with ctx.db.lookup() as connection:
        found = store.pm_of(connection, key)
    if found is None:
        raise UserError("project.unknown", key=key)
    ctx.lookups.put(("pm_of", key), found)
    found_key, pm_id, state = found
    permissions.require_status_poster(user, found_key, pm_id, ctx.rules)
    check_reporting(found_key, state)


def post_status(ctx: BotContext, user: str, draft: StatusDraft) -> str:
    """Store the update and its card in one transaction, send the card, return the reply.

    Project and permission are checked again here, in the transaction: the check before the
    ack may have used a remembered answer. The card is written already leased to this
    process's sender, which sends it right after the commit without claiming it first.
    """
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            delivery, project = _store_status(ctx, session, user, draft, now)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send_leased([delivery])
    return ctx.renderer.t("status.posted", key=project.key, channel=project.channel_id,
                          rag_word=ctx.renderer.rag_word(draft.overall.value))


def _store_status(ctx: BotContext, session: Session, user: str, draft: StatusDraft,
                  now: datetime) -> tuple[outbox.Delivery, Project]:
    """Six statements on a project without a plan: the project with its latest update's
    carried values and whether it has a plan (one SELECT), the card, the update (with its
    card's id), the project's last-update time, the audit entry, and the inbox's "done"."""
    found = store.project_for_status(session, draft.key, CARRIED)
    if found is None:
        raise UserError("project.unknown", key=draft.key)
    project, previous, has_plan = found
    permissions.require_status_poster(user, project.key, project.pm_id, ctx.rules)
    check_reporting(project.key, project.state)
    draft = draft.carry_from(previous)
    status = store.new_status(project=project, author=user, values=draft.values(), now=now)
    flag = plans.flag_for_status(ctx, session, project, status) if has_plan else None
    delivery = outbox.enqueue(session, kind="status_card", channel=project.channel_id,
                              payload=status_card(ctx, project, status, flag).as_payload(),
                              now=now, requested_by=user, leased=ctx.sender.lease_at(now))
    status.card_delivery_id = delivery.id
    store.add_status(session, project=project, author=user, values=draft.values(), now=now,
                     status=status)
    return delivery, project


def correct_status(ctx: BotContext, user: str, status_id: int, draft: StatusDraft) -> str:
    """Replace the values of `status_id` and update its card in place (chat.update).

    Author, edit window and "still the latest" are checked again inside the transaction: the
    form may have stayed open past the window, or a newer update may have been posted meanwhile.
    """
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            status, project = editable_by_id(ctx, session, user, status_id, now)
            store.edit_status(session, status=status, editor=user, values=draft.values(),
                              now=now)
            delivery = _card_update(ctx, session, project, status, now)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send([delivery.id] if delivery else [])
    return ctx.renderer.t("status.edited", key=project.key, channel=project.channel_id,
                          rag_word=ctx.renderer.rag_word(status.overall))


def _card_update(ctx: BotContext, session: Session, project: Project, status: StatusUpdate,
                 now: datetime) -> outbox.Delivery | None:
    flag = plans.flag_for_status(ctx, session, project, status)
    payload = status_card(ctx, project, status, flag).as_payload()
    if status.card_delivery_id is not None:
        return outbox.enqueue_card_update(session, status.card_delivery_id, payload, now)
    card = outbox.enqueue(session, kind="status_card", channel=project.channel_id,
                          payload=payload, now=now, requested_by=status.author_id)
    status.card_delivery_id = card.id
    return card


def editable_latest(ctx: BotContext, session: Session, user: str, key: str,
                    now: datetime) -> tuple[StatusUpdate, Project]:
    """The latest update on project `key`, if `user` may correct it now."""
    project = store.project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", key=key)
    check_reporting(project.key, project.state)  # before "no update yet": that is moot now
    latest = store.latest_status(session, project.id)
    if latest is None:
        raise UserError("status.none_yet", key=project.key)
    _require_editable(ctx, user, project, latest, now)
    return latest, project


def editable_by_id(ctx: BotContext, session: Session, user: str, status_id: int,
                   now: datetime) -> tuple[StatusUpdate, Project]:
    """Update `status_id`, if it still exists, is its project's latest, and `user` may edit it."""
    status = session.get(StatusUpdate, status_id)
    if status is None:
        raise UserError("status.edit_gone")
    project = session.get(Project, status.project_id)
    latest = store.latest_status(session, project.id)
    if latest is None or latest.id != status.id:
        raise UserError("status.edit_superseded", key=project.key)
    _require_editable(ctx, user, project, status, now)
    return status, project


def _require_editable(ctx: BotContext, user: str, project: Project, status: StatusUpdate,
                      now: datetime) -> None:
    """A correction is a status update too: refused once the project is closed or cancelled."""
    check_reporting(project.key, project.state)
    permissions.require_status_editor(key=project.key, author_id=status.author_id,
                                      user_id=user, posted_at=status.created_at, now=now,
                                      window_hours=ctx.rules.status.edit_window_hours)


def status_card(ctx: BotContext, project: Project, status: StatusUpdate,
                flag: ReportedBetter | None = None) -> Message:
    """The Block Kit card for one update: what the channel shows and `/status KEY` repeats;
    `flag`: the update reports better than the plan's numbers (services.plans)."""
    return ctx.renderer.message("status_card", "status.card_text", project=project,
                                status=status, key=project.key,
                                rag_word=ctx.renderer.rag_word(status.overall),
                                summary=status.summary[:300], flag=flag,
                                currency=ctx.rules.pmo.currency)


def history(ctx: BotContext, key: str, count: int) -> tuple[Project, list[StatusUpdate]]:
    """`/status history KEY [N]`: project `key` and its latest `count` updates, newest first
    (closed and cancelled projects too: their history stays readable)."""
    with ctx.db.read() as session:
        project = store.project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        return project, store.recent_statuses(session, project.id, count)


def project_exists(ctx: BotContext, key: str) -> bool:
    """Whether a project `key` exists (an indexed look-up on a bare connection, before an
    ack)."""
    with ctx.db.lookup() as connection:
        return store.pm_of(connection, key) is not None


def show_latest(ctx: BotContext, key: str) -> Message:
    with ctx.db.read() as session:
        project = store.project_by_key(session, key)
        if project is None:
            raise UserError("project.unknown", key=key)
        status = store.latest_status(session, project.id)
        flag = status and plans.flag_for_status(ctx, session, project, status)
    if status is None:
        return ctx.renderer.text("status.none_yet", key=key)
    return status_card(ctx, project, status, flag)


# -- what the status form starts from -----------------------------------------------------------

class FormStart(NamedTuple):
    """What a new-update form offers: the projects `user` may post for (one more than `most`
    when there are too many to list), the one pre-selected, and the update to start from."""

    projects: list[Project]
    chosen: Project | None
    latest: StatusUpdate | None


def form_start(ctx: BotContext, user: str, *, key: str | None, most: int,
               prefill_from_latest: bool) -> FormStart:
    """Refuses (UserError) when `user` may post for no project, or not for `key`."""
    with ctx.db.read() as session:
        projects = _postable(ctx, session, user, most)
        chosen = _chosen(ctx, session, user, key, projects)
        if not projects:
            raise UserError("status.no_projects")
        latest = (store.latest_status(session, chosen.id)
                  if chosen is not None and prefill_from_latest else None)
    return FormStart(projects, chosen, latest)


def _postable(ctx: BotContext, session: Session, user: str, most: int) -> list[Project]:
    """Up to `most` + 1 projects `user` may post for (one more than fits says "type it"),
    leaving out closed and cancelled ones, which take no more updates."""
    if permissions.may_post_for_every_project(user, ctx.rules):
        projects = store.list_projects(session, limit=most + 1, states=PORTFOLIO_STATES)
    elif permissions.may_post_as_pm(ctx.rules):
        projects = store.list_projects(session, pm_id=user, limit=most + 1,
                                       states=PORTFOLIO_STATES)
    else:
        projects = []
    return projects


def _chosen(ctx: BotContext, session: Session, user: str, key: str | None,
            projects: list[Project]) -> Project | None:
    """The project to pre-select: the one asked for, or the only one the person has."""
    if key is None:
        return projects[0] if len(projects) == 1 else None
    project = store.project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", key=key.upper())
    permissions.require_status_poster(user, project.key, project.pm_id, ctx.rules)
    check_reporting(project.key, project.state)
    return project


def latest_to_correct(ctx: BotContext, user: str, key: str) -> tuple[StatusUpdate, Project]:
    """`/status edit KEY`: the latest update on `key`, if `user` may still correct it."""
    with ctx.db.read() as session:
        return editable_latest(ctx, session, user, key, ctx.now())


def check_correction(ctx: BotContext, user: str, status_id: int) -> Project:
    """At a correction's submit, before the ack: the update's project, if `user` may still
    correct it (the form may have outlived the edit window or the update)."""
    with ctx.db.read() as session:
        _status, project = editable_by_id(ctx, session, user, status_id, ctx.now())
    return project
