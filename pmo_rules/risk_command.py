"""The `/risk` command grammar: the words people type (`/risk add`, `list`, `show`, `update`,
`close`, `reviewed`, and `/pmo risks`) read into commands.

Kept apart from what a risk is (`pmo_rules.risk`): this module only splits words and options
and hands the values to the same checks the form uses. The parser is total: any text yields a
command or a `UserError`, never another exception (a property test checks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pmo_rules import text
from pmo_rules.config import Rules
from pmo_rules.errors import UserError
from pmo_rules.projects import KEY_PATTERN, RESERVED_KEYS, parse_key
from pmo_rules.risk import (
    ADD_USAGE,
    CLEAR_WORDS,
    CLOSE_USAGE,
    LIST_USAGE,
    NOTE_MAX,
    RESPONSE_WORDS,
    STATUS_WORDS,
    UPDATE_USAGE,
    USAGE,
    RiskChanges,
    RiskDraft,
    RiskRef,
    check_changes,
    check_closing_note,
    check_text,
    make_draft,
    parse_future_date,
    parse_rating,
    parse_word,
)

_OPTIONS = ("p", "i", "owner", "due", "review", "response", "status", "note", "desc", "trigger")
_FREE_TEXT = ("note", "desc", "trigger")
"""Options whose value runs on over the following words, up to the next option."""
_CLEARABLE = {"due": "due_on", "response": "response", "desc": "description",
              "trigger": "trigger"}
_RISK_ID = re.compile(r"([A-Za-z][A-Za-z0-9]{1,9})-[Rr]([0-9]{1,9})")


# ---------------------------------------------------------------------------------------------
# The commands
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class OpenForm:
    """Open the modal: blank, for a project (`/risk add KEY`) or for a risk (`/risk update ID`)."""

    key: str | None = None
    ref: RiskRef | None = None


@dataclass(frozen=True)
class Add:
    draft: RiskDraft


@dataclass(frozen=True)
class ListRisks:
    """`key` None means the caller's own risks across projects."""

    key: str | None = None
    include_closed: bool = False


@dataclass(frozen=True)
class Show:
    ref: RiskRef


@dataclass(frozen=True)
class Update:
    ref: RiskRef
    changes: RiskChanges


@dataclass(frozen=True)
class Close:
    ref: RiskRef
    note: str


@dataclass(frozen=True)
class Reviewed:
    ref: RiskRef
    note: str | None = None


@dataclass(frozen=True)
class PortfolioRisks:
    """`/pmo risks`: the heat map and the top ten across all projects."""


RiskCommand = Help | OpenForm | Add | ListRisks | Show | Update | Close | Reviewed


def parse_risk_command(raw: str, *, today: date, rules: Rules) -> RiskCommand:
    """`/risk …`; `today` is the PMO's date, against which `due:` and `review:` are checked."""
    words = text.tokens(raw)
    if not words:
        return OpenForm()
    verb, rest = words[0].lower(), words[1:]
    if verb == "help":
        return Help()
    if verb == "add":
        return _parse_add(rest, today, rules)
    if verb == "list":
        return _parse_list(rest)
    if verb in ("show", "update", "close", "reviewed"):
        return _VERBS[verb](rest, today, rules)
    if _RISK_ID.fullmatch(words[0]) and len(words) == 1:
        return Show(parse_ref(words[0], usage=USAGE))
    raise UserError("risk.unknown_verb", usage=USAGE, word=words[0][:40])


def parse_portfolio_risks(words: list[str]) -> PortfolioRisks:
    """`/pmo risks` takes no further words."""
    if words:
        raise UserError("pmo.unexpected_words", usage="pmo", words=" ".join(words)[:80])
    return PortfolioRisks()


def parse_ref(word: str | None, *, usage: str) -> RiskRef:
    """`APOLLO-R1` (any case) → RiskRef("APOLLO", 1), or a refusal showing the form."""
    match = _RISK_ID.fullmatch(word or "")
    if not match:
        if not word:
            raise UserError("risk.id_missing", usage=usage)
        raise UserError("risk.id_malformed", usage=usage, word=word[:40])
    key = match[1].upper()
    if not KEY_PATTERN.match(key) or key in RESERVED_KEYS or int(match[2]) == 0:
        raise UserError("risk.id_malformed", usage=usage, word=word[:40])
    return RiskRef(key, int(match[2]))


def _parse_add(words: list[str], today: date, rules: Rules) -> OpenForm | Add:
    if not words:
        return OpenForm()
    key = parse_key(words[0], usage=ADD_USAGE)
    rest, options = split_options(words[1:], usage=ADD_USAGE)
    if not rest and not options:
        return OpenForm(key=key)
    values = _option_values(options, today, rules, usage=ADD_USAGE)
    for name, value in list(values.items()):
        if value is None:  # "none" clears a field; a new risk has nothing to clear
            del values[name]
    return Add(make_draft(key=key, title=text.plain(" ".join(rest)), rules=rules,
                          usage=ADD_USAGE, **values))


def _parse_list(words: list[str]) -> ListRisks:
    include_closed = any(w.lower() == "all" for w in words)
    others = [w for w in words if w.lower() != "all"]
    if len(others) > 1:  # the first is the project KEY; quote only what follows it
        raise UserError("risk.unexpected_words", usage=LIST_USAGE,
                        words=" ".join(others[1:])[:80])
    key = parse_key(others[0], usage=LIST_USAGE) if others else None
    return ListRisks(key=key, include_closed=include_closed)


def _parse_show(words: list[str], _today: date, _rules: Rules) -> Show:
    if len(words) != 1:
        raise UserError("risk.show_usage", usage=USAGE)
    return Show(parse_ref(words[0], usage=USAGE))


def _parse_update(words: list[str], today: date, rules: Rules) -> Update | OpenForm:
    ref = parse_ref(words[0] if words else None, usage=UPDATE_USAGE)
    rest, options = split_options(words[1:], usage=UPDATE_USAGE)
    if rest:
        raise UserError("risk.update_stray_words", usage=UPDATE_USAGE, ref=str(ref),
                        words=" ".join(rest)[:80])
    if not options:
        return OpenForm(ref=ref)
    values = _option_values(options, today, rules, usage=UPDATE_USAGE)
    note = values.pop("note", None)
    changes = check_changes(values, note, usage=UPDATE_USAGE)
    return Update(ref, changes)


def _parse_close(words: list[str], _today: date, _rules: Rules) -> Close:
    ref = parse_ref(words[0] if words else None, usage=CLOSE_USAGE)
    note = _free_text(words[1:])
    return Close(ref, check_closing_note(note, usage=CLOSE_USAGE))


def _parse_reviewed(words: list[str], _today: date, _rules: Rules) -> Reviewed:
    ref = parse_ref(words[0] if words else None, usage=USAGE)
    note = _free_text(words[1:])
    return Reviewed(ref, check_text(note, "note", NOTE_MAX, usage=USAGE) or None)


_VERBS = {"show": _parse_show, "update": _parse_update, "close": _parse_close,
          "reviewed": _parse_reviewed}


def _free_text(words: list[str]) -> str:
    """Words after a risk ID as a note; a leading `note:` is accepted and dropped."""
    joined = text.plain(" ".join(words))
    option = text.option_parts(joined)
    return option[1].strip() if option and option[0] == "note" else joined


# ---------------------------------------------------------------------------------------------
# Options and values
# ---------------------------------------------------------------------------------------------


def split_options(words: list[str], *, usage: str) -> tuple[list[str], dict[str, str]]:
    """Separate `name:value` options from the other words (the title), in order.

    `desc:`, `trigger:` and `note:` run on over the following words up to the next option; an
    option typed with a space after the colon (`due: 2026-12-01`) takes the next word. A
    full-width colon (Chinese input) counts as a colon. A mistyped option (`onwer:@bob`) or one
    given twice is refused (`text.take_option`) rather than read as part of the title.
    """
    rest: list[str] = []
    options: dict[str, str] = {}
    current: str | None = None  # the option that the next plain word belongs to
    for word in words:
        option = text.take_option(word, _OPTIONS, options, usage=usage)
        if option:
            name, value = option
            options[name] = value
            current = name if name in _FREE_TEXT or not value else None
        elif current:
            options[current] = f"{options[current]} {word}".strip()
            current = current if current in _FREE_TEXT else None
        else:
            rest.append(word)
    return rest, options


def _option_values(options: dict[str, str], today: date, rules: Rules, *,
                   usage: str) -> dict[str, Any]:
    """Typed values for the options given; "none" clears the optional fields (→ None)."""
    values: dict[str, Any] = {}
    for name, raw in options.items():
        shown = f"{name}:{raw}"[:60]
        if not raw.strip():
            raise UserError("risk.option_empty", usage=usage, option=name)
        if name in _CLEARABLE and raw.strip().lower() in CLEAR_WORDS:
            values[_CLEARABLE[name]] = None
        elif name in ("p", "i"):
            values["probability" if name == "p" else "impact"] = parse_rating(
                raw, "probability" if name == "p" else "impact", rules.risk.scale, usage=usage)
        elif name == "owner":
            values["owner_id"] = _owner(raw, shown, usage)
        elif name in ("due", "review"):
            values["due_on" if name == "due" else "next_review_on"] = parse_future_date(
                raw, "due_on" if name == "due" else "next_review_on", today,
                rules.pmo.max_years_ahead, usage=usage)
        elif name == "response":
            values["response"] = parse_word(raw, RESPONSE_WORDS, "response", usage=usage)
        elif name == "status":
            values["status"] = parse_word(raw, STATUS_WORDS, "status", usage=usage)
        else:
            values[{"desc": "description"}.get(name, name)] = text.plain(raw)
    return values


def _owner(raw: str, shown: str, usage: str) -> str:
    ref = text.user_ref(raw)
    if ref is None:
        raise UserError("risk.owner_malformed", field="owner_id", usage=usage, value=shown)
    return ref.id
