"""Fitting long lists into Slack: lines into sections, blocks into messages.

Slack rejects a section over 3,000 characters and a message over 50 blocks; people stop
reading long before a message carries 50 full sections, so a message also keeps to a
character budget. Long digests become a first message plus thread replies.
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS = 50
SECTION_TEXT = 3000
MESSAGE_CHARS = 12_000
"""Our own budget of text per message: readable, and well below any payload limit."""


def pack_lines(lines: list[str], limit: int = SECTION_TEXT) -> list[str]:
    """Join lines with newlines into as few texts as possible, each at most `limit` long.

    A single line longer than `limit` is cut with an ellipsis rather than rejected.
    """
    texts: list[str] = []
    current = ""
    for line in lines:
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        if current and len(current) + 1 + len(line) > limit:
            texts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        texts.append(current)
    return texts


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
