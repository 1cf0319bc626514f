"""Decisions (issue 12, the D of the RAID log): the `/decision` grammar and its rules.

A decision is recorded once and never changed: no update, no delete. A later decision of the
same project may supersede it (`supersedes:APOLLO-D1`), once. Ids are per project:
APOLLO-D1, APOLLO-D2, … Pure; no storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pmo_rules import text
from pmo_rules.entry_ids import EntryId
from pmo_rules.errors import UserError
from pmo_rules.projects import parse_key

USAGE = "decision"
ADD_USAGE = "decision_add"
TITLE_MAX = 300
NOTE_MAX = 1000
_ID = EntryId("D", "decision")
_OPTIONS = ("supersedes", "note")
_DECIDED_BY = re.compile(r"(?i)decided[-_]by[:：](.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class DecisionRef:
    key: str
    number: int

    def __str__(self) -> str:
        return f"{self.key}-D{self.number}"


@dataclass(frozen=True)
class Add:
    key: str
    title: str
    decided_by: str | None
    note: str | None
    supersedes: DecisionRef | None


@dataclass(frozen=True)
class ListDecisions:
    key: str


@dataclass(frozen=True)
class Show:
    ref: DecisionRef


@dataclass(frozen=True)
class Help:
    pass


def parse_ref(word: str | None, *, usage: str) -> DecisionRef:
    return DecisionRef(*_ID.parse(word, usage=usage))


def _add(words: list[str]) -> Add:
    """Words before `note:` are the decision; `note:` and the words after it are the note.
    `decided-by:` and `supersedes:` are read wherever they stand."""
    title_words: list[str] = []
    note_words: list[str] | None = None
    options: dict[str, str] = {}
    for word in words:
        decider = _DECIDED_BY.fullmatch(word)
        if decider:  # a hyphen is no part of an option name elsewhere: read here
            if "decided-by" in options:
                raise UserError("text.repeated_option", usage=ADD_USAGE, name="decided-by")
            options["decided-by"] = decider[1]
            continue
        option = text.take_option(word, _OPTIONS, options, usage=ADD_USAGE)
        if option is None:
            (title_words if note_words is None else note_words).append(word)
        elif option[0] == "note":
            options["note"] = ""
            note_words = [option[1]] if option[1] else []
        else:
            options[option[0]] = option[1]
    if not title_words:
        raise UserError("project.key_missing", usage=ADD_USAGE)
    key = parse_key(title_words[0], usage=ADD_USAGE)
    title = text.plain(" ".join(title_words[1:])).strip()
    if not text.visible(title):
        raise UserError("decision.title_missing", usage=ADD_USAGE)
    text.check_length(title, TITLE_MAX, "decision.title_too_long", usage=ADD_USAGE)
    note = text.required(text.plain(" ".join(note_words or [])))
    text.check_length(note, NOTE_MAX, "decision.note_too_long", usage=ADD_USAGE)
    decided_by = None
    if "decided-by" in options:
        ref = text.user_ref(options["decided-by"])
        if ref is None:
            raise UserError("decision.bad_decider", usage=ADD_USAGE,
                            value=options["decided-by"][:60])
        decided_by = ref.id
    supersedes = None
    if "supersedes" in options:
        supersedes = parse_ref(options["supersedes"] or None, usage=ADD_USAGE)
        check_same_project(key, supersedes)
    return Add(key, title, decided_by, note or None, supersedes)


def _list(words: list[str]) -> ListDecisions:
    if len(words) != 1:
        raise UserError("decision.list_usage", usage=USAGE)
    return ListDecisions(parse_key(words[0], usage=USAGE))


def _show(words: list[str]) -> Show:
    if len(words) != 1:
        raise UserError("decision.unexpected_words", usage=USAGE,
                        words=" ".join(words[1:])[:80] or "—")
    return Show(parse_ref(words[0], usage=USAGE))


_VERBS = {"add": _add, "list": _list, "show": _show}
IMMUTABLE_VERBS = frozenset({"update", "edit", "delete", "remove", "change"})


def parse_decision_command(raw: str) -> object:
    """`/decision …` (also `/pmo decision …`): a command or a UserError. Changing or deleting a
    decision is refused with the way to supersede it."""
    words = text.tokens(raw)
    if not words or words[0].lower() == "help":
        return Help()
    verb = words[0].lower()
    if verb in _VERBS:
        return _VERBS[verb](words[1:])
    if verb in IMMUTABLE_VERBS:
        raise UserError("decision.immutable", usage=ADD_USAGE)
    if len(words) == 1 and _ID.matches(words[0]):
        return Show(parse_ref(words[0], usage=USAGE))
    raise UserError("decision.no_such_command", word=words[0][:40])


def check_same_project(key: str, old: DecisionRef) -> None:
    if old.key != key:
        raise UserError("decision.supersede_other_project", usage=ADD_USAGE, key=key,
                        ref=str(old))
