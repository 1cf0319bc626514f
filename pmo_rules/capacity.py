"""Capacity (issue 13): who is allocated to which project and how much.

`/pmo allocate @bob APOLLO 50% [until:2027-03-31]` sets one person's share of their time on one
project (0% ends it); `/pmo people [@user]` shows each person's allocations and total. A PM
counts at `[portfolio] pm_allocation` on each running project they manage unless an
allocation is set for them there. Pure: parsing and sums, no I/O, `today` passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pmo_rules import dates, text
from pmo_rules.errors import UserError
from pmo_rules.projects import parse_key

ALLOCATE_USAGE = "pmo_allocate"
PEOPLE_USAGE = "pmo_people"
FULL = 100
"""A person's whole time, in percent: above it they are over-allocated."""


@dataclass(frozen=True)
class Allocate:
    """`/pmo allocate @user KEY N% [until:YYYY-MM-DD]`: percent 0 ends the allocation."""

    user_id: str
    key: str
    percent: int
    until: date | None = None


@dataclass(frozen=True)
class People:
    """`/pmo people [@user]`: everyone allocated, or one person."""

    user_id: str | None = None


@dataclass(frozen=True)
class Share:
    """One person's share of one project: `pm_default` when it is the PM's default."""

    user_id: str
    key: str
    percent: int
    until: date | None = None
    pm_default: bool = False


@dataclass(frozen=True)
class Person:
    user_id: str
    shares: tuple[Share, ...]

    @property
    def total(self) -> int:
        return sum(s.percent for s in self.shares)

    @property
    def over(self) -> int:
        """Percentage points above 100 (0 when within)."""
        return max(0, self.total - FULL)


def parse_percent(word: str) -> int:
    """`50%`, `50` or `50％` as a whole percent from 0 to 100; anything else is refused with
    the fix."""
    value = word.strip().rstrip("%％")
    if not (value.isascii() and value.isdigit()) or len(value) > 4:
        raise UserError("capacity.percent_malformed", usage=ALLOCATE_USAGE, word=word[:20])
    percent = int(value)
    if percent > FULL:
        raise UserError("capacity.percent_range", usage=ALLOCATE_USAGE, word=word[:20])
    return percent


def parse_allocate(words: list[str]) -> Allocate:
    rest, options = text.split_options(words, ("until",), usage=ALLOCATE_USAGE)
    if len(rest) != 3:
        raise UserError("capacity.allocate_usage", usage=ALLOCATE_USAGE)
    who = text.user_ref(rest[0])
    if who is None:
        raise UserError("capacity.user_malformed", usage=ALLOCATE_USAGE, word=rest[0][:40])
    key = parse_key(rest[1], usage=ALLOCATE_USAGE)
    if rest[2].lstrip().startswith("-"):
        raise UserError("capacity.percent_range", usage=ALLOCATE_USAGE, word=rest[2][:20])
    percent = parse_percent(rest[2])
    until = None
    if "until" in options:
        until = dates.iso_day(options["until"])
        if until is None:
            raise UserError("capacity.until_malformed", usage=ALLOCATE_USAGE,
                            word=options["until"][:20])
    return Allocate(who.id, key, percent, until)


def parse_people(words: list[str]) -> People:
    if not words:
        return People()
    who = text.user_ref(words[0]) if len(words) == 1 else None
    if who is None:
        raise UserError("capacity.user_malformed", usage=PEOPLE_USAGE,
                        word=" ".join(words)[:40])
    return People(who.id)


def check_until(until: date | None, today: date) -> None:
    if until is not None and until < today:
        raise UserError("capacity.until_past", usage=ALLOCATE_USAGE, until=until, today=today)


def people(shares: Iterable[Share]) -> list[Person]:
    """Shares grouped by person: the most loaded first, then by id; each person's shares by
    size."""
    grouped: dict[str, list[Share]] = {}
    for share in shares:
        if share.percent > 0:
            grouped.setdefault(share.user_id, []).append(share)
    found = [Person(user, tuple(sorted(items, key=lambda s: (-s.percent, s.key))))
             for user, items in grouped.items()]
    found.sort(key=lambda p: (-p.total, p.user_id))
    return found


def overloaded(before: int, after: int) -> int:
    """Points above 100 a change leaves someone at when it pushes them over (or further
    over); 0 when they stay within or the change does not add."""
    return after - FULL if after > FULL and after > before else 0
