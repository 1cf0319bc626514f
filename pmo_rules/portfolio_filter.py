"""`/pmo projects` filters and paging: `pm:@user` (or `pm:me`), `phase:execution`, `rag:red`,
`stale`, `page:2`. Pure: the parser turns the words into a `ProjectFilter` (or refuses them with
the list of filters), and `matches` says whether one project's standing passes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pmo_rules import text
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PHASES
from pmo_rules.portfolio import Standing

USAGE = "pmo_projects"
OPTIONS = ("pm", "phase", "rag", "page")
FLAGS = ("stale",)
RAGS = ("green", "amber", "red", "none")
ME = "me"
MAX_PAGE = 1000


@dataclass(frozen=True)
class ProjectFilter:
    """Which of the portfolio's projects `/pmo projects` lists, and which page of them."""

    pm: str | None = None
    phase: str | None = None
    rag: str | None = None
    stale: bool = False
    page: int = 1

    @property
    def narrowed(self) -> bool:
        """True when a filter leaves some of the portfolio out (paging alone does not)."""
        return any((self.pm, self.phase, self.rag, self.stale))

    def for_user(self, user: str) -> ProjectFilter:
        """`pm:me` read as the person who typed it."""
        return replace(self, pm=user) if self.pm == ME else self

    def words(self) -> str:
        """The filters as they can be typed again (for "page:2 shows the next ones")."""
        parts = [f"pm:<@{self.pm}>" if self.pm else "", f"phase:{self.phase}" if self.phase else "",
                 f"rag:{self.rag}" if self.rag else "", "stale" if self.stale else ""]
        return " ".join(part for part in parts if part)


def parse_filter(words: list[str]) -> ProjectFilter:
    """The words after `/pmo projects` (`pm:me` stays ME until `for_user`). Anything else is
    refused, saying which filters there are."""
    found: dict[str, str] = {}
    stale = False
    for word in words:
        if word.lower() in FLAGS:
            if stale:
                raise UserError("text.repeated_option", usage=USAGE, name="stale")
            stale = True
            continue
        option = text.take_option(word, OPTIONS, found, usage=USAGE)
        if option is None or not option[1]:
            raise UserError("pmo.projects_filter_unknown", usage=USAGE, word=word[:60])
        found[option[0]] = option[1]
    return ProjectFilter(pm=_pm(found.get("pm")), phase=_phase(found.get("phase")),
                         rag=_choice("rag", found.get("rag"), RAGS), stale=stale,
                         page=_page(found.get("page")))


def _pm(value: str | None) -> str | None:
    if value is None or value.lower() == ME:
        return value and ME
    ref = text.user_ref(value)
    if ref is None:
        raise UserError("pmo.projects_filter_value", usage=USAGE, name="pm", value=value[:60])
    return ref.id


def _phase(value: str | None) -> str | None:
    return _choice("phase", value, PHASES)


def _choice(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value.lower() not in choices:
        raise UserError("pmo.projects_filter_value", usage=USAGE, name=name, value=value[:60])
    return value.lower()


def _page(value: str | None) -> int:
    if value is None:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise UserError("pmo.projects_filter_value", usage=USAGE, name="page", value=value[:60])
    return int(value)


def matches(rule: ProjectFilter, *, pm_id: str, phase: str, standing: Standing) -> bool:
    """Whether a project of the portfolio passes every filter given."""
    return ((rule.pm is None or pm_id == rule.pm)
            and (rule.phase is None or phase == rule.phase)
            and (rule.rag is None or (standing.rag or "none") == rule.rag)
            and (not rule.stale or standing.stale))
