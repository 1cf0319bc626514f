"""The one paginator: fitting lists of any length into Slack's limits, lines into sections and
sections (or any blocks) into messages.

A portfolio of 3 projects and one of 3,000 go through the same code. Slack's own limits come
from `templates/slack_limits.py` (the numbers the stand-in checks too); what is decided here is
our budget within them:

- A section's text is at most SECTION_TEXT (Slack's 3,000); each line is kept whole where it fits
  and a single over-long line is cut with an ellipsis rather than refused.
- A message carries at most MESSAGE_BLOCKS (Slack's 50) blocks and at most MESSAGE_CHARS of text
  in all its blocks. Slack documents no such total, but answers `msg_blocks_too_long` at about
  13,000 characters (`slack_limits.MESSAGE_BLOCKS_TEXT`); 12,000 keeps a margin of 1,000, and
  people stop reading long before that anyway. Long digests become a first message plus thread
  replies (`split_blocks`).
- A page of a list under a header and a context line (`page_lines`, the portfolio) keeps
  FRAME_CHARS of the budget for them and shares the rest among SECTIONS_PER_MESSAGE sections:
  (12,000 - 1,000) / 4 = 2,750 characters each.

There used to be two paginators with what looked like conflicting limits: one packed sections of
2,750 characters four to a message ("11,000, leaving room for a header and a context line under
~13,000"), the other sections of 3,000 into messages of 12,000. Neither broke a Slack limit, and
they are one budget seen from two sides: a message's 12,000 characters are its sections' 11,000
plus its frame's 1,000. So the budget is stated once (MESSAGE_CHARS, the safe side of Slack's
observed 13,000) and both outputs are derived from it, unchanged; sections never exceed Slack's
3,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from templates.slack_limits import MESSAGE_BLOCKS, SECTION_TEXT, TEXT_ADVISED

MESSAGE_CHARS = 12_000
"""Our own budget of text per message (all blocks): readable, and under MESSAGE_BLOCKS_TEXT."""
FRAME_CHARS = 1_000
"""What a page keeps for its header (at most 150) and a context line or two."""
SECTIONS_PER_MESSAGE = 4
PAGE_SECTION_TEXT = (MESSAGE_CHARS - FRAME_CHARS) // SECTIONS_PER_MESSAGE
"""2,750: the share of one section on a framed page, so that four fill the budget."""
REPLY_CHARS = TEXT_ADVISED - 100
"""3,900: a plain-text reply's budget (an ephemeral answer of lines): Slack advises a message's
`text` under 4,000 characters; 100 kept as a margin."""

T = TypeVar("T")


def truncate(value: object, limit: int) -> str:
    """`value` as text of at most `limit` characters, cut with an ellipsis if longer."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def group_lines(lines: Iterable[str], limit: int = SECTION_TEXT) -> list[list[str]]:
    """Group lines, in order, so that each group joined by newlines has at most `limit`
    characters; a line longer than `limit` is cut with an ellipsis."""
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


def pack_lines(lines: Iterable[str], limit: int = SECTION_TEXT) -> list[str]:
    """Join lines with newlines into as few texts as possible, each at most `limit` long (one
    text per section; the templates' `pack_lines` filter)."""
    return ["\n".join(group) for group in group_lines(lines, limit)]


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """`items` in consecutive groups of at most `size` (none for no items)."""
    return [items[i:i + size] for i in range(0, len(items), size)]


def page_lines(lines: Iterable[str]) -> list[Sequence[list[str]]]:
    """Lines as pages of SECTIONS_PER_MESSAGE sections (each a group of lines), so that a page
    with a header and a context line stays within MESSAGE_CHARS."""
    return chunks(group_lines(lines, PAGE_SECTION_TEXT), SECTIONS_PER_MESSAGE)


def block_chars(block: dict[str, Any]) -> int:
    """The visible text a block carries (what the character budget counts)."""
    return sum(len(text) for text in _texts(block))


def _texts(node: Any):
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node["text"]
            return
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def split_blocks(blocks: list[dict[str, Any]], max_blocks: int = MESSAGE_BLOCKS,
                 max_chars: int = MESSAGE_CHARS) -> list[list[dict[str, Any]]]:
    """Cut a block list into messages of at most `max_blocks` blocks and `max_chars` text.

    A block that alone exceeds the character budget still gets a message of its own.
    """
    messages: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    chars = 0
    for block in blocks:
        size = block_chars(block)
        if current and (len(current) >= max_blocks or chars + size > max_chars):
            messages.append(current)
            current, chars = [], 0
        current.append(block)
        chars += size
    if current:
        messages.append(current)
    return messages
