"""`[plans]`: what a project must have before its planning gate may be requested."""

from __future__ import annotations

from dataclasses import dataclass

from pmo_rules.config._checks import _bool, _no_unknown_keys


@dataclass(frozen=True, slots=True)
class PlanRules:
    """With `gate_needs_plan`, the planning gate (the one that takes the baseline) is refused,
    with the fix, while the project has no start, finish and budget or no milestone."""

    gate_needs_plan: bool = True


def _parse_plans(table: dict) -> PlanRules:
    _no_unknown_keys(table, "plans", ("gate_needs_plan",))
    return PlanRules(gate_needs_plan=_bool(table.get("gate_needs_plan", True),
                                           "plans.gate_needs_plan"))
