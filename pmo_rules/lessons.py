"""Lessons learned (issue 14): what one is, the `/lesson` grammar and its form. Pure.

A lesson belongs to a project and has a global id (L-1, L-2, …): what happened, what was
learned (the lesson itself, required), a recommendation, a category from `[lessons]
categories`, tags, and whether it went well or badly. `/lesson search` words are matched as
substrings (so Chinese, written without spaces, is found too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from pmo_rules import text
from pmo_rules.errors import UserError
from pmo_rules.projects import looks_like_key, parse_key
from pmo_rules.values import METADATA_MAX, Value

USAGE = "lesson"
ADD_USAGE = "lesson_add"
SEARCH_USAGE = "lesson_search"
LEARNED_MAX = 1000
TEXT_MAX = 2000
TAG_MAX = 30
TAGS_MAX = 10
TERMS_MAX = 8
TERM_MAX = 100
MIN_INDEXED = 3
"""Search words shorter than this (one or two characters, as Chinese words often are) are too
short for the trigram index: they are matched by a scan, still as substrings."""
WENT = ("well", "badly")
_ID = re.compile(r"[Ll]-?([0-9]{1,9})")
_TAG = re.compile(r"[\w\-]+")
FORM = "lesson_form"
FORM_FIELDS = ("happened", "learned", "recommendation", "category", "tags", "went")


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class OpenForm:
    key: str


@dataclass(frozen=True)
class Add:
    key: str
    learned: str
    happened: str = ""
    recommendation: str = ""
    category: str | None = None
    tags: tuple[str, ...] = ()
    went: str | None = None


@dataclass(frozen=True)
class ListLessons:
    key: str | None


@dataclass(frozen=True)
class Show:
    number: int


@dataclass(frozen=True)
class Search:
    terms: tuple[str, ...]
    key: str | None = None
    category: str | None = None
    tag: str | None = None


def ref(number: int) -> str:
    return f"L-{number}"


def parse_ref(word: str | None) -> int:
    match = _ID.fullmatch(word or "")
    if not match or int(match[1]) == 0:
        if not word:
            raise UserError("lesson.id_missing", usage=USAGE)
        raise UserError("lesson.id_malformed", usage=USAGE, word=word[:40])
    return int(match[1])


def parse_category(value: str | None, categories: tuple[str, ...], *,
                   usage: str = ADD_USAGE) -> str | None:
    if value is None or not value.strip():
        return None
    word = value.strip().lower()
    if word not in categories:
        raise UserError("lesson.bad_category", usage=usage, value=value[:40],
                        categories=list(categories), field="category")
    return word


def parse_tags(value: str | None, *, usage: str = ADD_USAGE) -> tuple[str, ...]:
    """`dns,cutover` (commas or spaces, `#` allowed) → ("dns", "cutover"), lower case, once."""
    found: list[str] = []
    for raw in re.split(r"[,\s，、]+", value or ""):
        tag = raw.strip().lstrip("#").lower()
        if not tag:
            continue
        if not _TAG.fullmatch(tag) or len(tag) > TAG_MAX:
            raise UserError("lesson.bad_tag", usage=usage, value=raw[:40], most=TAG_MAX,
                            field="tags")
        if tag not in found:
            found.append(tag)
    if len(found) > TAGS_MAX:
        raise UserError("lesson.too_many_tags", usage=usage, most=TAGS_MAX, field="tags")
    return tuple(found)


def parse_went(value: str | None, *, usage: str = ADD_USAGE) -> str | None:
    if value is None or not value.strip():
        return None
    word = value.strip().lower()
    if word not in WENT:
        raise UserError("lesson.bad_went", usage=usage, value=value[:40], field="went")
    return word


def _checked(add: Add) -> Add:
    if not add.learned:
        raise UserError("lesson.learned_missing", usage=ADD_USAGE, key=add.key,
                        field="learned")
    text.check_length(add.learned, LEARNED_MAX, "lesson.too_long", usage=ADD_USAGE,
                      field="learned")
    for name in ("happened", "recommendation"):
        text.check_length(getattr(add, name), TEXT_MAX, "lesson.too_long", usage=ADD_USAGE,
                          field=name)
    return add


def _add(words: list[str], categories: tuple[str, ...]) -> object:
    rest, options = text.split_options(words, ("tags", "category", "went"), usage=ADD_USAGE)
    if not rest:
        raise UserError("project.key_missing", usage=ADD_USAGE)
    key = parse_key(rest[0], usage=ADD_USAGE)
    learned = text.plain(" ".join(rest[1:])).strip()
    if not learned and not options:
        return OpenForm(key)
    return _checked(Add(key=key, learned=learned,
                        category=parse_category(options.get("category"), categories),
                        tags=parse_tags(options.get("tags")),
                        went=parse_went(options.get("went"))))


def _list(words: list[str]) -> ListLessons:
    if len(words) > 1:
        raise UserError("lesson.unexpected_words", usage=USAGE, words=" ".join(words[1:])[:80])
    return ListLessons(parse_key(words[0], usage=USAGE) if words else None)


def _show(words: list[str]) -> Show:
    if len(words) > 1:
        raise UserError("lesson.unexpected_words", usage=USAGE, words=" ".join(words[1:])[:80])
    return Show(parse_ref(words[0] if words else None))


def _search(words: list[str], categories: tuple[str, ...]) -> Search:
    rest, options = text.split_options(words, ("project", "category", "tag"),
                                       usage=SEARCH_USAGE)
    terms: list[str] = []
    for word in rest:
        term = text.plain(word).strip().lower()
        if term and term not in terms:
            terms.append(term[:TERM_MAX])
    if len(terms) > TERMS_MAX:
        raise UserError("lesson.too_many_terms", usage=SEARCH_USAGE, most=TERMS_MAX)
    key = parse_key(options["project"], usage=SEARCH_USAGE) if "project" in options else None
    tags = parse_tags(options.get("tag"), usage=SEARCH_USAGE)
    if len(tags) > 1:
        raise UserError("lesson.one_tag", usage=SEARCH_USAGE)
    search = Search(tuple(terms), key=key,
                    category=parse_category(options.get("category"), categories,
                                            usage=SEARCH_USAGE),
                    tag=tags[0] if tags else None)
    if not (search.terms or search.key or search.category or search.tag):
        raise UserError("lesson.search_empty", usage=SEARCH_USAGE)
    return search


NOT_USEFUL = "lesson_not_useful"
"""The *Not useful* button under a lesson suggested to a new project's PM."""
SUGGESTED = 3
_CJK = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True, slots=True)
class LessonButton(Value):
    """*Not useful* on a suggested lesson: which lesson."""

    number: int
    STALE: ClassVar[str] = "lesson.bad_button"
    WIRE: ClassVar[dict[str, str]] = {"number": "l"}

    def _check(self) -> LessonButton:
        self._id(self.number)
        return self


def theme_words(*texts: str, most: int = 6) -> tuple[str, ...]:
    """The words of a project's name (and objective) worth looking for in earlier lessons:
    Latin words of three letters or more, and Chinese runs cut into two-character words."""
    found: list[str] = []
    for raw in " ".join(texts).lower().replace("-", " ").split():
        for run in _CJK.findall(raw):
            found += [run[i:i + 2] for i in range(0, len(run) - 1, 2)]
        latin = _CJK.sub("", raw).strip(".,;:()[]'\"!?")
        if len(latin) >= MIN_INDEXED and latin.isalnum():
            found.append(latin)
    return tuple(dict.fromkeys(found))[:most]


def parse_lesson_command(raw: str, categories: tuple[str, ...]) -> object:
    """`/lesson …` (or the words after `/pmo lesson`): a command or a `UserError`."""
    words = text.tokens(raw)
    if not words or words[0].lower() == "help":
        return Help()
    verb, rest = words[0].lower(), words[1:]
    if verb == "add":
        return _add(rest, categories)
    if verb == "list":
        return _list(rest)
    if verb == "show":
        return _show(rest)
    if verb == "search":
        return _search(rest, categories)
    raise UserError("lesson.no_such_command", word=words[0][:40])


@dataclass(frozen=True, slots=True)
class LessonForm(Value):
    """The lesson form's private_metadata: the project, and where the confirmation goes."""

    key: str
    channel: str | None
    STALE: ClassVar[str] = "lesson.form_stale"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"key": "k", "channel": "c"}

    def _check(self) -> LessonForm:
        if not (isinstance(self.key, str) and looks_like_key(self.key)):
            raise UserError(self.STALE)
        channel = self.channel if isinstance(self.channel, str) and self.channel else None
        return LessonForm(self.key.upper(), channel)


def read_form(key: str, fields: dict[str, str | None], categories: tuple[str, ...]) -> Add:
    """The submitted form as the command it stands for, each field checked as when typed."""
    values = {name: text.plain(value).strip() for name, value in fields.items()
              if name in FORM_FIELDS and isinstance(value, str)}
    return _checked(Add(key=key, learned=values.get("learned", ""),
                        happened=values.get("happened", ""),
                        recommendation=values.get("recommendation", ""),
                        category=parse_category(values.get("category"), categories),
                        tags=parse_tags(values.get("tags")),
                        went=parse_went(values.get("went"))))
