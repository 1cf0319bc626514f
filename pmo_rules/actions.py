"""Actions (issue 12, the A of the RAID log): who does what by when — the `/action` grammar.

An action has a title, an owner (the caller unless `owner:@user` names someone) and a due date
(required, today or later when added or moved), and is open until `done`. Ids are per project:
APOLLO-A1, APOLLO-A2, … Pure; no storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pmo_rules import dates, text
from pmo_rules.entry_ids import EntryId
from pmo_rules.errors import UserError
from pmo_rules.projects import parse_key

USAGE = "action"
ADD_USAGE = "action_add"
UPDATE_USAGE = "action_update"
DONE_USAGE = "action_done"
LIST_USAGE = "action_list"
TITLE_MAX = 200
NOTE_MAX = 500
_ID = EntryId("A", "action")


@dataclass(frozen=True, slots=True)
class ActionRef:
    key: str
    number: int

    def __str__(self) -> str:
        return f"{self.key}-A{self.number}"


@dataclass(frozen=True)
class Add:
    key: str
    title: str
    due: date
    owner_id: str | None


@dataclass(frozen=True)
class ListActions:
    """`key` None: the caller's own actions (`mine`, or nothing named); `include_done`: `all`."""

    key: str | None
    include_done: bool = False


@dataclass(frozen=True)
class Done:
    ref: ActionRef
    note: str | None


@dataclass(frozen=True)
class Update:
    ref: ActionRef
    due: date | None
    owner_id: str | None


@dataclass(frozen=True)
class Show:
    ref: ActionRef


@dataclass(frozen=True)
class Help:
    pass


def parse_ref(word: str | None, *, usage: str) -> ActionRef:
    """`APOLLO-A1` (any case) → ActionRef("APOLLO", 1), or a refusal showing the form."""
    return ActionRef(*_ID.parse(word, usage=usage))


@dataclass(frozen=True, slots=True)
class _When:
    today: date | None = None
    max_years_ahead: int | None = None


def _due(value: str, usage: str, when: _When) -> date:
    day = dates.day(value, when.today)
    if day is None:
        if not value:
            raise UserError("action.due_missing", usage=usage)
        raise UserError("action.bad_date", usage=usage, value=value[:40])
    check_due(day, when.today, usage=usage)
    if when.today is not None and when.max_years_ahead is not None:
        dates.check_horizon(day, when.today, when.max_years_ahead, usage=usage)
    return day


def check_due(day: date, today: date | None, *, usage: str | None = ADD_USAGE) -> None:
    """A due date is today or later: an action due yesterday is a typo or a record, not work."""
    if today is not None and day < today:
        raise UserError("action.due_past", usage=usage, due=day, today=today)


def _owner(value: str, usage: str) -> str:
    ref = text.user_ref(value)
    if ref is None:
        raise UserError("action.bad_owner", usage=usage, value=value[:60])
    return ref.id


def _add(words: list[str], when: _When) -> Add:
    rest, options = text.split_options(words, ("due", "owner"), usage=ADD_USAGE)
    if not rest:
        raise UserError("project.key_missing", usage=ADD_USAGE)
    key = parse_key(rest[0], usage=ADD_USAGE)
    title = text.plain(" ".join(rest[1:])).strip()
    if not text.visible(title):
        raise UserError("action.title_missing", usage=ADD_USAGE)
    text.check_length(title, TITLE_MAX, "action.title_too_long", usage=ADD_USAGE)
    if "due" not in options:
        raise UserError("action.due_missing", usage=ADD_USAGE)
    due = _due(options["due"], ADD_USAGE, when)
    owner = _owner(options["owner"], ADD_USAGE) if "owner" in options else None
    return Add(key, title, due, owner)


def _list(words: list[str], _when: _When) -> ListActions:
    key: str | None = None
    include_done = False
    seen_scope = False
    for word in words:
        lower = word.lower()
        if lower == "all" and not include_done:
            include_done = True
        elif lower == "mine" and not seen_scope:
            seen_scope = True
        elif not seen_scope and text.option_parts(word) is None and not _ID.matches(word):
            key, seen_scope = parse_key(word, usage=LIST_USAGE), True
        else:
            raise UserError("action.list_word", usage=LIST_USAGE, word=word[:40])
    return ListActions(key, include_done)


def _done(words: list[str], _when: _When) -> Done:
    ref = parse_ref(words[0] if words else None, usage=DONE_USAGE)
    note = " ".join(words[1:])
    if note.lower().startswith("note:"):
        note = note[len("note:"):]
    note = text.required(text.plain(note))
    text.check_length(note, NOTE_MAX, "action.note_too_long", usage=DONE_USAGE)
    return Done(ref, note or None)


def _update(words: list[str], when: _When) -> Update:
    ref = parse_ref(words[0] if words else None, usage=UPDATE_USAGE)
    rest, options = text.split_options(words[1:], ("due", "owner"), usage=UPDATE_USAGE)
    if rest:
        raise UserError("action.unexpected_words", usage=UPDATE_USAGE,
                        words=" ".join(rest)[:80])
    if not options:
        raise UserError("action.nothing_to_update", usage=UPDATE_USAGE, ref=str(ref))
    due = _due(options["due"], UPDATE_USAGE, when) if "due" in options else None
    owner = _owner(options["owner"], UPDATE_USAGE) if "owner" in options else None
    return Update(ref, due, owner)


def _show(words: list[str], _when: _When) -> Show:
    if len(words) != 1:
        raise UserError("action.unexpected_words", usage=USAGE,
                        words=" ".join(words[1:])[:80] or "—")
    return Show(parse_ref(words[0], usage=USAGE))


_VERBS = {"add": _add, "list": _list, "done": _done, "update": _update, "show": _show}


def parse_action_command(raw: str, today: date | None = None,
                         max_years_ahead: int | None = None) -> object:
    """`/action …` (also `/pmo action …`): a command or a UserError. Dates as pmo_rules.dates
    reads them against the PMO's `today` (when given), never before it, within
    `[pmo] max_years_ahead` years. A verb `/action` does not have is `action.no_such_command`."""
    words = text.tokens(raw)
    if not words or words[0].lower() == "help":
        return Help()
    verb = words[0].lower()
    if verb in _VERBS:
        return _VERBS[verb](words[1:], _When(today, max_years_ahead))
    if len(words) == 1 and _ID.matches(words[0]):
        return Show(parse_ref(words[0], usage=USAGE))
    raise UserError("action.no_such_command", word=words[0][:40])


def is_overdue(due: date, done_on: date | None, today: date) -> bool:
    return done_on is None and today > due
