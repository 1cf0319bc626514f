"""The pure parts of lessons learned: `[lessons]` in the rules file, the `/lesson` grammar and
the words a new project is matched on."""

from __future__ import annotations

import pytest

from pmo_rules import lessons
from pmo_rules.config import DEFAULT_RULES, RulesError, parse_rules
from pmo_rules.errors import UserError

CATEGORIES = DEFAULT_RULES.lessons.categories


def test_lessons_section_defaults_and_refusals():
    assert DEFAULT_RULES.lessons.required_at_closing == 1
    assert CATEGORIES[:3] == ("scope", "schedule", "cost") and len(CATEGORIES) == 9
    rules = parse_rules({"lessons": {"categories": ["vendor", "ops"], "required_at_closing": 0}})
    assert rules.lessons.categories == ("vendor", "ops")
    for bad, key in [({"categories": []}, "lessons.categories"),
                     ({"categories": ["Two words"]}, "lessons.categories"),
                     ({"categories": ["ops", "ops"]}, "lessons.categories"),
                     ({"required_at_closing": -1}, "lessons.required_at_closing"),
                     ({"required": 1}, "lessons.required")]:
        with pytest.raises(RulesError) as error:
            parse_rules({"lessons": bad})
        assert error.value.key == key


def test_grammar():
    parse = lessons.parse_lesson_command
    assert parse("add apollo", CATEGORIES) == lessons.OpenForm("APOLLO")
    assert parse("add APOLLO Lesson #one tags:#DNS,cutover,dns went:Well category:Vendor",
                 CATEGORIES) == lessons.Add("APOLLO", "Lesson #one", category="vendor",
                                            tags=("dns", "cutover"), went="well")
    assert parse("show L12", CATEGORIES) == lessons.Show(12)
    assert parse("search DNS 割接 dns tag:x", CATEGORIES) == lessons.Search(("dns", "割接"),
                                                                           tag="x")
    assert parse("", CATEGORIES) == lessons.Help()
    for text, key in [("show L-0", "lesson.id_malformed"), ("show", "lesson.id_missing"),
                      ("add", "project.key_missing"), ("search tag:a,b", "lesson.one_tag"),
                      ("add APOLLO " + "x" * 1001, "lesson.too_long"),
                      ("list A B", "lesson.unexpected_words")]:
        with pytest.raises(UserError) as error:
            parse(text, CATEGORIES)
        assert error.value.key == key


def test_theme_words():
    assert lessons.theme_words("APOLLO", "Apollo data-centre migration (wave 2)") == (
        "apollo", "data", "centre", "migration", "wave")
    assert lessons.theme_words("JUNO", "数据中心迁移") == ("juno", "数据", "中心", "迁移")
