"""What the risk register shows: the card, lists, history, the portfolio view and the forms.

Each function gathers what a template needs (a risk with its level and overdue state, as the
rules file and the PMO's date make them) and renders it; no words are written here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from handlers.ids import Action, RiskAction, RiskBlock, RiskCallback
from pmo_rules import risk as rules
from services.context import BotContext
from storage import risks as store
from storage.projects import Project
from storage.risks import Risk
from templates.render import Message

LIST_MAX = 40
"""Risks a list shows (one section each, inside Slack's 50 blocks); the rest are counted."""
HISTORY_MAX = 20
"""History entries `/risk show` shows under the card (the card takes up to 8 blocks)."""
FORM_PROJECTS_MAX = 100
"""Slack's limit on a select's options; beyond it the form asks for the KEY as text."""


@dataclass(frozen=True)
class RiskView:
    """A risk as the templates show it: with its readable ID, level and overdue reasons."""

    risk: Risk
    ref: str
    level: str
    overdue: tuple[str, ...]


def today(ctx: BotContext) -> date:
    return rules.pmo_today(ctx.now(), ctx.rules.pmo.tz)


def view_of(ctx: BotContext, risk: Risk) -> RiskView:
    return RiskView(risk=risk, ref=str(risk.ref), level=level(ctx, risk),
                    overdue=rules.overdue_reasons(risk.status, risk.next_review_on, risk.due_on,
                                                  today(ctx)))


def level(ctx: BotContext, risk: Risk) -> str:
    """The level under the rules in force now (thresholds may have changed since it was rated)."""
    return ctx.rules.risk.levels.level_of(risk.score)


def badge(ctx: BotContext, level_word: str) -> str:
    return ctx.renderer.t(f"risk.badge.{level_word}")


def card(ctx: BotContext, risk: Risk, intro: str | None = None) -> Message:
    """The risk card; `intro` (a sentence for the owner's DM) goes above it and is the text."""
    v = view_of(ctx, risk)
    fallback = ctx.renderer.t("risk.card_text", ref=v.ref, score=risk.score, title=risk.title,
                              level_word=ctx.renderer.t(f"risk.level.{v.level}"))
    blocks = ctx.renderer.blocks("risk_card", v=v, intro=intro, actions=RiskAction)
    return Message(text=intro or fallback, blocks=blocks)


def show(ctx: BotContext, session: Session, risk: Risk) -> Message:
    """`/risk show`: the card, then the history (the newest HISTORY_MAX entries)."""
    entries = store.history(session, risk.id)
    shown = entries[-HISTORY_MAX:]
    history = ctx.renderer.blocks("risk_history", entries=shown, fields=rules.FIELDS,
                                  more=len(entries) - len(shown))
    message = card(ctx, risk)
    return Message(text=message.text, blocks=message.blocks + history)


def risk_list(ctx: BotContext, risks: list[Risk], total: int, *, heading: str) -> Message:
    """One line per risk under `heading`; past LIST_MAX, how many more there are."""
    items = [view_of(ctx, risk) for risk in risks]
    blocks = ctx.renderer.blocks("risk_list", heading=heading, items=items,
                                 more=total - len(items))
    return Message(text=heading, blocks=blocks)


def portfolio(ctx: BotContext, session: Session) -> Message:
    """`/pmo risks`: the heat map of active risks and the ten with the highest scores."""
    counts = store.heat_counts(session)
    total = sum(counts.values())
    if not total:
        return ctx.renderer.text("risk.portfolio.empty")
    scale, levels = ctx.rules.risk.scale, ctx.rules.risk.levels
    by_level = dict.fromkeys(reversed(rules.LEVELS), 0)
    for (probability, impact), count in counts.items():
        by_level[levels.level_of(rules.score(probability, impact))] += count
    items = [view_of(ctx, risk) for risk in store.top_risks(session, 10)]
    return ctx.renderer.message("risk_portfolio", "risk.portfolio.text", total=total,
                                scale=scale, grid=rules.heat_map(counts, scale),
                                level_counts=list(by_level.items()), items=items)


# ---------------------------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------------------------


def form_view(ctx: BotContext, session: Session, *, channel: str, key: str | None = None,
              risk: Risk | None = None, owner: str | None = None) -> dict:
    """The add form (pre-filled with `key`, owner and the default review date) or, with
    `risk`, the update form carrying the version it shows, to catch changes made meanwhile."""
    if risk is not None:
        form = {name: _form_text(getattr(risk, name)) for name in rules.FIELDS}
        form["note"] = None  # a note is about this change, never pre-filled
        metadata = {"r": risk.id, "v": risk.version, "c": channel}
        projects = None
    else:
        form = dict.fromkeys(rules.FIELDS)
        form.update(project=key, owner_id=owner, status=rules.OPEN,
                    next_review_on=rules.default_review(today(ctx), ctx.rules).isoformat())
        metadata = {"c": channel}
        projects = _form_projects(session)
    statuses = rules.STATUSES if risk is not None else rules.ACTIVE_STATUSES
    return ctx.renderer.view(
        "risk_form", form=form, risk=risk, projects=projects, scale=ctx.rules.risk.scale,
        response_words=rules.RESPONSES, status_words=statuses, B=RiskBlock, action=Action.VALUE,
        callback=RiskCallback.FORM, metadata=json.dumps(metadata), title_max=rules.TITLE_MAX,
        description_max=rules.DESCRIPTION_MAX, trigger_max=rules.TRIGGER_MAX,
        note_max=rules.NOTE_MAX)


def _form_text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _form_projects(session: Session) -> list[Project] | None:
    """Projects a risk can be added to, for the select; None when there are too many for it."""
    projects = store.projects_taking_risks(session, limit=FORM_PROJECTS_MAX + 1)
    return projects if len(projects) <= FORM_PROJECTS_MAX else None


def close_view(ctx: BotContext, risk: Risk, *, channel: str) -> dict:
    return ctx.renderer.view("risk_close_form", risk=risk, B=RiskBlock, action=Action.VALUE,
                             callback=RiskCallback.CLOSE_FORM, note_max=rules.NOTE_MAX,
                             metadata=json.dumps({"r": risk.id, "c": channel}))


def submitted(values: dict, block: str) -> str | None:
    """A form field's submitted value, whatever the element (text, select, user, date, radio)."""
    element = (values.get(block) or {}).get(Action.VALUE) or {}
    for name in ("value", "selected_user", "selected_date"):
        if element.get(name) is not None:
            return element[name]
    option = element.get("selected_option") or {}
    return option.get("value")
