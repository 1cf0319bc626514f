"""The Chinese glossary (templates/locales/zh/glossary.toml): one word per concept in every zh
catalogue, and no space beside full-width punctuation, in the catalogues and in what the bot
renders (spaces also come from joining parts). A failure names the key and the word to use:
keys added on other branches are fixed at merge by reading it."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import replace
from datetime import timedelta
from importlib import resources

import pytest

from templates.render import GLOSSARY, catalogue
from tests.support import ADMIN, ALICE, CAROL, GENERAL, START, make_bot
from tests.support.gates import (
    add_apollo,
    gate_rules,
    open_reject_form,
    reject_reason,
    request_gate,
    wait_until,
)
from tests.support.scheduling import add_project, run
from tests.test_home import open_home
from tests.test_reminder_sources import TODAY, add_risk
from tests.test_templates import wide_bold

_GLOSSARY = tomllib.loads(resources.files("templates").joinpath(
    f"locales/zh/{GLOSSARY}").read_text(encoding="utf-8"))
_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)
_VALUE = re.compile(r"\{\{.*?\}\}", re.S)
_CODE = re.compile(r"`[^`]*`")
_SLACK_TOKEN = re.compile(r"<[^>]*>")


def full_width_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P") and \
        unicodedata.east_asian_width(char) in "WF"


def stray_spaces(text: str) -> list[str]:
    """Each space (or run of spaces) touching full-width punctuation, with a little context.
    `*bold*` beside full-width punctuation needs that space (Slack shows the asterisks
    otherwise), so such a sentence is written another way: with a word or ` · ` after the bold."""
    found = []
    for spaces in re.finditer(r" +", text):
        before = text[:spaces.start()].rstrip("*_~")[-1:]  # what the reader sees: markup aside
        after = text[spaces.end():].lstrip("*_~")[:1]
        if any(c and full_width_punctuation(c) for c in (before, after)):
            found.append(text[max(0, spaces.start() - 8):spaces.end() + 8])
    return found


def test_the_glossary_names_one_word_per_concept():
    words = {}
    for concept, entry in _GLOSSARY.items():
        assert set(entry) <= {"word", "avoid", "en"}, concept
        assert entry["word"] and entry["word"] not in entry.get("avoid", []), concept
        for other in entry.get("avoid", []):
            assert other not in words, f"{other!r} is avoided by two concepts"
            words[other] = concept


def test_every_zh_entry_uses_the_glossary_word():
    wrong = [f"zh key {key!r} writes {other!r} for '{concept}': use {entry['word']!r} "
             f"(templates/locales/zh/{GLOSSARY})"
             for key, source in sorted(catalogue("zh").items())
             for concept, entry in _GLOSSARY.items()
             for other in entry.get("avoid", []) if other in source]
    assert wrong == [], "\n".join(wrong)


def _says(locale: str, key: str, word: str, seen: frozenset = frozenset()) -> bool:
    """Whether entry `key` contains `word`, directly or through the entries it t()-calls
    (a computed key such as t('gate.phase.' ~ phase) counts every key it can name)."""
    source = catalogue(locale)[key]
    if word in source:
        return True
    for called in re.findall(r"t\(\s*'([^']+)'", source):
        for other in catalogue(locale):
            if (other == called or other.startswith(called)) and other not in seen and \
                    _says(locale, other, word, seen | {key}):
                return True
    return False


def _words(source: str) -> str:
    """A catalogue entry's own words: no Jinja (variable and key names), no code spans."""
    return _CODE.sub(" ", _VALUE.sub(" ", _TAG.sub(" ", source)))


def test_where_english_names_a_concept_chinese_uses_its_word():
    english = catalogue("en")
    missing = [f"zh key {key!r}: the English says "
               f"{re.search(entry['en'], _words(english[key]))[0]!r}; "
               f"write {entry['word']!r} for '{concept}' (templates/locales/zh/{GLOSSARY})"
               for concept, entry in _GLOSSARY.items() if "en" in entry
               for key in sorted(catalogue("zh")) if key in english
               and re.search(entry["en"], _words(english[key]))
               and not _says("zh", key, entry["word"])]
    assert missing == [], "\n".join(missing)


def test_no_space_beside_full_width_punctuation_in_zh_catalogues():
    """Each stretch of literal text between Jinja tags; a value `{{ … }}` counts as a word
    (rendered output is checked below, where values and joins are known)."""
    wrong = []
    for key, source in sorted(catalogue("zh").items()):
        for part in _TAG.split(source):
            text = _VALUE.sub("V", _CODE.sub("C", part))
            wrong += [f"zh key {key!r}: no space beside full-width punctuation in {spot!r}"
                      for spot in stray_spaces(text)]
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize(("text", "stray"), [
    ("已驳回 ，由 <@U1>", True), ("阶段： 规划", True), ("复核（4 天）、 ZEUS", True),
    ("APOLLO-R5 ：", True), ("风险 （3）", True), ("*APOLLO-R1* 的概率、影响。", False),
    ("`/pmo projects` —— 项目组合", False), ("分值 12（概率 3 × 影响 4）", False),
    ("*阶段：* 规划", True), ("*已驳回* ，", True), ("：*粗体*", False),
])
def test_stray_spaces(text, stray):
    assert bool(stray_spaces(text)) is stray


# --- what the bot renders: parts joined, values filled in ------------------------------------

def _texts(value) -> list[str]:
    """Every `text` string in a Web API call's arguments or an HTTP answer, however nested."""
    if isinstance(value, dict):
        found = [value["text"]] if isinstance(value.get("text"), str) else []
        return found + [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _answer(response) -> list[str]:
    """The ack's texts (a plain-text ack is its own text)."""
    try:
        return _texts(response.json)
    except ValueError:
        return [response.text]


def _ask(bot, command: str, text: str, user: str) -> list[str]:
    """A slash command's answer: the ack's, or (an empty ack) the reply that follows it."""
    replies = len(bot.slack.responses)
    response = bot.command(command, text, user=user)
    if response.body:
        return _answer(response)
    return _texts(bot.slack.wait_for_response(replies + 1, timeout=20)[-1]["body"])


def test_rendered_chinese_has_no_space_beside_full_width_punctuation(database_url, slack):
    """A zh workspace used as a PMO team does: a status, a risk's life, a rejected gate, a
    hold, the portfolio views and the Monday digest and reminders; every text Slack got."""

    rules = gate_rules()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(
        rules.pmo, locale="zh", digest_channel=GENERAL)))
    answers = []
    try:
        add_apollo(bot)
        add_project(bot, "ZEUS", ALICE, at=START - timedelta(days=30),
                    statuses=[(START - timedelta(days=20), "red")])
        add_risk(bot, score=(5, 5), review=TODAY - timedelta(days=2),
                 at=START - timedelta(days=9))
        for command, text, user in [
                ("/status", "APOLLO amber 供应商接口延期", ALICE),
                ("/risk", "add APOLLO 供应商延期 p:2 i:2", ALICE),
                ("/risk", "update APOLLO-R2 p:3 i:4", ALICE),
                ("/risk", "update APOLLO-R2 p:3 i:4", ALICE),
                ("/risk", "reviewed APOLLO-R2", ALICE),
                ("/risk", "show APOLLO-R9", ALICE),
                ("/risk", "update APOLLO-R2 p:3", CAROL),
                ("/pmo", "project NOSUCH", ADMIN),
                ("/pmo", "audit APOLLO", ADMIN), ("/pmo", "audit APOLLO 9", ADMIN)]:
            answers += _ask(bot, command, text, user)
        for command, text in [("/risk", "list APOLLO"), ("/risk", "show APOLLO-R2"),
                              ("/pmo", "projects"), ("/pmo", "project APOLLO"),
                              ("/pmo", "risks"), ("/gate", "status APOLLO"),
                              ("/gate", "decide APOLLO bogus")]:
            answers += _ask(bot, command, text, ADMIN)
        request_gate(bot)
        reject_reason(bot, open_reject_form(bot), "预算不足，需要重新评估")
        answers += _ask(bot, "/gate", "decide APOLLO hold until:2027-02-01 预算冻结", ADMIN)
        answers += _ask(bot, "/gate", "status APOLLO", ADMIN)
        answers += _ask(bot, "/pmo", "projects", ADMIN)  # APOLLO on hold: its state shown
        answers += _texts(open_home(bot, ALICE))
        run(bot)

        def sent() -> list[str]:
            return [t for call in slack.calls() for t in _texts(call.args)] + [
                t for response in slack.responses for t in _texts(response["body"])]

        wait_until(lambda: any("已驳回" in t for t in sent()), timeout=30)
        answers += sent()
    finally:
        bot.close()
    assert any("PMO 摘要" in t for t in answers)
    wrong = [(spot, text) for text in answers for spot in stray_spaces(text)]
    assert wrong == [], "\n".join(f"{spot!r} in {text!r}" for spot, text in wrong)
    assert [(t, wide_bold(t)) for t in answers if wide_bold(t)] == []
