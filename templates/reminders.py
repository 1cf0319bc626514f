"""Reminder DMs and escalations as Slack messages (the words are in locales/*/scheduler.toml)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from pmo_rules.clock import days_ago, overdue_by
from pmo_rules.config import ReminderRules
from pmo_rules.ids import Action, RiskAction
from pmo_rules.reminders import ButtonSpec, DueItem, Nudge
from pmo_rules.values import Snooze
from templates.paging import split_blocks
from templates.render import Message, Renderer

STORED_NUDGE = "nudge"
"""The `render` mark of an outbox payload that holds a nudge's facts rather than its words."""


def nudge_record(nudge: Nudge, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """A nudge as the outbox stores it: its facts as JSON, rendered by `stored_message` when
    the outbox sender sends it. A planner pass can write hundreds of nudges at once; rendering
    them there would hold it (and SQLite's single writer) for a fraction of a millisecond
    each, while the outbox sender sends them one Web API call at a time anyway."""
    items = [{"kind": item.kind, "subject": _subject(item, now, tz),
              "due": item.due_at.isoformat(), "days": overdue_by(item.due_at, now, tz),
              "buttons": _buttons(item)} for item in nudge.items]
    return {"render": STORED_NUDGE, "items": items, "more": nudge.more}


def _subject(item: DueItem, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """The item's facts as JSON; a request also carries its age on the PMO's clock (the same
    "yesterday" the digest and `/pmo gates` show)."""
    subject = _jsonable(item.subject)
    requested = item.subject.get("requested")
    if isinstance(requested, datetime):
        subject["requested_days"] = days_ago(requested, now, tz)
    return subject


def _jsonable(subject: Mapping[str, Any]) -> dict[str, Any]:
    """Datetimes as ISO strings (the `slackdate` filter reads them back)."""
    return {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in subject.items()}


def stored_message(renderer: Renderer, payload: Mapping[str, Any],
                   reminders: ReminderRules) -> dict[str, Any]:
    """The Web API arguments of an outbox payload: a nudge record rendered now, anything else
    (already a message) as it is."""
    if payload.get("render") != STORED_NUDGE:
        return dict(payload)
    return nudge_message(renderer, payload["items"], payload["more"], reminders).as_payload()


def nudge_message(renderer: Renderer, items: list[dict[str, Any]], more: int,
                  reminders: ReminderRules) -> Message:
    """One person's daily reminder: their items, each with its source's buttons and Snooze."""
    days = reminders.snooze_days
    count = len(items) + more
    footer = renderer.t("nudge.footer", start=f"{reminders.window_start:%H:%M}",
                        end=f"{reminders.window_end:%H:%M}", days=days)
    labels = {button["name"]: renderer.t(f"nudge.button.{button['name']}", days=days)
              for item in items for button in item["buttons"]}
    return Message(text=renderer.t("nudge.text", count=count), blocks=renderer.blocks(
        "nudge", items=items, count=count, more=more, footer=footer, labels=labels,
        intro=renderer.t("nudge.intro", count=count)))


REUSED_ACTIONS = frozenset({*RiskAction, Action.GATE_APPROVE, Action.GATE_REJECT,
                            Action.CHANGE_APPROVE, Action.CHANGE_REJECT})
"""Card buttons a nudge shows as they are: their listeners answer from any message."""


def _action_id(name: str) -> str:
    """A nudge's own button is "nudge_<name>"; a reused card button keeps its action id."""
    return name if name in REUSED_ACTIONS else Action(f"nudge_{name}").value


def _buttons(item: DueItem) -> list[dict]:
    specs = (*item.buttons, ButtonSpec("snooze", Snooze(item.key)))
    return [{"action_id": _action_id(spec.name), "name": str(spec.name),
             "value": spec.value.encode(), "primary": spec.primary} for spec in specs]


def escalation_messages(renderer: Renderer, items: Sequence[DueItem],
                        reminders: ReminderRules) -> list[Message]:
    """The report to the PMO of items still overdue after the reminders; long lists are cut
    into a first message and thread replies."""
    listed = [{"kind": i.kind, "subject": dict(i.subject), "due": i.due_at,
               "recipient": i.recipient} for i in items]
    blocks = renderer.blocks("escalation", items=listed, nudges=reminders.escalate_after)
    return as_messages(renderer, blocks, "escalation", count=len(items),
                       nudges=reminders.escalate_after)


def as_messages(renderer: Renderer, blocks: list[dict], domain: str,
                **params: object) -> list[Message]:
    """Blocks cut to Slack's limits; the first message's fallback text is `<domain>.text`, the
    others' (posted as thread replies to the first) `<domain>.part_text`."""
    chunks = split_blocks(blocks)
    return [Message(text=renderer.t(f"{domain}.text" if n == 1 else f"{domain}.part_text",
                                    part=n, parts=len(chunks), **params), blocks=chunk)
            for n, chunk in enumerate(chunks, start=1)]
