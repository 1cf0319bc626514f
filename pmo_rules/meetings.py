"""Meeting minutes (issue 12, item 4): `/pmo meeting KEY` opens one form — title, date,
attendees, notes, and a fixed set of decision and action rows — and its submission is read here
into `Minutes`, each row checked as its one-line command would be. Pure: `today` is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from pmo_rules import actions, decisions, text
from pmo_rules.errors import UserError
from pmo_rules.projects import looks_like_key, parse_key
from pmo_rules.values import METADATA_MAX, Value

MEETING_FORM = "meeting_form"
"""The form's callback id."""
DECISION_ROWS = 4
ACTION_ROWS = 8
TITLE_MAX = 150
NOTES_MAX = 3000
USAGE = "pmo_meeting"
NOTES_CHUNK = 2900
"""A section's text holds 3,000 characters; long notes go in several sections."""


@dataclass(frozen=True)
class OpenMeeting:
    """`/pmo meeting KEY`: the minutes form for the project."""

    key: str


def parse_meeting(words: list[str]) -> OpenMeeting:
    if len(words) != 1:
        raise UserError("meeting.usage", usage=USAGE)
    return OpenMeeting(parse_key(words[0], usage=USAGE))


@dataclass(frozen=True, slots=True)
class MeetingForm(Value):
    """The form's private_metadata: the project, and where the confirmation goes."""

    key: str
    channel: str | None
    STALE: ClassVar[str] = "meeting.form_stale"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"key": "k", "channel": "c"}

    def _check(self) -> MeetingForm:
        if not (isinstance(self.key, str) and looks_like_key(self.key)):
            raise UserError(self.STALE)
        channel = self.channel if isinstance(self.channel, str) and self.channel else None
        return MeetingForm(self.key.upper(), channel)


@dataclass(frozen=True)
class DecisionLine:
    title: str
    decided_by: str | None


@dataclass(frozen=True)
class ActionLine:
    title: str
    owner: str
    due: date


@dataclass(frozen=True)
class Minutes:
    key: str
    title: str
    day: date
    attendees: tuple[str, ...]
    notes: str | None
    decisions: tuple[DecisionLine, ...]
    actions: tuple[ActionLine, ...]


def decision_block(i: int, part: str) -> str:
    return f"d{i}_{part}"


def action_block(i: int, part: str) -> str:
    return f"a{i}_{part}"


def _text(fields: dict, name: str) -> str:
    value = fields.get(name)
    return text.plain(value).strip() if isinstance(value, str) else ""


def _person(fields: dict, name: str) -> str | None:
    value = fields.get(name)
    return value if isinstance(value, str) and value else None


def read_form(key: str, fields: dict, today: date) -> Minutes:
    """The submitted form, checked; a refusal names the block (`field`) it is about. Empty
    rows are skipped; a row with a person or a date but no text is refused."""
    title = _text(fields, "title")
    if not title:
        raise UserError("meeting.title_missing", field="title")
    text.check_length(title, TITLE_MAX, "meeting.title_too_long", field="title")
    day = _day(fields.get("date"), "date") or today
    notes = _text(fields, "notes") or None
    if notes:
        text.check_length(notes, NOTES_MAX, "meeting.notes_too_long", field="notes")
    attendees = fields.get("attendees") or []
    found_decisions = []
    for i in range(1, DECISION_ROWS + 1):
        words = _text(fields, decision_block(i, "text"))
        by = _person(fields, decision_block(i, "by"))
        if not words:
            if by:
                raise UserError("meeting.row_text_missing", field=decision_block(i, "text"))
            continue
        text.check_length(words, decisions.TITLE_MAX, "meeting.text_too_long",
                          field=decision_block(i, "text"))
        found_decisions.append(DecisionLine(words, by))
    found_actions = []
    for i in range(1, ACTION_ROWS + 1):
        words = _text(fields, action_block(i, "text"))
        owner = _person(fields, action_block(i, "owner"))
        due = _day(fields.get(action_block(i, "due")), action_block(i, "due"))
        if not words:
            if owner or due:
                raise UserError("meeting.row_text_missing", field=action_block(i, "text"))
            continue
        text.check_length(words, actions.TITLE_MAX, "meeting.text_too_long",
                          field=action_block(i, "text"))
        if owner is None:
            raise UserError("meeting.owner_missing", field=action_block(i, "owner"))
        if due is None:
            raise UserError("meeting.due_missing", field=action_block(i, "due"))
        if due < today:
            raise UserError("meeting.due_past", field=action_block(i, "due"), due=due,
                            today=today)
        found_actions.append(ActionLine(words, owner, due))
    return Minutes(key=key, title=title, day=day,
                   attendees=tuple(a for a in attendees if isinstance(a, str)),
                   notes=notes, decisions=tuple(found_decisions), actions=tuple(found_actions))


def _day(value: object, field: str) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError("meeting.bad_date", field=field, value=value[:20]) from None


def split_notes(notes: str, size: int = NOTES_CHUNK) -> list[str]:
    """Notes in pieces of at most `size` characters, cut at a paragraph, a line or a space."""
    pieces: list[str] = []
    rest = notes.strip()
    while len(rest) > size:
        cut = rest.rfind("\n\n", 0, size + 2)  # the piece before a cut is at most `size`
        if cut <= 0:
            cut = rest.rfind("\n", 0, size + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, size + 1)
        if cut <= 0:
            cut = size
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces
