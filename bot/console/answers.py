"""A form's answers: what a person types for each kind of input, read the way Slack's client
reads it, into the value `view.state.values` carries.

Slack checks some things in the client before a form is sent (a required field left empty, a
number out of range, a date that is not a date, an option that is not offered); these are those
checks, each refusal a `UserError` the form shows before asking again. Kept apart from
`modal.py`, which asks the questions and runs the form, so each element kind is read in one
place (the console's menus and pickers in messages use the same answers).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING, Any

from bot.console.commands import console_word
from bot.console.render import plain
from bot.console.terminal import FORM_PROMPT
from pmo_rules.errors import UserError

if TYPE_CHECKING:
    from bot.console.session import Session

CANCEL = ":cancel"
_LEADING_SYMBOLS = re.compile(r"^\W+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InputEnded(Exception):
    """The input ran out while a form was waiting for an answer."""


class Cancelled(Exception):
    """The person typed :cancel in a form."""


def read_answer(session: Session) -> str:
    """The next answer. A console command (`:quit`, `:click 2`) is not one: it is refused with
    how to leave the form, and the question stays open."""
    while True:
        answer = session.reader.read(FORM_PROMPT, skip_blank=False)
        if answer is None:
            raise InputEnded
        if answer.strip() == CANCEL:
            raise Cancelled
        word = console_word(answer.strip())
        if word is None:
            return answer.strip()
        session.printer.side(session.words("console.form_console_command", "yellow",
                                           word=word))


def options_of(element: dict) -> list[dict]:
    if element.get("options"):
        return list(element["options"])
    return [o for group in element.get("option_groups") or [] for o in group.get("options", [])]


def _option(session: Session, element: dict, answer: str) -> dict:
    options = options_of(element)
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1]
    wanted = answer.casefold()
    for option in options:
        text = plain(option.get("text"), session.names).strip()
        if wanted in (text.casefold(), _LEADING_SYMBOLS.sub("", text).casefold(),
                      str(option.get("value", "")).casefold()):
            return option
    raise UserError("console.form_not_option", answer=answer[:40], count=len(options))


def _options(session: Session, element: dict, answer: str) -> list[dict]:
    chosen = [_option(session, element, part.strip()) for part in answer.split(",")
              if part.strip()]
    return [o for i, o in enumerate(chosen) if o not in chosen[:i]]


def _text(session: Session, element: dict, answer: str) -> str:
    value = answer.replace("\\n", "\n") if element.get("multiline") else answer
    low, high = element.get("min_length"), element.get("max_length")
    if low is not None and len(value) < low:
        raise UserError("console.form_too_short", limit=low, length=len(value))
    if high is not None and len(value) > high:
        raise UserError("console.form_too_long", limit=high, length=len(value))
    return value


_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w.\-]*[\w]|[A-Za-z0-9])")


def _rich_text(session: Session, element: dict, answer: str) -> dict:
    """What Slack's rich text box sends: `@alice` picked from the list as a user element, the
    rest as text (a name nobody has stays text, as in Slack); `\\n` starts a new line."""
    sections = []
    for line in answer.replace("\\n", "\n").split("\n"):
        parts: list[dict] = []
        at = 0
        for match in _MENTION.finditer(line):
            found = session.directory.user_by_name(match[1])
            if found is None:
                continue
            if match.start() > at:
                parts.append({"type": "text", "text": line[at:match.start()]})
            parts.append({"type": "user", "user_id": found["id"]})
            at = match.end()
        if at < len(line):
            parts.append({"type": "text", "text": line[at:]})
        sections.append({"type": "rich_text_section", "elements": parts})
    return {"type": "rich_text", "elements": sections}


def _email(session: Session, element: dict, answer: str) -> str:
    if not _EMAIL.match(answer):
        raise UserError("console.form_not_email", answer=answer[:60])
    return answer


def _url(session: Session, element: dict, answer: str) -> str:
    if not answer.startswith(("http://", "https://")):
        raise UserError("console.form_not_url", answer=answer[:60])
    return answer


def _number(session: Session, element: dict, answer: str) -> str:
    pattern = r"^-?\d+(\.\d+)?$" if element.get("is_decimal_allowed") else r"^-?\d+$"
    if not re.match(pattern, answer):
        raise UserError("console.form_not_number", answer=answer[:40],
                        decimal=bool(element.get("is_decimal_allowed")))
    low, high = element.get("min_value"), element.get("max_value")
    if (low is not None and float(answer) < float(low)) or (
            high is not None and float(answer) > float(high)):
        raise UserError("console.form_number_range", low=low, high=high)
    return answer


def _user(session: Session, element: dict, answer: str) -> str:
    found = session.directory.user_by_name(answer.lstrip("@"))
    if found is None:
        raise UserError("console.unknown_user", name=answer[:40])
    return found["id"]


def _users(session: Session, element: dict, answer: str) -> list[str]:
    return [_user(session, element, part) for part in re.split(r"[,\s]+", answer) if part]


def _channel(session: Session, element: dict, answer: str) -> str:
    found = session.directory.channel_by_name(answer.lstrip("#"))
    if found is None:
        raise UserError("console.unknown_channel", name=answer[:40])
    return found["id"]


def _date(session: Session, element: dict, answer: str) -> str:
    try:
        return date.fromisoformat(answer).isoformat()
    except ValueError:
        raise UserError("console.form_not_date", answer=answer[:40]) from None


def _time(session: Session, element: dict, answer: str) -> str:
    try:
        return time.fromisoformat(answer).strftime("%H:%M")
    except ValueError:
        raise UserError("console.form_not_time", answer=answer[:40]) from None


@dataclass(frozen=True)
class Kind:
    """How one element type is answered: its state key, initial key and empty value."""

    key: str
    initial: str
    parse: Callable[[Session, dict, str], Any]
    empty: Any = None


_SINGLE = Kind("selected_option", "initial_option", _option)
_MULTI = Kind("selected_options", "initial_options", _options, empty=[])
KINDS = {
    "plain_text_input": Kind("value", "initial_value", _text),
    "rich_text_input": Kind("rich_text_value", "initial_value", _rich_text),
    "email_text_input": Kind("value", "initial_value", _email),
    "url_text_input": Kind("value", "initial_value", _url),
    "number_input": Kind("value", "initial_value", _number),
    "static_select": _SINGLE, "radio_buttons": _SINGLE, "overflow": _SINGLE,
    "multi_static_select": _MULTI, "checkboxes": _MULTI,
    "users_select": Kind("selected_user", "initial_user", _user),
    "multi_users_select": Kind("selected_users", "initial_users", _users, empty=[]),
    "conversations_select": Kind("selected_conversation", "initial_conversation", _channel),
    "channels_select": Kind("selected_channel", "initial_channel", _channel),
    "datepicker": Kind("selected_date", "initial_date", _date),
    "timepicker": Kind("selected_time", "initial_time", _time),
}


def state_value(session: Session, element: dict, answer: str, optional: bool) -> dict:
    """The element's entry in `view.state.values`, as Slack would send it for this answer."""
    kind = KINDS[element["type"]]
    if answer:
        chosen = kind.parse(session, element, answer)
    elif element.get(kind.initial) not in (None, "", []):
        chosen = element[kind.initial]
    elif optional:
        chosen = kind.empty
    else:
        raise UserError("console.form_required")
    return {"type": element["type"], kind.key: chosen}

