"""`[access]`: who may see what — the installation's own workspace, and what guests and people
from other organisations may use (README: Who sees what)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pmo_rules.config._checks import _choice, _got, _int_in, _Invalid, _no_unknown_keys

GUEST_POLICIES = ("own-projects", "none")
_TEAM_ID = re.compile(r"T[A-Z0-9]{2,}")
_ENTERPRISE_ID = re.compile(r"E[A-Z0-9]{2,}")


@dataclass(frozen=True, slots=True)
class AccessRules:
    """`team_id` / `enterprise_id`: the installation's workspace (and Enterprise Grid org);
    requests signed for any other are refused. Unset: learned from `auth.test` at start.
    `guests` and `externals`: "own-projects" (the projects whose channel they are in and on
    which they hold a role) or "none" (nothing but help). `members_minutes`: how long a
    confidential project's channel members are trusted before they are asked again."""

    team_id: str | None = None
    enterprise_id: str | None = None
    guests: str = "own-projects"
    externals: str = "own-projects"
    members_minutes: int = 10


def _parse_access(table: dict) -> AccessRules:
    _no_unknown_keys(table, "access", ("team_id", "enterprise_id", "guests", "externals",
                                       "members_minutes"))
    d = AccessRules()
    return AccessRules(
        team_id=_id(table.get("team_id"), "access.team_id", _TEAM_ID, "T012AB3CD"),
        enterprise_id=_id(table.get("enterprise_id"), "access.enterprise_id", _ENTERPRISE_ID,
                          "E012AB3CD"),
        guests=_choice(table.get("guests", d.guests), "access.guests", GUEST_POLICIES),
        externals=_choice(table.get("externals", d.externals), "access.externals",
                          GUEST_POLICIES),
        members_minutes=_int_in(table.get("members_minutes", d.members_minutes),
                                "access.members_minutes", 1, 1440),
    )


def _id(value: Any, key: str, pattern: re.Pattern[str], example: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and pattern.fullmatch(value):
        return value
    raise _Invalid(key, f'must be a Slack id such as "{example}"{_got(value)}')
