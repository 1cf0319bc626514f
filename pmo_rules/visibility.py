"""Who may see what: the one rule for guests, people from other organisations, other
workspaces and confidential projects (README: Who sees what).

Pure: the facts come in (who asks and what kind of person Slack says they are, what a command
is about, what the project is and how the person stands to it) and a decision comes out — None
for "go ahead", or the key of the sentence that refuses. Storage applies the same entitlement in
SQL for the lists (`storage/access.py`), so a large portfolio is filtered by the database.

The matrix, by kind of person:
- a PMO admin sees everything;
- a member sees every project that is not confidential, and a confidential one only when
  entitled to it: its PM, its sponsor, a member of its channel, or someone holding a role on it
  (owner of one of its risks, issues, actions or milestones; an approver of one of its gates);
- a guest or an external person (Slack Connect) sees, under the default "own-projects", only the
  projects whose channel they are in *and* on which they hold a role, nothing portfolio-wide;
  under "none", nothing but help;
- a person Slack would not describe (users.info failed) gets help only: "try again";
- a request signed for another workspace or enterprise is refused before anything is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pmo_rules.config.access import AccessRules
from pmo_rules.projects import KEY_PATTERN, RESERVED_KEYS

MEMBER, GUEST, EXTERNAL, UNKNOWN = "member", "guest", "external", "unknown"
KINDS = (MEMBER, GUEST, EXTERNAL, UNKNOWN)

# What a command is about.
FREE = "free"            # help: anyone
PERSONAL = "personal"    # the person's own items (`/action list mine`)
PORTFOLIO = "portfolio"  # many projects at once (lists, the digest, ranking, search)
PROJECT = "project"      # one project, named by its key or an entry's id
UNNAMED = "unnamed"      # a form that lets the person pick among projects

SUB_FAMILIES = ("milestone", "issue", "action", "decision", "change", "lesson")
"""`/pmo issue …` is `/issue …`: the same subject."""
PMO_PORTFOLIO = frozenset({"projects", "digest", "risks", "gates", "portfolio", "rank",
                           "proposals", "proposal", "propose", "people", "allocate", "audit"})
"""`/pmo` verbs that show or change the portfolio as a whole (or its intake)."""
LIST_VERBS = frozenset({"list", "search"})
OWN_LISTS = frozenset({"/risk", "/issue", "/action"})
"""`/risk list`, `/issue list`, `/action list` without a KEY list the caller's own items."""
COMMAND_WORDS = frozenset({
    "add", "list", "show", "update", "done", "resolve", "escalate", "forecast", "close",
    "reviewed", "review", "request", "status", "withdraw", "search", "project", "meeting",
    "plan", "edit", "help", "mine", "all", "vote", "approve", "reject", "rebaseline",
    "digest", "approvers", "confidential", "rename", "channel", "pm", "on", "off", "history",
    "score", "decline", "screen", "people", "coordinate", "take", "reopen", "cancel"})
"""Words of the grammars themselves: never read as a project key."""
_ENTRY = re.compile(r"([A-Za-z][A-Za-z0-9]{1,9})-[A-Za-z]([0-9]{1,6})")
_LESSON = re.compile(r"[Ll]-?([0-9]{1,9})")
_SCAN = 3
"""A command names its project within its first three words (`/pmo issue show APOLLO-I1`)."""


@dataclass(frozen=True)
class Viewer:
    """Who is asking: their user id, their kind (MEMBER, GUEST, EXTERNAL, UNKNOWN), and
    whether the rules file names them a PMO admin."""

    user: str
    kind: str
    admin: bool = False

    @property
    def outsider(self) -> bool:
        return self.kind in (GUEST, EXTERNAL)


@dataclass(frozen=True)
class Subject:
    """What a slash command is about: `kind` (FREE, PERSONAL, PORTFOLIO, PROJECT, UNNAMED),
    the project keys it may name (the first that exists is the one), or a lesson's number."""

    kind: str
    keys: tuple[str, ...] = ()
    lesson: int | None = None


@dataclass(frozen=True)
class Standing:
    """How a person stands to one project (storage/access.py reads it in one query)."""

    key: str
    confidential: bool
    entitled: bool
    """PM, sponsor, a member of its channel or holding a role on it: may see it if confidential."""
    holds_role: bool
    """PM, sponsor, owner of one of its items or an approver: what a guest needs (and the
    channel)."""
    in_channel: bool


def kind_of(user: dict, home_team: str | None) -> str:
    """users.info's (or users.list's) user object → MEMBER, GUEST or EXTERNAL. A person whose
    team is not the installation's, or whom Slack calls a stranger, is external; a single- or
    multi-channel guest (`is_restricted`, `is_ultra_restricted`) is a guest."""
    team = user.get("team_id")
    if user.get("is_stranger") or (home_team and team and team != home_team):
        return EXTERNAL
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return GUEST
    return MEMBER


def foreign(team_id: str | None, enterprise_id: str | None, *, home_team: str | None,
            home_enterprise: str | None) -> bool:
    """Whether a request was signed for another workspace or enterprise than the bot's. An
    installation in an Enterprise Grid org accepts its org's workspaces; one in a plain
    workspace accepts that workspace only. Nothing known of home: nothing refused."""
    if home_enterprise:
        return bool(enterprise_id) and enterprise_id != home_enterprise
    if home_team:
        return bool(team_id) and team_id != home_team
    return False


def subject_of(command: str, text: str) -> Subject:
    """What `command text` is about, from its words: the verbs that span the portfolio, or the
    project its first words name (a key, or an entry id such as `APOLLO-R3`)."""
    words = text.split()
    family = command.lower()
    if family == "/pmo" and words and words[0].lower() in SUB_FAMILIES:
        family, words = "/" + words[0].lower(), words[1:]
    verb = words[0].lower() if words else ""
    if verb == "help" or (family == "/pmo" and not words):
        return Subject(FREE)
    if family == "/pmo" and verb in PMO_PORTFOLIO:
        return Subject(PORTFOLIO)
    if family == "/lesson" and verb == "search":
        return Subject(PORTFOLIO)
    if "mine" in (word.lower() for word in words[1:2]):
        return Subject(PERSONAL)
    if family == "/lesson" and verb == "show" and len(words) > 1:
        match = _LESSON.fullmatch(words[1])
        if match:
            return Subject(PROJECT, lesson=int(match[1]))
    keys = tuple(dict.fromkeys(key for word in words[:_SCAN] if (key := _key_in(word))))
    if keys:
        return Subject(PROJECT, keys=keys)
    if (verb == "list" and family in OWN_LISTS
            and not any(word.lower().startswith("owner:") for word in words)):
        return Subject(PERSONAL)  # without a KEY these list the caller's own items
    if verb in LIST_VERBS:
        return Subject(PORTFOLIO)
    return Subject(UNNAMED)


def _key_in(word: str) -> str | None:
    """The project key `word` names (itself, or the key of an entry id), if it can be one."""
    word = word.strip("*_`")
    match = _ENTRY.fullmatch(word)
    candidate = (match[1] if match else word).upper()
    if word.lower() in COMMAND_WORDS or ":" in word:
        return None
    if not KEY_PATTERN.match(candidate) or candidate in RESERVED_KEYS:
        return None
    return candidate


def decide(viewer: Viewer, subject: Subject, standing: Standing | None,
           rules: AccessRules) -> str | None:
    """None when `viewer` may go ahead with a command about `subject`; else the refusal's key.

    `standing` is how the viewer stands to the project the command names (None: it names none,
    or no such project exists — the command itself then says so, to members)."""
    if viewer.admin or subject.kind == FREE:
        return None
    if viewer.kind == UNKNOWN:
        return "access.unknown"
    if viewer.outsider:
        policy = rules.guests if viewer.kind == GUEST else rules.externals
        if policy == "none":
            return "access.outsider_none"
        if subject.kind == PERSONAL:
            return None
        if subject.kind != PROJECT:
            return "access.outsider_portfolio"
        if standing is None or not (standing.holds_role and standing.in_channel):
            return "access.outsider_project"
        return None
    if standing is not None and standing.confidential and not standing.entitled:
        return "access.confidential"
    return None

