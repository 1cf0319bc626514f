"""Lessons learned (issue 14): add (one transaction with its audit entry and its card to the
project channel in the outbox), list, show, search, and what the closing gate counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from pmo_rules import lessons as rules
from pmo_rules.errors import UserError
from services import access
from services.context import BotContext
from storage import lessons as store
from storage import outbox
from storage.lessons import Lesson
from storage.projects import Project, project_by_key
from templates.errors import error_text
from templates.render import Message

LIST_MAX = 30
SEARCH_MAX = 10


@dataclass(frozen=True)
class LessonShown:
    """A lesson as cards, lists and search results show it."""

    ref: str
    key: str
    project: str
    learned: str
    happened: str
    recommendation: str
    category: str | None
    tags: list[str]
    went: str | None
    by: str
    on: str


def shown(ctx: BotContext, project: Project, row: Lesson) -> LessonShown:
    return LessonShown(
        ref=rules.ref(row.id), key=project.key, project=project.name, learned=row.learned,
        happened=row.happened, recommendation=row.recommendation, category=row.category,
        tags=row.tag_list, went=row.went, by=row.created_by,
        on=row.created_at.astimezone(ctx.rules.pmo.tz).date().isoformat())


def card(ctx: BotContext, lesson: LessonShown, event: str) -> Message:
    return ctx.renderer.message("lesson_card", "lesson.card_text", lesson=lesson, event=event)


def _project(session: Session, key: str) -> Project:
    project = project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", key=key)
    return project


def check_project(ctx: BotContext, key: str) -> str:
    """Before a form opens: the project exists (its key as stored)."""
    with ctx.db.read() as session:
        return _project(session, key).key


def add(ctx: BotContext, user: str, cmd: rules.Add) -> str:
    """Anyone may record a lesson of any project (as anyone may raise a risk), also once it is
    closed: lessons are most often written at the end."""
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            project = _project(session, cmd.key)
            row = store.add(session, project=project, learned=cmd.learned,
                            happened=cmd.happened, recommendation=cmd.recommendation,
                            category=cmd.category, tags=cmd.tags, went=cmd.went, actor=user,
                            now=now)
            view = shown(ctx, project, row)
            delivery = _post(session, project, card(ctx, view, "added"), user, now)
            channel = project.channel_id
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send([delivery])
    return ctx.renderer.t("lesson.added", lesson=view, channel=channel)


def _post(session: Session, project: Project, message: Message, user: str,
          now: datetime) -> int:
    return outbox.enqueue(session, kind="lesson_card", channel=project.channel_id,
                          payload=message.as_payload(), now=now, requested_by=user).id


def listing(ctx: BotContext, key: str | None,
            user: str) -> tuple[str | None, list[LessonShown]]:
    """One project's lessons, or every project's that `user` may see."""
    with ctx.db.read() as session:
        project = _project(session, key) if key else None
        hidden = frozenset() if project else access.hidden_from(ctx, session, user)
        rows = store.lessons_of(session, project.id if project else None, LIST_MAX,
                                excluding=hidden)
        return (project.key if project else None), [shown(ctx, p, row) for p, row in rows]


def one(ctx: BotContext, number: int) -> LessonShown:
    with ctx.db.read() as session:
        found = store.lesson(session, number)
        if found is None:
            raise UserError("lesson.unknown", ref=rules.ref(number))
        return shown(ctx, *found)


def search(ctx: BotContext, query: rules.Search, user: str) -> list[LessonShown]:
    """Across the projects `user` may see (confidential ones only when entitled)."""
    with ctx.db.read() as session:
        if query.key:
            _project(session, query.key)
        return [shown(ctx, hit.project, hit.lesson) for hit in store.search(
            session, query.terms, key=query.key, category=query.category, tag=query.tag,
            limit=SEARCH_MAX, excluding=access.hidden_from(ctx, session, user))]


def suggest(ctx: BotContext, session: Session, project: Project, now: datetime,
            user: str) -> list[int]:
    """A new project: up to three lessons of earlier projects that share words with its name,
    sent to its PM (a DM, each with *Not useful*). The delivery ids, to send after commit."""
    words = rules.theme_words(project.key, project.name)
    found = store.related(session, words, besides=project.id, limit=rules.SUGGESTED,
                          excluding=access.hidden_from(ctx, session, project.pm_id))
    if not found:
        return []
    message = ctx.renderer.message(
        "lesson_suggestions", "lesson.suggest_text", key=project.key,
        lessons=[(shown(ctx, hit.project, hit.lesson),
                  rules.LessonButton(hit.lesson.id).encode()) for hit in found],
        action=rules.NOT_USEFUL)
    return [outbox.enqueue(session, kind="lesson_suggestions", channel=project.pm_id,
                           payload=message.as_payload(), now=now, requested_by=user).id]


def not_useful(ctx: BotContext, user: str, number: int) -> str:
    """One *Not useful* click, counted on the lesson (what the export shows)."""
    with ctx.db.write() as session:
        clicks = store.count_not_useful(session, number)
        if clicks is None:
            raise UserError("lesson.unknown", ref=rules.ref(number))
    return ctx.renderer.t("lesson.not_useful_counted", ref=rules.ref(number))


CLOSING = "closing"


def for_closing(ctx: BotContext, session: Session, project: Project) -> list[LessonShown]:
    """Called when a gate is requested: the closing gate needs the lessons-learned session, so
    it is refused, with the fix, while the project has fewer than `[lessons]
    required_at_closing` lessons. What is recorded, for the request form to list."""
    if project.phase != CLOSING:
        return []
    need = ctx.rules.lessons.required_at_closing
    have = store.count_for(session, project.id)
    if have < need:
        raise UserError("lesson.gate_needs_lessons", key=project.key, have=have, need=need)
    return [shown(ctx, p, row) for p, row in store.lessons_of(session, project.id, LIST_MAX)]
