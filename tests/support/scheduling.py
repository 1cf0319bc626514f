"""Helpers for the reminder, digest and scheduler tests: projects at chosen times, the tick."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session

from bot.scheduler import TickResult, tick
from pmo_rules.config import DEFAULT_RULES, Rules
from storage import projects as store
from storage.migrate import upgrade
from storage.outbox import Delivery
from tests.support import ADMIN, GENERAL, START, Bot, rules_with

SHANGHAI = ZoneInfo("Asia/Shanghai")


def pmo_rules(**pmo) -> Rules:
    """Default rules with an admin, the digest going to #general, and `pmo` overrides; a new
    project's first update is due at once (no grace: these tests are about what comes after)."""
    base = rules_with()
    return replace(base, pmo=replace(base.pmo, **{"digest_channel": GENERAL, **pmo}),
                   status=replace(base.status, first_update_within_days=0))


def add_project(bot: Bot, key: str, pm: str, *, at: datetime | None = None,
                statuses: list[tuple[datetime, str]] = (), channel: str = GENERAL) -> int:
    """Register `key` (PM `pm`, in `channel`) at `at`, with status updates posted at the given
    times."""
    with bot.ctx.db.write() as session:
        project = store.add_project(session, key=key, name=f"{key.title()} project", pm_id=pm,
                                    channel_id=channel, actor=ADMIN, now=at or bot.clock.at)
        for when, rag in statuses:
            store.add_status(session, project=project, author=pm, now=when,
                             values={"overall": rag, "summary": f"{key} {rag}"})
        return project.id


def run(bot: Bot) -> TickResult:
    return tick(bot.ctx)


def run_until(bot: Bot, end: datetime, step: timedelta) -> None:
    """Tick, then move the clock by `step`, until the clock reaches `end`."""
    while bot.clock.at < end:
        tick(bot.ctx)
        bot.clock.advance(seconds=step.total_seconds())


def dms(bot: Bot, user: str) -> list[dict]:
    return bot.slack.messages(user)


def nudges(bot: Bot, user: str) -> list[dict]:
    return [m for m in dms(bot, user) if any(b.get("type") == "actions" for b in m["blocks"])]


def deliveries(bot: Bot, kind: str | None = None) -> list[Delivery]:
    with bot.ctx.db.read() as session:
        query = select(Delivery).order_by(Delivery.id)
        if kind is not None:
            query = query.where(Delivery.kind == kind)
        return list(session.scalars(query))


def button(message: dict, action_id: str) -> dict:
    """The first button with `action_id` in a posted message, as a click payload's action."""
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return {"action_id": action_id, "block_id": block.get("block_id", "b"),
                        "type": "button", "value": element["value"], "action_ts": "1"}
    raise AssertionError(f"no {action_id} button in {json.dumps(message)[:300]}")


def say(bot: Bot, command: str, text: str, user: str) -> str:
    """Type a slash command and wait for its (new) ephemeral reply."""
    before = len(bot.slack.responses)
    bot.command(command, text, user=user)
    return bot.slack.wait_for_response(before + 1)[-1]["body"].get("text", "")


def click(bot: Bot, user: str, message: dict, action_id: str, value: str | None = None) -> str:
    """Click a button in a DM the way Slack does; returns the ephemeral answer's text."""
    action = button(message, action_id)
    if value is not None:
        action["value"] = value
    before = len(bot.slack.responses)
    response = bot.driver.block_action(user=user, action=action, channel=message["channel"],
                                       message=message)
    assert response.status == 200
    return bot.slack.wait_for_response(before + 1)[-1]["body"]["text"]


def sqlite_plan(tmp_path, source) -> list[str]:
    """SQLite's query plan (EXPLAIN QUERY PLAN details) for a reminder source's one statement
    at START, on an empty database at the newest schema."""
    url = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
    upgrade(url)
    engine = create_engine(url)
    statements: list[tuple] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _conn, _cursor, sql, params, *_: statements.append((sql, params)))
    with engine.connect() as conn:
        source.due_items(Session(conn), START, DEFAULT_RULES)
        [(sql, params)] = statements
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
    engine.dispose()
    return plan
