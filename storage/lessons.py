"""Lessons learned and their full-text search, on each database's own engine.

`lessons.body` is what is searched (what happened, what was learned, the recommendation and the
tags, one text), written with the row. The index over it belongs to the engine and is built by
the migration (0021_lessons), so it is kept in step inside the same transaction as the write:

- SQLite: an FTS5 table with the `trigram` tokenizer (`lessons_fts`, external content on
  `lessons`), kept by triggers; ranked by bm25.
- PostgreSQL: a GIN `pg_trgm` index on `body` (substring `ILIKE`, Chinese included) and a GIN
  index on `to_tsvector('simple', body)`; ranked by `ts_rank` plus `word_similarity`.

Words shorter than three characters cannot use a trigram index: they are matched with a scan
(`LIKE`), still as substrings, within what the longer words and filters have narrowed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import audit
from storage.base import Base
from storage.projects import Project

ENGINE_OWNED = ("lessons_fts", "ix_lessons_body_trgm", "ix_lessons_body_tsv")
"""Search objects the migration builds for one engine only (tests/test_schema.py skips them:
the models describe what both databases share)."""
MIN_INDEXED = 3
CANDIDATES = 500
"""Ranking is done over the newest CANDIDATES matches only, so a common word ("vendor") costs
the same as a rare one: the best of the 500 newest matches come first."""


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (
        Index("ix_lessons_project", "project_id", "id"),
        Index("ix_lessons_category", "category", "id"),
        CheckConstraint("went IN ('well', 'badly')", name="went"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    happened: Mapped[str] = mapped_column(Text)
    learned: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(30))
    tags: Mapped[str] = mapped_column(String(400))
    """Comma-framed, `,dns,cutover,` (empty: `,`), so one tag is found with LIKE '%,dns,%'."""
    went: Mapped[str | None] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    not_useful: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


def body_of(happened: str, learned: str, recommendation: str, tags: tuple[str, ...]) -> str:
    return "\n".join(part for part in (happened, learned, recommendation, " ".join(tags))
                     if part).lower()


def add(session: Session, *, project: Project, learned: str, happened: str,
        recommendation: str, category: str | None, tags: tuple[str, ...], went: str | None,
        actor: str, now: datetime) -> Lesson:
    row = Lesson(project_id=project.id, happened=happened, learned=learned,
                 recommendation=recommendation, category=category,
                 tags="," + "".join(f"{tag}," for tag in tags), went=went,
                 body=body_of(happened, learned, recommendation, tags), not_useful=0,
                 created_by=actor, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, at=now, actor=actor, action="lesson.added", subject_type="lesson",
                 subject_id=f"L-{row.id}", project_id=project.id,
                 after={"category": category, "tags": list(tags), "went": went})
    return row


def lesson(session: Session, number: int) -> tuple[Project, Lesson] | None:
    row = session.execute(select(Project, Lesson).join(Lesson, Lesson.project_id == Project.id)
                          .where(Lesson.id == number)).first()
    return (row[0], row[1]) if row else None


def lessons_of(session: Session, project_id: int | None, limit: int, *,
               excluding: Collection[int] = ()) -> list[tuple[Project, Lesson]]:
    """Newest first; one project's, or every project's but those `excluding` names."""
    query = select(Project, Lesson).join(Lesson, Lesson.project_id == Project.id)
    if project_id is not None:
        query = query.where(Lesson.project_id == project_id)
    if excluding:
        query = query.where(Lesson.project_id.not_in(list(excluding)))
    return [(p, row) for p, row in session.execute(
        query.order_by(Lesson.id.desc()).limit(limit)).all()]


def count_for(session: Session, project_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Lesson)
                          .where(Lesson.project_id == project_id)) or 0


def count_not_useful(session: Session, number: int) -> int | None:
    """One more *Not useful* click on lesson `number`, counted by one conditional update."""
    session.execute(Lesson.__table__.update().where(Lesson.id == number)
                    .values(not_useful=Lesson.not_useful + 1))
    return session.scalar(select(Lesson.not_useful).where(Lesson.id == number))


@dataclass(frozen=True)
class Found:
    project: Project
    lesson: Lesson


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(session: Session, terms: tuple[str, ...], *, key: str | None = None,
           category: str | None = None, tag: str | None = None,
           limit: int = 10, excluding: Collection[int] = ()) -> list[Found]:
    """Lessons whose text holds every word (as a substring, any case), best matches first
    (then newest), across every project unless `key` narrows it, but the projects `excluding`
    names (confidential ones the person may not see); the one search function."""
    where = ["1 = 1"]
    if excluding:  # project ids, integers from the database: written into the statement
        where.append(f"p.id NOT IN ({', '.join(str(int(i)) for i in sorted(excluding))})")
    params: dict[str, object] = {"limit": limit}
    if key:
        where.append("p.key = :key")
        params["key"] = key.upper()
    if category:
        where.append("l.category = :category")
        params["category"] = category
    if tag:
        where.append("l.tags LIKE :tag ESCAPE '\\'")
        params["tag"] = _like("," + tag + ",")
    for index, term in enumerate(terms):
        where.append(f"l.body LIKE :t{index} ESCAPE '\\'" if session.bind.dialect.name
                     == "sqlite" else f"l.body ILIKE :t{index} ESCAPE '\\'")
        params[f"t{index}"] = _like(term.lower())
    if session.bind.dialect.name == "sqlite":
        sql = _sqlite(terms, where, params)
    else:
        sql = _postgres(terms, where, params)
    ids = [row[0] for row in session.execute(text(sql), params)]
    if not ids:
        return []
    found = {lesson.id: Found(project, lesson) for project, lesson in session.execute(
        select(Project, Lesson).join(Lesson, Lesson.project_id == Project.id)
        .where(Lesson.id.in_(ids))).all()}
    return [found[number] for number in ids if number in found]


def related(session: Session, words: tuple[str, ...], *, besides: int,
            limit: int = 3, excluding: Collection[int] = ()) -> list[Found]:
    """Lessons of other projects than `besides` that hold the most of `words` (each looked up
    with `search`), best first: what a new project's PM is shown."""
    score: dict[int, int] = {}
    hits: dict[int, Found] = {}
    for word in words:
        for rank, hit in enumerate(search(session, (word,), limit=20, excluding=excluding)):
            if hit.project.id == besides:
                continue
            score[hit.lesson.id] = score.get(hit.lesson.id, 0) + 100 - rank
            hits[hit.lesson.id] = hit
    best = sorted(score, key=lambda number: (-score[number], -number))
    return [hits[number] for number in best[:limit]]


def _sqlite(terms: tuple[str, ...], where: list[str], params: dict[str, object]) -> str:
    indexed = [term for term in terms if len(term) >= MIN_INDEXED]
    if not indexed:
        return (f"SELECT l.id FROM lessons l JOIN projects p ON p.id = l.project_id "
                f"WHERE {' AND '.join(where)} ORDER BY l.created_at DESC, l.id DESC "
                f"LIMIT :limit")
    params["match"] = " AND ".join('"' + term.replace('"', '""') + '"' for term in indexed)
    params["candidates"] = CANDIDATES
    return (f"SELECT id FROM (SELECT l.id AS id, l.created_at AS created_at, "
            f"bm25(lessons_fts) AS rank FROM lessons_fts f JOIN lessons l ON l.id = f.rowid "
            f"JOIN projects p ON p.id = l.project_id "
            f"WHERE lessons_fts MATCH :match AND {' AND '.join(where)} "
            f"ORDER BY f.rowid DESC LIMIT :candidates) "
            f"ORDER BY rank, created_at DESC, id DESC LIMIT :limit")


def _postgres(terms: tuple[str, ...], where: list[str], params: dict[str, object]) -> str:
    params["query"] = " ".join(terms)
    params["candidates"] = CANDIDATES
    return (f"SELECT id FROM (SELECT l.id AS id, l.body AS body, l.created_at AS created_at "
            f"FROM lessons l JOIN projects p ON p.id = l.project_id "
            f"WHERE {' AND '.join(where)} ORDER BY l.id DESC LIMIT :candidates) AS c "
            f"ORDER BY ts_rank(to_tsvector('simple', body), "
            f"plainto_tsquery('simple', :query)) + word_similarity(:query, body) DESC, "
            f"created_at DESC, id DESC LIMIT :limit")
