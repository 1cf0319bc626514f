"""What a project is allowed to be called (its key and name), and when its digest may be on.

Its phases and states are the life cycle's words: `pmo_rules.lifecycle`.
"""

from __future__ import annotations

import re

from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.text import check_length, required

KEY_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
NAME_MAX = 100
# Words the commands use themselves; a project called EDIT would make `/status edit X` ambiguous.
RESERVED_KEYS = frozenset({"ADD", "ALL", "EDIT", "HELP", "LIST", "SHOW"})


def looks_like_key(word: str) -> bool:
    return bool(KEY_PATTERN.match(word.upper()))


def parse_key(word: str | None, *, usage: str) -> str:
    """The project key in canonical upper case, or a refusal that shows the accepted form."""
    if not word:
        raise UserError("project.key_missing", usage=usage)
    key = word.upper()
    if not KEY_PATTERN.match(key) or key in RESERVED_KEYS:
        raise UserError("project.key_malformed", usage=usage, key=word[:40])
    return key


def parse_name(name: str, *, usage: str) -> str:
    """The project name as people read it (already unescaped), within NAME_MAX as Slack counts."""
    name = required(name)
    if not name:
        raise UserError("project.name_missing", usage=usage)
    check_length(name, NAME_MAX, "project.name_too_long", usage=usage)
    return name


def check_digest_allowed(key: str, state: str, on: bool) -> None:
    """A project's own weekly digest may be turned on only while the project is in the
    portfolio (active or on hold): the planner sends none to cancelled or closed projects, so
    "on" would promise what never comes. Turning it off is always allowed."""
    if on and state not in PORTFOLIO_STATES:
        raise UserError("project.digest_ended", key=key, state=state)
