"""`--demo`: a believable sample portfolio in an empty database, the same every time.

The data is written through the storage functions the bot itself uses (so audit entries come
with it), not through Slack, so seeding takes milliseconds. A fixed seed and a fixed clock make
it deterministic: the README's transcripts depend on that.

Each domain seeds its own part: `SEEDERS` is a list of functions that take the open transaction
and the `DemoWorld` (clock, random source, the projects). A seeder schedules what happened and
when with `world.at(when, change)`; the world then plays every change in time order, so ids and
the audit log run in the order things happened, as in a real database. The open gate request's
approval cards wait in the outbox, as if Slack had been away: the console's first scheduler tick
posts them.
"""

from __future__ import annotations

import random
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.console.clock import CONSOLE_START
from bot.console.demo_issues import seed_issues
from bot.console.demo_plans import seed_plans
from bot.console.demo_proposals import seed_proposals
from bot.console.demo_raid import seed_raid
from bot.console.workspace import ADMIN, CHANNELS, PEOPLE, Person
from pmo_rules import gates
from pmo_rules import risk as risk_rules
from pmo_rules.config import Rules
from pmo_rules.errors import UserError
from pmo_rules.rag import Rag
from pmo_rules.risk import RiskDraft
from pmo_rules.status import DIMENSIONS, StatusDraft, make_draft
from services import gate_cards, plans
from storage import gates as gate_store
from storage import outbox
from storage import projects as store
from storage import risks as risk_store
from storage.db import Database
from templates.render import Renderer

SEED = 20261120
DATA_FILE = "demo_portfolio.toml"


@dataclass(frozen=True)
class LeftOut:
    """One planned demo item the rules in force would not allow, and why (a catalogue key)."""

    kind: str  # "gates" or "risks"
    why: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Seeded:
    """What `--demo` wrote: everything planned except `left_out`, counted against `planned`."""

    planned: Counter[str]
    left_out: tuple[LeftOut, ...]


@dataclass
class DemoWorld:
    """What seeders share: the demo's 'now', its random source and the projects made so far."""

    now: datetime
    rng: random.Random
    rules: Rules
    renderer: Renderer
    portfolio: list[dict[str, Any]]
    projects: dict[str, store.Project] = field(default_factory=dict)
    risks: dict[str, risk_store.Risk] = field(default_factory=dict)
    gates: dict[str, gate_store.GateRequest] = field(default_factory=dict)
    planned: Counter[str] = field(default_factory=Counter)
    left_out: list[LeftOut] = field(default_factory=list)
    _changes: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)

    def at(self, when: datetime, change: Callable[[], None]) -> None:
        """Schedule `change` (a closure over the session) to happen at `when`."""
        self._changes.append((when, len(self._changes), change))

    def play(self) -> None:
        """Make every scheduled change, oldest first (ties in the order they were scheduled)."""
        for _when, _order, change in sorted(self._changes, key=lambda c: c[:2]):
            change()
        self._changes.clear()

    def person(self, name: str) -> Person:
        return next(p for p in PEOPLE if p.name == name)

    def channel(self, name: str) -> str:
        return next(channel_id for channel_id, known in CHANNELS if known == name)

    def day(self, days_ago: int) -> date:
        """The calendar day `days_ago` before now, in the PMO's time zone."""
        return (self.now.astimezone(self.rules.pmo.tz) - timedelta(days=days_ago)).date()

    def office_hours(self, days_ago: int, person: Person) -> datetime:
        """A working-hours moment on that day in the person's own time zone, drawn from rng."""
        hour, minute = self.rng.randint(9, 17), self.rng.randrange(0, 60, 5)
        local = datetime.combine(self.day(days_ago), datetime.min.time(),
                                 tzinfo=ZoneInfo(person.tz))
        return min(local.replace(hour=hour, minute=minute), self.now - timedelta(hours=1))


Seeder = Callable[[Session, DemoWorld], None]


def seed_projects(session: Session, world: DemoWorld) -> None:
    """Five projects, registered by the PMO admin (their phases come from their gates)."""
    admin = next(p for p in PEOPLE if p.id == ADMIN)
    for plan in world.portfolio:
        created = world.office_hours(plan["created_days_ago"], admin)
        world.at(created, partial(_add_project, session, world, plan, created))


def _add_project(session: Session, world: DemoWorld, plan: dict, created: datetime) -> None:
    world.projects[plan["key"]] = store.add_project(
        session, key=plan["key"], name=plan["name"], pm_id=world.person(plan["pm"]).id,
        channel_id=world.channel(plan["channel"]), actor=ADMIN, now=created)


def seed_status_history(session: Session, world: DemoWorld) -> None:
    """Weekly status updates by each PM, validated as `/status` validates them."""
    for plan in world.portfolio:
        pm = world.person(plan["pm"])
        for entry in plan["status"]:
            draft = make_draft(key=plan["key"], overall=Rag(entry["overall"]),
                               summary=entry["summary"],
                               percent_complete=entry.get("percent"),
                               blockers=entry.get("blockers"),
                               next_steps=entry.get("next_steps"),
                               actual_cost=Decimal(entry["spent"]) if "spent" in entry
                               else None,
                               **{d: Rag(entry[d]) for d in DIMENSIONS if d in entry})
            posted = world.office_hours(entry["days_ago"], pm)
            world.at(posted, partial(_post_status, session, world, pm.id, draft, posted))


def _post_status(session: Session, world: DemoWorld, author: str, draft: StatusDraft,
                 posted: datetime) -> None:
    store.add_status(session, project=world.projects[draft.key], author=author,
                     values=draft.values(), now=posted)


def seed_risks(session: Session, world: DemoWorld) -> None:
    """A dozen risks across levels, raised by the PMs, some reviewed, some overdue, two ended."""
    review_every = timedelta(days=world.rules.risk.review_every_days)
    for plan in world.portfolio:
        pm = world.person(plan["pm"])
        for entry in plan.get("risk", []):
            world.planned["risks"] += 1
            try:
                draft = _risk_draft(world, plan["key"], entry, review_every)
            except UserError as error:  # e.g. ratings above a smaller [risk] scale
                why = "rating" if error.key == "risk.rating_range" else "other"
                world.left_out.append(LeftOut("risks", why, {"scale": world.rules.risk.scale}))
                continue
            raised = world.office_hours(entry["days_ago"], pm)
            world.at(raised, partial(_raise_risk, session, world, pm.id, draft, raised))
            if "reviewed_days_ago" in entry:
                owner = world.person(entry["owner"])
                reviewed = world.office_hours(entry["reviewed_days_ago"], owner)
                world.at(reviewed, partial(_review_risk, session, world, draft, owner.id,
                                           reviewed, world.day(entry["reviewed_days_ago"])
                                           + review_every))
            if "closed" in entry:
                days_ago, outcome, reason = entry["closed"]
                ended = world.office_hours(days_ago, pm)
                world.at(ended, partial(_end_risk, session, world, draft, pm.id, ended, outcome,
                                        reason))


def _risk_draft(world: DemoWorld, key: str, entry: dict, review_every: timedelta) -> RiskDraft:
    """The planned risk, validated against the rules in force as `/risk add` validates it."""
    return risk_rules.make_draft(
        key=key, title=entry["title"], rules=world.rules, probability=entry["p"],
        impact=entry["i"], owner_id=world.person(entry["owner"]).id,
        response=entry.get("response"), status=entry.get("status"),
        description=entry.get("description"), trigger=entry.get("trigger"),
        due_on=world.day(-entry["due_in"]) if "due_in" in entry else None,
        next_review_on=world.day(entry["days_ago"]) + review_every)


def _raise_risk(session: Session, world: DemoWorld, author: str, draft: RiskDraft,
                raised: datetime) -> None:
    project = world.projects[draft.key]
    values = draft.values(owner_id=author, next_review_on=draft.next_review_on)
    world.risks[draft.title] = risk_store.add_risk(session, project=project, values=values,
                                                   actor=author, now=raised)


def _review_risk(session: Session, world: DemoWorld, draft: RiskDraft, owner: str,
                 reviewed: datetime, next_review_on: date) -> None:
    risk_store.mark_reviewed(session, world.risks[draft.title], actor=owner, now=reviewed,
                             next_review_on=next_review_on)


def _end_risk(session: Session, world: DemoWorld, draft: RiskDraft, actor: str, ended: datetime,
              outcome: str, reason: str) -> None:
    risk_store.change_risk(session, world.risks[draft.title], {"status": outcome}, actor=actor,
                           now=ended, note=reason, action="risk.closed")


def seed_gates(session: Session, world: DemoWorld) -> None:
    """The stage gates each project passed to reach its phase, one rejected, one open.

    Only what the rules in force allow: a gate they give no approvers (or that its planned
    approver does not approve, or that one vote would not decide) is left out with the gates
    after it, and the project stays in the phase it had reached."""
    for plan in world.portfolio:
        pm = world.person(plan["pm"])
        planned = plan.get("gate", [])
        world.planned["gates"] += len(planned)
        for index, entry in enumerate(planned):
            why = _gate_refused(world, plan["key"], pm.id, entry)
            if why is not None:
                world.left_out.extend([why] * (len(planned) - index))
                break
            asked = world.office_hours(entry["requested_days_ago"], pm)
            world.at(asked, partial(_request_gate, session, world, plan["key"], pm.id, entry,
                                    asked))
            if entry["outcome"] != gates.OPEN:
                judge = world.person(entry["by"])
                decided = world.office_hours(entry["decided_days_ago"], judge)
                world.at(decided, partial(_decide_gate, session, world, plan["key"], judge.id,
                                          entry, decided))


def _gate_refused(world: DemoWorld, key: str, pm: str, entry: dict) -> LeftOut | None:
    """Why the rules would not let this planned gate happen as planned, or None."""
    phase, params = entry["phase"], {"phase": entry["phase"]}
    try:
        electorate = gates.electorate(world.rules.gate(phase), pm, key=key, phase=phase,
                                      self_approval=world.rules.gates.self_approval)
    except UserError as error:
        why = "no_approvers" if error.key == "gate.no_approvers" else "unreachable"
        return LeftOut("gates", why, params)
    if entry["outcome"] == gates.OPEN:
        return None
    judge = world.person(entry["by"])
    if judge.id not in electorate.approvers:
        return LeftOut("gates", "not_approver", dict(params, user=judge.name))
    vote = gates.APPROVE if entry["outcome"] == gates.PASSED else gates.REJECT
    if gates.outcome_after({judge.id: vote}, electorate.required) != entry["outcome"]:
        return LeftOut("gates", "one_vote", params)
    return None


def _request_gate(session: Session, world: DemoWorld, key: str, pm: str, entry: dict,
                  asked: datetime) -> None:
    """What `/gate request` stores; an open request's cards wait in the outbox to be posted."""
    project = world.projects[key]
    rule = world.rules.gate(project.phase)
    electorate = gates.electorate(rule, pm, self_approval=world.rules.gates.self_approval,
                                  key=key, phase=project.phase)
    criteria = rule.criteria or gate_cards.default_criteria(world.renderer, project.phase)
    ticked = entry.get("ticked", len(criteria))
    checklist = [{"text": text, "done": index < ticked} for index, text in enumerate(criteria)]
    request = gate_store.add_request(session, project=project, requester=pm, now=asked,
                                     note=entry["note"], checklist=checklist,
                                     electorate=electorate)
    world.gates[key] = request
    if entry["outcome"] == gates.OPEN:
        payload = gate_cards.card(world.renderer, project, request, []).as_payload()
        request.card_ids = [outbox.enqueue(session, kind="gate_card", channel=channel,
                                           payload=payload, now=asked, requested_by=pm).id
                            for channel in (project.channel_id, *request.approvers)]


def _decide_gate(session: Session, world: DemoWorld, key: str, judge: str, entry: dict,
                 decided: datetime) -> None:
    """One approver's vote that settles the gate, and what it does to the project."""
    request, project = world.gates[key], world.projects[key]
    passed = entry["outcome"] == gates.PASSED
    reason = entry.get("reason")
    gate_store.add_vote(session, request=request, approver=judge, now=decided, reason=reason,
                        vote=gates.APPROVE if passed else gates.REJECT)
    gate_store.decide(session, request=request, state=entry["outcome"], actor=judge,
                      now=decided, reason=reason)
    change = gates.project_after(entry["outcome"], request.phase)
    if change is not None:
        gate_store.move_project(session, project=project, from_phase=request.phase,
                                phase=change.phase, state=change.state, hold_until=None,
                                actor=judge, now=decided)
    plans.gate_decided(session, project, request.phase, entry["outcome"], judge, decided)


SEEDERS: list[Seeder] = [seed_projects, seed_status_history, seed_risks, seed_gates, seed_plans,
                         seed_issues, seed_raid, seed_proposals]


def portfolio() -> list[dict[str, Any]]:
    text = resources.files("bot.console").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)["project"]


def seed_demo(db: Database, rules: Rules, now: datetime = CONSOLE_START) -> Seeded | None:
    """Fill an empty database with the demo portfolio (what the rules allow of it); None, and
    no change, if it has data."""
    with db.write() as session:
        if store.all_projects(session):
            return None
        world = DemoWorld(now=now, rng=random.Random(SEED), rules=rules,
                          renderer=Renderer(rules.pmo.locale, rules.pmo.tz),
                          portfolio=portfolio())
        for seeder in SEEDERS:
            seeder(session, world)
        world.play()
    return Seeded(world.planned, tuple(world.left_out))
