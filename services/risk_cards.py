"""The risk card as the outbox posts and updates it, and what it rests on: a risk's level under
the rules in force, its badge, its overdue reasons and the PMO's today. The use cases in
services/risks.py render it inside their transactions; handlers/risk_views.py reuses it for
`/risk show` and the lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pmo_rules import risk as rules
from pmo_rules.ids import RiskAction
from pmo_rules.values import RiskButton
from services.context import BotContext
from storage.risks import Links, Risk
from templates.render import Message


@dataclass(frozen=True)
class RiskView:
    """A risk as the templates show it: with its readable ID, level and overdue reasons."""

    risk: Risk
    ref: str
    level: str
    overdue: tuple[str, ...]


def today(ctx: BotContext, at: datetime | None = None) -> date:
    """The PMO's date now (or at `at`: the moment a kept request was sent)."""
    return rules.pmo_today(at or ctx.now(), ctx.rules.pmo.tz)


def view_of(ctx: BotContext, risk: Risk) -> RiskView:
    return RiskView(risk=risk, ref=str(risk.ref), level=level(ctx, risk),
                    overdue=rules.overdue_reasons(risk.status, risk.next_review_on, risk.due_on,
                                                  today(ctx)))


def level(ctx: BotContext, risk: Risk) -> str:
    """The level under the rules in force now (thresholds may have changed since it was rated)."""
    return ctx.rules.risk.levels.level_of(risk.score)


def badge(ctx: BotContext, level_word: str) -> str:
    return ctx.renderer.t(f"risk.badge.{level_word}")


def card(ctx: BotContext, risk: Risk, intro: str | None = None,
         links: Links | None = None) -> Message:
    """The risk card; `intro` (a sentence for the owner's DM) goes above it and is the text;
    `links` are its duplicate links (storage.risks.links), shown both ways."""
    v = view_of(ctx, risk)
    fallback = ctx.renderer.t("risk.card_text", ref=v.ref, score=risk.score, title=risk.title,
                              level_word=ctx.renderer.t(f"risk.level.{v.level}"))
    blocks = ctx.renderer.blocks("risk_card", v=v, intro=intro, actions=RiskAction,
                                 value=RiskButton(risk.id).encode(), links=links or Links())
    return Message(text=intro or fallback, blocks=blocks)
