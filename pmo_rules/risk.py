"""The risk register (standard 3.2): the `/risk` grammar, scoring and levels.

A risk is rated for probability and impact on the rules file's scale; its score is their
product and its level (low, medium, high, critical) follows `[risk.levels]`. The one-liner and
the modal both end in a `RiskDraft` (a new risk) or a change set for an existing one, checked by
the same functions, so both refuse the same things with the same words. The parser is total:
any text yields a command or a `UserError`, never another exception (a property test checks).
Nothing here reads the clock: callers pass the PMO's `today`.
Who may change a risk is decided in `pmo_rules.permissions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from pmo_rules import text
from pmo_rules.config import RiskLevels, Rules
from pmo_rules.dates import iso_day
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.projects import KEY_PATTERN, RESERVED_KEYS, parse_key

USAGE = "risk"
ADD_USAGE = "risk_add"
UPDATE_USAGE = "risk_update"
LIST_USAGE = "risk_list"
CLOSE_USAGE = "risk_close"

TITLE_MAX = 150
DESCRIPTION_MAX = 2000
TRIGGER_MAX = 500
NOTE_MAX = 1000

RESPONSES = ("avoid", "mitigate", "transfer", "accept", "escalate")
OPEN, MITIGATING, CLOSED, OCCURRED = "open", "mitigating", "closed", "occurred"
STATUSES = (OPEN, MITIGATING, CLOSED, OCCURRED)
ACTIVE_STATUSES = (OPEN, MITIGATING)
"""Statuses still being managed: listed by default, reviewed, on the heat map, nudged."""
LEVELS = ("low", "medium", "high", "critical")
ALERT_LEVELS = ("high", "critical")
"""Reaching one of these posts the card again and tells the owner."""

# Words people type for a response or a status; the Chinese ones are what the PMO uses.
_RESPONSE_WORDS = {
    "avoid": ("avoid", "规避", "避免"),
    "mitigate": ("mitigate", "减轻", "缓解"),
    "transfer": ("transfer", "转移"),
    "accept": ("accept", "接受"),
    "escalate": ("escalate", "上报", "升级"),
}
_STATUS_WORDS = {
    OPEN: ("open", "打开", "开放"),
    MITIGATING: ("mitigating", "应对中", "缓解中"),
    CLOSED: ("closed", "关闭", "已关闭"),
    OCCURRED: ("occurred", "已发生", "发生"),
}
_CLEAR_WORDS = ("none", "无")
_OPTIONS = ("p", "i", "owner", "due", "review", "response", "status", "note", "desc", "trigger")
_FREE_TEXT = ("note", "desc", "trigger")
"""Options whose value runs on over the following words, up to the next option."""
_CLEARABLE = {"due": "due_on", "response": "response", "desc": "description",
              "trigger": "trigger"}
_RISK_ID = re.compile(r"([A-Za-z][A-Za-z0-9]{1,9})-[Rr]([0-9]{1,9})")
_NUMBER = re.compile(r"[0-9]{1,3}")

FIELDS = ("title", "probability", "impact", "owner_id", "response", "due_on",
          "next_review_on", "status", "description", "trigger")
"""A risk's editable fields, in the order the card, the form and the history show them."""


# ---------------------------------------------------------------------------------------------
# What a risk is
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskRef:
    """A readable risk ID such as APOLLO-R1: the project KEY and the risk's number in it."""

    key: str
    number: int

    def __str__(self) -> str:
        return f"{self.key}-R{self.number}"


@dataclass(frozen=True)
class RiskDraft:
    """A new risk as typed or filled in, validated. `owner_id`/`next_review_on` None = default."""

    key: str
    title: str
    probability: int
    impact: int
    owner_id: str | None = None
    response: str | None = None
    due_on: date | None = None
    next_review_on: date | None = None
    status: str = OPEN
    description: str | None = None
    trigger: str | None = None
    note: str | None = None
    """Why it was raised, say: kept in its history, not a field of the risk."""

    def values(self, *, owner_id: str, next_review_on: date) -> dict[str, Any]:
        """Column values with the defaults filled in: what storage writes and audit records."""
        values = {name: getattr(self, name) for name in FIELDS}
        values.update(owner_id=self.owner_id or owner_id,
                      next_review_on=self.next_review_on or next_review_on)
        return values


@dataclass(frozen=True)
class RiskChanges:
    """Field changes for an existing risk (only what was given) and an optional note."""

    values: dict[str, Any] = field(default_factory=dict)
    note: str | None = None


def score(probability: int, impact: int) -> int:
    return probability * impact


def level_of(probability: int, impact: int, levels: RiskLevels) -> str:
    return levels.level_of(score(probability, impact))


def rose_to_alert(before: str, after: str) -> bool:
    """True when a level climbs into high or critical (low → high, high → critical, …)."""
    return after in ALERT_LEVELS and LEVELS.index(after) > LEVELS.index(before)


def is_active(status: str) -> bool:
    return status in ACTIVE_STATUSES


def pmo_today(now: datetime, tz: tzinfo) -> date:
    """The calendar day it is in the PMO's time zone: what "today" and "past" mean for dates."""
    return now.astimezone(tz).date()


def default_review(today: date, rules: Rules) -> date:
    """Next review of a new or just-reviewed risk: `[risk] review_every_days` from today."""
    return today + timedelta(days=rules.risk.review_every_days)


def reviewed_today(last_reviewed_at: datetime | None, now: datetime, tz: tzinfo) -> bool:
    """A second review on the same PMO day changes nothing, so it is answered, not stored."""
    return last_reviewed_at is not None and pmo_today(last_reviewed_at, tz) == pmo_today(now, tz)


def overdue_reasons(status: str, next_review_on: date | None, due_on: date | None,
                    today: date) -> tuple[str, ...]:
    """Why an active risk needs its owner: "review" (review date passed), "response" (due date
    passed). Empty for a closed risk or one whose dates are today or later."""
    if not is_active(status):
        return ()
    reasons = []
    if next_review_on is not None and next_review_on < today:
        reasons.append("review")
    if due_on is not None and due_on < today:
        reasons.append("response")
    return tuple(reasons)


def heat_map(counts: dict[tuple[int, int], int], scale: int) -> list[list[int]]:
    """Counts by (probability, impact) as rows of impact `scale` … 1, columns probability 1 …
    `scale`. Ratings above the scale (the rules file's scale was lowered later) count in the
    top row or column rather than vanish from the portfolio view."""
    grid = [[0] * scale for _ in range(scale)]
    for (probability, impact), count in counts.items():
        p, i = min(max(probability, 1), scale), min(max(impact, 1), scale)
        grid[scale - i][p - 1] += count
    return grid


def changed_values(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The subset of `wanted` that differs from `current` (the form sends every field)."""
    return {name: value for name, value in wanted.items() if current.get(name) != value}


# ---------------------------------------------------------------------------------------------
# Which projects take risks (who may change one: pmo_rules.permissions.require_risk_editor)
# ---------------------------------------------------------------------------------------------


def check_takes_risks(key: str, state: str) -> None:
    """New risks go to running projects (lifecycle.PORTFOLIO_STATES): a cancelled or closed
    project has no risks left to run."""
    if state not in PORTFOLIO_STATES:
        raise UserError("risk.project_closed", key=key, state=state)


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
        if name in _CLEARABLE and raw.strip().lower() in _CLEAR_WORDS:
            values[_CLEARABLE[name]] = None
        elif name in ("p", "i"):
            values["probability" if name == "p" else "impact"] = parse_rating(
                raw, "probability" if name == "p" else "impact", rules.risk.scale, usage=usage)
        elif name == "owner":
            values["owner_id"] = _owner(raw, shown, usage)
        elif name in ("due", "review"):
            values["due_on" if name == "due" else "next_review_on"] = parse_future_date(
                raw, "due_on" if name == "due" else "next_review_on", today, usage=usage)
        elif name == "response":
            values["response"] = parse_word(raw, _RESPONSE_WORDS, "response", usage=usage)
        elif name == "status":
            values["status"] = parse_word(raw, _STATUS_WORDS, "status", usage=usage)
        else:
            values[{"desc": "description"}.get(name, name)] = text.plain(raw)
    return values


def _owner(raw: str, shown: str, usage: str) -> str:
    ref = text.user_ref(raw)
    if ref is None:
        raise UserError("risk.owner_malformed", field="owner_id", usage=usage, value=shown)
    return ref.id


def parse_rating(raw: str | None, name: str, scale: int, *, usage: str = USAGE) -> int:
    """A probability or impact: a whole number from 1 to the rules file's scale."""
    value = (raw or "").strip()
    if not _NUMBER.fullmatch(value) or not 1 <= int(value) <= scale:
        raise UserError("risk.rating_range", field=name, usage=usage, name=name, scale=scale,
                        value=value[:20])
    return int(value)


def parse_future_date(raw: str | None, name: str, today: date, *, usage: str = USAGE) -> date:
    """A YYYY-MM-DD date that is today or later in the PMO's time zone."""
    return check_not_past(parse_date(raw, name, usage=usage), name, today, usage=usage)


def parse_date(raw: str | None, name: str, *, usage: str = USAGE) -> date:
    """Strictly YYYY-MM-DD (pmo_rules.dates)."""
    day = iso_day(raw)
    if day is None:
        raise UserError("risk.date_malformed", field=name, usage=usage, name=name,
                        value=(raw or "").strip()[:20])
    return day


def check_not_past(day: date, name: str, today: date, *, usage: str = USAGE) -> date:
    if day < today:
        raise UserError("risk.date_past", field=name, usage=usage, name=name,
                        value=day.isoformat(), today=today.isoformat())
    return day


def parse_word(raw: str, words: dict[str, tuple[str, ...]], name: str, *,
               usage: str = USAGE) -> str:
    """A response strategy or a status, in English or Chinese, any case."""
    wanted = raw.strip().lower()
    for canonical, spellings in words.items():
        if wanted in spellings:
            return canonical
    raise UserError(f"risk.{name}_unknown", field=name, usage=usage, value=raw[:40])


def read_form(fields: dict[str, str | None], *, today: date, rules: Rules,
              current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The risk form's fields (block id → submitted text) as typed values, checked as the
    one-liner's options are. A date the risk already had is accepted even when it has passed:
    the form shows it back, and refusing it would block every other change."""
    current = current or {}
    values: dict[str, Any] = {"title": fields.get("title"), "owner_id": fields.get("owner_id")}
    for name in ("probability", "impact"):
        if not fields.get(name):
            raise UserError("risk.rating_missing", field=name, name=name, scale=rules.risk.scale)
        values[name] = parse_rating(fields[name], name, rules.risk.scale)
    response = fields.get("response")
    values["response"] = (parse_word(response, _RESPONSE_WORDS, "response")
                          if response and response not in _CLEAR_WORDS else None)
    values["status"] = parse_word(fields.get("status") or OPEN, _STATUS_WORDS, "status")
    for name in ("due_on", "next_review_on"):
        day = parse_date(fields[name], name) if fields.get(name) else None
        values[name] = day if day in (None, current.get(name)) else check_not_past(day, name,
                                                                                   today)
    for name in ("description", "trigger"):
        values[name] = (fields.get(name) or "").strip() or None  # typed raw: nothing to unescape
    return values


def check_text(value: str | None, name: str, limit: int, *, usage: str = USAGE) -> str | None:
    """Free text within `limit` characters as Slack counts them (blank → None)."""
    value = (value or "").strip()
    text.check_length(value, limit, "risk.text_too_long", field=name, usage=usage, name=name)
    return value or None


def check_closing_note(note: str | None, *, usage: str) -> str:
    """Closing a risk needs a reason: the register is where the PMO looks for why it ended."""
    checked = check_text(note, "note", NOTE_MAX, usage=usage)
    if not checked:
        raise UserError("risk.note_required", field="note", usage=usage)
    return checked


def check_changes(values: dict[str, Any], note: str | None, *, usage: str) -> RiskChanges:
    """Validate a change set: texts within limits, a title never blank, a note when closing."""
    checked = dict(values)
    if "title" in checked:
        checked["title"] = _title(checked["title"], usage)
    for name, limit in (("description", DESCRIPTION_MAX), ("trigger", TRIGGER_MAX)):
        if name in checked:
            checked[name] = check_text(checked[name], name, limit, usage=usage)
    if checked.get("status") in (CLOSED, OCCURRED):
        note = check_closing_note(note, usage=usage)
    return RiskChanges(checked, check_text(note, "note", NOTE_MAX, usage=usage))


def _title(value: str | None, usage: str) -> str:
    title = (value or "").strip()
    if not title:
        raise UserError("risk.title_missing", field="title", usage=usage)
    text.check_length(title, TITLE_MAX, "risk.title_too_long", field="title", usage=usage)
    return title


def make_draft(*, key: str, title: str | None, rules: Rules, usage: str = ADD_USAGE,
               probability: int | None = None, impact: int | None = None,
               **optional: Any) -> RiskDraft:
    """Validate a new risk: a title, both ratings on the scale, texts within limits."""
    title = _title(title, usage)
    for name, value in (("probability", probability), ("impact", impact)):
        if value is None:
            raise UserError("risk.rating_missing", field=name, usage=usage, name=name,
                            scale=rules.risk.scale)
        parse_rating(str(value), name, rules.risk.scale, usage=usage)
    optional["description"] = check_text(optional.get("description"), "description",
                                         DESCRIPTION_MAX, usage=usage)
    optional["trigger"] = check_text(optional.get("trigger"), "trigger", TRIGGER_MAX,
                                     usage=usage)
    optional["note"] = check_text(optional.get("note"), "note", NOTE_MAX, usage=usage)
    optional["status"] = optional.get("status") or OPEN
    if optional["status"] not in ACTIVE_STATUSES:
        raise UserError("risk.add_status", field="status", usage=usage)
    return RiskDraft(key=key, title=title, probability=probability, impact=impact, **optional)
