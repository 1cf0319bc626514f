"""Where overdue work comes from: one module per kind of item, each a `Source`.

The reminder planner and the digest ask every source in `SOURCES` for what is due: status
updates, risk reviews and responses, gate votes, milestones, actions. Adding a kind is one
module here and one entry in the tuple. A source must answer from an index on its due column,
so its cost grows with the items that are due, not with everything it holds.

A new kind also needs, in templates/locales/{en,zh}/<domain>.toml, the words the messages use
for it — `nudge.item.<kind>`, `escalation.item.<kind>`, `digest.overdue_item.<kind>`,
`snooze.what.<kind>` (each gets the item's `subject`, which always names the project's KEY as
`project`: a project's own digest lists only its items) — and, for each of its buttons, a label
`nudge.button.<name>`, an `Action.NUDGE_<NAME> = "nudge_<name>"` in pmo_rules/ids.py, the
value it carries (a class in pmo_rules/values.py) and a listener. A button may instead reuse a
card's button whose listener answers from any message (the risk card's, the gate card's): then
its name is that action id (see templates/reminders.py `REUSED_ACTIONS`). Snooze comes with
every item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.reminders import DueItem
from storage.sources import (
    action_due,
    change_vote,
    gate_vote,
    issue_due,
    milestone_due,
    risk_due,
    status_due,
)
from storage.sources.heads import owner_of


class Source(Protocol):
    """A kind of overdue item ("status", "risk", "gate_vote")."""

    kind: str

    def due_items(self, session: Session, now: datetime, rules: Rules, *,
                  item_ids: Collection[str] | None = None) -> list[DueItem]:
        """Every item of this kind that is due at `now` (only `item_ids`, when given), one per
        recipient, with the buttons its nudge shows; one or two indexed queries."""
        ...


SOURCES: tuple[Source, ...] = (status_due.SOURCE, risk_due.SOURCE, gate_vote.SOURCE,
                               milestone_due.SOURCE, issue_due.SOURCE, action_due.SOURCE,
                               change_vote.SOURCE)


def source_of(kind: str) -> Source | None:
    return next((source for source in SOURCES if source.kind == kind), None)


def items_to_nudge(session: Session, now: datetime, rules: Rules) -> list[DueItem]:
    """What the reminder planner nudges: the overdue items and the heads-ups before a date."""
    return [item for source in SOURCES for item in source.due_items(session, now, rules)]


def all_due_items(session: Session, now: datetime, rules: Rules) -> list[DueItem]:
    """The overdue items (what a project's own digest lists)."""
    return [item for item in items_to_nudge(session, now, rules) if item.overdue]


def overdue_by_owner(session: Session, now: datetime, rules: Rules, per_owner: int, *,
                     project_ids: Collection[int] | None = None,
                     hidden: Collection[str] = ()) -> tuple[list[DueItem], Counter]:
    """What the digest lists: each recipient's first `per_owner` overdue items (by due moment,
    then item key) and how many overdue items each recipient has; with `project_ids`, each
    recipient's in each of these projects, the totals by (project KEY, recipient): the
    projects' own digests. A source with an `overdue_heads` cuts its list in the database
    (storage/sources/heads.py); the others' overdue items (of every project) are all read and
    counted here. One statement or two per source, as `items_to_nudge`. Without
    `project_ids` (the portfolio digest, posted to a channel) confidential projects are left
    out — in the database for the cut lists (`heads.ranked`), here for the others (`hidden`,
    their KEYs) — so the counts are of what may be shown."""
    items: list[DueItem] = []
    totals: Counter = Counter()
    per_project = project_ids is not None
    for source in SOURCES:
        heads = getattr(source, "overdue_heads", None)
        if heads is not None:
            found, counted = heads(session, now, rules, per_owner, project_ids)
            totals.update(counted)
        else:
            found = [item for item in source.due_items(session, now, rules)
                     if item.overdue and item.subject["project"] not in hidden]
            totals.update(owner_of(item, per_project) for item in found)
        items += found
    return items, totals
