"""Reminder DMs and escalations as Slack messages (the words are in locales/*/scheduler.toml)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from handlers.ids import Action
from pmo_rules.config import ReminderRules
from pmo_rules.reminders import ButtonSpec, DueItem, Nudge, overdue_days
from templates.paging import split_blocks
from templates.render import Message, Renderer


def nudge_messages(renderer: Renderer, nudges: Sequence[Nudge], now: datetime,
                   reminders: ReminderRules) -> list[Message]:
    """Each person's daily reminder: their items, each with its source's buttons and Snooze.

    The words every nudge shares (button labels, the footer) are rendered once per pass.
    """
    shared = {"footer": renderer.t("nudge.footer", start=f"{reminders.window_start:%H:%M}",
                                   end=f"{reminders.window_end:%H:%M}",
                                   days=reminders.snooze_days),
              "labels": _Labels(renderer, reminders.snooze_days)}
    return [_nudge_message(renderer, nudge, now, shared) for nudge in nudges]


class _Labels(dict):
    """Button labels by button name, each rendered the first time it is needed."""

    def __init__(self, renderer: Renderer, snooze_days: int) -> None:
        super().__init__()
        self._renderer, self._days = renderer, snooze_days

    def __missing__(self, name: str) -> str:
        self[name] = self._renderer.t(f"nudge.button.{name}", days=self._days)
        return self[name]


def _nudge_message(renderer: Renderer, nudge: Nudge, now: datetime, shared: dict) -> Message:
    items = [{"kind": item.kind, "subject": dict(item.subject), "due": item.due_at,
              "days": overdue_days(item.due_at, now), "buttons": _buttons(item)}
             for item in nudge.items]
    return renderer.message("nudge", "nudge.text", items=items, count=len(items) + nudge.more,
                            more=nudge.more, **shared)


def _buttons(item: DueItem) -> list[dict]:
    specs = (*item.buttons, ButtonSpec("snooze", {"n": item.key}))
    return [{"action_id": Action(f"nudge_{spec.name}").value, "name": spec.name,
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
