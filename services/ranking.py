"""`/pmo rank` (issue 13): the proposals in screening ranked by weighted score, and with a
budget the exact cut-line (pmo_rules.ranking), what greedy would have chosen, and what would
have to go for each proposal below the line to fit."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from pmo_rules import people_needed, ranking, scoring
from pmo_rules import proposals as rules
from pmo_rules.config import Rules
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.ranking import Candidate, Cut
from pmo_rules.scoring import Evaluation
from services import capacity
from services.context import BotContext
from storage import allocations as allocation_store
from storage import proposals as store

PER = Decimal(1_000_000)
"""Score per unit of cost is shown per million of the currency."""
RANK_MAX = 4000
ROOM_ROWS = 60
"""Ranked proposals whose named people are checked: more than one reply shows."""
NAMED_IN_MAX = 200
"""Up to this many people named, their totals are summed for them alone (`IN (…)`); beyond,
everyone's totals in one grouped pass are cheaper (bench/rank_people.py: 2,000 ids in an
`IN` list took 800 ms on SQLite, everyone's 5,000 totals 30 ms)."""


@dataclass(frozen=True)
class Ranked:
    ref: str
    title: str
    cost: Decimal
    score: float
    per_cost: float
    themes: tuple[str, ...]
    to_fit: tuple[str, ...] = ()
    needs: tuple[people_needed.Need, ...] = ()
    """People needed (read for the first ROOM_ROWS shown; empty past them)."""
    rooms: tuple[people_needed.Room, ...] = ()
    """Each named person's check: their total now plus the share this proposal names."""
    roles: tuple[people_needed.Need, ...] = ()
    """Roles needed: shown, not checked (the bot knows people's allocations, not roles')."""
    typed: str | None = None
    """People needed as typed, on a proposal from before they were structured: unchecked."""


@dataclass(frozen=True)
class Ranking:
    rows: list[Ranked]
    screened_out: list[tuple[str, str]]
    unscored: list[str]
    budget: Decimal | None
    theme: str | None
    cut: Cut | None
    active: list[tuple[Ranked, str]] = field(default_factory=list)
    """With `all`: the active projects that came from proposals (row, project KEY), by
    score; they are already funded, so they are not in the cut-line."""

    @property
    def roles_shown(self) -> bool:
        return any(r.roles or r.typed for r in self.rows)

    @property
    def people_checked(self) -> bool:
        return any(r.rooms for r in self.rows)


def rank(ctx: BotContext, cmd: rules.Rank) -> Ranking:
    with ctx.db.read() as session:
        return rank_in(session, ctx.rules, cmd, capacity.today(ctx))


def _evaluation(config: Rules, score_rows: list) -> Evaluation:
    return scoring.evaluate([row.scores for row in score_rows], config.portfolio.criteria)


def rank_in(session: Session, config: Rules, cmd: rules.Rank,
            today: date | None = None) -> Ranking:
    """`rank` in a read the caller holds: also what `pmo-bot export portfolio` writes
    (without `today`: no check of the people proposals name)."""
    portfolio = config.portfolio
    theme = rules.pick_theme(cmd.theme, portfolio.themes) if cmd.theme else None
    budget = cmd.budget or portfolio.budget
    proposals = [p for p in store.listed(session, states=(rules.SCREENING,), limit=RANK_MAX)
                 if theme is None or theme in (p.themes or [])]
    scores = store.scores_of(session, [p.id for p in proposals])
    facts = [(p, _evaluation(config, scores[p.id])) for p in proposals]
    active = _active(config, session, theme) if cmd.every else []
    rows, out, unscored = [], [], []
    stored: dict[str, object] = {}  # people needed as stored: read for the rows shown only
    for p, e in facts:
        if e.screened_out is not None:
            out.append((p.ref, e.screened_out.criterion))
        elif e.weighted is None:
            unscored.append(p.ref)
        else:
            rows.append(Ranked(p.ref, p.title, p.cost, e.weighted,
                               ranking.per_cost(e.weighted, p.cost, PER),
                               tuple(p.themes or ()),
                               typed=p.people if p.needs is None else None))
            stored[p.ref] = p.needs
    order = {c.ref: i for i, c in enumerate(ranking.ranked(
        [Candidate(r.ref, r.cost, r.score) for r in rows]))}
    rows.sort(key=lambda r: order[r.ref])
    cut = None
    if budget is not None and rows:
        candidates = [Candidate(r.ref, r.cost, r.score) for r in rows]
        cut = ranking.cut_line(candidates, budget)
        above = set(cut.chosen)
        chosen = [c for c in candidates if c.ref in above]
        drops = ranking.to_make_room_each(
            [c for c in candidates if c.ref not in above], chosen, budget)
        rows = [r if r.ref in above else replace(r, to_fit=tuple(drops[r.ref]))
                for r in rows]
    if today is not None:
        rows = _with_room(session, config, rows, stored, cut, today)
    return Ranking(rows, out, unscored, budget, theme, cut, active)


def _with_room(session: Session, config: Rules, rows: list[Ranked],
               stored: dict[str, object], cut: Cut | None, today: date) -> list[Ranked]:
    """The roles and the room of the people named by the first ROOM_ROWS proposals in the
    order the reply shows them (above the line, then below): one grouped statement (for the
    people named, or everyone's when they are many). Rows past those are past what one reply
    shows (3,900 characters) and are left out (`typed` is shown for any)."""
    above = set(cut.chosen) if cut is not None else None
    shown = sorted(range(len(rows)), key=lambda i: (
        above is not None and rows[i].ref not in above, i))[:ROOM_ROWS]
    needs = {i: people_needed.stored(stored.get(rows[i].ref)) for i in shown}
    named = {user for found in needs.values() for user in people_needed.named(found)}
    totals = dict(allocation_store.totals(
        session, today=today, pm_allocation=config.portfolio.pm_allocation,
        user_ids=sorted(named) if len(named) <= NAMED_IN_MAX else None)) if named else {}
    found = list(rows)
    for i in shown:
        checks, roles = people_needed.room(needs[i], totals)
        found[i] = replace(rows[i], needs=needs[i], rooms=tuple(checks), roles=tuple(roles))
    return found


def _active(config: Rules, session: Session, theme: str | None) -> list[tuple[Ranked, str]]:
    found = [(p, key) for p, key in store.approved_in_portfolio(session, PORTFOLIO_STATES,
                                                                 RANK_MAX)
             if theme is None or theme in (p.themes or [])]
    scores = store.scores_of(session, [p.id for p, _key in found])
    rows = []
    for p, key in found:
        weighted = _evaluation(config, scores[p.id]).weighted or 0.0
        rows.append((Ranked(p.ref, p.title, p.cost, weighted,
                            ranking.per_cost(weighted, p.cost, PER),
                            tuple(p.themes or ())), key))
    rows.sort(key=lambda item: (-item[0].score, item[0].ref))
    return rows
