"""The risk register (standard 3.2): what a risk is, how it is rated, and how its values
are checked.

A risk is rated for probability and impact on the rules file's scale; its score is their
product and its level (low, medium, high, critical) follows `[risk.levels]`. The one-liner
(`pmo_rules.risk_command`, the `/risk` grammar) and the modal (`read_form` here) both end in a
`RiskDraft` (a new risk) or a change set for an existing one, checked by the same functions
below, so both refuse the same things with the same words. Nothing here reads the clock:
callers pass the PMO's `today`. Who may change a risk is decided in `pmo_rules.permissions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from pmo_rules import dates, text
from pmo_rules.config import RiskLevels, Rules
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PORTFOLIO_STATES

USAGE = "risk"
ADD_USAGE = "risk_add"
UPDATE_USAGE = "risk_update"
LIST_USAGE = "risk_list"
CLOSE_USAGE = "risk_close"
REVIEWED_USAGE = "risk_reviewed"

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
RESPONSE_WORDS = {
    "avoid": ("avoid", "规避", "避免"),
    "mitigate": ("mitigate", "减轻", "缓解"),
    "transfer": ("transfer", "转移"),
    "accept": ("accept", "接受"),
    "escalate": ("escalate", "上报", "升级"),
}
STATUS_WORDS = {
    OPEN: ("open", "打开", "开放"),
    MITIGATING: ("mitigating", "应对中", "缓解中"),
    CLOSED: ("closed", "关闭", "已关闭"),
    OCCURRED: ("occurred", "已发生", "发生"),
}
LEVEL_WORDS = {
    "low": ("low", "低"),
    "medium": ("medium", "中"),
    "high": ("high", "高"),
    "critical": ("critical", "严重"),
}
CLEAR_WORDS = ("none", "无")
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


def score_range(level: str, levels: RiskLevels) -> tuple[int, int | None]:
    """The scores of `level` under `levels`: from the first (inclusive) up to the second
    (exclusive; None for critical, which has no ceiling). What `/risk list level:…` selects."""
    floors = {"low": 1, "medium": levels.medium, "high": levels.high,
              "critical": levels.critical}
    following = LEVELS[LEVELS.index(level) + 1] if level != LEVELS[-1] else None
    return floors[level], floors[following] if following else None


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


def check_update(status: str, values: dict[str, Any], note: str | None, *, ref: str,
                 today: date, rules: Rules) -> dict[str, Any]:
    """What an update writes to a risk now in `status`, given the `values` that differ.

    An active risk takes any change. A closed (or occurred) risk takes only a change of its
    status: back to open or mitigating (reopening), or to the other outcome. Anything else —
    a new score, an owner, a note alone — is refused saying it is closed: its rating ended with
    it. Reopening needs a note saying why (the card shows it as the latest note, not the
    reason it was closed for), and starts a fresh review cycle: the next review is
    `review_every_days` from today, unless the update sets one.
    """
    if is_active(status):
        return values
    wanted = values.get("status")
    if wanted is None:
        raise UserError("risk.closed_no_change", field="status", ref=ref, status=status)
    if not is_active(wanted):
        return values
    if not note:
        raise UserError("risk.reopen_note_required", field="note", ref=ref)
    return {**values, "next_review_on": values.get("next_review_on",
                                                   default_review(today, rules))}


def check_duplicate(ref: RiskRef, original: RiskRef, original_status: str) -> None:
    """A risk closed as a duplicate points at another risk that is still being managed (which
    also keeps the links from running in a circle)."""
    if original == ref:
        raise UserError("risk.duplicate_of_itself", field="duplicate", usage=CLOSE_USAGE,
                        ref=str(ref))
    if not is_active(original_status):
        raise UserError("risk.duplicate_of_ended", field="duplicate", usage=CLOSE_USAGE,
                        ref=str(ref), original=str(original), status=original_status)


# ---------------------------------------------------------------------------------------------
# Which projects take risks (who may change one: pmo_rules.permissions.require_risk_editor)
# ---------------------------------------------------------------------------------------------


def check_takes_risks(key: str, state: str) -> None:
    """New risks go to running projects (lifecycle.PORTFOLIO_STATES): a cancelled or closed
    project has no risks left to run."""
    if state not in PORTFOLIO_STATES:
        raise UserError("risk.project_closed", key=key, state=state)


# ---------------------------------------------------------------------------------------------
# Values, as the one-liner's options and the form's fields give them
# ---------------------------------------------------------------------------------------------


def parse_rating(raw: str | None, name: str, scale: int, *, usage: str = USAGE) -> int:
    """A probability or impact: a whole number from 1 to the rules file's scale."""
    value = (raw or "").strip()
    if not _NUMBER.fullmatch(value) or not 1 <= int(value) <= scale:
        raise UserError("risk.rating_range", field=name, usage=usage, name=name, scale=scale,
                        value=value[:20])
    return int(value)


def parse_future_date(raw: str | None, name: str, today: date, max_years_ahead: int, *,
                      usage: str = USAGE) -> date:
    """A date (pmo_rules.dates: YYYY-MM-DD, today, +2w…) from today on, in the PMO's time
    zone, and within `[pmo] max_years_ahead`."""
    day = parse_date(raw, name, today, max_years_ahead, usage=usage)
    return check_not_past(day, name, today, usage=usage)


def parse_date(raw: str | None, name: str, today: date, max_years_ahead: int, *,
               usage: str = USAGE) -> date:
    """A date as pmo_rules.dates reads it (relative words against the PMO's `today`), within
    `[pmo] max_years_ahead` years."""
    day = dates.day(raw, today)
    if day is None:
        raise UserError("risk.date_malformed", field=name, usage=usage, name=name,
                        value=(raw or "").strip()[:20])
    return dates.check_horizon(day, today, max_years_ahead, field=name, usage=usage)


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
    values["response"] = (parse_word(response, RESPONSE_WORDS, "response")
                          if response and response not in CLEAR_WORDS else None)
    values["status"] = parse_word(fields.get("status") or OPEN, STATUS_WORDS, "status")
    for name in ("due_on", "next_review_on"):
        raw = fields.get(name)
        kept = current.get(name)
        values[name] = (None if not raw else kept if kept and raw == kept.isoformat()
                        else parse_future_date(raw, name, today, rules.pmo.max_years_ahead))
    for name in ("description", "trigger"):
        values[name] = (fields.get(name) or "").strip() or None  # typed raw: nothing to unescape
    return values


def check_text(value: str | None, name: str, limit: int, *, usage: str = USAGE) -> str | None:
    """Free text within `limit` characters as Slack counts them (blank or invisible → None)."""
    value = text.required(value)
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
    title = text.required(value)
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
