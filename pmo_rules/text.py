"""Turning Slack's slash-command text into tokens and references.

Slack escapes what people type when a command has `should_escape: true`: `<@U123|alice>` for a
user, `<#C123|apollo>` for a channel, `<https://x|label>` for a link, and `&amp; &lt; &gt;` for
the three HTML characters. We accept those and the plain forms (raw ids, unescaped text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pmo_rules.errors import UserError

TOKEN = re.compile(r"(?:<[^>]*>|[^\s<]+)+")
"""A word of a command: whitespace-separated, a `<…>` mention whole even with spaces."""
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")
_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$|^([CG][A-Z0-9]{2,})$")
_MARKUP = re.compile(r"<([@#!]?)([^>|]*)(?:\|([^>]*))?>")
_OPTION = re.compile(r"([A-Za-z][A-Za-z_]*)[:：](.*)", re.DOTALL)
_LINK_SCHEMES = ("mailto", "tel")
_ESCAPED_EXTRA = {"&": len("&amp;") - 1, "<": len("&lt;") - 1, ">": len("&gt;") - 1}


@dataclass(frozen=True, slots=True)
class Ref:
    """A resolved user or channel reference: the Slack id and, if Slack sent one, its label."""

    id: str
    label: str | None = None


def tokens(text: str) -> list[str]:
    """Whitespace-separated words, keeping `<…>` mentions whole even when a label has spaces."""
    return TOKEN.findall(text or "")


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
    """Slack-escaped text as a person would read it: mentions as @name/#name, links as URLs.

    Special mentions read as Slack shows them: `<!here>` `<!channel>` `<!everyone>` as @here
    @channel @everyone, a user group `<!subteam^S123|@team>` as @team, a date
    `<!date^1700000000^{date}|Nov 14>` as its fallback text. What comes out is plain text:
    shown escaped (templates' `esc`), it can never ping anyone.
    """
    def readable(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil in ("@", "#"):
            return f"{sigil}{(label or '').lstrip(sigil) or target}"
        if sigil == "!":
            return _special(target, label)
        return f"{label} ({target})" if label and label != target else target

    unlinked = _MARKUP.sub(readable, text or "")
    return unlinked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _special(target: str, label: str | None) -> str:
    """A `<!…>` special mention as its readable text (see `plain`)."""
    kind, _, rest = target.partition("^")
    if kind == "date":
        if label:
            return label
        stamp = rest.partition("^")[0]
        if stamp.isascii() and stamp.isdigit() and len(stamp) <= 11:
            return datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d")
        return ""
    name = (label or "").lstrip("@") or rest or kind
    return f"@{name}"


_INVISIBLE = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")
"""Characters that show nothing but are not format characters (category Cf, which holds the
zero-width spaces and joiners, the word joiner, the BOM, the soft hyphen, direction marks)."""


def visible(value: str | None) -> str:
    """`value` without invisible characters (zero-width spaces and joiners, word joiner, BOM,
    soft hyphen) and control characters, stripped: what decides whether a required text was
    really given. A text is stored as typed; only its emptiness is judged on this."""
    kept = (char for char in (value or "")
            if char not in _INVISIBLE and unicodedata.category(char) not in ("Cc", "Cf"))
    return "".join(kept).strip()


def required(value: str | None) -> str:
    """`value` stripped, or "" when nothing visible is in it (`visible`): the one test of
    "was a required text given", for every command and form."""
    value = (value or "").strip()
    return value if visible(value) else ""


def option_parts(word: str) -> tuple[str, str] | None:
    """(name in lower case, value) when `word` is written `name:value`, else None.

    A full-width colon (`pm：@bob`, as Chinese input types it) counts as a colon. A link
    (`https://…`, `mailto:…`) is an ordinary word, not an option.
    """
    match = _OPTION.fullmatch(word)
    if not match or match[2].startswith("//") or match[1].lower() in _LINK_SCHEMES:
        return None
    return match[1].lower(), match[2]


def take_option(word: str, names: tuple[str, ...], given: Collection[str], *,
                usage: str) -> tuple[str, str] | None:
    """`word` as (name, value) when it is one of the options `names`; None for another word.

    A word written like an option with a value (`onwer:@bob`) whose name is none of `names`
    is refused, as is an option already `given`: left in the text they would quietly become
    part of a title or a reason, and the field the person meant would keep its default.
    """
    parts = option_parts(word)
    if parts is None:
        return None
    name, value = parts
    if name not in names:
        if value:
            raise UserError("text.unknown_option", usage=usage, word=word[:60],
                            names=list(names))
        return None
    if name in given:
        raise UserError("text.repeated_option", usage=usage, name=name)
    return name, value


def split_options(words: list[str], names: tuple[str, ...], *,
                  usage: str) -> tuple[list[str], dict[str, str]]:
    """Separate `name:value` options (only the given names) from the other words, in order;
    a mistyped or repeated option is refused (`take_option`)."""
    rest: list[str] = []
    options: dict[str, str] = {}
    for word in words:
        option = take_option(word, names, options, usage=usage)
        if option:
            options[option[0]] = option[1]
        else:
            rest.append(word)
    return rest, options


def slack_length(value: str) -> int:
    """How many characters `value` takes in a Block Kit text once escaped for mrkdwn.

    Every user text is shown with & < > escaped (`&amp;` `&lt;` `&gt;`), and Slack counts the
    escaped form against a block's limit: so do our limits, or a text we accepted could make
    its card refused (`invalid_blocks`) after it was stored.
    """
    return len(value) + sum(_ESCAPED_EXTRA.get(char, 0) for char in value)


def check_length(value: str, limit: int, key: str, /, **params: Any) -> None:
    """Refuse `value` when it is over `limit` as Slack counts it (`slack_length`).

    The refusal carries both counts, `length` (as Slack counts) and `typed` (as typed), so the
    catalogue's `text.length` can explain the difference when & < > make one.
    """
    length = slack_length(value)
    if length > limit:
        raise UserError(key, limit=limit, length=length, typed=len(value), **params)
