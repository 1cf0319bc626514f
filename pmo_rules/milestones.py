"""Milestones (issue 11): what one is, the `/milestone` grammar, and who may change one.

A milestone has a baseline date (`due`, set when it is added and kept), an optional forecast
(a new expected date, with a reason), a done date, an owner and a weight (for the milestone
share of planned value). Ids are per project: APOLLO-M1, APOLLO-M2, … Pure; no storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pmo_rules import dates, text
from pmo_rules.entry_ids import EntryId
from pmo_rules.errors import UserError
from pmo_rules.projects import parse_key
from pmo_rules.working_days import Calendar

USAGE = "milestone"
ADD_USAGE = "milestone_add"
FORECAST_USAGE = "milestone_forecast"
DONE_USAGE = "milestone_done"
WEIGHT_MAX = 100
TITLE_MAX = 150
REASON_MAX = 500
_ID = EntryId("M", "milestone")


@dataclass(frozen=True, slots=True)
class MilestoneRef:
    key: str
    number: int

    def __str__(self) -> str:
        return f"{self.key}-M{self.number}"


@dataclass(frozen=True)
class Add:
    key: str
    title: str
    due: date
    owner_id: str | None
    weight: int


@dataclass(frozen=True)
class ListMilestones:
    key: str


@dataclass(frozen=True)
class Forecast:
    ref: MilestoneRef
    on: date
    reason: str


@dataclass(frozen=True)
class Done:
    ref: MilestoneRef
    on: date | None


@dataclass(frozen=True)
class Show:
    ref: MilestoneRef


@dataclass(frozen=True)
class Help:
    pass


def parse_ref(word: str | None, *, usage: str) -> MilestoneRef:
    """`APOLLO-M1` (any case) → MilestoneRef("APOLLO", 1), or a refusal showing the form."""
    return MilestoneRef(*_ID.parse(word, usage=usage))


@dataclass(frozen=True, slots=True)
class _When:
    """What dates are read against: the PMO's `today` when the command was sent (None: only
    YYYY-MM-DD and YYYY/MM/DD) and `[pmo] max_years_ahead` (None: no horizon)."""

    today: date | None = None
    max_years_ahead: int | None = None


def _day(value: str | None, usage: str, option: str, when: _When) -> date:
    day = dates.day(value, when.today)
    if day is None:
        if not value:
            raise UserError("milestone.date_missing", usage=usage, option=option)
        raise UserError("milestone.bad_date", usage=usage, value=value[:40])
    if when.today is not None and when.max_years_ahead is not None:
        dates.check_horizon(day, when.today, when.max_years_ahead, usage=usage)
    return day


def _add(words: list[str], when: _When) -> Add:
    rest, options = text.split_options(words, ("due", "owner", "weight"), usage=ADD_USAGE)
    if not rest:
        raise UserError("project.key_missing", usage=ADD_USAGE)
    key = parse_key(rest[0], usage=ADD_USAGE)
    title = text.plain(" ".join(rest[1:])).strip()
    if not title:
        raise UserError("milestone.title_missing", usage=ADD_USAGE)
    text.check_length(title, TITLE_MAX, "milestone.title_too_long", usage=ADD_USAGE)
    if "due" not in options:
        raise UserError("milestone.date_missing", usage=ADD_USAGE, option="due:")
    due = _day(options["due"], ADD_USAGE, "due:", when)
    owner = None
    if "owner" in options:
        ref = text.user_ref(options["owner"])
        if ref is None:
            raise UserError("milestone.bad_owner", usage=ADD_USAGE, value=options["owner"][:60])
        owner = ref.id
    weight = 1
    if "weight" in options:
        raw = options["weight"]
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= WEIGHT_MAX):
            raise UserError("milestone.bad_weight", usage=ADD_USAGE, value=raw[:20],
                            most=WEIGHT_MAX)
        weight = int(raw)
    return Add(key, title, due, owner, weight)


def _list(words: list[str], _when: _When) -> ListMilestones:
    if len(words) != 1:
        raise UserError("milestone.list_usage", usage=USAGE)
    return ListMilestones(parse_key(words[0], usage=USAGE))


def _forecast(words: list[str], when: _When) -> Forecast:
    ref = parse_ref(words[0] if words else None, usage=FORECAST_USAGE)
    on = _day(words[1] if len(words) > 1 else None, FORECAST_USAGE, "", when)
    reason = text.plain(" ".join(words[2:])).strip()
    if not reason:
        raise UserError("milestone.reason_missing", usage=FORECAST_USAGE, ref=str(ref))
    text.check_length(reason, REASON_MAX, "milestone.reason_too_long")
    return Forecast(ref, on, reason)


def _done(words: list[str], when: _When) -> Done:
    ref = parse_ref(words[0] if words else None, usage=DONE_USAGE)
    rest, options = text.split_options(words[1:], ("on",), usage=DONE_USAGE)
    if rest:
        raise UserError("milestone.unexpected_words", usage=DONE_USAGE,
                        words=" ".join(rest)[:80])
    on = _day(options["on"], DONE_USAGE, "on:", when) if "on" in options else None
    return Done(ref, on)


def _show(words: list[str], _when: _When) -> Show:
    if len(words) != 1:
        raise UserError("milestone.unexpected_words", usage=USAGE,
                        words=" ".join(words[1:])[:80] or "—")
    return Show(parse_ref(words[0], usage=USAGE))


_VERBS = {"add": _add, "list": _list, "forecast": _forecast, "done": _done, "show": _show}


def parse_milestone_command(raw: str, today: date | None = None,
                            max_years_ahead: int | None = None) -> object:
    """`/milestone …` (also `/pmo milestone …`): a command or a UserError; nothing is help.
    Dates as pmo_rules.dates reads them: `today`, `+2w` … against the PMO's `today` (its date
    when the command was sent), within `[pmo] max_years_ahead` years when given. A verb
    `/milestone` does not have is `milestone.no_such_command` (answered with the help)."""
    words = text.tokens(raw)
    if not words or words[0].lower() == "help":
        return Help()
    verb = words[0].lower()
    if verb in _VERBS:
        return _VERBS[verb](words[1:], _When(today, max_years_ahead))
    if len(words) == 1 and _ID.matches(words[0]):
        return Show(parse_ref(words[0], usage=USAGE))
    raise UserError("milestone.no_such_command", word=words[0][:40])


# --- rules ---------------------------------------------------------------------------------

def check_done_on(on: date, today: date) -> None:
    if on > today:
        raise UserError("milestone.done_in_future", usage=DONE_USAGE, on=on, today=today)


def expected(due: date, forecast: date | None) -> date:
    """The date a milestone is now expected: its forecast, else its baseline date."""
    return forecast or due


def slip_days(due: date, forecast: date | None, done_on: date | None, today: date,
              calendar: Calendar) -> int:
    """Working days late: a done milestone by its done date, an open one by its forecast, or
    by today once even that has passed; 0 when on time or early."""
    if done_on is not None:
        return max(0, calendar.working_days_between(due, done_on))
    latest = max(expected(due, forecast), today)
    return max(0, calendar.working_days_between(due, latest))


def remind_from(day: date, before: int, calendar: Calendar) -> date:
    """The working day `before` working days ahead of `day` (the day itself when 0): from
    then on its owner is reminded."""
    current, left = day, before
    while left > 0:
        current = date.fromordinal(current.toordinal() - 1)
        if calendar.is_working_day(current):
            left -= 1
    return current


def reminder_horizon(today: date, before: int, calendar: Calendar) -> date:
    """The latest expected date whose reminders have started by `today` (`remind_from` of it
    is today or earlier): the planner asks for every open milestone expected by then."""
    horizon = today
    for _ in range(400):
        following = date.fromordinal(horizon.toordinal() + 1)
        if remind_from(following, before, calendar) > today:
            break
        horizon = following
    return horizon
