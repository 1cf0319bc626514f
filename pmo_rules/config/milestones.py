"""`[milestones]`: when a milestone's owner is reminded before its date."""

from __future__ import annotations

from dataclasses import dataclass

from pmo_rules.config._checks import _int_in, _no_unknown_keys


@dataclass(frozen=True, slots=True)
class MilestoneRules:
    """A milestone's owner is nudged this many working days before its (forecast) date, and
    every working day after it passes without `done` or a new forecast."""

    remind_before_days: int = 3


def _parse_milestones(table: dict) -> MilestoneRules:
    _no_unknown_keys(table, "milestones", ("remind_before_days",))
    return MilestoneRules(remind_before_days=_int_in(
        table.get("remind_before_days", MilestoneRules().remind_before_days),
        "milestones.remind_before_days", 0, 30))
