"""The PMO rules file as typed, validated configuration.

The PMO standard fixes the shape of the work (the life cycle of section 3.1, status reports, a
risk register, escalation) but not the numbers: how often status is due, who signs off a gate,
when a risk counts as high. Those are the organisation's choices, so they live in a rules file
that the PMO edits. This module turns the already-parsed file (a plain dict) into frozen
dataclasses and refuses anything it does not understand, with a one-line reason that names the
dotted key. It does no file I/O and reads no clock, so it is trivially testable and the same
checks run whether the dict came from TOML, a test, or a future admin command.

Every unknown key is an error: a typo such as `cadance_days` must not silently leave the default
in force while the PMO believes it changed the rule.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pmo_rules.approvals import MAX_APPROVERS, Quorum, QuorumError
from pmo_rules.lifecycle import PHASES, phase_index

DEFAULT_SOURCE = "<defaults>"

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LOCALES = ("en", "zh")
_POSTERS = ("pm", "admin", "anyone")
_EDITORS = ("owner", "pm", "admin", "anyone")
_QUORUM_REASON = 'must be "any", "all" or a whole number from 1 to the number of approvers'
_MAX_CRITERIA = 20
_MAX_CRITERION_CHARS = 150
_MAX_SHOWN_CHARS = 60


class RulesError(Exception):
    """A rules file the bot refuses to run with; `str()` is one line an operator can act on.

    `source` is the file path (or "<defaults>"), `key` the dotted key at fault (or a marker such
    as "(syntax)" or "(file)"), `reason` what is wrong and what would be accepted.
    """

    def __init__(self, source: str, key: str, reason: str) -> None:
        super().__init__(source, key, reason)
        self.source = source
        self.key = key
        self.reason = reason

    def __str__(self) -> str:
        return _one_line(f"rules file {self.source}: {self.key}: {self.reason}")


class _Invalid(Exception):
    """Raised deep in validation, where the source is unknown; parse_rules adds it."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(key, reason)
        self.key = key
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# The typed rules
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PmoRules:
    """Who runs the PMO and where it lives in time: the context every other rule is read in."""

    admins: tuple[str, ...] = ()
    timezone: str = "Asia/Shanghai"
    locale: str = "en"
    digest_channel: str | None = None
    holidays_country: str | None = None
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)

    @property
    def tz(self) -> ZoneInfo:
        """The PMO's time zone; deadlines and reminder windows are wall-clock times here."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class StatusRules:
    """Status reports (standard 2, information and reporting): how often and by whom."""

    cadence_days: int = 7
    edit_window_hours: int = 24
    posters: tuple[str, ...] = ("pm", "admin")
    stale_after_days: int = 14


@dataclass(frozen=True, slots=True)
class RiskLevels:
    """Score thresholds (probability x impact); a score at or above a value reaches that level."""

    medium: int = 5
    high: int = 10
    critical: int = 15

    def level_of(self, score: int) -> str:
        """Name the level of `score`: "low", "medium", "high" or "critical"."""
        if score >= self.critical:
            return "critical"
        if score >= self.high:
            return "high"
        if score >= self.medium:
            return "medium"
        return "low"


@dataclass(frozen=True, slots=True)
class RiskRules:
    """The risk register (standard 3.2): the scoring scale, levels, reviews and who may edit."""

    scale: int = 5
    levels: RiskLevels = RiskLevels()
    review_every_days: int = 14
    editors: tuple[str, ...] = ("owner", "pm", "admin")


@dataclass(frozen=True, slots=True)
class GateRule:
    """The exit gate of one phase: who approves, how many must, and what they check.

    Empty `criteria` means "use the standard's default checklist from the locale catalogue"; the
    wording belongs to the catalogue so it can be translated, not to the rules.
    """

    approvers: tuple[str, ...] = ()
    quorum: str | int = "any"
    criteria: tuple[str, ...] = ()

    def required_votes(self, approver_count: int) -> int:
        """How many approvals pass the gate when `approver_count` people may approve.

        Raises ValueError when the gate could never pass (pmo_rules.approvals.Quorum.required):
        callers must refuse the gate request instead.
        """
        return Quorum(self.quorum).required(approver_count)


@dataclass(frozen=True, slots=True)
class GatesRules:
    """Stage gates (standard 3.1): shared settings plus one exit gate per phase."""

    self_approval: bool = False
    remind_after_hours: int = 24
    initiation: GateRule = GateRule()
    planning: GateRule = GateRule()
    execution: GateRule = GateRule()
    closing: GateRule = GateRule()


@dataclass(frozen=True, slots=True)
class ReminderRules:
    """Nudges and escalation (standard 2): when people are pinged and when it goes up a level."""

    escalate_after: int = 2
    window_start: time = time(9, 0)
    window_end: time = time(18, 0)
    snooze_days: int = 1


@dataclass(frozen=True, slots=True)
class DigestRules:
    """The weekly digest for executives; `weekday` is ISO (1 = Monday .. 7 = Sunday)."""

    weekday: int = 1
    time: time = time(9, 0)
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything the rules file decides, validated and immutable."""

    pmo: PmoRules = PmoRules()
    status: StatusRules = StatusRules()
    risk: RiskRules = RiskRules()
    gates: GatesRules = GatesRules()
    reminders: ReminderRules = ReminderRules()
    digest: DigestRules = DigestRules()

    def gate(self, phase: str) -> GateRule:
        """The exit gate of `phase`; ValueError for a name that is not one of PHASES."""
        phase_index(phase)
        return getattr(self.gates, phase)


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def parse_rules(data: dict, source: str = DEFAULT_SOURCE) -> Rules:
    """Validate `data` (a parsed rules file) into Rules, or raise RulesError naming the key."""
    try:
        return _parse(data)
    except _Invalid as bad:
        raise RulesError(source, bad.key, bad.reason) from None


_SECTIONS = ("pmo", "status", "risk", "gates", "reminders", "digest")


def _parse(data: Any) -> Rules:
    """Parse every section; the order lets later sections refer to earlier ones."""
    top = _table(data, "(top level)")
    _no_unknown_keys(top, "", _SECTIONS, noun="section")
    return Rules(
        pmo=_parse_pmo(_section(top, "pmo")),
        status=_parse_status(_section(top, "status")),
        risk=_parse_risk(_section(top, "risk")),
        gates=_parse_gates(_section(top, "gates")),
        reminders=_parse_reminders(_section(top, "reminders")),
        digest=_parse_digest(_section(top, "digest")),
    )


def _parse_pmo(table: dict) -> PmoRules:
    """[pmo]: people, time zone, language, channel and calendar."""
    keys = ("admins", "timezone", "locale", "digest_channel", "holidays_country", "working_days")
    _no_unknown_keys(table, "pmo", keys)
    d = PmoRules()
    return PmoRules(
        admins=_user_ids(table.get("admins", []), "pmo.admins"),
        timezone=_timezone(table.get("timezone", d.timezone), "pmo.timezone"),
        locale=_choice(table.get("locale", d.locale), "pmo.locale", _LOCALES),
        digest_channel=_channel(table.get("digest_channel"), "pmo.digest_channel"),
        holidays_country=_country(table.get("holidays_country"), "pmo.holidays_country"),
        working_days=_working_days(table.get("working_days", list(d.working_days))),
    )


def _parse_status(table: dict) -> StatusRules:
    """[status]: cadence of status reports; staleness is measured against the cadence."""
    keys = ("cadence_days", "edit_window_hours", "posters", "stale_after_days")
    _no_unknown_keys(table, "status", keys)
    d = StatusRules()
    cadence = _int_in(table.get("cadence_days", d.cadence_days), "status.cadence_days", 1, 90)
    stale = table.get("stale_after_days", 2 * cadence)
    return StatusRules(
        cadence_days=cadence,
        edit_window_hours=_int_in(
            table.get("edit_window_hours", d.edit_window_hours), "status.edit_window_hours", 1, 720
        ),
        posters=_roles(table.get("posters", list(d.posters)), "status.posters", _POSTERS),
        stale_after_days=_int_in(
            stale, "status.stale_after_days", cadence, 365, low_name="status.cadence_days"
        ),
    )


def _parse_risk(table: dict) -> RiskRules:
    """[risk]: the scale comes first because the level thresholds are bounded by scale²."""
    _no_unknown_keys(table, "risk", ("scale", "levels", "review_every_days", "editors"))
    d = RiskRules()
    scale = _int_in(table.get("scale", d.scale), "risk.scale", 3, 10)
    return RiskRules(
        scale=scale,
        levels=_risk_levels(_section(table, "levels", "risk.levels"), scale),
        review_every_days=_int_in(
            table.get("review_every_days", d.review_every_days), "risk.review_every_days", 1, 365
        ),
        editors=_roles(table.get("editors", list(d.editors)), "risk.editors", _EDITORS),
    )


def _risk_levels(table: dict, scale: int) -> RiskLevels:
    """Thresholds must rise strictly, or a level would be unreachable or overlap the next."""
    names = ("medium", "high", "critical")
    _no_unknown_keys(table, "risk.levels", names)
    defaults = RiskLevels()
    values: list[int] = []
    for name in names:
        key = f"risk.levels.{name}"
        given = name in table
        value = _int_in(table.get(name, getattr(defaults, name)), key, 1, scale * scale,
                        high_name="risk.scale²", default=not given)
        if values and value <= values[-1]:
            below = f"risk.levels.{names[len(values) - 1]}"
            raise _Invalid(key, f"must be greater than {below} ({values[-1]})"
                                f"{_got(value, default=not given)}")
        values.append(value)
    return RiskLevels(*values)


def _parse_gates(table: dict) -> GatesRules:
    """[gates] and one [gates.<phase>] table per phase of the life cycle."""
    _no_unknown_keys(table, "gates", ("self_approval", "remind_after_hours", *PHASES))
    d = GatesRules()
    phases = {p: _gate_rule(_section(table, p, f"gates.{p}"), f"gates.{p}") for p in PHASES}
    return GatesRules(
        self_approval=_bool(table.get("self_approval", d.self_approval), "gates.self_approval"),
        remind_after_hours=_int_in(
            table.get("remind_after_hours", d.remind_after_hours), "gates.remind_after_hours",
            1, 720,
        ),
        **phases,
    )


def _gate_rule(table: dict, prefix: str) -> GateRule:
    """One gate: approvers are read first because a numeric quorum is bounded by their count."""
    _no_unknown_keys(table, prefix, ("approvers", "quorum", "criteria"))
    approvers = _user_ids(table.get("approvers", []), f"{prefix}.approvers")
    if len(approvers) > MAX_APPROVERS:
        raise _Invalid(f"{prefix}.approvers",
                       f"must list at most {MAX_APPROVERS} approvers (got {len(approvers)})")
    return GateRule(
        approvers=approvers,
        quorum=_quorum(table.get("quorum", "any"), f"{prefix}.quorum", len(approvers)),
        criteria=_criteria(table.get("criteria", []), f"{prefix}.criteria"),
    )


def _parse_reminders(table: dict) -> ReminderRules:
    """[reminders]: a window that ends before it starts would never let a reminder out."""
    keys = ("escalate_after", "window_start", "window_end", "snooze_days")
    _no_unknown_keys(table, "reminders", keys)
    d = ReminderRules()
    start = _clock(table.get("window_start", "09:00"), "reminders.window_start")
    end = _clock(table.get("window_end", "18:00"), "reminders.window_end")
    if end <= start:
        raise _Invalid("reminders.window_end", f"must be later than reminders.window_start "
                                               f"({start:%H:%M}) (got {end:%H:%M})")
    return ReminderRules(
        escalate_after=_int_in(
            table.get("escalate_after", d.escalate_after), "reminders.escalate_after", 1, 10
        ),
        window_start=start,
        window_end=end,
        snooze_days=_int_in(table.get("snooze_days", d.snooze_days), "reminders.snooze_days",
                            1, 14),
    )


def _parse_digest(table: dict) -> DigestRules:
    """[digest]: when the weekly digest goes out."""
    _no_unknown_keys(table, "digest", ("weekday", "time", "enabled"))
    return DigestRules(
        weekday=_iso_weekday(table.get("weekday", "monday"), "digest.weekday"),
        time=_clock(table.get("time", "09:00"), "digest.time"),
        enabled=_bool(table.get("enabled", True), "digest.enabled"),
    )


# ---------------------------------------------------------------------------------------------
# Structure checks
# ---------------------------------------------------------------------------------------------


def _table(value: Any, key: str) -> dict:
    """A TOML table arrives as a dict; anything else in its place is a mistake."""
    if not isinstance(value, dict):
        raise _Invalid(key, f"must be a table{_got(value)}")
    return value


def _section(table: dict, name: str, key: str | None = None) -> dict:
    """A sub-table that may be absent (then every key in it takes its default)."""
    return _table(table.get(name, {}), key or name)


def _no_unknown_keys(table: dict, prefix: str, accepted: tuple[str, ...],
                     noun: str = "key") -> None:
    """Refuse typos, suggesting the nearest accepted name and listing all of them."""
    for name in table:
        if name in accepted:
            continue
        hint = ""
        if isinstance(name, str):
            close = difflib.get_close_matches(name, accepted, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
        plural = "sections" if noun == "section" else "keys"
        raise _Invalid(_join(prefix, name),
                       f"unknown {noun}{hint}; accepted {plural}: {', '.join(sorted(accepted))}")


def _join(prefix: str, name: Any) -> str:
    """Dotted key as TOML would spell it, quoting names that are not bare keys."""
    if isinstance(name, str) and _BARE_KEY.fullmatch(name):
        part = name
    elif isinstance(name, str):
        part = json.dumps(name, ensure_ascii=False)
    else:
        part = _show(name)
    return f"{prefix}.{part}" if prefix else part


# ---------------------------------------------------------------------------------------------
# Value checks: each returns the typed value or raises _Invalid with a one-line reason
# ---------------------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    """True for ints but not bools: `quorum = true` must not mean 1."""
    return isinstance(value, int) and not isinstance(value, bool)


def _int_in(value: Any, key: str, low: int, high: int, *, low_name: str = "",
            high_name: str = "", default: bool = False) -> int:
    """A whole number in [low, high]; `*_name` says where a computed bound comes from."""
    if _is_int(value) and low <= value <= high:
        return value
    low_text = f"{low} ({low_name})" if low_name else str(low)
    high_text = f"{high} ({high_name})" if high_name else str(high)
    raise _Invalid(key, f"must be a whole number from {low_text} to {high_text}"
                        f"{_got(value, default=default)}")


def _bool(value: Any, key: str) -> bool:
    """TOML booleans only; "yes" or 1 are refused rather than guessed at."""
    if isinstance(value, bool):
        return value
    raise _Invalid(key, f"must be true or false{_got(value)}")


def _choice(value: Any, key: str, choices: tuple[str, ...]) -> str:
    """One of a fixed set of words, spelled exactly."""
    if isinstance(value, str) and value in choices:
        return value
    raise _Invalid(key, f"must be {_one_of(choices)}{_got(value)}")


def _list(value: Any, key: str) -> list:
    """A TOML array; a lone string where a list belongs is a common slip, so name it."""
    if isinstance(value, list):
        return value
    raise _Invalid(key, f"must be a list{_got(value)}")


def _unique(items: list, key: str) -> None:
    """Refuse repeats: a doubled approver would count twice towards "all"."""
    seen: list = []
    for item in items:
        if item in seen:
            raise _Invalid(key, f"{_show(item)} is listed twice")
        seen.append(item)


def _user_ids(value: Any, key: str) -> tuple[str, ...]:
    """Slack user ids (U… or W…), not names or mentions, which change and can be spoofed."""
    items = _list(value, key)
    for item in items:
        if not (isinstance(item, str) and _USER_ID.fullmatch(item)):
            raise _Invalid(key, f'must list Slack user ids such as "U012AB3CD"{_got(item)}')
    _unique(items, key)
    return tuple(items)


def _roles(value: Any, key: str, accepted: tuple[str, ...]) -> tuple[str, ...]:
    """A non-empty set of roles; an empty list would lock everyone out."""
    items = _list(value, key)
    if not items:
        raise _Invalid(key, f"must name at least one of {_one_of(accepted)} (got [])")
    for item in items:
        if not (isinstance(item, str) and item in accepted):
            raise _Invalid(key, f"must list roles from {_one_of(accepted)}{_got(item)}")
    _unique(items, key)
    return tuple(items)


def _timezone(value: Any, key: str) -> str:
    """An IANA name that zoneinfo can load, so reminders never fire at a guessed hour."""
    if isinstance(value, str):
        try:
            ZoneInfo(value)
            return value
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise _Invalid(key, f'must be an IANA time zone such as "Asia/Shanghai"{_got(value)}')


def _channel(value: Any, key: str) -> str | None:
    """A channel id (C… or G…); empty or absent means "no digest channel"."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _CHANNEL_ID.fullmatch(value):
        return value
    raise _Invalid(key, f'must be a Slack channel id such as "C012AB3CD" or ""{_got(value)}')


@functools.cache
def _supported_countries() -> frozenset[str]:
    """Country codes the holidays package knows; imported lazily as it is only sometimes used."""
    import holidays

    return frozenset(holidays.list_supported_countries())


def _country(value: Any, key: str) -> str | None:
    """An ISO country code for public holidays; empty or absent means weekends only."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value in _supported_countries():
        return value
    raise _Invalid(key, f'must be an ISO country code known to the holidays package, such as '
                        f'"CN"{_got(value)}')


def _day_index(value: Any) -> int | None:
    """Monday-based index 0..6 of a day name ("mon" or "monday", any case), else None."""
    if not isinstance(value, str):
        return None
    word = value.lower()
    for index, name in enumerate(_DAY_NAMES):
        if word in (name, name[:3]):
            return index
    return None


def _working_days(value: Any) -> tuple[int, ...]:
    """Days 0 (Monday) .. 6 or names; sorted, because order carries no meaning."""
    key = "pmo.working_days"
    items = _list(value, key)
    if not items:
        raise _Invalid(key, "must name at least one day (got [])")
    days: list[int] = []
    for item in items:
        index = item if _is_int(item) and 0 <= item <= 6 else _day_index(item)
        if index is None:
            raise _Invalid(key, f'must list days as 0 (Monday) to 6 or "mon" to "sun"{_got(item)}')
        days.append(index)
    _unique(days, key)
    return tuple(sorted(days))


def _iso_weekday(value: Any, key: str) -> int:
    """ISO weekday 1 (Monday) .. 7 from a number or a day name."""
    if _is_int(value) and 1 <= value <= 7:
        return value
    index = _day_index(value)
    if index is None:
        raise _Invalid(key, f'must be a day name such as "monday" or 1 (Monday) to 7{_got(value)}')
    return index + 1


def _clock(value: Any, key: str) -> time:
    """Wall-clock "HH:MM"; a TOML local time such as 09:00:00 is accepted too."""
    if isinstance(value, time) and value.tzinfo is None and not value.second + value.microsecond:
        return value
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise _Invalid(key, f'must be a time of day "HH:MM" such as "09:00"{_got(value)}')


def _quorum(value: Any, key: str, approver_count: int) -> str | int:
    """A Quorum (pmo_rules.approvals, the one parser) that the listed approvers, if any are
    listed, can reach."""
    try:
        quorum = Quorum.parse(value).value
    except QuorumError:
        raise _Invalid(key, f"{_QUORUM_REASON}{_got(value)}") from None
    if isinstance(quorum, int) and approver_count and quorum > approver_count:
        raise _Invalid(key, f"{_QUORUM_REASON}{_got(value)}")
    return quorum


def _criteria(value: Any, key: str) -> tuple[str, ...]:
    """Checklist lines for a gate: short, single-line, distinct, and not too many to read."""
    items = _list(value, key)
    if len(items) > _MAX_CRITERIA:
        raise _Invalid(key, f"must have at most {_MAX_CRITERIA} items (got {len(items)})")
    lines: list[str] = []
    for item in items:
        text = item.strip() if isinstance(item, str) else None
        if not text or len(text) > _MAX_CRITERION_CHARS or not text.isprintable():
            raise _Invalid(key, f"must list one-line texts of 1 to {_MAX_CRITERION_CHARS} "
                                f"characters{_got(item)}")
        lines.append(text)
    _unique(lines, key)
    return tuple(lines)


# ---------------------------------------------------------------------------------------------
# Showing values in messages
# ---------------------------------------------------------------------------------------------


def _got(value: Any, *, default: bool = False) -> str:
    """The " (got …)" tail; a default is marked so nobody hunts for a line they never wrote."""
    return f" (got {_show(value)}{', the default' if default else ''})"


def _one_of(choices: tuple[str, ...]) -> str:
    """'"a", "b" or "c"' — the accepted words, quoted as they must be written."""
    quoted = [f'"{c}"' for c in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _show(value: Any) -> str:
    """A short, TOML-flavoured rendering of a value for a one-line message."""
    return _shorten(_render(value))


def _render(value: Any) -> str:
    """Render without length limit; strings are quoted so "" and " " are visible."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 64 else "a number too large"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value[:5]) + (", …]" if len(value) > 5 else "]")
    if isinstance(value, float):
        return repr(value)
    return type(value).__name__


def _shorten(text: str) -> str:
    """Cut long values so the message stays one readable line."""
    return text if len(text) <= _MAX_SHOWN_CHARS else text[: _MAX_SHOWN_CHARS - 1] + "…"


def _one_line(text: str) -> str:
    """Escape anything that would break the line (newlines, U+2028, control characters)."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


DEFAULT_RULES: Rules = parse_rules({})
"""The rules in force when no file is given; built by the parser so the two cannot drift."""
