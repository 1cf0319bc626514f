"""The message catalogues: both languages define the same words, and every one renders."""

from __future__ import annotations

import re
import unicodedata

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


_SKIPPED = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|`[^`]*`")


def _bold_edges(source: str):
    """The characters just outside each `*bold*` of a catalogue entry (Jinja tags and code
    spans skipped: their text is not known here)."""
    stars, at = [], 0
    while at < len(source):
        if skipped := _SKIPPED.match(source, at):
            at = skipped.end()
            continue
        if source[at] == "*":
            stars.append(at)
        at += 1
    for start, end in zip(stars[::2], stars[1::2], strict=False):
        yield source[start - 1] if start else " ", source[end + 1:end + 2] or " "


@pytest.mark.parametrize("locale", LOCALES)
def test_bold_never_touches_a_wide_character(locale):
    """Slack renders `*bold*` only when the asterisks sit next to a space or half-width
    punctuation; against Chinese text or full-width punctuation the reader sees the asterisks."""
    wide = [key for key, source in catalogue(locale).items()
            if any(unicodedata.east_asian_width(c) in "WF"
                   for edges in _bold_edges(source) for c in edges)]
    assert wide == []
