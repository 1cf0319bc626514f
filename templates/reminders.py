"""Reminder DMs and escalations as Slack messages (the words are in locales/*/scheduler.toml)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from handlers.ids import Action, RiskAction
from pmo_rules.config import ReminderRules
from pmo_rules.reminders import ButtonSpec, DueItem, Nudge, overdue_days
from templates.paging import split_blocks
from templates.render import Message, Renderer


def nudge_messages(renderer: Renderer, nudges: Sequence[Nudge], now: datetime,
                   reminders: ReminderRules) -> list[Message]:
    """Each person's daily reminder: their items, each with its source's buttons and Snooze.

    Words that do not depend on the person (button labels, the footer, the opening line and
    the notification text for a given number of items) are rendered once per pass: a pass can
    write hundreds of nudges.
    """
    days = reminders.snooze_days
    shared = {"footer": renderer.t("nudge.footer", start=f"{reminders.window_start:%H:%M}",
                                   end=f"{reminders.window_end:%H:%M}", days=days),
              "labels": _Once(lambda name: renderer.t(f"nudge.button.{name}", days=days)),
              "intros": _Once(lambda count: renderer.t("nudge.intro", count=count))}
    texts = _Once(lambda count: renderer.t("nudge.text", count=count))
    return [_nudge_message(renderer, nudge, now, shared, texts) for nudge in nudges]


class _Once(dict):
    """A value per key, computed by `make` the first time the key is asked for."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: Any) -> str:
        self[key] = value = self._make(key)
        return value


def _nudge_message(renderer: Renderer, nudge: Nudge, now: datetime, shared: dict,
                   texts: _Once) -> Message:
    items = [{"kind": item.kind, "subject": dict(item.subject), "due": item.due_at,
              "days": overdue_days(item.due_at, now), "buttons": _buttons(item)}
             for item in nudge.items]
    count = len(items) + nudge.more
    return Message(text=texts[count], blocks=renderer.blocks(
        "nudge", items=items, count=count, more=nudge.more, **shared))


REUSED_ACTIONS = frozenset({*RiskAction, Action.GATE_APPROVE, Action.GATE_REJECT})
"""Card buttons a nudge shows as they are: their listeners answer from any message."""


def _action_id(name: str) -> str:
    """A nudge's own button is "nudge_<name>"; a reused card button keeps its action id."""
    return name if name in REUSED_ACTIONS else Action(f"nudge_{name}").value


def _buttons(item: DueItem) -> list[dict]:
    specs = (*item.buttons, ButtonSpec("snooze", {"n": item.key}))
    return [{"action_id": _action_id(spec.name), "name": spec.name,
             "value": json.dumps(dict(spec.value), separators=(",", ":")),
             "primary": spec.primary} for spec in specs]


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
