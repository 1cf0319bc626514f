"""`[gates]` and one `[gates.<phase>]` per phase of the life cycle: who approves each exit gate,
the quorum (read by `pmo_rules.approvals.Quorum`, the same parser `/pmo project … approvers`
uses, with the same bound), and the checklist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmo_rules.approvals import MAX_APPROVERS, Quorum, QuorumError
from pmo_rules.config._checks import (
    _bool,
    _got,
    _int_in,
    _Invalid,
    _list,
    _no_unknown_keys,
    _section,
    _unique,
    _user_ids,
)
from pmo_rules.lifecycle import PHASES

_QUORUM_REASON = 'must be "any", "all" or a whole number from 1 to the number of approvers'
_MAX_CRITERIA = 20
_MAX_CRITERION_CHARS = 150


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
