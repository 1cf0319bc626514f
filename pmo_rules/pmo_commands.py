"""The `/pmo` command: the PMO office's own verbs (portfolio, projects, help).

Sub-commands are looked up in `SUBCOMMANDS`, so each domain (risks, gates, digest) adds its
verbs with one entry instead of growing an if-chain. Every parser is total: a command or a
`UserError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pmo_rules import capacity, gates, plans, proposals, text
from pmo_rules.charts import parse_chart
from pmo_rules.errors import UserError
from pmo_rules.meetings import parse_meeting
from pmo_rules.portfolio_filter import ProjectFilter, parse_filter
from pmo_rules.projects import parse_key, parse_name
from pmo_rules.risk_command import parse_portfolio_risks

USAGE = "pmo"
ADD_USAGE = "pmo_project_add"
DIGEST_USAGE = "pmo_project_digest"
CONFIDENTIAL_USAGE = "pmo_project_confidential"
EDIT_USAGE = "pmo_project_edit"
SWITCH = {"on": True, "off": False}


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class ListProjects:
    """`/pmo projects [pm:@user|me] [phase:…] [rag:…] [stale] [page:N]`."""

    filter: ProjectFilter = ProjectFilter()


@dataclass(frozen=True)
class ListGates:
    pass


@dataclass(frozen=True)
class ShowProject:
    key: str


@dataclass(frozen=True)
class PreviewDigest:
    """`/pmo digest`: the portfolio digest as it would read now, shown to the caller only."""


@dataclass(frozen=True)
class SetProjectDigest:
    """`/pmo project KEY digest on|off`: whether the project's own weekly digest goes to its
    channel."""

    key: str
    on: bool


@dataclass(frozen=True)
class ShowAudit:
    """`/pmo audit KEY [page]`: one page of a project's audit trail, newest first (admins)."""

    key: str
    page: int = 1


@dataclass(frozen=True)
class EditProject:
    """`/pmo project KEY pm @user|rename New name…|channel #channel` (PMO admins): `field` is
    "pm", "name" or "channel", `value` the new PM id, name or channel id."""

    key: str
    field: str
    value: str


@dataclass(frozen=True)
class AddProject:
    """`pm`/`channel` are None when not typed: they default to the caller and the channel."""

    key: str
    name: str
    pm_id: str | None
    channel_id: str | None
    confidential: bool = False


@dataclass(frozen=True)
class SetConfidential:
    """`/pmo project KEY confidential on|off` (PMO admins): who may see the project
    (pmo_rules/visibility.py)."""

    key: str
    on: bool


def _help(_words: list[str]) -> Help:
    return Help()


def _projects(words: list[str]) -> ListProjects:
    return ListProjects(parse_filter(words))


def _digest(words: list[str]) -> PreviewDigest:
    _no_more(words)
    return PreviewDigest()


def _no_more(words: list[str]) -> None:
    if words:
        raise UserError("pmo.unexpected_words", usage=USAGE, words=" ".join(words)[:80])


def _gates(words: list[str]) -> ListGates:
    """`/pmo gates`: every pending gate review, oldest first."""
    if words:
        raise UserError("pmo.unexpected_words", usage=USAGE, words=" ".join(words)[:80])
    return ListGates()


def _project(words: list[str], today: date | None = None,
             max_years_ahead: int | None = None) -> object:
    if words and words[0].lower() == "add":
        return _add_project(words[1:])
    if not words:
        raise UserError("pmo.project_usage", usage=USAGE)
    if len(words) == 1:
        return ShowProject(parse_key(words[0], usage=USAGE))
    verb = words[1].lower()
    if verb == "approvers":
        return gates.parse_approvers(parse_key(words[0], usage=gates.APPROVERS_USAGE), words[2:])
    if verb == "digest":
        return _project_digest(parse_key(words[0], usage=DIGEST_USAGE), words[2:])
    if verb == "confidential":
        return _confidential(parse_key(words[0], usage=CONFIDENTIAL_USAGE), words[2:])
    if verb == "plan":
        return plans.parse_plan(parse_key(words[0], usage=plans.PLAN_USAGE), words[2:],
                                today, max_years_ahead)
    if verb == "rebaseline":
        return plans.parse_rebaseline(parse_key(words[0], usage=plans.REBASELINE_USAGE),
                                      words[2:])
    if verb in _EDITS:
        return _EDITS[verb](parse_key(words[0], usage=EDIT_USAGE), words[2:])
    raise UserError("pmo.no_such_command", word=f"project {words[0]} {words[1]}"[:60])


def _edit_pm(key: str, words: list[str]) -> EditProject:
    ref = text.user_ref(words[0]) if len(words) == 1 else None
    if ref is None:
        raise UserError("project.edit_pm_malformed", usage=EDIT_USAGE,
                        value=" ".join(words)[:60])
    return EditProject(key, "pm", ref.id)


def _edit_channel(key: str, words: list[str]) -> EditProject:
    ref = text.channel_ref(words[0]) if len(words) == 1 else None
    if ref is None:
        raise UserError("project.edit_channel_malformed", usage=EDIT_USAGE,
                        value=" ".join(words)[:60])
    return EditProject(key, "channel", ref.id)


def _rename(key: str, words: list[str]) -> EditProject:
    return EditProject(key, "name", parse_name(text.plain(" ".join(words)), usage=EDIT_USAGE))


_EDITS: dict[str, Callable[[str, list[str]], EditProject]] = {
    "pm": _edit_pm, "rename": _rename, "channel": _edit_channel}


def _project_digest(key: str, words: list[str]) -> SetProjectDigest:
    """The words after `/pmo project KEY digest`: exactly `on` or `off`."""
    if len(words) != 1 or words[0].lower() not in SWITCH:
        raise UserError("pmo.digest_switch", usage=DIGEST_USAGE, word=" ".join(words)[:40])
    return SetProjectDigest(key, SWITCH[words[0].lower()])


def _confidential(key: str, words: list[str]) -> SetConfidential:
    """The words after `/pmo project KEY confidential`: exactly `on` or `off`."""
    if len(words) != 1 or words[0].lower() not in SWITCH:
        raise UserError("pmo.confidential_switch", usage=CONFIDENTIAL_USAGE,
                        word=" ".join(words)[:40])
    return SetConfidential(key, SWITCH[words[0].lower()])


YES_NO = {"yes": True, "no": False, "on": True, "off": False}


def _add_project(words: list[str]) -> AddProject:
    rest, options = text.split_options(words, ("pm", "channel", "confidential"),
                                       usage=ADD_USAGE)
    if not rest:
        raise UserError("project.key_missing", usage=ADD_USAGE)
    key = parse_key(rest[0], usage=ADD_USAGE)
    name = parse_name(text.plain(" ".join(rest[1:])), usage=ADD_USAGE)
    pm = _option_ref(options, "pm", text.user_ref, "project.pm_malformed")
    channel = _option_ref(options, "channel", text.channel_ref, "project.channel_malformed")
    secret = options.get("confidential", "no").lower()
    if secret not in YES_NO:
        raise UserError("pmo.confidential_switch", usage=ADD_USAGE, word=secret[:40])
    return AddProject(key=key, name=name, pm_id=pm, channel_id=channel,
                      confidential=YES_NO[secret])


def _option_ref(options: dict[str, str], name: str, parse: Callable[[str], text.Ref | None],
                error: str) -> str | None:
    if name not in options:
        return None
    ref = parse(options[name])
    if ref is None:
        raise UserError(error, usage=ADD_USAGE, value=options[name][:60])
    return ref.id


ALSO_UNDER_PMO: tuple[str, ...] = ("milestone", "issue", "action", "decision", "change", "lesson")
"""Top-level slash commands whose words also work after `/pmo` (`/pmo milestone …`): the rule
for every new top-level command (later `issue`, `action`, `decision`, `change`, `lesson`), so a
workspace that would rather not add commands can leave them out of its app
(`pmo-bot manifest --without-top-level`). Each is in SUBCOMMANDS (a test holds them together)."""


@dataclass(frozen=True)
class MilestoneWords:
    """`/pmo milestone …`: the same words as `/milestone …`, answered by its handler."""


@dataclass(frozen=True)
class IssueWords:
    """`/pmo issue …`: the same words as `/issue …`, answered by its handler."""


@dataclass(frozen=True)
class ActionWords:
    """`/pmo action …`: the same words as `/action …`, answered by its handler."""


@dataclass(frozen=True)
class DecisionWords:
    """`/pmo decision …`: the same words as `/decision …`, answered by its handler."""


@dataclass(frozen=True)
class ChangeWords:
    """`/pmo change …`: the same words as `/change …`, answered by its handler."""


@dataclass(frozen=True)
class LessonWords:
    """`/pmo lesson …`: the same words as `/lesson …`, answered by its handler."""


def _audit(words: list[str]) -> ShowAudit:
    if not words or len(words) > 2:
        raise UserError("audit.usage", usage=USAGE)
    key = parse_key(words[0], usage=USAGE)
    if len(words) == 1:
        return ShowAudit(key)
    page = words[1]
    if not (page.isascii() and page.isdigit()) or not 1 <= int(page) <= MAX_AUDIT_PAGE:
        raise UserError("audit.page_malformed", usage=USAGE, word=page[:20])
    return ShowAudit(key, int(page))


MAX_AUDIT_PAGE = 100_000

SUBCOMMANDS: dict[str, Callable[[list[str]], object]] = {
    "help": _help,
    "projects": _projects,
    "project": _project,
    "risks": parse_portfolio_risks,
    "gates": _gates,
    "digest": _digest,
    "milestone": lambda _words: MilestoneWords(),
    "issue": lambda _words: IssueWords(),
    "action": lambda _words: ActionWords(),
    "decision": lambda _words: DecisionWords(),
    "change": lambda _words: ChangeWords(),
    "lesson": lambda _words: LessonWords(),
    "audit": _audit,
    "propose": proposals.parse_propose,
    "proposals": proposals.parse_proposals,
    "proposal": proposals.parse_proposal,
    "rank": proposals.parse_rank,
    "portfolio": proposals.parse_overview,
    "meeting": parse_meeting,
    "allocate": capacity.parse_allocate,
    "people": capacity.parse_people,
    "chart": parse_chart,
}


def parse_pmo_command(raw: str, today: date | None = None,
                      max_years_ahead: int | None = None) -> object:
    """`/pmo <sub-command> …`; no text means help. `today` (the PMO's date when the command was
    sent) and `[pmo] max_years_ahead` are what a plan's dates are read against."""
    words = text.tokens(raw)
    if not words:
        return Help()
    if words[0].lower() == "project":
        return _project(words[1:], today, max_years_ahead)
    parse = SUBCOMMANDS.get(words[0].lower())
    if parse is None:
        raise UserError("pmo.no_such_command", word=words[0][:40])
    return parse(words[1:])
