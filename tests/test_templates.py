"""The message catalogues: both languages define the same words, and every one renders."""

from __future__ import annotations

import pytest

from templates.render import LOCALES, Renderer, catalogue, catalogue_keys


def test_english_and_chinese_define_the_same_keys():
    english, chinese = catalogue_keys("en"), catalogue_keys("zh")
    assert sorted(english - chinese) == [], "missing in zh"
    assert sorted(chinese - english) == [], "missing in en"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_compiles(locale):
    renderer = Renderer(locale)
    for source in catalogue(locale).values():
        renderer.env.from_string(source)
