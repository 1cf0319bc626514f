"""The digest's action and decision sections (issue 12): overdue actions by owner and the
decisions of the last seven days, of the portfolio's projects; one statement each
(storage/digest_sections.py `top_of_each`), whatever the size of the logs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from pmo_rules.config import Rules
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.risk import pmo_today
from storage.actions import Action
from storage.decisions import Decision
from storage.digest_sections import WEEK, Top, _lines_of
from storage.projects import Project


class ActionSection:
    """Open actions whose due date has passed, grouped by owner (owner, then oldest due)."""

    name = "actions"

    def lists(self, now: datetime, rules: Rules) -> dict[str, tuple[Select, Sequence]]:
        today = pmo_today(now, rules.pmo.tz)
        query = (select(Action.number, Action.title, Action.owner_id, Action.due_on,
                        Project.key).join(Project, Project.id == Action.project_id)
                 .where(Action.done_on.is_(None), Action.due_on < today,
                        Project.state.in_(PORTFOLIO_STATES)))
        return {"overdue": (query, (Action.owner_id, Action.due_on, Action.id))}

    def context(self, lists: Mapping[str, Top], now: datetime,
                rules: Rules) -> Mapping[str, Any] | None:
        today = pmo_today(now, rules.pmo.tz)
        return _lines_of(lists, lambda row: {
            "ref": f"{row['key']}-A{row['number']}", "title": row["title"],
            "owner": row["owner_id"], "due_on": row["due_on"].isoformat(),
            "days": (today - row["due_on"]).days})


class DecisionSection:
    """Decisions recorded in the last seven days, newest first."""

    name = "decisions"

    def lists(self, now: datetime, rules: Rules) -> dict[str, tuple[Select, Sequence]]:
        query = (select(Decision.number, Decision.title, Decision.decided_by,
                        Decision.supersedes_number, Project.key)
                 .join(Project, Project.id == Decision.project_id)
                 .where(Decision.recorded_at > now - WEEK,
                        Project.state.in_(PORTFOLIO_STATES)))
        return {"week": (query, (Decision.recorded_at.desc(), Decision.id))}

    def context(self, lists: Mapping[str, Top], now: datetime,
                rules: Rules) -> Mapping[str, Any] | None:
        return _lines_of(lists, lambda row: {
            "ref": f"{row['key']}-D{row['number']}", "title": row["title"],
            "by": row["decided_by"],
            "supersedes": (None if row["supersedes_number"] is None
                           else f"{row['key']}-D{row['supersedes_number']}")})
