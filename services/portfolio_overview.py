"""`/pmo portfolio` (issue 13): the PMO's overview of the portfolio — projects by phase and
state, planned budgets against `[portfolio] budget`, spend to date where reported, projects and
money by strategic theme (a theme with no project is named), the five best-scored proposals in
screening and the proposals waiting longest for screening. A handful of queries, whatever the
portfolio's size."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pmo_rules import proposals as rules
from pmo_rules.lifecycle import PORTFOLIO_STATES
from services import access
from services.context import BotContext
from services.proposals import evaluation_of
from storage import plans as plan_store
from storage import projects as project_store
from storage import proposals as store

TOP = 5


@dataclass(frozen=True)
class Overview:
    phases: dict[str, int]
    states: dict[str, int]
    planned: Decimal
    unplanned: int
    budget: Decimal | None
    spent: Decimal
    spent_known: int
    themes: list[tuple[str, int, Decimal]]
    """(theme, projects, their planned money), every theme of the rules file first."""
    empty_themes: list[str]
    top: list[tuple[str, str, float]]
    waiting: list[tuple[str, str, int]]
    """(ref, title, days since it was submitted), oldest first."""


def overview(ctx: BotContext, user: str) -> Overview:
    """`/pmo portfolio` as `user` may see it (confidential projects only when entitled)."""
    now = ctx.now()
    with ctx.db.read() as session:
        hidden = access.hidden_from(ctx, session, user)
        projects = [p for p in project_store.all_projects(session, excluding=hidden)
                    if p.state in PORTFOLIO_STATES]
        ids = [p.id for p in projects]
        plans = plan_store.plans_of(session, ids)
        latest = project_store.latest_statuses(session, ids)
        origins = store.approved_in_portfolio(session, PORTFOLIO_STATES, 10_000)
        screening = store.listed(session, states=(rules.SCREENING,), limit=4000)
        scores = store.scores_of(session, [p.id for p in screening])
        submitted = store.listed(session, states=(rules.SUBMITTED,), limit=4000)
        top = sorted(((p.ref, p.title, e.weighted) for p in screening
                      if (e := evaluation_of(ctx, scores[p.id])).weighted is not None
                      and e.screened_out is None), key=lambda t: (-t[2], int(t[0][3:])))[:TOP]
        waiting = [(p.ref, p.title, _days(now, p.created_at))
                   for p in sorted(submitted, key=lambda p: p.created_at)[:TOP]]
        money = {p.id: (plans[p.id].budget if p.id in plans else Decimal(0)) for p in projects}
        by_key = {p.key: p.id for p in projects}
        theme_count: Counter[str] = Counter()
        theme_money: dict[str, Decimal] = {}
        for proposal, key in origins:
            for theme in proposal.themes or []:
                theme_count[theme] += 1
                theme_money[theme] = theme_money.get(theme, Decimal(0)) + money.get(
                    by_key.get(key, -1), proposal.cost)
        spent = [s.actual_cost for s in latest.values() if s.actual_cost is not None]
    configured = list(ctx.rules.portfolio.themes)
    names = configured + sorted(t for t in theme_count if t not in configured)
    return Overview(
        phases=dict(Counter(p.phase for p in projects)),
        states=dict(Counter(p.state for p in projects)),
        planned=sum(money.values(), Decimal(0)), unplanned=len(ids) - len(plans),
        budget=ctx.rules.portfolio.budget, spent=sum(spent, Decimal(0)),
        spent_known=len(spent),
        themes=[(t, theme_count[t], theme_money.get(t, Decimal(0))) for t in names
                if theme_count[t]],
        empty_themes=[t for t in configured if not theme_count[t]],
        top=top, waiting=waiting)


def _days(now: datetime, then: datetime) -> int:
    return max(0, (now - then).days)
