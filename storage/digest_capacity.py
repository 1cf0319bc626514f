"""The digest's "Over-allocated people" section (issue 13, storage/digest.py `EXTRA_SECTIONS`):
everyone whose allocations on running projects, PMs at `[portfolio] pm_allocation` where not
set, add up to more than 100% — the first ten, most loaded first, and how many in all, in one
statement (`top_of_each`). It speaks to the PMO about people across projects, so a project's
own digest leaves it out (`portfolio_only`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select

from pmo_rules.config import Rules
from storage.allocations import over_allocated_query
from storage.digest_sections import Top


class OverAllocatedSection:
    name = "over_allocated"
    portfolio_only = True

    def lists(self, now: datetime, rules: Rules) -> dict[str, tuple[Select, Any]]:
        return {"people": over_allocated_query(today=now.astimezone(rules.pmo.tz).date(),
                                               pm_allocation=rules.portfolio.pm_allocation)}

    def context(self, lists: Mapping[str, Top], now: datetime,
                rules: Rules) -> Mapping[str, Any] | None:
        top = lists["people"]
        if not top.total:
            return None
        return {"people": Top(tuple({"user": row["user_id"], "total": int(row["load"]),
                                     "over": int(row["load"]) - 100} for row in top.rows),
                              top.total)}
