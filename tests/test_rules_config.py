"""The rules file: documented defaults, every key's checks, unknown keys, the example file,
TOML syntax errors, and a property that parsing never fails with anything but RulesError."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules_file import load_rules
from pmo_rules.config import (
    DEFAULT_RULES,
    GateRule,
    Rules,
    RulesError,
    parse_rules,
)
from pmo_rules.lifecycle import PHASES

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "rules.example.toml"


def _nest(key: str, value: object) -> dict:
    """{"a": {"b": value}} from "a.b" — the dict tomllib would produce for that key."""
    data: object = value
    for part in reversed(key.split(".")):
        data = {part: data}
    assert isinstance(data, dict)
    return data


def _get(rules: Rules, key: str) -> object:
    """The parsed attribute that a dotted key maps to."""
    value: object = rules
    for part in key.split("."):
        value = getattr(value, part)
    return value


def _refusal(data: dict, source: str = "/etc/pmo/rules.toml") -> RulesError:
    """Parse `data`, expecting a refusal; also checks the message is one line."""
    with pytest.raises(RulesError) as caught:
        parse_rules(data, source)
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and message.startswith(f"rules file {source}: ")
    return caught.value


# --- defaults ---------------------------------------------------------------------------------


def test_defaults_are_the_documented_ones() -> None:
    r = DEFAULT_RULES
    assert r == parse_rules({}) == Rules()
    assert r.pmo.admins == () and r.pmo.timezone == "Asia/Shanghai" and r.pmo.locale == "en"
    assert r.pmo.tz == ZoneInfo("Asia/Shanghai")
    assert r.pmo.digest_channel is None and r.pmo.holidays_country is None
    assert r.pmo.working_days == (0, 1, 2, 3, 4)
    assert (r.status.cadence_days, r.status.edit_window_hours) == (7, 24)
    assert r.status.posters == ("pm", "admin") and r.status.stale_after_days == 14
    assert (r.risk.scale, r.risk.review_every_days) == (5, 14)
    assert (r.risk.levels.medium, r.risk.levels.high, r.risk.levels.critical) == (5, 10, 15)
    assert r.risk.editors == ("owner", "pm", "admin")
    assert r.gates.self_approval is False and r.gates.remind_after_hours == 24
    for phase in PHASES:
        assert r.gate(phase) == GateRule(approvers=(), quorum="any", criteria=())
    assert r.reminders.escalate_after == 2 and r.reminders.snooze_days == 1
    assert (r.reminders.window_start, r.reminders.window_end) == (time(9), time(18))
    assert (r.digest.weekday, r.digest.time, r.digest.enabled) == (1, time(9), True)
    assert (r.report.enabled, r.report.channel, r.report.day, r.report.time) == (
        True, None, None, time(10))


def test_stale_default_follows_cadence() -> None:
    assert parse_rules({"status": {"cadence_days": 30}}).status.stale_after_days == 60


def test_rules_are_frozen_and_use_tuples() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_RULES.pmo.locale = "zh"  # type: ignore[misc]
    rules = parse_rules({"pmo": {"admins": ["U1AB"]}, "status": {"posters": ["pm"]}})
    assert isinstance(rules.pmo.admins, tuple) and isinstance(rules.status.posters, tuple)


# --- every key: a good value and a bad one ----------------------------------------------------

GOOD = [
    ("pmo.admins", ["U012AB3CD", "W0EXT"], ("U012AB3CD", "W0EXT")),
    ("pmo.timezone", "Europe/Berlin", "Europe/Berlin"),
    ("pmo.locale", "zh", "zh"),
    ("pmo.digest_channel", "C012AB3CD", "C012AB3CD"),
    ("pmo.digest_channel", "", None),
    ("pmo.holidays_country", "CN", "CN"),
    ("pmo.working_days", ["sun", 1, "Wednesday"], (1, 2, 6)),
    ("status.cadence_days", 14, 14),
    ("status.edit_window_hours", 720, 720),
    ("status.posters", ["anyone"], ("anyone",)),
    ("status.stale_after_days", 7, 7),
    ("risk.scale", 10, 10),
    ("risk.levels.critical", 25, 25),
    ("risk.review_every_days", 1, 1),
    ("risk.editors", ["owner"], ("owner",)),
    ("gates.self_approval", True, True),
    ("gates.remind_after_hours", 48, 48),
    ("gates.planning.approvers", ["U1AB"], ("U1AB",)),
    ("gates.planning.quorum", "all", "all"),
    ("gates.execution.quorum", 3, 3),
    ("gates.closing.criteria", ["  Documents archived "], ("Documents archived",)),
    ("reminders.escalate_after", 10, 10),
    ("reminders.window_start", "8:30", time(8, 30)),
    ("reminders.window_end", time(17, 0), time(17, 0)),
    ("reminders.snooze_days", 14, 14),
    ("digest.weekday", "Friday", 5),
    ("digest.weekday", 7, 7),
    ("digest.time", "23:59", time(23, 59)),
    ("digest.enabled", False, False),
    ("report.day", 28, 28),
    ("report.day", "first_working_day", None),
    ("report.channel", "C0REPORTS", "C0REPORTS"),
    ("report.time", "08:30", time(8, 30)),
    ("report.enabled", False, False),
]


@pytest.mark.parametrize(("key", "value", "expected"), GOOD, ids=[g[0] for g in GOOD])
def test_key_accepts_a_good_value(key: str, value: object, expected: object) -> None:
    assert _get(parse_rules(_nest(key, value)), key) == expected


BAD = [
    ("pmo.admins", ["alice"]),
    ("pmo.admins", "U012AB3CD"),
    ("pmo.admins", ["U1AB", "U1AB"]),
    ("pmo.timezone", "Mars/Olympus"),
    ("pmo.timezone", "../etc/passwd"),
    ("pmo.locale", "fr"),
    ("pmo.digest_channel", "#general"),
    ("pmo.holidays_country", "XX"),
    ("pmo.working_days", []),
    ("pmo.working_days", [7]),
    ("pmo.working_days", ["mon", 0]),
    ("status.cadence_days", 0),
    ("status.cadence_days", 91),
    ("status.cadence_days", True),
    ("status.cadence_days", 7.0),
    ("status.edit_window_hours", 721),
    ("status.posters", ["owner"]),
    ("status.posters", []),
    ("status.stale_after_days", 6),
    ("risk.scale", 2),
    ("risk.scale", 11),
    ("risk.levels", 5),
    ("risk.levels.medium", 0),
    ("risk.levels.high", 5),
    ("risk.levels.critical", 26),
    ("risk.review_every_days", 366),
    ("risk.editors", ["boss"]),
    ("gates.self_approval", "no"),
    ("gates.self_approval", 0),
    ("gates.remind_after_hours", 0),
    ("gates.initiation", "strict"),
    ("gates.planning.approvers", ["<@U1AB>"]),
    ("gates.planning.quorum", "most"),
    ("gates.planning.quorum", 0),
    ("gates.planning.quorum", True),
    ("gates.execution.criteria", [""]),
    ("gates.execution.criteria", ["x" * 151]),
    ("gates.execution.criteria", ["two\nlines"]),
    ("gates.execution.criteria", [f"item {i}" for i in range(21)]),
    ("gates.closing.criteria", ["Same", "Same"]),
    ("reminders.escalate_after", 11),
    ("reminders.window_start", "9am"),
    ("reminders.window_start", "24:00"),
    ("reminders.window_end", "08:00"),
    ("reminders.snooze_days", 15),
    ("digest.weekday", 0),
    ("digest.weekday", "someday"),
    ("digest.time", "12:60"),
    ("digest.time", time(9, 0, 30)),
    ("digest.enabled", "yes"),
    ("report.day", 29),
    ("report.day", "monday"),
    ("report.channel", "#exec"),
    ("report.time", "10"),
]


@pytest.mark.parametrize(("key", "value"), BAD, ids=[f"{b[0]}={b[1]!r:.20}" for b in BAD])
def test_key_rejects_a_bad_value_naming_the_key(key: str, value: object) -> None:
    error = _refusal(_nest(key, value))
    assert error.key == key and error.source == "/etc/pmo/rules.toml"
    assert f": {key}: " in str(error)


def test_quorum_message_is_the_documented_one() -> None:
    error = _refusal(_nest("gates.planning.quorum", "most"), "/path/rules.toml")
    assert str(error) == (
        "rules file /path/rules.toml: gates.planning.quorum: must be \"any\", \"all\" or a whole"
        " number from 1 to the number of approvers (got \"most\")"
    )


def test_numeric_quorum_is_bounded_by_listed_approvers() -> None:
    gate = {"approvers": ["U1AB", "U2CD"]}
    assert parse_rules({"gates": {"planning": {**gate, "quorum": 2}}}).gate("planning").quorum == 2
    _refusal({"gates": {"planning": {**gate, "quorum": 3}}})


def test_default_levels_that_exceed_a_small_scale_are_reported_as_defaults() -> None:
    error = _refusal({"risk": {"scale": 3}})
    assert error.key == "risk.levels.high" and "the default" in error.reason
    custom = parse_rules({"risk": {"scale": 3, "levels": {"medium": 3, "high": 5, "critical": 8}}})
    assert custom.risk.levels.level_of(9) == "critical" and custom.risk.levels.level_of(2) == "low"


def test_stale_after_days_is_checked_against_a_custom_cadence() -> None:
    error = _refusal({"status": {"cadence_days": 10, "stale_after_days": 9}})
    assert "status.cadence_days" in error.reason


# --- unknown keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key", "suggestion"),
    [
        ({"statuz": {}}, "statuz", "status"),
        ({"pmo": {"admin": []}}, "pmo.admin", "admins"),
        ({"status": {"cadance_days": 3}}, "status.cadance_days", "cadence_days"),
        ({"gates": {"design": {}}}, "gates.design", None),
        ({"gates": {"closing": {"quorom": 1}}}, "gates.closing.quorom", "quorum"),
        ({"risk": {"levels": {"severe": 20}}}, "risk.levels.severe", None),
        ({"digest": {"my day": 1}}, 'digest."my day"', None),
    ],
)
def test_unknown_keys_are_named_with_the_accepted_ones(
    data: dict, key: str, suggestion: str | None
) -> None:
    error = _refusal(data)
    assert error.key == key and "accepted" in error.reason
    if suggestion:
        assert f'did you mean "{suggestion}"' in error.reason


def test_top_level_must_be_a_table() -> None:
    assert _refusal(["pmo"]).key == "(top level)"  # type: ignore[arg-type]


# --- helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quorum", "count", "votes"), [("any", 3, 1), ("all", 3, 3), (2, 3, 2), (1, 1, 1)]
)
def test_required_votes(quorum: str | int, count: int, votes: int) -> None:
    assert GateRule(quorum=quorum).required_votes(count) == votes


@pytest.mark.parametrize(("quorum", "count"), [("any", 0), ("all", 0), (3, 2)])
def test_required_votes_refuses_an_unreachable_gate(quorum: str | int, count: int) -> None:
    with pytest.raises(ValueError):
        GateRule(quorum=quorum).required_votes(count)


# --- the file ---------------------------------------------------------------------------------


def test_no_path_means_defaults() -> None:
    assert load_rules(None) is DEFAULT_RULES


def test_example_file_equals_the_defaults() -> None:
    assert load_rules(str(EXAMPLE)) == DEFAULT_RULES


def test_example_file_mentions_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for key, *_ in GOOD:
        assert key.rsplit(".", 1)[-1] in text, key


def test_file_values_are_checked_with_the_file_named(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[gates.planning]\nquorum = "most"\n', encoding="utf-8")
    error = pytest.raises(RulesError, load_rules, str(path)).value
    assert error.source == str(path) and str(error).startswith(f"rules file {path}: gates.")


def test_file_overrides_apply(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[pmo]\nlocale = "zh"\n[digest]\ntime = 08:00:00\n', encoding="utf-8")
    rules = load_rules(path)
    assert rules.pmo.locale == "zh" and rules.digest.time == time(8)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[pmo]\nlocale = "en"\ntimezone = Asia/Shanghai\n', encoding="utf-8")
    error = pytest.raises(RulesError, load_rules, str(path)).value
    assert error.key == "(syntax)" and error.source == str(path)
    assert "line 3" in error.reason and "\n" not in str(error)


def test_non_utf8_file_is_a_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(b'[pmo]\nlocale = "\xff"\n')
    assert pytest.raises(RulesError, load_rules, str(path)).value.key == "(syntax)"


@pytest.mark.parametrize("name", ["missing.toml", "."])
def test_missing_or_unreadable_file_is_named(tmp_path: Path, name: str) -> None:
    path = str(tmp_path / name)
    error = pytest.raises(RulesError, load_rules, path).value
    assert error.source == path and error.key == "(file)" and path in str(error)


# --- property: nothing but Rules or RulesError ------------------------------------------------

_SCALARS = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.booleans()
    | st.text(max_size=20)
    | st.datetimes()
    | st.dates()
    | st.times()
)
_LEAVES = _SCALARS | st.sampled_from([value for _, value, _ in GOOD] + ["any", "mon", "pm"])
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


def _schema() -> dict:
    """The tree of known keys, from the parametrized cases, so fuzzing gets past key checks."""
    tree: dict = {}
    for key, *_ in GOOD + BAD:
        node = tree
        for part in key.split("."):
            node = node.setdefault(part, {})
    return tree


def _mostly(usual: st.SearchStrategy, *rare: st.SearchStrategy) -> st.SearchStrategy:
    """`usual` four times in five, else one of `rare` (st.one_of would pick evenly)."""
    choices = [usual] * (4 * len(rare)) + list(rare)
    return st.sampled_from(choices).flatmap(lambda strategy: strategy)


def _leaf(key: str) -> st.SearchStrategy:
    """Mostly a value known to be good for `key`, so later sections get reached too."""
    good = [value for name, value, _ in GOOD if name == key]
    if not good:
        return _VALUES
    return _mostly(st.sampled_from(good), _VALUES)


def _shaped(node: dict, prefix: str = "") -> st.SearchStrategy:
    """Tables of known keys (each optional), now and then a junk key or a non-table."""
    known = {
        name: _shaped(child, f"{prefix}{name}.") if child else _leaf(f"{prefix}{name}")
        for name, child in node.items()
    }
    table = st.fixed_dictionaries({}, optional=known)
    junk = st.dictionaries(st.text(max_size=6), _VALUES, min_size=1, max_size=2)
    return _mostly(table, st.builds(lambda t, j: {**j, **t}, table, junk), _VALUES)


@settings(max_examples=150, deadline=None)
@given(_shaped(_schema()))
def test_parse_returns_rules_or_raises_rules_error(data: dict) -> None:
    try:
        result = parse_rules(data, "fuzz.toml")
    except RulesError as error:
        assert len(str(error).splitlines()) == 1
    else:
        assert isinstance(result, Rules)


def test_values_are_shown_on_one_line() -> None:
    odd = [datetime(2025, 1, 1), date(2025, 1, 1), 1.5, {"a": 1}, list(range(9)), 2**70, "a\u2028b"]
    for value in odd:
        _refusal({"pmo": {"locale": value}})
