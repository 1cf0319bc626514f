"""Who may see what, in SQL: the entitlement of pmo_rules/visibility.py as WHERE clauses, the
people's kinds (in the users.info cache, `user_timezones.kind`), and the members of the channels
that decide it (`channel_members`, refreshed briefly by services/access.py).

Every list of projects for a person who is not a PMO admin filters through `visible_to`, so a
confidential project is left out by the database, whatever the portfolio's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Index,
    String,
    delete,
    exists,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from pmo_rules.visibility import EXTERNAL, GUEST
from storage.actions import Action
from storage.base import Base, upsert_insert
from storage.issues import Issue
from storage.lessons import Lesson
from storage.milestones import Milestone
from storage.plans import ProjectPlan
from storage.projects import Project
from storage.reminders import UserZone
from storage.risks import Risk


class ChannelMember(Base):
    """One member of a channel whose membership matters (a confidential project's, or one
    where a guest holds a role), as conversations.members last said."""

    __tablename__ = "channel_members"
    __table_args__ = (Index("ix_channel_members_user_id", "user_id", "channel_id"),)

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class ChannelSync(Base):
    """When a channel's members were last asked (absent: never)."""

    __tablename__ = "channel_syncs"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    fetched_at: Mapped[datetime]


# ---------------------------------------------------------------------------------------------
# Entitlement, as SQL
# ---------------------------------------------------------------------------------------------


def in_channel(user: str) -> ColumnElement[bool]:
    return exists().where(ChannelMember.channel_id == Project.channel_id,
                          ChannelMember.user_id == user)


def holds_role(user: str) -> ColumnElement[bool]:
    """PM, sponsor, or owner of one of the project's risks, issues, actions or milestones."""
    return or_(
        Project.pm_id == user,
        exists().where(ProjectPlan.project_id == Project.id, ProjectPlan.sponsor_id == user),
        *(exists().where(model.project_id == Project.id, model.owner_id == user)
          for model in (Risk, Issue, Action, Milestone)))


def entitled(user: str) -> ColumnElement[bool]:
    """May see the project if it is confidential: a role on it, or its channel."""
    return or_(holds_role(user), in_channel(user))


def hidden_from(session: Session, user: str) -> frozenset[int]:
    """The confidential projects `user` is not entitled to (pmo_rules/visibility.py): what a
    member's lists leave out."""
    return frozenset(session.scalars(select(Project.id).where(
        Project.confidential.is_(true()), ~entitled(user))))


def first_project(session: Session, keys: Iterable[str]) -> tuple | None:
    """(key, id, confidential, channel_id) of the first of `keys` that is a project (None
    when none is): one indexed look-up, all a member's command needs when it is not
    confidential."""
    keys = list(keys)
    if not keys:
        return None
    rows = session.execute(select(Project.key, Project.id, Project.confidential,
                                  Project.channel_id).where(Project.key.in_(keys))).all()
    by_key = {row[0]: row for row in rows}
    return next((tuple(by_key[key]) for key in keys if key in by_key), None)


def roles_of(session: Session, project_id: int, user: str) -> tuple[bool, bool]:
    """(holds a role on it, is a member of its channel) for `user`, in one query."""
    row = session.execute(select(holds_role(user), in_channel(user))
                          .where(Project.id == project_id)).one()
    return bool(row[0]), bool(row[1])


def keys_of(session: Session, project_ids: Iterable[int]) -> frozenset[str]:
    ids = list(project_ids)
    if not ids:
        return frozenset()
    return frozenset(session.scalars(select(Project.key).where(Project.id.in_(ids))))


def lesson_project_key(session: Session, number: int) -> str | None:
    return session.execute(select(Project.key).join(Lesson, Lesson.project_id == Project.id)
                           .where(Lesson.id == number)).scalar()


def confidential_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Project.id).where(Project.confidential.is_(true()))))


# ---------------------------------------------------------------------------------------------
# People's kinds
# ---------------------------------------------------------------------------------------------


def cached_kind(session: Session, user: str) -> tuple[str | None, datetime] | None:
    row = session.execute(select(UserZone.kind, UserZone.fetched_at)
                          .where(UserZone.user_id == user)).first()
    return (row[0], row[1]) if row else None


def kinds_of(session: Session, users: Iterable[str]) -> dict[str, str]:
    """The known kinds of these people (absent: not known)."""
    wanted = sorted(set(users))
    rows = session.execute(select(UserZone.user_id, UserZone.kind)
                           .where(UserZone.user_id.in_(wanted), UserZone.kind.is_not(None)))
    return {user: kind for user, kind in rows}


def save_people(session: Session, people: list[dict], now: datetime) -> None:
    """Store users.list's answer: per person their zone, standing, name and kind."""
    if not people:
        return
    insert = upsert_insert(session)
    stmt = insert(UserZone).values([dict(person, fetched_at=now) for person in people])
    session.execute(stmt.on_conflict_do_update(
        index_elements=["user_id"],
        set_={name: stmt.excluded[name]
              for name in ("tz", "fetched_at", "standing", "name", "kind")}))


# ---------------------------------------------------------------------------------------------
# Channel members
# ---------------------------------------------------------------------------------------------


def channels_to_sync(session: Session, older_than: datetime) -> list[str]:
    """Channels whose members decide what someone sees and were not asked since `older_than`:
    confidential projects' channels, and those of projects where a guest or an external person
    holds a role."""
    outsiders = select(UserZone.user_id).where(UserZone.kind.in_((GUEST, EXTERNAL)))
    owners = union(*(select(model.project_id).where(model.owner_id.in_(outsiders))
                     for model in (Risk, Issue, Action, Milestone)))
    wanted = (select(Project.channel_id)
              .where(or_(Project.confidential.is_(true()), Project.pm_id.in_(outsiders),
                         Project.id.in_(owners)))
              .where(~exists().where(ChannelSync.channel_id == Project.channel_id,
                                     ChannelSync.fetched_at >= older_than))
              .distinct())
    return list(session.scalars(wanted))


def save_members(session: Session, channel: str, users: Iterable[str], now: datetime) -> None:
    """Replace what is known of `channel`'s members."""
    session.execute(delete(ChannelMember).where(ChannelMember.channel_id == channel))
    rows = [{"channel_id": channel, "user_id": user} for user in dict.fromkeys(users)]
    if rows:
        session.execute(upsert_insert(session)(ChannelMember).values(rows)
                        .on_conflict_do_nothing())
    insert = upsert_insert(session)
    session.execute(insert(ChannelSync).values(channel_id=channel, fetched_at=now)
                    .on_conflict_do_update(index_elements=["channel_id"],
                                           set_={"fetched_at": now}))
