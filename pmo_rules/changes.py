"""Change requests (issue 12, item 5): the `/change` grammar, and what an approved change does
to a plan. Pure; no storage.

A change request states its impact on the schedule (`schedule:+10` / `schedule:-3` working
days, or `schedule:2026-12-30` a new finish date), on cost (`cost:+60000` / `cost:-5000`, a
budget delta in `[pmo] currency`, amounts as pmo_rules.money reads them) and on scope
(`scope:` followed by text, to the end or to the next option), and may name milestones it
moves (`moves:APOLLO-M2=2026-12-30`, several separated by commas). Ids are per project:
APOLLO-C1, APOLLO-C2, … It is approved like a stage gate (pmo_rules.approvals, one engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pmo_rules import dates, text
from pmo_rules.entry_ids import EntryId
from pmo_rules.errors import UserError
from pmo_rules.milestones import MilestoneRef
from pmo_rules.milestones import parse_ref as milestone_ref
from pmo_rules.money import parse_amount
from pmo_rules.projects import parse_key
from pmo_rules.schedule import WorkCalendar

USAGE = "change"
REQUEST_USAGE = "change_request"
TITLE_MAX = 150
SCOPE_MAX = 1000
REASON_MAX = 500
SCHEDULE_MAX_DAYS = 1000
MOVES_MAX = 10
SUBJECT = "changes"
"""The name a project's approver override uses (`/pmo project KEY approvers changes @a @b`),
beside the phase names the gates use."""

OPEN, APPROVED, REJECTED, WITHDRAWN = "open", "approved", "rejected", "withdrawn"
STATES = (OPEN, APPROVED, REJECTED, WITHDRAWN)
_OPTIONS = ("schedule", "cost", "scope", "moves")
_ID = EntryId("C", "change")
_DAYS = re.compile(r"([+-])([0-9]{1,4})")


@dataclass(frozen=True, slots=True)
class ChangeRef:
    key: str
    number: int

    def __str__(self) -> str:
        return f"{self.key}-C{self.number}"


@dataclass(frozen=True)
class Move:
    """A milestone the change moves: its number in the project and its new baseline date."""

    number: int
    to: date


@dataclass(frozen=True)
class Request:
    key: str
    title: str
    schedule_days: int | None = None
    new_finish: date | None = None
    cost_delta: Decimal | None = None
    scope: str = ""
    moves: tuple[Move, ...] = ()


@dataclass(frozen=True)
class ListChanges:
    key: str
    everything: bool = False


@dataclass(frozen=True)
class Show:
    ref: ChangeRef


@dataclass(frozen=True)
class Withdraw:
    ref: ChangeRef
    reason: str = ""


@dataclass(frozen=True)
class Help:
    pass


Command = Request | ListChanges | Show | Withdraw | Help


def parse_change_ref(word: str | None, *, usage: str = USAGE) -> ChangeRef:
    """`APOLLO-C1` (any case) → ChangeRef("APOLLO", 1), or a refusal showing the form."""
    return ChangeRef(*_ID.parse(word, usage=usage))


def _split(words: list[str]) -> tuple[list[str], dict[str, str]]:
    """The title's words and the options; `scope:` takes the words after it up to the next
    option, so a scope reads as a sentence."""
    title: list[str] = []
    options: dict[str, str] = {}
    in_scope = False
    for word in words:
        option = text.take_option(word, _OPTIONS, options, usage=REQUEST_USAGE)
        if option:
            options[option[0]] = option[1]
            in_scope = option[0] == "scope"
        elif in_scope:
            options["scope"] = f"{options['scope']} {word}".strip()
        else:
            title.append(word)
    return title, options


def _schedule(value: str, today: date | None, max_years: int | None) -> tuple[int | None,
                                                                               date | None]:
    if match := _DAYS.fullmatch(value.strip()):
        days = int(match[2]) * (-1 if match[1] == "-" else 1)
        if days == 0 or abs(days) > SCHEDULE_MAX_DAYS:
            raise UserError("change.bad_schedule", usage=REQUEST_USAGE, value=value[:40],
                            most=SCHEDULE_MAX_DAYS)
        return days, None
    day = dates.iso_day(value.strip())
    if day is None:
        raise UserError("change.bad_schedule", usage=REQUEST_USAGE, value=value[:40],
                        most=SCHEDULE_MAX_DAYS)
    if today is not None and max_years is not None:
        dates.check_horizon(day, today, max_years, usage=REQUEST_USAGE)
    return None, day


def _cost(value: str) -> Decimal:
    raw = value.strip()
    if not raw or raw[0] not in "+-":
        raise UserError("change.cost_sign", usage=REQUEST_USAGE, value=raw[:40])
    amount = parse_amount(raw[1:], field="cost", usage=REQUEST_USAGE)
    return -amount if raw[0] == "-" else amount


def _moves(value: str, key: str, today: date | None, max_years: int | None) -> tuple[Move, ...]:
    moves: dict[int, Move] = {}
    for part in (p for p in value.split(",") if p.strip()):
        ref_word, _, day_word = part.strip().partition("=")
        ref = parse_ref_milestone(ref_word)
        if ref.key != key:
            raise UserError("change.move_other_project", usage=REQUEST_USAGE, ref=str(ref),
                            key=key)
        day = dates.iso_day(day_word.strip())
        if day is None:
            raise UserError("change.bad_move", usage=REQUEST_USAGE, value=part.strip()[:60])
        if today is not None and max_years is not None:
            dates.check_horizon(day, today, max_years, usage=REQUEST_USAGE)
        if ref.number in moves:
            raise UserError("change.move_twice", usage=REQUEST_USAGE, ref=str(ref))
        moves[ref.number] = Move(ref.number, day)
    if not moves:
        raise UserError("change.bad_move", usage=REQUEST_USAGE, value=value[:60])
    if len(moves) > MOVES_MAX:
        raise UserError("change.too_many_moves", usage=REQUEST_USAGE, most=MOVES_MAX)
    return tuple(moves.values())


def parse_ref_milestone(word: str) -> MilestoneRef:
    try:
        return milestone_ref(word.strip(), usage=REQUEST_USAGE)
    except UserError:
        raise UserError("change.bad_move", usage=REQUEST_USAGE, value=word[:60]) from None


def _request(words: list[str], today: date | None, max_years: int | None) -> Request:
    key = parse_key(words[0] if words else None, usage=REQUEST_USAGE)
    title_words, options = _split(words[1:])
    title = text.required(" ".join(title_words))
    if not title:
        raise UserError("change.title_missing", usage=REQUEST_USAGE)
    text.check_length(title, TITLE_MAX, "change.title_too_long")
    days, finish = (_schedule(options["schedule"], today, max_years)
                    if "schedule" in options else (None, None))
    cost = _cost(options["cost"]) if "cost" in options else None
    scope = options.get("scope", "").strip()
    if "scope" in options and not scope:
        raise UserError("change.scope_empty", usage=REQUEST_USAGE)
    text.check_length(scope, SCOPE_MAX, "change.scope_too_long")
    moves = _moves(options["moves"], key, today, max_years) if "moves" in options else ()
    if days is None and finish is None and cost is None and not scope and not moves:
        raise UserError("change.no_impact", usage=REQUEST_USAGE)
    return Request(key, title, days, finish, cost, scope, moves)


def parse_change_command(raw: str, today: date | None = None,
                         max_years_ahead: int | None = None) -> Command:
    """`/change …` (or the words after `/pmo change`)."""
    words = (raw or "").split()
    verb = words[0].lower() if words else "help"
    rest = words[1:]
    if verb == "help":
        return Help()
    if verb == "request":
        return _request(rest, today, max_years_ahead)
    if verb == "list":
        everything = len(rest) > 1 and rest[1].lower() == "all"
        if len(rest) > 1 + everything:
            raise UserError("change.unexpected_words", usage=USAGE,
                            words=" ".join(rest[1 + everything:])[:60])
        return ListChanges(parse_key(rest[0] if rest else None, usage=USAGE), everything)
    if verb == "show":
        return Show(parse_change_ref(rest[0] if rest else None))
    if verb == "withdraw":
        reason = " ".join(rest[1:]).strip()
        text.check_length(reason, REASON_MAX, "change.reason_too_long")
        return Withdraw(parse_change_ref(rest[0] if rest else None), reason)
    raise UserError("change.no_such_command", word=verb[:40])


# -- what an approved change does --------------------------------------------------------------

@dataclass(frozen=True)
class Baseline:
    start: date
    finish: date
    budget: Decimal


def new_finish(request_days: int | None, request_finish: date | None, finish: date,
               calendar: WorkCalendar) -> date:
    """The baseline finish after the change: `finish` moved by working days on the PMO
    calendar (landing on a working day), or the date the change names, or unchanged."""
    if request_finish is not None:
        return request_finish
    if not request_days:
        return finish
    step = 1 if request_days > 0 else -1
    day, left = finish, abs(request_days)
    while left:
        day = date.fromordinal(day.toordinal() + step)
        if calendar.is_working_day(day):
            left -= 1
    return day


def after_change(baseline: Baseline, *, days: int | None, finish: date | None,
                 cost: Decimal | None, calendar: WorkCalendar, ref: str) -> Baseline:
    """The baseline once the change applies, or the refusal: a finish before the start, a
    budget of zero or less."""
    moved = new_finish(days, finish, baseline.finish, calendar)
    if moved < baseline.start:
        raise UserError("change.finish_before_start", ref=ref, finish=moved.isoformat(),
                        start=baseline.start.isoformat())
    budget = baseline.budget + (cost or 0)
    if budget <= 0:
        raise UserError("change.budget_not_positive", ref=ref, budget=str(budget),
                        delta=str(cost))
    return Baseline(baseline.start, moved, budget)
