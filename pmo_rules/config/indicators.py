"""`[indicators]`: how planned value is spread over time and where the schedule and cost
indicators turn amber and red (issue 11, standard 3.1 "track schedule and cost performance").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmo_rules.config._checks import _choice, _got, _int_in, _Invalid, _no_unknown_keys

_PLANNED_VALUE = ("calendar", "milestones")


@dataclass(frozen=True, slots=True)
class IndicatorRules:
    """Earned-value thresholds. An index below `*_amber` is amber, below `*_red` red; a slip
    of at least `slip_*_days` working days likewise; an estimate at completion more than
    `overrun_*_pct` per cent over the budget likewise."""

    planned_value: str = "calendar"
    spi_amber: float = 0.95
    spi_red: float = 0.85
    cpi_amber: float = 0.95
    cpi_red: float = 0.85
    slip_amber_days: int = 5
    slip_red_days: int = 15
    overrun_amber_pct: int = 5
    overrun_red_pct: int = 15


def _parse_indicators(table: dict) -> IndicatorRules:
    """[indicators]: each red threshold must be worse than its amber one."""
    keys = ("planned_value", "spi_amber", "spi_red", "cpi_amber", "cpi_red", "slip_amber_days",
            "slip_red_days", "overrun_amber_pct", "overrun_red_pct")
    _no_unknown_keys(table, "indicators", keys)
    d = IndicatorRules()
    spi_amber = _index(table.get("spi_amber", d.spi_amber), "indicators.spi_amber")
    spi_red = _index(table.get("spi_red", d.spi_red), "indicators.spi_red")
    cpi_amber = _index(table.get("cpi_amber", d.cpi_amber), "indicators.cpi_amber")
    cpi_red = _index(table.get("cpi_red", d.cpi_red), "indicators.cpi_red")
    for name, amber, red in (("spi", spi_amber, spi_red), ("cpi", cpi_amber, cpi_red)):
        if red > amber:
            raise _Invalid(f"indicators.{name}_red", f"must be at most indicators.{name}_amber "
                                                     f"({amber}) (got {red})")
    slip_amber = _int_in(table.get("slip_amber_days", d.slip_amber_days),
                         "indicators.slip_amber_days", 1, 250)
    over_amber = _int_in(table.get("overrun_amber_pct", d.overrun_amber_pct),
                         "indicators.overrun_amber_pct", 0, 1000)
    return IndicatorRules(
        planned_value=_choice(table.get("planned_value", d.planned_value),
                              "indicators.planned_value", _PLANNED_VALUE),
        spi_amber=spi_amber, spi_red=spi_red, cpi_amber=cpi_amber, cpi_red=cpi_red,
        slip_amber_days=slip_amber,
        slip_red_days=_int_in(table.get("slip_red_days", d.slip_red_days),
                              "indicators.slip_red_days", slip_amber, 500,
                              low_name="indicators.slip_amber_days"),
        overrun_amber_pct=over_amber,
        overrun_red_pct=_int_in(table.get("overrun_red_pct", d.overrun_red_pct),
                                "indicators.overrun_red_pct", over_amber, 1000,
                                low_name="indicators.overrun_amber_pct"),
    )


def _index(value: Any, key: str) -> float:
    """A performance index threshold: a number between 0 and 2 (1.0 is exactly on plan)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 2:
        return float(value)
    raise _Invalid(key, f"must be a number above 0 and at most 2, such as 0.95{_got(value)}")
