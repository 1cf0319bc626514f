"""Every user-facing word comes from here: message catalogues and Block Kit JSON templates.

`locales/<locale>/<domain>.toml` holds the words, each a small Jinja template (so a message can
carry plurals and conditions); `blocks/<name>.json.j2` holds the Block Kit structure, shared by both
languages, and asks for words with `t("key", ...)`. Rendering returns plain dicts ready for the
Web API: `Message(text, blocks)` (text is the notification and screen-reader fallback Slack
wants beside blocks) or a view.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from pmo_rules.money import format_amount
from pmo_rules.rag import Rag
from templates.paging import pack_lines, truncate

LOCALES = ("en", "zh")
GLOSSARY = "glossary.toml"
"""`locales/zh/glossary.toml`: the one Chinese word per concept (read by tests, not a catalogue)."""


_REMEMBERED = (int, str, bool, type(None))
"""Value types of a one-parameter sentence `Renderer.t` renders once per value."""
_REMEMBER_AT_MOST = 4096


@dataclass(frozen=True)
class Message:
    """A chat message: fallback `text` plus optional Block Kit `blocks`."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"text": self.text}
        if self.blocks:
            payload["blocks"] = self.blocks
        return payload


def escape_mrkdwn(value: object) -> str:
    """Escape what Slack's mrkdwn treats as markup, so user text cannot forge mentions or links."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@cache
def catalogue(locale: str) -> dict[str, str]:
    """A locale's files (one per domain: core, risk, gate, …) merged; a key twice is a bug."""
    merged: dict[str, str] = {}
    folder = resources.files("templates").joinpath(f"locales/{locale}")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml") or entry.name == GLOSSARY:
            continue
        for key, value in _flatten(tomllib.loads(entry.read_text(encoding="utf-8"))):
            if key in merged:
                raise ValueError(f"message {key!r} is defined twice in locale {locale!r}")
            merged[key] = value
    return merged


def _flatten(table: dict[str, Any], prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def catalogue_keys(locale: str) -> set[str]:
    """The message keys a locale defines; tests compare the two languages with this."""
    return set(catalogue(locale))


class Renderer:
    """Renders messages, blocks and views in one locale and one display time zone."""

    def __init__(self, locale: str = "en", tz: tzinfo = UTC) -> None:
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r}")
        self.locale = locale
        self.tz = tz
        self.env = Environment(loader=PackageLoader("templates", "blocks"),
                               undefined=StrictUndefined, autoescape=False,
                               trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.do"])
        self.env.filters.update(esc=escape_mrkdwn, truncate_to=truncate,
                                slackdate=self.slack_date, localdate=self.local_date,
                                pack_lines=pack_lines, listing=self.listing, money=format_amount)
        self.env.globals.update(t=self.t, rag=self.rag, rag_label=self.rag_label, locale=locale)
        self._compiled: dict[str, Any] = {}
        self._rendered: dict[tuple, str] = {}
        self._globals: dict[str, Any] | None = None

    def t(self, key: str, /, **params: Any) -> str:
        """The catalogue entry `key` rendered with `params`."""
        template = self._compiled.get(key)
        if template is None:
            source = catalogue(self.locale).get(key)
            if source is None:
                raise KeyError(f"no message {key!r} in locale {self.locale!r}")
            # A sentence without template syntax is itself (a digest asks for thousands of
            # colour and trend words: no Jinja context each time).
            template = self._compiled[key] = (
                source.strip() if "{" not in source and "\r" not in source
                else self.env.from_string(source))
        if isinstance(template, str):
            return template
        if len(params) == 1:
            # A sentence of one number or word ("3 days ago", "2d late") is asked for again
            # and again by a long list: rendered once per value.
            (value,) = params.values()
            if type(value) in _REMEMBERED:
                remembered = (key, *params, value)
                text = self._rendered.get(remembered)
                if text is None:
                    if len(self._rendered) >= _REMEMBER_AT_MOST:
                        self._rendered.clear()
                    text = self._rendered[remembered] = self._render(template, params).strip()
                return text
        return self._render(template, params).strip()

    def _render(self, template: Template, params: dict[str, Any]) -> str:
        """`template.render(**params)` without its copy of the globals each time: Jinja merges
        them from a ChainMap per call, more than half of the cost of a short sentence, and a
        digest asks for thousands. The globals are the environment's, set once in __init__."""
        if self._globals is None:
            self._globals = dict(self.env.globals)
        context = template.new_context({**self._globals, **params}, shared=True)
        try:
            return self.env.concat(template.root_render_func(context))  # type: ignore[attr-defined]
        except Exception:
            return self.env.handle_exception()

    def listing(self, items: Any, pattern: str = "{}", separator: str = "text.separator") -> str:
        """`items` joined with the locale's separator (`text.separator`: ", " or "、";
        `text.clause_separator`: "; " or "；"), each written through `pattern`. The separator
        is read unstripped (unlike `t`), so zh never shows English punctuation from code."""
        return catalogue(self.locale)[separator].join(pattern.format(item) for item in items)

    def blocks(self, name: str, /, **context: Any) -> list[dict[str, Any]]:
        rendered = self.env.get_template(f"{name}.json.j2").render(**context)
        return json.loads(rendered)

    def message(self, name: str, text_key: str, /, **context: Any) -> Message:
        """Blocks from `blocks/<name>.json.j2`, fallback text from catalogue key `text_key`."""
        return Message(text=self.t(text_key, **context), blocks=self.blocks(name, **context))

    def text(self, key: str, /, **params: Any) -> Message:
        """A message with no blocks: a plain catalogue sentence."""
        return Message(text=self.t(key, **params))

    def view(self, name: str, /, **context: Any) -> dict[str, Any]:
        rendered = self.env.get_template(f"{name}.json.j2").render(**context)
        return json.loads(rendered)

    def rag(self, word: str | None) -> str:
        """A RAG as emoji and word together: colour alone is not accessible."""
        if not word:
            return self.t("rag.none")
        return f"{Rag(word).emoji} *{self.t(f'rag.{word}')}*"

    def rag_label(self, word: str) -> str:
        """Emoji and word as plain text, for select options and other plain_text fields."""
        return f"{Rag(word).emoji} {self.t(f'rag.{word}')}"

    def rag_word(self, word: str) -> str:
        return self.t(f"rag.{word}")

    def local_date(self, when: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return when.astimezone(self.tz).strftime(fmt)

    def slack_date(self, when: datetime | str, token: str = "{date_short_pretty} {time}") -> str:
        """Slack's date syntax: each reader sees it in their own time zone; fallback in ours.
        An ISO string is read as the datetime it names (stored messages keep dates so)."""
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        epoch = int(when.timestamp())
        return f"<!date^{epoch}^{token}|{self.local_date(when)}>"
