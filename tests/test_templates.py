"""The message catalogues: both languages define the same words, and every one renders."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

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
_RENDERED_SKIPPED = re.compile(r"<[^>]*>|`[^`]*`")
"""In rendered text: Slack's <@user>, <#channel> and <!date…> tokens, and code spans."""


def _bold_edges(source: str, skipped_pattern: re.Pattern = _SKIPPED):
    """The characters just outside each `*bold*` of a catalogue entry (Jinja tags and code
    spans skipped: their text is not known here), or of rendered text."""
    stars, at = [], 0
    while at < len(source):
        if skipped := skipped_pattern.match(source, at):
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


def wide_bold(text: str) -> list[str]:
    """The `*bold*` edges of rendered mrkdwn that touch a wide character: what a reader
    would see as stray asterisks. A composed message is only safe once rendered, because
    `t()` strips each entry's edges (a part's leading space never reaches the whole)."""
    return [before + after for before, after in _bold_edges(text, _RENDERED_SKIPPED)
            if any(unicodedata.east_asian_width(c) in "WF" for c in before + after)]


SNOOZED = [("status", {"key": "APOLLO"}), ("risk", {"ref": "ZEUS-R2"}),
           ("gate_vote", {"key": "APOLLO", "phase": "planning"})]


@pytest.mark.parametrize("locale", LOCALES)
def test_composed_snooze_confirmations_keep_bold_apart_from_wide_text(locale):
    """`snooze.done` wraps a `snooze.what.<kind>`: checked as the clicker reads it."""
    renderer = Renderer(locale)
    until = renderer.slack_date(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))
    for kind, subject in SNOOZED:
        done = renderer.t("snooze.done", what=renderer.t(f"snooze.what.{kind}", **subject),
                          until=until)
        assert wide_bold(done) == [], done
    assert "不会再就 *ZEUS-R2* 提醒您。" in Renderer("zh").t(
        "snooze.done", what=Renderer("zh").t("snooze.what.risk", ref="ZEUS-R2"), until=until)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("days", [1, 2])
def test_the_nudge_footer_names_the_snooze_button_as_it_is_labelled(locale, days):
    renderer = Renderer(locale)
    footer = renderer.t("nudge.footer", start="09:00", end="18:00", days=days)
    assert f"*{renderer.t('nudge.button.snooze', days=days)}*" in footer
    assert wide_bold(footer) == []


RISK_LINES = {"risk.added": {"channel": "CAPOLLO1", "owner": "UALICE1"},
              "risk.updated": {"fields": "概率 4 → 2"}, "risk.dm_added": {"by": "UBOB001"},
              "risk.dm_assigned": {"by": "UBOB001"}, "risk.dm_rose": {"by": "UBOB001"}}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("level", ["low", "medium", "high", "critical"])
def test_risk_messages_with_a_level_badge_keep_bold_apart_from_wide_text(locale, level):
    """A badge (`:red_circle: *Critical*`) ends in bold wherever it is put."""
    renderer = Renderer(locale)
    badge = renderer.t(f"risk.badge.{level}")
    for key, params in RISK_LINES.items():
        for extra in ({}, {"fields": ""}) if key == "risk.updated" else ({},):
            text = renderer.t(key, **{"ref": "APOLLO-R1", "key": "APOLLO", "score": 20,
                                      "badge": badge, **params, **extra})
            assert wide_bold(text) == [], text
