"""`[risk]` and `[risk.levels]`: the rating scale, the score thresholds of the levels, how often a
risk is reviewed, and who may edit one.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmo_rules.config._checks import (
    _got,
    _int_in,
    _Invalid,
    _no_unknown_keys,
    _roles,
    _section,
)

_EDITORS = ("owner", "pm", "admin", "anyone")


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
