"""The digest's cut of a reminder source: each recipient's first few overdue items and how
many they have, in the source's one statement.

The weekly digest lists each owner's `ITEMS_PER_OWNER` oldest overdue items and counts the
rest (pmo_rules/digest.py). A source with thousands of overdue items (every approver of every
change request waiting on a vote) would build thousands of `DueItem`s for a few dozen lines, so
a source may offer `overdue_heads`: the same query, ranked per recipient by the database in the
digest's own order (`ranked`), only each recipient's first few read, with each recipient's
total beside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable

from sqlalchemy import Select, String, and_, cast, func, select
from sqlalchemy.orm import Session

from pmo_rules.reminders import DueItem
from storage.projects import Project

Heads = tuple[list[DueItem], Counter]
"""Each recipient's first `per_owner` overdue items and each recipient's number of them (by
`owner_of`)."""


def owner_of(item: DueItem, per_project: bool) -> str | tuple[str, str]:
    """Whose count an item is in: its recipient's, or (its project's KEY, its recipient)."""
    return (item.subject["project"], item.recipient) if per_project else item.recipient


def ranked(session: Session, query: Select, recipient, due, item_id, per_owner: int,
           project_ids: Collection[int] | None) -> Iterable:
    """The rows of `query` (which joins `Project`) ranked per `recipient` (with `project_ids`:
    of these projects only, per project and recipient, for the projects' own digests) as the
    digest orders them, only the first `per_owner` of each, each with `head_total`: how many
    rows its recipient has. Across the portfolio (no `project_ids`) confidential projects'
    rows are left out.

    The digest orders a person's items by due moment, then by item key
    (`kind:item_id:due_key`); within one source the kind is the same, and so is the due key of
    items due at the same moment, so the order is `due`, then the item id as text followed by
    ':' ("12:" after "123:", as in the key), compared byte by byte (PostgreSQL's "C"
    collation, SQLite's default)."""
    key = cast(item_id, String) + ":"
    if session.get_bind().dialect.name == "postgresql":
        key = key.collate("C")
    partition = (recipient,)
    if project_ids is not None:
        query = query.where(Project.id.in_(list(project_ids)))
        partition = (Project.id, recipient)
    else:  # the portfolio digest goes to a channel: confidential projects are only counted
        query = query.where(Project.confidential.is_(False))
    # Ranked on narrow rows (the item, its recipient), then only the first few joined back to
    # the query's own columns: the database sorts ids, not titles and names.
    inner = query.with_only_columns(
        item_id.label("head_id"), recipient.label("head_owner"),
        func.row_number().over(partition_by=partition, order_by=(due, key)).label("head_rank"),
        func.count().over(partition_by=partition).label("head_total")).subquery()
    heads = select(inner).where(inner.c.head_rank <= per_owner).subquery()
    return session.execute(query.add_columns(heads.c.head_total).join(
        heads, and_(item_id == heads.c.head_id, recipient == heads.c.head_owner)))


def heads_of(rows: Iterable, item: Callable[..., DueItem], per_project: bool) -> Heads:
    """`item` of each row `ranked` answered, and each recipient's total (by project KEY and
    recipient, with `per_project`)."""
    items: list[DueItem] = []
    totals: Counter = Counter()
    for row in rows:
        found = item(row)
        items.append(found)
        totals[owner_of(found, per_project)] = row.head_total
    return items, totals
