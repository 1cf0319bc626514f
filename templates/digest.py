"""The weekly digest as Slack messages: a first message and, when long, thread replies."""

from __future__ import annotations

from datetime import datetime

from pmo_rules.clock import overdue_by
from pmo_rules.config import Rules
from pmo_rules.digest import NONE, DigestData
from pmo_rules.schedule import DigestPeriod
from templates.reminders import as_messages
from templates.render import Message, Renderer


def period_label(renderer: Renderer, period: DigestPeriod | None, now: datetime) -> str:
    """"week 48, 2026" for a weekly digest; "as of 2026-11-30 09:00" for a manual one."""
    if period is None:
        return renderer.t("digest.period_now", when=renderer.local_date(now))
    return renderer.t("digest.period_week", week=period.week, year=period.year)


def digest_messages(renderer: Renderer, data: DigestData, *, period: str, now: datetime,
                    rules: Rules, note: str | None = None) -> list[Message]:
    """Opening (health, compliance, overdue), the other domains' sections, then the projects.

    A project's own digest names the project in its header and shows its RAG and trend in the
    opening, so it has no project list at the end."""
    report, project = data.portfolio, data.project
    blocks = renderer.blocks("digest", portfolio=report, period=period, note=note,
                             project=project, confidential=data.confidential,
                             cadence=rules.status.cadence_days,
                             stale_days=rules.status.stale_after_days,
                             overdue_days=lambda due: overdue_by(due, now, renderer.tz))
    for name, context in data.extras:
        blocks += renderer.blocks(f"digest_{name}", **context)
    if project is None:
        blocks += renderer.blocks("digest_projects", portfolio=report)
    return as_messages(renderer, blocks, "digest" if project is None else "digest.project",
                       period=period, project=project, red=report.count("red"),
                       amber=report.count("amber"), green=report.count("green"),
                       missing=report.count(NONE))
