"""`[lessons]`: the categories a lesson learned takes, and how many the closing gate asks for."""

from __future__ import annotations

from dataclasses import dataclass

from pmo_rules.config._checks import _int_in, _Invalid, _list, _no_unknown_keys, _unique

DEFAULT_CATEGORIES = ("scope", "schedule", "cost", "quality", "risk", "people", "vendor",
                      "technology", "communication")


@dataclass(frozen=True, slots=True)
class LessonRules:
    """`categories`: the words `/lesson add … category:` accepts (lower case, no spaces).
    `required_at_closing`: the closing gate's lessons-learned item is ticked, and its request
    accepted, only once the project has at least this many lessons (0: not asked)."""

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    required_at_closing: int = 1


def _parse_lessons(table: dict) -> LessonRules:
    _no_unknown_keys(table, "lessons", ("categories", "required_at_closing"))
    items = _list(table.get("categories", list(DEFAULT_CATEGORIES)), "lessons.categories")
    if not items:
        raise _Invalid("lessons.categories", "must name at least one category (got [])")
    for item in items:
        if not (isinstance(item, str) and item.isalnum() and item == item.lower()
                and len(item) <= 30):
            raise _Invalid("lessons.categories",
                           f"must list lower-case words of letters and digits (got {item!r})")
    _unique(items, "lessons.categories")
    return LessonRules(categories=tuple(items), required_at_closing=_int_in(
        table.get("required_at_closing", 1), "lessons.required_at_closing", 0, 50))
