"""Capacity use cases (issue 13): `/pmo allocate` (one transaction with its audit entry; the
reply warns when it pushes the person above 100%) and `/pmo people` (each person's
allocations and total, PMs at `[portfolio] pm_allocation` on their running projects unless
set). `over_by` is what a proposal's approval asks of its new PM."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmo_rules import capacity as rules
from pmo_rules import people_needed, permissions
from pmo_rules.errors import UserError
from services import access, directory
from services.context import BotContext
from storage import access as access_store
from storage import allocations as store
from storage import projects as project_store
from templates.errors import error_text

PEOPLE_MAX = 20
"""People listed in one `/pmo people` answer (the rest are counted): about 200 characters
each, within the 3,900 of one answer."""


def today(ctx: BotContext) -> date:
    return ctx.now().astimezone(ctx.rules.pmo.tz).date()


def total(ctx: BotContext, session: Session, user_id: str, day: date) -> int:
    return store.total_of(session, user_id=user_id, today=day,
                          pm_allocation=ctx.rules.portfolio.pm_allocation)


def allocate(ctx: BotContext, user: str, cmd: rules.Allocate) -> str:
    now = ctx.now()
    day = today(ctx)
    try:
        rules.check_until(cmd.until, day)
        with ctx.db.read() as session:
            _allowed(ctx, session, user, cmd.key)
        note = directory.checked(ctx, role="allocated", people=[cmd.user_id])
        for attempt in (1, 2):
            try:
                before, after = _save(ctx, user, cmd, now, day)
                break
            except IntegrityError:  # the same pair was inserted a moment ago: now an update
                if attempt == 2:
                    raise UserError("capacity.conflict", user=cmd.user_id,
                                    key=cmd.key) from None
    except UserError as error:
        return error_text(ctx.renderer, error)
    over = rules.overloaded(before, after)
    return ctx.renderer.t("capacity.allocated", user=cmd.user_id, key=cmd.key,
                          percent=cmd.percent, until=cmd.until, total=after, over=over) + note


def _allowed(ctx: BotContext, session: Session, user: str, key: str):
    project = project_store.project_by_key(session, key)
    if project is None:
        raise UserError("capacity.unknown_project", key=key)
    if not permissions.may_plan(user, project.pm_id, ctx.rules):
        raise UserError("capacity.not_allowed", key=project.key, pm=project.pm_id)
    return project


def _save(ctx: BotContext, user: str, cmd: rules.Allocate, now, day: date) -> tuple[int, int]:
    """(the person's total before, after) — totals over every running project."""
    with ctx.db.write() as session:
        project = _allowed(ctx, session, user, cmd.key)
        before = total(ctx, session, cmd.user_id, day)
        store.save(session, project=project, user_id=cmd.user_id, percent=cmd.percent,
                   until=cmd.until, actor=user, now=now)
        return before, total(ctx, session, cmd.user_id, day)


def over_by(ctx: BotContext, session: Session, user_id: str) -> int:
    """Points above 100 `user_id` is at now (0 when within)."""
    return max(0, total(ctx, session, user_id, today(ctx)) - rules.FULL)


def totals_of(ctx: BotContext, session: Session, user_ids: Collection[str]) -> dict[str, int]:
    """These people's totals now (one grouped statement); someone with none is absent."""
    if not user_ids:
        return {}
    return dict(store.totals(session, today=today(ctx),
                             pm_allocation=ctx.rules.portfolio.pm_allocation,
                             user_ids=sorted(set(user_ids))))


def named_room(ctx: BotContext, session: Session, needs: Iterable[people_needed.Need],
               key: str) -> list[people_needed.Room]:
    """For a proposal approved into project `key`: each named person's total without `key`
    (where the new PM's default already counts) and with the share the proposal names."""
    needs = tuple(needs)
    users = people_needed.named(needs)
    if not users:
        return []
    without: dict[str, int] = {}
    for share in store.shares(session, today=today(ctx),
                              pm_allocation=ctx.rules.portfolio.pm_allocation, user_ids=users):
        if share.key != key:
            without[share.user_id] = without.get(share.user_id, 0) + share.percent
    return people_needed.room(needs, without)[0]


def people(ctx: BotContext, cmd: rules.People, viewer: str) -> str:
    """Everyone's totals in one grouped statement, then the shares of the first PEOPLE_MAX
    (most loaded first) in a second: what is shown, whatever the number of people. A share
    of a confidential project `viewer` may not see counts in the total, its KEY is not shown."""
    day, default = today(ctx), ctx.rules.portfolio.pm_allocation
    with ctx.db.read() as session:
        hidden = access_store.keys_of(session, access.hidden_from(ctx, session, viewer))
        if cmd.user_id is not None:
            found = rules.people(store.shares(session, today=day, pm_allocation=default,
                                              user_ids=(cmd.user_id,)))
            count, over = len(found), sum(1 for p in found if p.over)
        else:
            loads = sorted((item for item in store.totals(session, today=day,
                                                          pm_allocation=default)
                            if item[1] > 0), key=lambda item: (-item[1], item[0]))
            count, over = len(loads), sum(1 for _user, total in loads if total > rules.FULL)
            first = [user for user, _total in loads[:PEOPLE_MAX]]
            found = rules.people(store.shares(session, today=day, pm_allocation=default,
                                              user_ids=first)) if first else []
    if hidden:
        masked = ctx.renderer.t("capacity.confidential_key")
        found = [replace(person, shares=tuple(replace(share, key=masked) if share.key in hidden
                                              else share for share in person.shares))
                 for person in found]
    return ctx.renderer.t("capacity.people", people=found[:PEOPLE_MAX], count=count,
                          over=over, one=cmd.user_id, pm_allocation=default)
