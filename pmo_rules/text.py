"""Turning Slack's slash-command text into tokens and references.

Slack escapes what people type when a command has `should_escape: true`: `<@U123|alice>` for a
user, `<#C123|apollo>` for a channel, `<https://x|label>` for a link, and `&amp; &lt; &gt;` for
the three HTML characters. We accept those and the plain forms (raw ids, unescaped text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"(?:<[^>]*>|[^\s<]+)+")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")
_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$|^([CG][A-Z0-9]{2,})$")
_MARKUP = re.compile(r"<([@#!]?)([^>|]*)(?:\|([^>]*))?>")


@dataclass(frozen=True, slots=True)
class Ref:
    """A resolved user or channel reference: the Slack id and, if Slack sent one, its label."""

    id: str
    label: str | None = None


def tokens(text: str) -> list[str]:
    """Whitespace-separated words, keeping `<…>` mentions whole even when a label has spaces."""
    return _TOKEN.findall(text or "")


def user_ref(token: str) -> Ref | None:
    return _ref(_USER, token)


def channel_ref(token: str) -> Ref | None:
    return _ref(_CHANNEL, token)


def _ref(pattern: re.Pattern[str], token: str) -> Ref | None:
    match = pattern.match(token.strip())
    if not match:
        return None
    label = token.split("|", 1)[1].rstrip(">") if "|" in token else None
    return Ref(id=match.group(1) or match.group(2), label=label or None)


def plain(text: str) -> str:
    """Slack-escaped text as a person would read it: mentions as @name/#name, links as URLs."""
    def readable(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil == "@":
            return f"@{label or target}"
        if sigil == "#":
            return f"#{label or target}"
        if sigil == "!":
            return f"@{label or target.split('^')[0]}"
        return f"{label} ({target})" if label and label != target else target

    unlinked = _MARKUP.sub(readable, text or "")
    return unlinked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def split_options(words: list[str], names: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """Separate `name:value` options (only the given names) from the other words, in order.

    A repeated option keeps its last value, as people correct themselves by typing it again.
    """
    rest: list[str] = []
    options: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition(":")
        if sep and name.lower() in names:
            options[name.lower()] = value
        else:
            rest.append(word)
    return rest, options
