"""Fitting lists of any length into Slack's limits: lines into sections, sections into messages.

A portfolio of 3 projects and one of 3,000 go through the same code: each line is kept whole
where it fits (one over-long line is cut), sections stay under Slack's 3,000 characters, and a
message carries at most SECTIONS_PER_MESSAGE of them. Besides the documented limits, Slack
refuses a message whose blocks hold more than about 13,000 characters in all
(`msg_blocks_too_long`, observed, not documented), hence the message budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from templates.render import truncate

SECTION_TEXT = 2750
MESSAGE_TEXT = 11_000  # leaves room for a header and a context line under ~13,000
SECTIONS_PER_MESSAGE = MESSAGE_TEXT // SECTION_TEXT
T = TypeVar("T")


def pack_lines(lines: Iterable[str], limit: int = SECTION_TEXT) -> list[list[str]]:
    """Group lines so that each group, joined by newlines, has at most `limit` characters."""
    groups: list[list[str]] = []
    size = 0
    for line in lines:
        line = truncate(line, limit)
        if groups and size + 1 + len(line) <= limit:
            groups[-1].append(line)
            size += 1 + len(line)
        else:
            groups.append([line])
            size = len(line)
    return groups


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """`items` in consecutive groups of at most `size` (none for no items)."""
    return [items[i:i + size] for i in range(0, len(items), size)]
