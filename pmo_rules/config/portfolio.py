"""`[portfolio]`: the evaluation model for proposals (issue 13) — strategic themes, the board
that scores and decides, the period's budget for new work, where proposal cards go, a PM's
default allocation, and the criteria with their weights.

```toml
[portfolio]
themes = ["Customer growth", "Cost efficiency", "Compliance"]
board = ["U0BOARD1", "U0BOARD2"]        # default: the PMO admins
budget = 5000000                         # optional
intake_channel = "C0INTAKE"              # default: [pmo] digest_channel
[portfolio.criteria.strategic_fit]  weight = 3   must_pass = true
[portfolio.criteria.risk]           weight = 2   inverse = true
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pmo_rules.config._checks import (
    _bool,
    _got,
    _int_in,
    _Invalid,
    _is_int,
    _list,
    _no_unknown_keys,
    _section,
    _table,
    _unique,
    _user_ids,
)
from pmo_rules.config.pmo import _channel

_CRITERION = re.compile(r"[a-z][a-z0-9_]{0,29}")
MAX_BUDGET = Decimal("1e13")
MAX_THEMES = 20
MAX_CRITERIA = 10


@dataclass(frozen=True, slots=True)
class Criterion:
    """One evaluation criterion, scored 1–5 by each board member. `inverse`: a high score is
    bad (risk), so 6 − s counts; `must_pass`: scored 1 by most of the board screens out."""

    name: str
    weight: int = 1
    must_pass: bool = False
    inverse: bool = False


DEFAULT_CRITERIA = (Criterion("strategic_fit", 3, must_pass=True), Criterion("benefit", 3),
                    Criterion("risk", 2, inverse=True), Criterion("resources", 2))


@dataclass(frozen=True, slots=True)
class PortfolioRules:
    themes: tuple[str, ...] = ()
    board: tuple[str, ...] = ()
    """Who scores and decides proposals; empty means the PMO admins."""
    budget: Decimal | None = None
    intake_channel: str | None = None
    pm_allocation: int = 20
    criteria: tuple[Criterion, ...] = DEFAULT_CRITERIA

    def criterion(self, name: str) -> Criterion | None:
        return next((c for c in self.criteria if c.name == name), None)

    @property
    def criterion_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.criteria)


_KEYS = ("themes", "board", "budget", "intake_channel", "pm_allocation", "criteria")


def _parse_portfolio(table: dict) -> PortfolioRules:
    _no_unknown_keys(table, "portfolio", _KEYS)
    d = PortfolioRules()
    return PortfolioRules(
        themes=_themes(table.get("themes", []), "portfolio.themes"),
        board=_user_ids(table.get("board", []), "portfolio.board"),
        budget=_budget(table.get("budget"), "portfolio.budget"),
        intake_channel=_channel(table.get("intake_channel"), "portfolio.intake_channel"),
        pm_allocation=_int_in(table.get("pm_allocation", d.pm_allocation),
                              "portfolio.pm_allocation", 0, 100),
        criteria=_criteria(table),
    )


def _themes(value: Any, key: str) -> tuple[str, ...]:
    items = _list(value, key)
    if len(items) > MAX_THEMES:
        raise _Invalid(key, f"lists {len(items)} themes; at most {MAX_THEMES} fit a form")
    for item in items:
        if not (isinstance(item, str) and 0 < len(item.strip()) <= 60):
            raise _Invalid(key, f"must list theme names of 1 to 60 characters{_got(item)}")
    _unique(items, key)
    return tuple(item.strip() for item in items)


def _budget(value: Any, key: str) -> Decimal | None:
    if value is None:
        return None
    if (_is_int(value) or isinstance(value, float)) and 0 < value < MAX_BUDGET:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    raise _Invalid(key, f"must be a positive amount below 10 trillion{_got(value)}")


def _criteria(table: dict) -> tuple[Criterion, ...]:
    if "criteria" not in table:
        return DEFAULT_CRITERIA
    criteria = _table(table["criteria"], "portfolio.criteria")
    if not criteria:
        raise _Invalid("portfolio.criteria", "must name at least one criterion (got {})")
    if len(criteria) > MAX_CRITERIA:
        raise _Invalid("portfolio.criteria", f"names {len(criteria)} criteria; at most "
                                             f"{MAX_CRITERIA}")
    found = []
    for name, body in criteria.items():
        key = f"portfolio.criteria.{name}"
        if not (isinstance(name, str) and _CRITERION.fullmatch(name)):
            raise _Invalid(key, "criterion names are lower-case words with underscores, "
                                "such as strategic_fit")
        body = _section(criteria, name, key)
        _no_unknown_keys(body, key, ("weight", "must_pass", "inverse"))
        found.append(Criterion(
            name=name, weight=_int_in(body.get("weight", 1), f"{key}.weight", 1, 100),
            must_pass=_bool(body.get("must_pass", False), f"{key}.must_pass"),
            inverse=_bool(body.get("inverse", False), f"{key}.inverse")))
    return tuple(found)
