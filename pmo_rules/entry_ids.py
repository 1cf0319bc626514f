"""The ids of a project's numbered entries — `APOLLO-M1` (milestones), `APOLLO-I1` (issues),
`APOLLO-A1` (actions), `APOLLO-D1` (decisions), `APOLLO-C1` (change requests): one grammar.

A project key, a dash, the entry's letter and its number from 1, in any case. Each domain keeps
its own typed reference (`ActionRef`, …) and its own words for a refusal
(`<kind>.id_missing`, `<kind>.id_malformed`); what an id looks like is said once, here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pmo_rules.errors import UserError
from pmo_rules.projects import KEY_PATTERN, RESERVED_KEYS


@dataclass(frozen=True)
class EntryId:
    """The id grammar of one kind of entry: `letter` after the dash, `kind` names the words."""

    letter: str
    kind: str
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        letters = f"{self.letter.upper()}{self.letter.lower()}"
        object.__setattr__(self, "_pattern",
                           re.compile(rf"([A-Za-z][A-Za-z0-9]{{1,9}})-[{letters}]([0-9]{{1,6}})"))

    def matches(self, word: str) -> bool:
        """Whether `word` has this id's shape (a command's lone argument, say)."""
        return self._pattern.fullmatch(word) is not None

    def parse(self, word: str | None, *, usage: str | None) -> tuple[str, int]:
        """`apollo-a1` → ("APOLLO", 1), or a refusal showing the form."""
        match = self._pattern.fullmatch(word or "")
        if not match:
            if not word:
                raise UserError(f"{self.kind}.id_missing", usage=usage)
            raise UserError(f"{self.kind}.id_malformed", usage=usage, word=word[:40])
        key = match[1].upper()
        if not KEY_PATTERN.match(key) or key in RESERVED_KEYS or int(match[2]) == 0:
            raise UserError(f"{self.kind}.id_malformed", usage=usage, word=word[:40])
        return key, int(match[2])
