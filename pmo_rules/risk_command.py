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
from pmo_rules.free_text import read_free_text
from pmo_rules.projects import KEY_PATTERN, RESERVED_KEYS, parse_key
from pmo_rules.risk import (
    ADD_USAGE,
    CLEAR_WORDS,
    CLOSE_USAGE,
    CLOSED,
    LEVEL_WORDS,
    LIST_USAGE,
    NOTE_MAX,
    OCCURRED,
    RESPONSE_WORDS,
    REVIEWED_USAGE,
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
_KNOWN = tuple(name for name in _OPTIONS if name != "note") + ("duplicate",)
"""Every option /risk knows. In a closing reason or a review note none is taken as text
(`pmo_rules.free_text`); a leading `note:` only marks where the note starts."""
_CLOSE_OPTIONS = ("status", "duplicate")
REVIEW_MAX = 20
"""Risks one `/risk reviewed` may stamp (the answer names each)."""


# ---------------------------------------------------------------------------------------------
# The commands
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Help:
    """`/risk help`; `unknown` is a sub-command that does not exist (answered with the help)."""

    unknown: str | None = None


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
    """`key` None and `owner` None mean the caller's own risks across projects; `level`,
    `overdue` and `owner` narrow the list."""

    key: str | None = None
    include_closed: bool = False
    level: str | None = None
    overdue: bool = False
    owner: str | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.level or self.overdue or self.owner)


@dataclass(frozen=True)
class Show:
    ref: RiskRef


@dataclass(frozen=True)
class Update:
    ref: RiskRef
    changes: RiskChanges


@dataclass(frozen=True)
class Close:
    """Close `ref` as `status` (closed or occurred) saying why; as a duplicate of another risk
    (`duplicate_of`), the reason may be left out."""

    ref: RiskRef
    note: str | None
    status: str = CLOSED
    duplicate_of: RiskRef | None = None


@dataclass(frozen=True)
class Reviewed:
    """Stamp a review of each of `refs` (in the order given, each once), with one note."""

    refs: tuple[RiskRef, ...]
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
    return Help(unknown=words[0][:40])


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
    """A project KEY (at most one), `all`, and the filters `level:…`, `overdue`, `owner:@…`,
    in any order. Any other word is refused, naming the filters (never ignored: a list that
    silently ignored `stauts:closed` would look like an answer)."""
    found: dict = {}
    for word in words:
        lower, option = word.lower(), text.option_parts(word)
        if option is None and lower in ("all", "overdue"):
            name, value = ("include_closed" if lower == "all" else "overdue"), True
        elif option is not None and option[0] in ("level", "owner"):
            name, value = _list_filter(option, word)
        elif option is None and "key" not in found and not _RISK_ID.fullmatch(word):
            name, value = "key", parse_key(word, usage=LIST_USAGE)
        else:
            raise UserError("risk.list_filter_unknown", usage=LIST_USAGE, word=word[:40])
        if name in found:
            raise UserError("risk.list_filter_twice", usage=LIST_USAGE, word=word[:40])
        found[name] = value
    return ListRisks(**found)


def _list_filter(option: tuple[str, str], word: str) -> tuple[str, str]:
    name, raw = option
    if not raw.strip():
        raise UserError("risk.option_empty", usage=LIST_USAGE, option=name)
    if name == "level":
        return "level", parse_word(raw, LEVEL_WORDS, "level", usage=LIST_USAGE)
    return "owner", _owner(raw, word[:60], LIST_USAGE)


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
    """`/risk close ID [status:closed|occurred] [duplicate:ID] why…`: the two options may
    stand anywhere in the reason; any other /risk option in it is refused, not kept as text."""
    ref = parse_ref(words[0] if words else None, usage=CLOSE_USAGE)
    found = read_free_text(words[1:], accepted=_CLOSE_OPTIONS, known=_KNOWN,
                           usage=CLOSE_USAGE)
    for name, raw in found.options.items():
        if not raw.strip():
            raise UserError("risk.option_empty", usage=CLOSE_USAGE, option=name)
    status = CLOSED
    if "status" in found.options:
        status = parse_word(found.options["status"], STATUS_WORDS, "status", usage=CLOSE_USAGE)
        if status not in (CLOSED, OCCURRED):
            raise UserError("risk.close_status", usage=CLOSE_USAGE, ref=str(ref),
                            value=found.options["status"][:40])
    note = _note(found.words)
    if "duplicate" not in found.options:
        return Close(ref, check_closing_note(note, usage=CLOSE_USAGE), status)
    original = parse_ref(found.options["duplicate"], usage=CLOSE_USAGE)
    if status != CLOSED:
        raise UserError("risk.duplicate_occurred", usage=CLOSE_USAGE, ref=str(ref))
    if original == ref:
        raise UserError("risk.duplicate_of_itself", usage=CLOSE_USAGE, ref=str(ref))
    return Close(ref, check_text(note, "note", NOTE_MAX, usage=CLOSE_USAGE), status, original)


def _parse_reviewed(words: list[str], _today: date, _rules: Rules) -> Reviewed:
    """`/risk reviewed ID [ID …] [note…]`: every risk ID at the start is reviewed; the words
    after them are one note for each. No option is taken in the note (it is refused)."""
    leading = _count_ids(words)
    refs: list[RiskRef] = []
    for word in words[:leading]:
        ref = parse_ref(word, usage=REVIEWED_USAGE)
        if ref not in refs:
            refs.append(ref)
    if not refs:
        parse_ref(words[0] if words else None, usage=REVIEWED_USAGE)  # says what is wrong
    if len(refs) > REVIEW_MAX:
        raise UserError("risk.review_too_many", usage=REVIEWED_USAGE, most=REVIEW_MAX)
    rest = words[leading:]
    found = read_free_text(rest, known=_KNOWN, usage=REVIEWED_USAGE)
    note = check_text(_note(found.words), "note", NOTE_MAX, usage=REVIEWED_USAGE)
    return Reviewed(tuple(refs), note or None)


def _count_ids(words: list[str]) -> int:
    """How many of the leading words are risk IDs."""
    count = 0
    while count < len(words) and _RISK_ID.fullmatch(words[count]):
        count += 1
    return count


_VERBS = {"show": _parse_show, "update": _parse_update, "close": _parse_close,
          "reviewed": _parse_reviewed}


def _note(words: tuple[str, ...] | list[str]) -> str:
    """Words of a reason or a note as people read them; a leading `note:` is dropped."""
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
