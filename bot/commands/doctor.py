"""`pmo-bot doctor`: everything that leaves a running bot silently useless, checked in one go.

A bot can start, answer `/healthz` and still do nothing useful: a token missing a scope, a
project channel nobody invited it to, an approver who left the company, a schema one migration
behind, an outbox nobody drains. Each check prints one line, with what to do when something is
wrong; a last line sums up. Exit 0 when all is well, 1 when something needs action, 2 when the
settings or rules file are unusable (as every command).

Read-only: it asks Slack (`auth.test`, `conversations.info`, `users.info`) and reads the
database, and changes nothing in either. The words are in templates/locales/*/doctor.toml.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.commands.manifest import bot_scopes
from bot.commands.runtime import missing_sqlite_file
from bot.context import make_client
from bot.rules_file import load_rules
from bot.settings import load_settings, redact_url
from pmo_rules.config import Rules
from pmo_rules.lifecycle import PHASES, PORTFOLIO_STATES
from storage import backlog
from storage import inbox as inbox_store
from storage import projects as project_store
from storage.db import Database
from storage.migrate import revisions
from templates.render import Renderer

STUCK_AFTER = timedelta(minutes=10)
"""A queue whose oldest row waits longer than this is not being drained (the scheduler's tick
retries every minute and backs off to at most an hour per row, so ten minutes with rows
still waiting is worth a look)."""


@dataclass(frozen=True)
class Finding:
    ok: bool
    key: str
    params: dict[str, Any] = field(default_factory=dict)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the token, scopes, channels, people, schema and backlog")
    parser.set_defaults(func=run)


def run(_args: argparse.Namespace) -> int:
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines are not findings
    settings = load_settings()
    rules = load_rules(settings.rules_path)
    renderer = Renderer(rules.pmo.locale)
    db = Database(settings.database_url)
    try:
        findings = examine(make_client(settings, retries=1), db, rules, now=datetime.now(UTC),
                           api_url=settings.api_url)
        for finding in findings:
            print(line(renderer, finding), flush=True)
    finally:
        db.dispose()
    problems = sum(not f.ok for f in findings)
    print(renderer.t("doctor.summary.problems" if problems else "doctor.summary.ok",
                     count=problems, checks=len(findings)))
    return 1 if problems else 0


def line(renderer: Renderer, finding: Finding) -> str:
    mark = "✓" if finding.ok else "✗"
    return f"{mark} {renderer.t(f'doctor.{finding.key}', **finding.params)}"


def examine(client: WebClient, db: Database, rules: Rules, *, now: datetime,
            api_url: str) -> list[Finding]:
    """Every check, in the order an operator fixes things: database, Slack, channels, people,
    backlog. Checks that depend on one that failed are left out (their answer would mislead)."""
    findings = list(_schema(db))
    schema_ok = all(f.ok for f in findings)
    slack = _Slack(client)
    findings += slack.token(api_url)
    if slack.bot_user is not None:
        findings += slack.scopes()
        findings += slack.channels(_channels(db, rules) if schema_ok else
                                   _channels_of_rules(rules))
        findings += slack.users(_people(rules))
    if schema_ok:
        findings += _backlog(db, now)
    return findings


# -- the database ---------------------------------------------------------------------------------

def _schema(db: Database) -> Iterator[Finding]:
    shown = redact_url(db.url)
    if missing_sqlite_file(db.url):
        yield Finding(False, "database.missing", {"url": shown})
        return
    try:
        current, head = revisions(db.engine, db.url)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        yield Finding(False, "database.unreachable", {"url": shown, "reason": reason})
        return
    if current == head:
        yield Finding(True, "schema.current", {"revision": head})
    else:
        yield Finding(False, "schema.behind", {"current": current or "-", "head": head})


def _channels(db: Database, rules: Rules) -> list[tuple[str, str, str]]:
    """(channel id, what needs it, its name there) for active and on-hold projects, and the
    digest channel."""
    with db.read() as session:
        listed = project_store.list_projects(session, states=PORTFOLIO_STATES)
        wanted = [(p.channel_id, "project", p.key) for p in listed]
    return wanted + _channels_of_rules(rules)


def _channels_of_rules(rules: Rules) -> list[tuple[str, str, str]]:
    channel = rules.pmo.digest_channel
    return [(channel, "digest", "[pmo] digest_channel")] if channel else []


def _people(rules: Rules) -> list[tuple[str, str]]:
    """(user id, the rules key naming them): admins, every gate's approvers and the change
    approvers."""
    people = [(user, "[pmo] admins") for user in rules.pmo.admins]
    for phase in PHASES:
        people += [(user, f"[gates.{phase}] approvers")
                   for user in getattr(rules.gates, phase).approvers]
    people += [(user, "[changes] approvers") for user in rules.changes.approvers]
    return people


def _backlog(db: Database, now: datetime) -> Iterator[Finding]:
    with db.lookup() as connection:
        figures = backlog.measure(connection)
    for queue, (count, oldest) in figures.items():
        age = now - oldest if oldest else timedelta(0)
        params = {"queue": queue, "count": count, "minutes": int(age.total_seconds() // 60)}
        yield Finding(age <= STUCK_AFTER, "backlog.ok" if age <= STUCK_AFTER else "backlog.stuck",
                      params)
    with db.lookup() as connection:
        failed = inbox_store.counts(connection)[inbox_store.FAILED]
    if failed:
        yield Finding(False, "backlog.failed", {"count": failed})


# -- Slack ----------------------------------------------------------------------------------------

class _Slack:
    """The Slack checks, sharing what `auth.test` told (the bot's name, the token's scopes)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.bot_user: str | None = None
        self.granted: set[str] = set()

    def token(self, api_url: str) -> Iterator[Finding]:
        try:
            answer = self.client.auth_test()
        except SlackApiError as error:
            yield Finding(False, "token.refused", {"error": _error(error)})
            return
        except OSError as error:
            yield Finding(False, "slack.unreachable", {"url": api_url,
                                                       "reason": type(error).__name__})
            return
        self.bot_user = str(answer.get("user") or answer.get("user_id"))
        header = next((v for k, v in (answer.headers or {}).items()
                       if k.lower() == "x-oauth-scopes"), "")
        header = header[0] if isinstance(header, list) else header
        self.granted = {s.strip() for s in str(header).split(",") if s.strip()}
        yield Finding(True, "token.ok", {"team": answer.get("team"), "user": self.bot_user})

    def scopes(self) -> Iterator[Finding]:
        missing = [scope for scope in bot_scopes() if scope not in self.granted]
        if missing:
            yield Finding(False, "scopes.missing", {"scopes": ", ".join(missing)})
        else:
            yield Finding(True, "scopes.ok", {"count": len(bot_scopes())})

    def channels(self, wanted: list[tuple[str, str, str]]) -> Iterator[Finding]:
        good = 0
        for channel, what, name in _unique(wanted, lambda w: (w[0], w[2])):
            found = self._ask(lambda c=channel: self.client.conversations_info(channel=c))
            where = {"channel": channel, "what": what, "name": name, "bot": self.bot_user}
            if isinstance(found, Finding):
                yield Finding(False, found.key.replace("ask.", "channel."), {**where,
                                                                            **found.params})
                continue
            info = found["channel"]
            where["label"] = info.get("name") or channel
            if info.get("is_archived"):
                yield Finding(False, "channel.archived", where)
            elif not info.get("is_member"):
                yield Finding(False, "channel.not_member", where)
            else:
                good += 1
        if good:
            yield Finding(True, "channel.ok", {"count": good})

    def users(self, people: list[tuple[str, str]]) -> Iterator[Finding]:
        good = 0
        for user, key in _unique(people, lambda p: p):
            found = self._ask(lambda u=user: self.client.users_info(user=u))
            named = {"user": user, "key": key}
            if isinstance(found, Finding):
                yield Finding(False, found.key.replace("ask.", "user."), {**named,
                                                                         **found.params})
            elif found["user"].get("deleted"):
                yield Finding(False, "user.deactivated", named)
            else:
                good += 1
        if good:
            yield Finding(True, "user.ok", {"count": good})

    def _ask(self, call: Callable[[], Any]) -> Any:
        """Slack's answer, or a Finding keyed ask.<why> when it could not answer."""
        try:
            return call()
        except SlackApiError as error:
            code = _error(error)
            if code == "missing_scope":
                return Finding(False, "ask.missing_scope",
                               {"scope": error.response.get("needed") or "?"})
            if code in ("channel_not_found", "user_not_found"):
                return Finding(False, "ask.not_found", {})
            return Finding(False, "ask.failed", {"error": code})
        except OSError as error:
            return Finding(False, "ask.failed", {"error": type(error).__name__})


def _error(error: SlackApiError) -> str:
    return str(error.response.get("error") or "unknown_error")


def _unique(items: list, key: Callable) -> list:
    seen, kept = set(), []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            kept.append(item)
    return kept
