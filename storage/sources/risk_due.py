"""Risks that need their owner: an active risk whose next review date or response due date
has passed in the PMO's calendar; its owner is the one nudged.

The item's due date is the earlier of the overdue dates, so the due key moves with the risk:
a review pushes `next_review_on` forward and the item stops (or, when its response is overdue
too, becomes a new occurrence with a fresh count of nudges), and a date that passes later is
nudged again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.ids import RiskAction
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.reminders import ButtonSpec, DueItem
from pmo_rules.risk import ACTIVE_STATUSES, RiskRef, overdue_reasons, pmo_today
from pmo_rules.values import RiskButton
from storage.projects import Project
from storage.risks import Risk

KIND = "risk"
BUTTONS = (RiskAction.REVIEWED, RiskAction.UPDATE, RiskAction.CLOSE)
"""The risk card's own buttons and value: their listeners answer anywhere."""


class RiskDue:
    kind = KIND

    def due_items(self, session: Session, now: datetime, rules: Rules, *,
                  item_ids: Collection[str] | None = None) -> list[DueItem]:
        tz = rules.pmo.tz
        today = pmo_today(now, tz)
        # One index range per date, (status, next_review_on) and (status, due_on): a UNION,
        # because SQLite answers the OR of the two with a scan of every active risk.
        late_review = _due_query(Risk.next_review_on < today, item_ids)
        late_response = _due_query(Risk.due_on < today, item_ids)
        items = []
        for row in session.execute(union(late_review, late_response)):
            risk_id, number, title, owner, score, status, review_on, due_on, key = row
            reasons = overdue_reasons(status, review_on, due_on, today)
            dates = {"review": review_on, "response": due_on}
            items.append(DueItem(
                kind=KIND, item_id=str(risk_id), recipient=owner,
                due_at=_start_of(min(dates[r] for r in reasons), tz),
                subject={"ref": str(RiskRef(key, number)), "project": key,
                         "title": title, "score": score,
                         "review_on": _iso_if("review" in reasons, review_on),
                         "due_on": _iso_if("response" in reasons, due_on)},
                buttons=tuple(ButtonSpec(name, RiskButton(risk_id), primary=name == BUTTONS[0])
                              for name in BUTTONS)))
        return items


def _due_query(condition, item_ids: Collection[str] | None):
    query = (select(Risk.id, Risk.number, Risk.title, Risk.owner_id, Risk.score, Risk.status,
                    Risk.next_review_on, Risk.due_on, Project.key)
             .join(Project, Project.id == Risk.project_id)
             .where(Risk.status.in_(ACTIVE_STATUSES), condition,
                    Project.state.in_(PORTFOLIO_STATES)))
    if item_ids is not None:
        query = query.where(Risk.id.in_([int(i) for i in item_ids if i.isdigit()]))
    return query


def _start_of(day: date, tz) -> datetime:
    """The first moment of `day` on the PMO's wall clock: when that date was due."""
    return datetime.combine(day, time(0), tz)


def _iso_if(applies: bool, day: date | None) -> str | None:
    return day.isoformat() if applies and day is not None else None


SOURCE = RiskDue()
