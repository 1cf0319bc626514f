"""The closing report (issue 14): when the closing gate passes, a card to the project channel
and to the digest channel — planned against actual dates and cost (where the project has a
plan), the RAG history as a small chart (a reply in the card's thread), the risks that
occurred, the issues raised, the change requests approved and the lessons recorded.

Called by the gate decision (services/gates.py `_apply`) inside its transaction, so the cards
and charts are outbox rows committed with the decision, and sent by the dispatcher after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pmo_rules import charts as chart_rules
from pmo_rules.closing import plan_vs_actual
from services import charts
from services.context import BotContext
from services.lessons import LIST_MAX, shown
from storage import closing as store
from storage import lessons as lesson_store
from storage import outbox
from storage.plans import plan_of
from storage.projects import Project
from templates.render import Message

KIND = "closing_report"


def report(ctx: BotContext, session: Session, project: Project, actor: str,
           now: datetime) -> list[int]:
    """The closing card and its RAG chart, to the project's channel and the digest channel (once
    when they are the same); the delivery ids."""
    message = closing_message(ctx, session, project, now)
    chart = charts.chart_data(ctx, session, chart_rules.RAG, now, project)
    channels = dict.fromkeys(c for c in (project.channel_id, ctx.rules.pmo.digest_channel) if c)
    ids: list[int] = []
    for channel in channels:
        card = outbox.enqueue(session, kind=KIND, channel=channel, payload=message.as_payload(),
                              now=now, requested_by=actor)
        ids.append(card.id)
        if not chart_rules.is_empty(chart):
            ids.append(charts.enqueue_chart(session, channel=channel, chart=chart, now=now,
                                            tz=ctx.rules.pmo.tz, target_id=card.id,
                                            requested_by=actor))
    return ids


def closing_message(ctx: BotContext, session: Session, project: Project,
                    now: datetime) -> Message:
    tz = ctx.rules.pmo.tz
    return ctx.renderer.message("closing_report", "closing.text",
                                report=_report(session, project, now.astimezone(tz).date(),
                                               project.created_at.astimezone(tz).date(), ctx))


def _report(session: Session, project: Project, today, registered, ctx) -> dict[str, Any]:
    plan = plan_of(session, project.id)
    figures = None
    if plan is not None:
        baseline = plan.has_baseline
        cost = store.last_actual_cost(session, project.id)
        figures = plan_vs_actual(
            planned_start=plan.baseline_start if baseline else plan.start_on,
            planned_finish=plan.baseline_finish if baseline else plan.finish_on,
            budget=float(plan.baseline_budget if baseline else plan.budget),
            baseline=baseline, actual_start=registered, actual_finish=today,
            actual_cost=None if cost is None else float(cost))
    risks = store.occurred_risks(session, project.id)
    issues = store.issues_raised(session, project.id)
    changes = store.approved_changes(session, project.id)
    lessons = [shown(ctx, p, row)
               for p, row in lesson_store.lessons_of(session, project.id, LIST_MAX)]
    key, most = project.key, store.LISTED
    return {
        "key": key, "name": project.name, "closed_on": today.isoformat(),
        "registered": registered.isoformat(), "figures": figures,
        "currency": ctx.rules.pmo.currency,
        "risks": [f"{key}-R{n} {title}" for n, title in risks[:most]], "risk_count": len(risks),
        "issues": [{"ref": f"{key}-I{n}", "title": title, "severity": severity,
                    "status": status} for n, title, severity, status in issues[:most]],
        "issue_count": len(issues),
        "open_issues": sum(1 for *_rest, status in issues if status != "resolved"),
        "changes": [f"{key}-C{n} {title}" for n, title in changes[:most]],
        "change_count": len(changes),
        "lessons": [{"ref": lesson.ref, "learned": lesson.learned} for lesson in lessons[:most]],
        "lesson_count": lesson_store.count_for(session, project.id),
    }
