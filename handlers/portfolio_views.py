"""What `/pmo projects` and `/pmo project KEY` show: the portfolio, and one project's card.

Two queries whatever the portfolio's size (the projects, and every project's latest update in
one go), and the same `Standing` judgement as the Home tab. The portfolio is split into as many
messages as Slack's size limits need, up to the five posts a response_url takes.
"""

from __future__ import annotations

from datetime import datetime

from pmo_rules.portfolio import Standing, standing, tally
from services import plans as plans_service
from services import projects as projects_service
from services.context import BotContext
from services.projects import Project, StatusUpdate
from templates.paging import page_lines
from templates.render import Message

MAX_MESSAGES = 5  # a response_url takes five posts
RECENT_UPDATES = 5


def project_standing(ctx: BotContext, project: Project, latest: StatusUpdate | None,
                     now: datetime) -> Standing:
    return standing(state=project.state, created_at=project.created_at,
                    latest_rag=latest.overall if latest else None,
                    latest_at=latest.created_at if latest else None,
                    now=now, rules=ctx.rules.status, tz=ctx.rules.pmo.tz)


def portfolio_messages(ctx: BotContext) -> list[Message]:
    """The whole portfolio in KEY order, as few messages as Slack's limits allow."""
    now = ctx.now()
    projects, latest = projects_service.portfolio(ctx)
    if not projects:
        return [ctx.renderer.text("portfolio.empty")]
    rows = [(p, project_standing(ctx, p, latest.get(p.id), now)) for p in projects]
    lines = [ctx.renderer.t("portfolio.row", project=p, standing=s) for p, s in rows]
    pages = page_lines(lines)
    shown = pages[:MAX_MESSAGES]
    hidden = len(projects) - sum(len(group) for page in shown for group in page)
    headline = tally(s for _, s in rows)
    return [ctx.renderer.message("portfolio", "portfolio.text", tally=headline, sections=page,
                                 part=number, parts=len(shown),
                                 hidden=hidden if number == len(shown) else 0)
            for number, page in enumerate(shown, start=1)]


def project_card(ctx: BotContext, key: str) -> Message:
    """One project: phase, state, PM, channel, latest RAG and its age, the last few updates."""
    project, recent = projects_service.with_recent(ctx, key, RECENT_UPDATES)
    now = ctx.now()
    plan = plans_service.plan_for_card(ctx, project, recent)
    return ctx.renderer.message(
        "project_card", "portfolio.card_text", project=project, recent=recent, plan=plan,
        standing=project_standing(ctx, project, recent[0] if recent else None, now))
