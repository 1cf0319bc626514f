"""Red / Amber / Green: the status colours, and every way people type them.

Colour alone is not accessible, so each RAG carries a word and an emoji; the words people type
include the initials and the Chinese colour names used by the source organisation.
"""

from __future__ import annotations

from enum import StrEnum


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def emoji(self) -> str:
        return _EMOJI[self]

    @property
    def severity(self) -> int:
        """0 for green, 2 for red: lets trends and sorting compare colours."""
        return _SEVERITY[self]


_ORDER = (Rag.GREEN, Rag.AMBER, Rag.RED)
_SEVERITY = {rag: n for n, rag in enumerate(_ORDER)}
_EMOJI = {Rag.GREEN: ":large_green_circle:", Rag.AMBER: ":large_yellow_circle:",
          Rag.RED: ":red_circle:"}
_WORDS = {
    Rag.GREEN: ("green", "g", "绿", "绿色"),
    Rag.AMBER: ("amber", "a", "yellow", "y", "黄", "黄色"),
    Rag.RED: ("red", "r", "红", "红色"),
}
_LOOKUP = {word: rag for rag, words in _WORDS.items() for word in words}
ACCEPTED_WORDS = "green|amber|red, g|a|r, 绿|黄|红"


def parse_rag(word: str) -> Rag | None:
    """The RAG a typed word means, or None; case does not matter."""
    return _LOOKUP.get(word.strip().lower())


def trend(previous: Rag | None, current: Rag) -> str:
    """'up' when the colour got better, 'down' when worse, 'flat' otherwise (or when new)."""
    if previous is None or previous == current:
        return "flat"
    return "up" if current.severity < previous.severity else "down"
