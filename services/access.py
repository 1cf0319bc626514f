"""Who is asking, and may they: the facts the visibility rule (pmo_rules/visibility.py) needs,
read from the database and from Slack.

- A person's kind (member, guest, external) is what users.info or users.list last said, kept in
  the users.info cache (`user_timezones.kind`) and for a minute in the process. Before an ack
  only the cache is read; a person the bot does not know yet is asked about after the ack
  (bot/access.py). `sync_people` fills and renews the cache for the whole workspace from
  users.list (at start and every `SYNC_EVERY`), so almost nobody waits for that, and a guest
  made a member (or the reverse) is seen within half a day.
- Channel members (conversations.members) decide who may see a confidential project, and which
  guests are in a project's channel; `sync_members` refreshes the channels that matter, each
  at most every `[access] members_minutes`.
- `hidden_from` is what every list of projects leaves out for a person: the confidential
  projects they are not entitled to (none for a PMO admin), excluded in the list's own SQL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from pmo_rules import permissions, visibility
from pmo_rules.lifecycle import PHASES
from pmo_rules.visibility import UNKNOWN, Standing, Subject, Viewer
from services import directory
from services.context import BotContext
from storage import access as store
from storage import gates as gate_store

log = logging.getLogger(__name__)

SYNC_EVERY = timedelta(hours=12)
"""How often the scheduler renews everyone's kind from users.list (bot/scheduler.py)."""
PAGE = 200


def known_viewer(ctx: BotContext, user: str) -> Viewer | None:
    """Who `user` is, from what is already known (no Slack call); None: ask Slack first."""
    if permissions.is_admin(user, ctx.rules):
        return Viewer(user, visibility.MEMBER, admin=True)
    kind = ctx.lookups.get(("kind", user))
    if kind:
        return Viewer(user, kind)
    with ctx.db.read() as session:
        cached = store.cached_kind(session, user)
    if cached is None or cached[0] is None:
        return None
    ctx.lookups.put(("kind", user), cached[0])
    return Viewer(user, cached[0])


def asked_viewer(ctx: BotContext, user: str) -> Viewer:
    """Who `user` is, asking Slack (users.info); UNKNOWN when Slack would not say."""
    looked = directory.fetch_person(ctx, user, ctx.now())
    kind = looked.kind if looked is not None and looked.kind else UNKNOWN
    if kind != UNKNOWN:
        ctx.lookups.put(("kind", user), kind)
    return Viewer(user, kind)


def refusal(ctx: BotContext, viewer: Viewer, subject: Subject,
            channel: str | None) -> tuple[str, dict] | None:
    """None when `viewer` may go ahead with a command about `subject` typed in `channel`;
    else the refusal (template key, its values). Reads the project's facts only when the
    decision needs them: an admin's and help read nothing."""
    if viewer.admin or subject.kind != visibility.PROJECT or viewer.kind == UNKNOWN:
        key = visibility.decide(viewer, subject, None, ctx.rules.access)
        return (key, {}) if key else None
    standing = project_standing(ctx, viewer.user, subject, channel, outsider=viewer.outsider)
    key = visibility.decide(viewer, subject, standing, ctx.rules.access)
    if key is None:
        return None
    shown = standing.key if standing else (subject.keys[0] if subject.keys else "")
    return key, {"key": shown}


def project_standing(ctx: BotContext, user: str, subject: Subject, channel: str | None, *,
                     outsider: bool = True) -> Standing | None:
    """How `user` stands to the project `subject` names (None: it names none that exists).
    A command typed in the project's own channel proves its author is in that channel. For a
    member (`outsider` False) of a project that is not confidential one look-up suffices."""
    row = None
    if not outsider and subject.lesson is None:  # a member: is it a project anyone may see?
        remembered = ctx.lookups.get(("visibility", subject.keys))
        if remembered is not None and not remembered[2]:
            return _open_project(remembered[0])
        with ctx.db.lookup() as connection:  # a bare connection: this runs before the ack
            row = store.first_project(connection, subject.keys)
        if row is None:
            return None
        if not row[2]:
            ctx.lookups.put(("visibility", subject.keys), row)
            return _open_project(row[0])
    with ctx.db.read() as session:
        if row is None:  # an outsider, or a lesson's project: read it here
            keys = subject.keys
            if subject.lesson is not None:
                key = store.lesson_project_key(session, subject.lesson)
                keys = (key,) if key else ()
            row = store.first_project(session, keys)
            if row is None:
                return None
        key, project_id, confidential, channel_id = row
        if not confidential and not outsider:
            return _open_project(key)
        holds_role, in_channel = store.roles_of(session, project_id, user)
        approver = not holds_role and _approver(ctx, session, project_id, user)
    in_channel = in_channel or (channel is not None and channel == channel_id)
    return Standing(key=key, confidential=bool(confidential),
                    entitled=holds_role or in_channel or approver,
                    holds_role=holds_role or approver, in_channel=in_channel)


def _open_project(key: str) -> Standing:
    """A project that is not confidential, as a member stands to it: they may see it."""
    return Standing(key=key, confidential=False, entitled=True, holds_role=False,
                    in_channel=False)


def forget(ctx: BotContext) -> None:
    """After a project's confidentiality changed here: ask the database again at once (other
    processes remember a project open to every member for at most a minute)."""
    ctx.lookups.forget("visibility")


def _approver(ctx: BotContext, session, project_id: int, user: str) -> bool:
    """An approver of one of the project's gates (or of its change requests)."""
    overrides = gate_store.approver_overrides(session, project_id)
    named = {user_id for row in overrides.values() for user_id in row.approvers}
    for phase in PHASES:
        named.update(ctx.rules.gate(phase).approvers)
    named.update(ctx.rules.changes.rule.approvers)
    return user in named


def hidden_from(ctx: BotContext, session, user: str) -> frozenset[int]:
    """The ids of the confidential projects `user` may not see (none for a PMO admin): what
    every list of projects, risks, gates, issues or lessons leaves out, in its own query. One
    indexed query; the set is as small as the number of confidential projects."""
    if permissions.is_admin(user, ctx.rules):
        return frozenset()
    return store.hidden_from(session, user)


# ---------------------------------------------------------------------------------------------
# Keeping what is known fresh: the workspace's people, the channels that decide
# ---------------------------------------------------------------------------------------------


def sync_people(ctx: BotContext) -> int:
    """Ask users.list for everyone of the workspace and keep each person's kind, zone, standing
    and name; how many people were stored. Slack not answering stops the sync (logged): what
    was stored stays, the rest is asked for person by person."""
    stored, now = 0, ctx.now()
    home = directory.home_team(ctx)
    try:
        for page in _pages("users.list", lambda **cursor: ctx.client.users_list(**cursor)):
            people = [_person(found, home) for found in page]
            with ctx.db.write() as session:
                store.save_people(session, people, now)
            stored += len(people)
    except _Unanswered:
        pass
    return stored


def _person(found: dict, home: str | None) -> dict:
    name = found.get("real_name") or (found.get("profile") or {}).get("real_name")
    return {"user_id": found["id"], "tz": found.get("tz"),
            "standing": directory.standing_of(found),
            "name": name[:255] if isinstance(name, str) else None,
            "kind": visibility.kind_of(found, home)}


def sync_members(ctx: BotContext, channels: list[str] | None = None) -> int:
    """Refresh the members of the channels that decide what someone sees (those not asked
    within `[access] members_minutes`), or of `channels`; how many channels were refreshed."""
    now = ctx.now()
    if channels is None:
        older = now - timedelta(minutes=ctx.rules.access.members_minutes)
        with ctx.db.read() as session:
            channels = store.channels_to_sync(session, older)
    done = 0
    for channel in channels:
        members = _members(ctx, channel)
        if members is None:
            continue
        with ctx.db.write() as session:
            store.save_members(session, channel, members, now)
        done += 1
    return done


def _members(ctx: BotContext, channel: str) -> list[str] | None:
    """Every member of `channel`, or None when Slack did not answer (logged)."""
    try:
        return [user for page in _pages(
            f"conversations.members for {channel}",
            lambda **cursor: ctx.client.conversations_members(channel=channel, **cursor))
            for user in page]
    except _Unanswered:
        return None


class _Unanswered(Exception):
    """Slack did not answer a page of a list (already logged)."""


def _pages(name: str, call: Callable[..., Any]) -> Iterator[list]:
    """Each page of a Web API list (`members`), following Slack's cursor to the last one;
    raises `_Unanswered`, after one log line, when Slack does not answer."""
    cursor = None
    while True:
        try:
            answer = call(limit=PAGE, cursor=cursor)
        except SlackApiError as exc:
            log.warning("%s failed: %s", name, exc.response.get("error"))
            raise _Unanswered from None
        except Exception as exc:  # noqa: BLE001 - network trouble: the next sync tries again
            log.warning("%s failed: %s", name, type(exc).__name__)
            raise _Unanswered from None
        yield answer.get("members") or []
        cursor = (answer.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return
