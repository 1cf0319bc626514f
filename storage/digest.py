"""Everything the weekly digest shows, read in a fixed handful of queries.

The portfolio part costs two queries whatever the number of projects (the projects; every
project's latest status and its status as it stood a week ago, in one pass) and each source of
overdue items one or two more. The risk and gate sections plug in as `DigestSection`s in
`EXTRA_SECTIONS` (storage/digest_sections.py); each brings one query and its own block
template. The plan sections ("Reported better than the numbers", "Schedule and cost") cost
two more: the plans with their recent updates, and the milestones (storage/plan_facts.py), judged by
pmo_rules/plan_watch.py.

A project's own digest (`/pmo project KEY digest on`) is the same report narrowed to that
project; `load_project_digests` reads every such project's in the same handful of statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from pmo_rules.config import Rules
from pmo_rules.digest import ITEMS_PER_OWNER, DigestData, LatestStatus, ProjectFacts, compose
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.plan_watch import digest_sections, today_of
from pmo_rules.reminders import DueItem
from storage.digest_capacity import OverAllocatedSection
from storage.digest_raid import ActionSection, DecisionSection
from storage.digest_sections import (
    ChangeSection,
    GateSection,
    IssueSection,
    RiskSection,
    Top,
    top_of_each,
    top_of_each_by_project,
)
from storage.plan_facts import plan_facts
from storage.projects import Project, StatusUpdate
from storage.sources import overdue_by_owner


class DigestSection(Protocol):
    """A part of the digest contributed by another domain (new and high risks, gates decided
    and pending, upcoming due dates). It is rendered by `blocks/digest_<name>.json.j2`."""

    name: str

    def lists(self, now: datetime, rules: Rules) -> Mapping[str, tuple[Select, Sequence]]:
        """The section's named lists, each a query and its order; every query joins `Project`
        and selects its `key` (so a project's digest can have its own lists)."""
        ...

    def context(self, lists: Mapping[str, Top], now: datetime,
                rules: Rules) -> Mapping[str, Any] | None:
        """The template's context from the top of each list (None when there is nothing to
        say)."""
        ...


EXTRA_SECTIONS: tuple[DigestSection, ...] = (RiskSection(), GateSection(), IssueSection(),
                                              ActionSection(), DecisionSection(),
                                              ChangeSection(), OverAllocatedSection())


@dataclass(frozen=True, slots=True)
class DigestProject:
    """A project whose own weekly digest is on, and the channel it goes to."""

    id: int
    key: str
    channel_id: str


def load_digest(session: Session, now: datetime, rules: Rules) -> DigestData:
    """The portfolio digest: every active and on-hold project that is not confidential, the
    whole registers but theirs; the confidential ones are only counted (it goes to a channel:
    README, Who sees what)."""
    rows = session.execute(_portfolio_projects().add_columns(Project.confidential)).all()
    projects = [ProjectFacts(*row[:-1]) for row in rows if not row[-1]]
    hidden_keys = {row.key for row in rows if row[-1]}
    hidden_ids = {row.id for row in rows if row[-1]}
    latest, week_ago = _statuses(session, now)
    overdue, totals = overdue_by_owner(session, now, rules, ITEMS_PER_OWNER, hidden=hidden_keys)
    report = compose(projects, latest, week_ago, overdue, now, rules.status, tz=rules.pmo.tz,
                     overdue_totals=totals)
    extras = tuple((section.name, context) for section in EXTRA_SECTIONS
                   if (context := section.context(top_of_each(session, _shown(section, now, rules)),
                                                  now, rules)) is not None)
    facts = plan_facts(session, digest_on=_digest_day(now, rules), shown_only=True).values()
    plan_sections = digest_sections(facts, now, rules)
    return DigestData(report, extras + plan_sections, confidential=len(hidden_ids))


def _shown(section: DigestSection, now: datetime,
           rules: Rules) -> Mapping[str, tuple[Select, Sequence]]:
    """A section's lists without the confidential projects' rows (every query joins Project);
    a section about people across projects (`portfolio_only`: totals per person, no project
    named) is left as it is."""
    parts = section.lists(now, rules)
    if getattr(section, "portfolio_only", False):
        return parts
    return {name: (query.where(Project.confidential.is_(False)), order)
            for name, (query, order) in parts.items()}


def digest_projects(session: Session) -> list[DigestProject]:
    """The portfolio's projects whose own weekly digest is on, in KEY order: what the planner
    checks every tick, so one small query."""
    rows = session.execute(select(Project.id, Project.key, Project.channel_id)
                           .where(Project.digest.is_(True),
                                  Project.state.in_(PORTFOLIO_STATES)).order_by(Project.key))
    return [DigestProject(*row) for row in rows]


def load_project_digests(session: Session, now: datetime, rules: Rules,
                         project_ids: Collection[int]) -> dict[int, DigestData]:
    """Each of these projects' own digest (only its status, overdue items, risks and gates),
    by project id; active and on-hold projects only. The statements are the portfolio
    digest's, each narrowed to these projects, so their number does not grow with how many
    projects there are."""
    ids = list(project_ids)
    if not ids:
        return {}
    projects = [ProjectFacts(*row) for row in session.execute(
        _portfolio_projects().where(Project.id.in_(ids)))]
    latest, week_ago = _statuses(session, now, ids)
    items, totals = overdue_by_owner(session, now, rules, ITEMS_PER_OWNER, project_ids=ids)
    overdue, counts = _by_project(items), _totals_by_project(totals)
    extras = _extras_by_project(session, now, rules, ids)
    facts = plan_facts(session, ids, digest_on=_digest_day(now, rules))
    return {p.id: DigestData(compose([p], latest, week_ago, overdue.get(p.key, ()), now,
                                     rules.status, tz=rules.pmo.tz,
                                     overdue_totals=counts.get(p.key, {})),
                             extras.get(p.key, ()) + digest_sections(
                                 [facts[p.id]] if p.id in facts else [], now, rules),
                             project=p)
            for p in projects}


def _digest_day(now: datetime, rules: Rules) -> date | None:
    """The day the plan sections are about, to read only the milestones they need; None (read
    them all) when the planned value is the milestones' share (storage.plan_facts)."""
    if rules.indicators.planned_value == "milestones":
        return None
    return today_of(now, rules)


def _portfolio_projects() -> Select:
    return (select(Project.id, Project.key, Project.name, Project.pm_id, Project.created_at)
            .where(Project.state.in_(PORTFOLIO_STATES)).order_by(Project.key))


def _statuses(session: Session, now: datetime, project_ids: list[int] | None = None
              ) -> tuple[dict[int, LatestStatus], dict[int, str]]:
    """Each project's latest status (its newest update), and its RAG as it stood a week before
    `now` (its newest update posted by then), of these projects only when given.

    One pass over the updates finds both ids per project (`max(id)`, and the `max` of the ids
    posted by then), and each id's columns are read by primary key in a scalar sub-select:
    PostgreSQL joined them by hashing every update, twice (38 ms → 14 ms for 52,000)."""
    week_ago = now - timedelta(days=7)
    newest = select(StatusUpdate.project_id.label("project_id"),
                    func.max(StatusUpdate.id).label("latest"),
                    func.max(case((StatusUpdate.created_at <= week_ago, StatusUpdate.id)))
                    .label("week_ago"))
    if project_ids is not None:
        newest = newest.where(StatusUpdate.project_id.in_(project_ids))
    newest = newest.group_by(StatusUpdate.project_id).subquery()

    def of(column, update_id):
        return select(column).where(StatusUpdate.id == update_id).scalar_subquery()

    latest: dict[int, LatestStatus] = {}
    before: dict[int, str] = {}
    for project_id, rag, at, rag_then in session.execute(select(
            newest.c.project_id, of(StatusUpdate.overall, newest.c.latest),
            of(StatusUpdate.created_at, newest.c.latest),
            of(StatusUpdate.overall, newest.c.week_ago))):
        latest[project_id] = LatestStatus(rag, at)
        if rag_then is not None:
            before[project_id] = rag_then
    return latest, before


def _by_project(items: list[DueItem]) -> dict[str, list[DueItem]]:
    """Overdue items by their project's KEY (every source names it as `project`)."""
    grouped: dict[str, list[DueItem]] = defaultdict(list)
    for item in items:
        grouped[item.subject["project"]].append(item)
    return grouped


def _totals_by_project(totals: Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """Each project's number of overdue items by recipient, by the project's KEY, from the
    totals by (project KEY, recipient)."""
    grouped: dict[str, dict[str, int]] = defaultdict(dict)
    for (key, owner), count in totals.items():
        grouped[key][owner] = count
    return grouped


def _extras_by_project(session: Session, now: datetime, rules: Rules,
                       ids: list[int]) -> dict[str, tuple[tuple[str, Mapping[str, Any]], ...]]:
    """Each project's sections with something to say, by KEY: one statement per section."""
    found: dict[str, list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
    for section in EXTRA_SECTIONS:
        if getattr(section, "portfolio_only", False):  # about people across projects
            continue
        by_key = top_of_each_by_project(session, section.lists(now, rules), ids)
        for key, lists in by_key.items():
            if (context := section.context(lists, now, rules)) is not None:
                found[key].append((section.name, context))
    return {key: tuple(extras) for key, extras in found.items()}
