"""Issues (issue 12): a problem happening now — what one is, the `/issue` grammar, and what a
change to one means (severity order, escalation to the PMO). Pure; no storage.

An issue has a severity (low, medium, high, critical), an owner, an optional due date (by when
it should be resolved), notes, and ends resolved with its resolution. Ids are per project:
APOLLO-I1, APOLLO-I2, … A risk that occurred may be raised as an issue (linked both ways).
A critical issue, and one escalated with `/issue escalate`, goes to the PMO at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pmo_rules import dates, text
from pmo_rules.entry_ids import EntryId
from pmo_rules.errors import UserError
from pmo_rules.free_text import read_free_text
from pmo_rules.projects import parse_key

USAGE = "issue"
ADD_USAGE = "issue_add"
UPDATE_USAGE = "issue_update"
RESOLVE_USAGE = "issue_resolve"
ESCALATE_USAGE = "issue_escalate"
LIST_USAGE = "issue_list"
TITLE_MAX = 150
NOTE_MAX = 1000

OPEN, RESOLVED = "open", "resolved"
STATUSES = (OPEN, RESOLVED)
SEVERITIES = ("low", "medium", "high", "critical")
"""From the least to the most severe; lists show the most severe first."""
CRITICAL = "critical"
DEFAULT_SEVERITY = "medium"
SEVERITY_WORDS = {"low": "low", "medium": "medium", "med": "medium", "high": "high",
                  "critical": "critical", "低": "low", "中": "medium", "高": "high",
                  "严重": "critical"}
OPTIONS = ("sev", "owner", "due", "note")
_ID = EntryId("I", "issue")


@dataclass(frozen=True, slots=True)
class IssueRef:
    key: str
    number: int

    def __str__(self) -> str:
        return f"{self.key}-I{self.number}"


@dataclass(frozen=True)
class Add:
    key: str
    title: str
    severity: str
    owner_id: str | None
    due: date | None


@dataclass(frozen=True)
class OpenForm:
    key: str


@dataclass(frozen=True)
class ListIssues:
    key: str | None
    include_resolved: bool = False


@dataclass(frozen=True)
class Show:
    ref: IssueRef


@dataclass(frozen=True)
class Update:
    ref: IssueRef
    severity: str | None = None
    owner_id: str | None = None
    due: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Resolve:
    ref: IssueRef
    resolution: str


@dataclass(frozen=True)
class Escalate:
    ref: IssueRef
    reason: str


@dataclass(frozen=True)
class Help:
    pass


def parse_ref(word: str | None, *, usage: str = USAGE) -> IssueRef:
    """`APOLLO-I1` (any case) → IssueRef("APOLLO", 1), or a refusal showing the form."""
    return IssueRef(*_ID.parse(word, usage=usage))


def parse_severity(value: str | None, *, usage: str) -> str:
    word = SEVERITY_WORDS.get((value or "").strip().lower())
    if word is None:
        raise UserError("issue.bad_severity", usage=usage, value=(value or "")[:40])
    return word


def parse_due(value: str | None, *, usage: str, today: date | None,
              max_years_ahead: int | None) -> date:
    """A due date: not in the past (an issue is resolved from now on), within the horizon."""
    day = dates.day(value, today)
    if day is None:
        if not (value or "").strip():
            raise UserError("issue.due_missing", usage=usage)
        raise UserError("issue.bad_date", usage=usage, value=(value or "")[:40])
    if today is not None:
        if day < today:
            raise UserError("issue.due_past", usage=usage, due=day, today=today)
        if max_years_ahead is not None:
            dates.check_horizon(day, today, max_years_ahead, usage=usage)
    return day


def parse_owner(value: str, *, usage: str) -> str:
    ref = text.user_ref(value)
    if ref is None:
        raise UserError("issue.bad_owner", usage=usage, value=value[:60])
    return ref.id


def check_title(raw: str | None, *, usage: str = ADD_USAGE) -> str:
    title = text.required(text.plain(raw or ""))
    if not title:
        raise UserError("issue.title_missing", usage=usage)
    text.check_length(title, TITLE_MAX, "issue.title_too_long", usage=usage)
    return title


def check_note(raw: str | None, *, key: str, usage: str, ref: str) -> str:
    note = text.required(text.plain(raw or ""))
    if not note:
        raise UserError(key, usage=usage, ref=ref)
    text.check_length(note, NOTE_MAX, "issue.note_too_long", usage=usage)
    return note


@dataclass(frozen=True, slots=True)
class _When:
    today: date | None = None
    max_years_ahead: int | None = None


def _add(words: list[str], when: _When) -> Add | OpenForm:
    if not words:
        raise UserError("project.key_missing", usage=ADD_USAGE)
    key = parse_key(words[0], usage=ADD_USAGE)
    if len(words) == 1:
        return OpenForm(key)
    rest, options = text.split_options(words[1:], ("sev", "owner", "due"), usage=ADD_USAGE)
    title = check_title(" ".join(rest))
    severity = (parse_severity(options["sev"], usage=ADD_USAGE) if "sev" in options
                else DEFAULT_SEVERITY)
    owner = parse_owner(options["owner"], usage=ADD_USAGE) if "owner" in options else None
    due = (parse_due(options["due"], usage=ADD_USAGE, today=when.today,
                     max_years_ahead=when.max_years_ahead) if "due" in options else None)
    return Add(key, title, severity, owner, due)


def _list(words: list[str], _when: _When) -> ListIssues:
    key, include = None, False
    for word in words:
        if word.lower() == "all" and not include:
            include = True
        elif key is None and text.option_parts(word) is None and word.lower() != "all":
            key = parse_key(word, usage=LIST_USAGE)
        else:
            raise UserError("issue.list_unknown", usage=LIST_USAGE, word=word[:40])
    return ListIssues(key, include)


def _show(words: list[str], _when: _When) -> Show:
    if len(words) != 1:
        raise UserError("issue.show_usage", usage=USAGE)
    return Show(parse_ref(words[0]))


def _update(words: list[str], when: _When) -> Update:
    """`update ID [sev:X] [owner:@u] [due:D] [note:…]`: the note runs on to the end (other
    options after it are still read as options); words before it are refused."""
    ref = parse_ref(words[0] if words else None, usage=UPDATE_USAGE)
    options: dict[str, str] = {}
    note: list[str] | None = None
    for word in words[1:]:
        parts = text.option_parts(word)
        if parts is not None and parts[0] in OPTIONS:
            name, value = parts
            if name in options or (name == "note" and note is not None):
                raise UserError("text.repeated_option", usage=UPDATE_USAGE, name=name)
            if name == "note":
                note = [value] if value else []
            else:
                options[name] = value
        elif note is not None:
            note.append(word)
        elif parts is not None and parts[1]:
            raise UserError("text.unknown_option", usage=UPDATE_USAGE, word=word[:60],
                            names=list(OPTIONS))
        else:
            raise UserError("issue.update_stray_words", usage=UPDATE_USAGE, ref=str(ref),
                            words=word[:80])
    if not options and note is None:
        raise UserError("issue.update_nothing", usage=UPDATE_USAGE, ref=str(ref))
    severity = (parse_severity(options["sev"], usage=UPDATE_USAGE) if "sev" in options
                else None)
    owner = parse_owner(options["owner"], usage=UPDATE_USAGE) if "owner" in options else None
    due = (parse_due(options["due"], usage=UPDATE_USAGE, today=when.today,
                     max_years_ahead=when.max_years_ahead) if "due" in options else None)
    noted = None
    if note is not None:
        noted = check_note(" ".join(note), key="issue.note_missing", usage=UPDATE_USAGE,
                           ref=str(ref))
    return Update(ref, severity, owner, due, noted)


def _free(words: list[str], usage: str, missing: str) -> tuple[IssueRef, str]:
    ref = parse_ref(words[0] if words else None, usage=usage)
    found = read_free_text(words[1:], known=OPTIONS, usage=usage)
    return ref, check_note(found.text, key=missing, usage=usage, ref=str(ref))


def _resolve(words: list[str], _when: _When) -> Resolve:
    return Resolve(*_free(words, RESOLVE_USAGE, "issue.resolution_missing"))


def _escalate(words: list[str], _when: _When) -> Escalate:
    return Escalate(*_free(words, ESCALATE_USAGE, "issue.reason_missing"))


_VERBS = {"add": _add, "list": _list, "show": _show, "update": _update, "resolve": _resolve,
          "escalate": _escalate}


def parse_issue_command(raw: str, today: date | None = None,
                        max_years_ahead: int | None = None) -> object:
    """`/issue …` (also `/pmo issue …`): a command or a UserError; nothing is help. A verb
    `/issue` does not have is `issue.no_such_command` (answered with the help)."""
    words = text.tokens(raw)
    if not words or words[0].lower() == "help":
        return Help()
    verb = words[0].lower()
    if verb in _VERBS:
        return _VERBS[verb](words[1:], _When(today, max_years_ahead))
    if len(words) == 1 and _ID.matches(words[0]):
        return Show(parse_ref(words[0]))
    raise UserError("issue.no_such_command", word=words[0][:40])


# --- rules ---------------------------------------------------------------------------------------

def rank(severity: str) -> int:
    """0 for critical … 3 for low: lists sort by it, most severe first."""
    return len(SEVERITIES) - 1 - SEVERITIES.index(severity)


def goes_to_pmo(before: str | None, after: str) -> bool:
    """An issue is sent to the PMO when it is added critical or raised to critical."""
    return after == CRITICAL and before != CRITICAL


def overdue(status: str, due: date | None, today: date) -> bool:
    return status == OPEN and due is not None and due < today
