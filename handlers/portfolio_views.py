"""What `/pmo projects` and `/pmo project KEY` show: the portfolio, and one project's card.

Two queries whatever the portfolio's size (the projects, and every project's latest update in
one go), and the same `Standing` judgement as the Home tab; two more for the plans'
reported-better flags (services.plans.flags_of). The portfolio is what
`pmo_rules.portfolio.split_portfolio` says it is (active and on-hold projects); cancelled and
closed ones are named on a line of their own. It is split into as many messages as Slack's size
limits need, up to the five posts a response_url takes: one page; `page:2` shows the next.
"""

from __future__ import annotations

from datetime import datetime

from pmo_rules.portfolio import Standing, split_portfolio, standing, tally
from pmo_rules.portfolio_filter import ProjectFilter, matches
from services import actions as actions_service
from services import changes as change_service
from services import issue_cards as issue_views
from services import plans as plans_service
from services import projects as projects_service
from services import proposals as proposals_service
from services.context import BotContext
from services.projects import Project, StatusUpdate
from templates.paging import page_lines
from templates.render import Message

MAX_MESSAGES = 5  # a response_url takes five posts
RECENT_UPDATES = 5
ENDED_SHOWN = 30
"""Cancelled and closed projects named on the portfolio's "not counted" line; the rest counted."""


def project_standing(ctx: BotContext, project: Project, latest: StatusUpdate | None,
                     now: datetime) -> Standing:
    return standing(state=project.state, created_at=project.created_at,
                    latest_rag=latest.overall if latest else None,
                    latest_at=latest.created_at if latest else None,
                    now=now, rules=ctx.rules.status, tz=ctx.rules.pmo.tz)


def portfolio_messages(ctx: BotContext, rule: ProjectFilter | None = None,
                       user: str | None = None) -> list[Message]:
    """The portfolio (or the part `rule` keeps) in KEY order, as few messages as Slack's limits
    allow: page `rule.page` of it; cancelled and closed projects on a line of their own. With
    `user`, only the projects they may see (README: Who sees what)."""
    rule = rule or ProjectFilter()
    now = ctx.now()
    projects, latest = projects_service.portfolio(ctx, user)
    if not projects:
        return [ctx.renderer.text("portfolio.empty")]
    counted, ended = split_portfolio(projects, lambda p: p.state)
    rows = [(p, project_standing(ctx, p, latest.get(p.id), now)) for p in counted]
    rows = [(p, s) for p, s in rows
            if matches(rule, pm_id=p.pm_id, phase=p.phase, standing=s)]
    ended = [p for p in ended if _ended_shown(rule, p)]
    if not rows and not ended:
        return [ctx.renderer.text("portfolio.none_match", words=rule.words())]
    flags = plans_service.flags_of(ctx) if rows else {}
    lines = [ctx.renderer.t("portfolio.row", project=p, standing=s, flag=flags.get(p.id))
             for p, s in rows]
    pages = page_lines(lines)
    first = (rule.page - 1) * MAX_MESSAGES
    shown = pages[first:first + MAX_MESSAGES] or ([[]] if rule.page == 1 else [])
    if not shown:
        return [ctx.renderer.text("portfolio.no_such_page", page=rule.page, words=rule.words(),
                                  last=max(1, -(-len(pages) // MAX_MESSAGES)))]
    before = sum(len(group) for page in pages[:first] for group in page)
    hidden = len(rows) - before - sum(len(group) for page in shown for group in page)
    headline = tally(s for _, s in rows)
    ended_line = {"keys": [p.key for p in ended[:ENDED_SHOWN]], "count": len(ended),
                  "more": max(0, len(ended) - ENDED_SHOWN)} if ended and rule.page == 1 else None
    return [ctx.renderer.message("portfolio", "portfolio.text", tally=headline, sections=page,
                                 part=number, parts=len(shown), rule=rule, page=rule.page,
                                 ended=ended_line if number == 1 else None,
                                 hidden=hidden if number == len(shown) else 0,
                                 next_page=rule.page + 1)
            for number, page in enumerate(shown, start=1)]


def _ended_shown(rule: ProjectFilter, project: Project) -> bool:
    """Cancelled and closed projects are named only beside the whole portfolio, or beside a
    PM's own projects."""
    if rule.phase or rule.rag or rule.stale:
        return False
    return rule.pm is None or project.pm_id == rule.pm


def project_card(ctx: BotContext, key: str) -> Message:
    """One project: phase, state, PM, channel, latest RAG and its age, the last few updates."""
    project, recent = projects_service.with_recent(ctx, key, RECENT_UPDATES)
    now = ctx.now()
    plan = plans_service.plan_for_card(ctx, project, recent)
    issues = issue_views.counts_of(ctx, project.id)
    return ctx.renderer.message(
        "project_card", "portfolio.card_text", project=project, recent=recent, plan=plan,
        issues=issues,
        raid=actions_service.counts(ctx, project.id),
        changes=change_service.summary(ctx, project),
        standing=project_standing(ctx, project, recent[0] if recent else None, now),
        proposal_ref=proposals_service.of_project(ctx, project.id))
