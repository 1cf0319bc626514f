"""What the risk register shows: lists, history, the portfolio view and the forms (the card,
which the use cases queue in the outbox, is services/risk_cards.py).

Each function gathers what a template needs (a risk with its level and overdue state, as the
rules file and the PMO's date make them) and renders it; no words are written here.
"""

from __future__ import annotations

from datetime import date

from pmo_rules import risk as rules
from pmo_rules.ids import Action, RiskBlock, RiskCallback
from pmo_rules.risk_command import ListRisks
from pmo_rules.values import RiskCloseForm, RiskForm
from services import risks
from services.context import BotContext
from services.risk_cards import card, today, view_of
from services.risks import Risk
from templates.render import Message

LIST_MAX = 40
"""Risks a list shows (one section each, inside Slack's 50 blocks); the rest are counted."""
HISTORY_MAX = 20
"""History entries `/risk show` shows under the card (the card takes up to 8 blocks)."""
FORM_PROJECTS_MAX = 100
"""Slack's limit on a select's options; beyond it the form asks for the KEY as text."""
PORTFOLIO_TOP = 10
"""Risks `/pmo risks` lists under the heat map, highest scores first."""


def show(ctx: BotContext, risk: Risk, entries: list, links: risks.Links) -> Message:
    """`/risk show`: the card, then the history (the newest HISTORY_MAX of `entries`)."""
    shown = entries[-HISTORY_MAX:]
    history = ctx.renderer.blocks("risk_history", entries=shown,
                                  fields=(*rules.FIELDS, "duplicate_of"),
                                  more=len(entries) - len(shown))
    message = card(ctx, risk, links=links)
    return Message(text=message.text, blocks=message.blocks + history)


def listed(ctx: BotContext, user: str, cmd: ListRisks, key: str | None, found: list[Risk],
           total: int) -> Message:
    """`/risk list …`: the heading names the scope (a project, someone's, yours) and the
    filters; an empty list says what it looked for."""
    owner = cmd.owner if cmd.owner != user or key else None
    filters = ctx.renderer.t("risk.list_filters", level=cmd.level, overdue=cmd.overdue,
                             owner=key and owner)
    params = dict(total=total, include_closed=cmd.include_closed, filters=filters)
    if key is not None:
        heading = ctx.renderer.t("risk.list_project", key=key, **params)
    elif owner is not None:
        heading = ctx.renderer.t("risk.list_owner", owner=owner, **params)
    else:
        heading = ctx.renderer.t("risk.list_mine", **params)
    if total:
        return risk_list(ctx, found, total, heading=heading)
    if cmd.filtered:
        return ctx.renderer.text("risk.list_none_match", heading=heading)
    if key is not None:
        return ctx.renderer.text("risk.list_empty_project", key=key,
                                 include_closed=cmd.include_closed)
    return ctx.renderer.text("risk.list_empty_mine", include_closed=cmd.include_closed)


def risk_list(ctx: BotContext, risks: list[Risk], total: int, *, heading: str) -> Message:
    """One line per risk under `heading`; past LIST_MAX, how many more there are."""
    items = [view_of(ctx, risk) for risk in risks]
    blocks = ctx.renderer.blocks("risk_list", heading=heading, items=items,
                                 more=total - len(items))
    return Message(text=heading, blocks=blocks)


def portfolio(ctx: BotContext, user: str) -> Message:
    """`/pmo risks`: the heat map of active risks and the ten with the highest scores (of the
    projects `user` may see)."""
    counts, top = risks.heat_map(ctx, PORTFOLIO_TOP, user)
    total = sum(counts.values())
    if not total:
        return ctx.renderer.text("risk.portfolio.empty")
    scale, levels = ctx.rules.risk.scale, ctx.rules.risk.levels
    by_level = dict.fromkeys(reversed(rules.LEVELS), 0)
    for (probability, impact), count in counts.items():
        by_level[levels.level_of(rules.score(probability, impact))] += count
    items = [view_of(ctx, risk) for risk in top]
    return ctx.renderer.message("risk_portfolio", "risk.portfolio.text", total=total,
                                scale=scale, grid=rules.heat_map(counts, scale),
                                level_counts=list(by_level.items()), items=items)


# ---------------------------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------------------------


def form_view(ctx: BotContext, *, channel: str, key: str | None = None,
              risk: Risk | None = None, owner: str | None = None) -> dict:
    """The add form (pre-filled with `key`, owner and the default review date) or, with
    `risk`, the update form carrying the version it shows, to catch changes made meanwhile."""
    if risk is not None:
        form = {name: _form_text(getattr(risk, name)) for name in rules.FIELDS}
        form["note"] = None  # a note is about this change, never pre-filled
        metadata = RiskForm(channel, risk.id, risk.version)
        projects = None
    else:
        form = dict.fromkeys(rules.FIELDS)
        form.update(project=key, owner_id=owner, status=rules.OPEN,
                    next_review_on=rules.default_review(today(ctx), ctx.rules).isoformat())
        metadata = RiskForm(channel)
        projects = risks.form_projects(ctx, FORM_PROJECTS_MAX, owner or "")  # owner: who asks
    statuses = rules.STATUSES if risk is not None else rules.ACTIVE_STATUSES
    return ctx.renderer.view(
        "risk_form", form=form, risk=risk, projects=projects, scale=ctx.rules.risk.scale,
        response_words=rules.RESPONSES, status_words=statuses, B=RiskBlock, action=Action.VALUE,
        callback=RiskCallback.FORM, metadata=metadata.encode(), title_max=rules.TITLE_MAX,
        description_max=rules.DESCRIPTION_MAX, trigger_max=rules.TRIGGER_MAX,
        note_max=rules.NOTE_MAX)


def _form_text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def close_view(ctx: BotContext, risk: Risk, *, channel: str) -> dict:
    return ctx.renderer.view("risk_close_form", risk=risk, B=RiskBlock, action=Action.VALUE,
                             callback=RiskCallback.CLOSE_FORM, note_max=rules.NOTE_MAX,
                             metadata=RiskCloseForm(risk.id, channel).encode())


def submitted(values: dict, block: str) -> str | None:
    """A form field's submitted value, whatever the element (text, select, user, date, radio)."""
    element = (values.get(block) or {}).get(Action.VALUE) or {}
    for name in ("value", "selected_user", "selected_date"):
        if element.get(name) is not None:
            return element[name]
    option = element.get("selected_option") or {}
    return option.get("value")
