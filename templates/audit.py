"""What `/pmo audit KEY [page]` shows: one page of a project's audit trail, newest first, each
entry with who, when, what, and the values before and after (words in locales/*/audit.toml).

`page` is a `services.audit.AuditPage` (key, page, pages, total, entries); each entry has at,
actor, action, subject_type, subject_id, before and after."""

from __future__ import annotations

import json
import re
from typing import Any

from templates.paging import truncate
from templates.render import Renderer, escape_mrkdwn

VALUE_CHARS = 80
PERSON_FIELDS = re.compile(r"(_by|_id|^owner|^pm|^approvers|^author|^requester)$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
LINE_CHARS = 220
"""What an entry's changes may take: ten entries and the header stay under the 4,000
characters a message text keeps."""


def audit_text(renderer: Renderer, page: Any) -> str:
    if not page.total:
        return renderer.t("audit.empty", key=page.key)
    if not page.entries:
        return renderer.t("audit.past_end", key=page.key, page=page.page, pages=page.pages)
    lines = [renderer.t("audit.header", key=page.key, page=page.page, pages=page.pages,
                        total=page.total)]
    lines += [_line(renderer, entry) for entry in page.entries]
    if page.page < page.pages:
        lines.append(renderer.t("audit.more", key=page.key, next=page.page + 1))
    return "\n".join(lines)


def _line(renderer: Renderer, entry: Any) -> str:
    """The entry, then what it changed (before → after) on an indented line of its own."""
    line = renderer.t("audit.line", when=renderer.slack_date(entry.at), actor=entry.actor,
                      action=entry.action,
                      subject=escape_mrkdwn(_subject(entry)))
    changes = _changes(renderer, entry)
    shown = len(changes)
    while shown > 1 and len(_joined(renderer, changes[:shown], shown < len(changes))) > \
            LINE_CHARS:
        shown -= 1  # whole changes only: a cut could split a mention or an escape
    if changes:
        line += "\n      " + _joined(renderer, changes[:shown], shown < len(changes))
    return line


def _joined(renderer: Renderer, changes: list[str], more: bool) -> str:
    return renderer.listing(changes + (["…"] if more else []),
                            separator="text.clause_separator")


def _subject(entry: Any) -> str:
    """`risk APOLLO-R1` rather than the row id, when the values carry the readable id under the
    subject's own name (risks do)."""
    readable = (entry.after or entry.before or {}).get(entry.subject_type)
    return f"{entry.subject_type} {readable if isinstance(readable, str) else entry.subject_id}"


def _changes(renderer: Renderer, entry: Any) -> list[str]:
    before, after = entry.before or {}, entry.after or {}
    changes = []
    fields = (set(before) | set(after)) - {entry.subject_type}
    for field in sorted(fields):
        old, new = before.get(field), after.get(field)
        if field in before and field in after and old == new:
            continue
        if (field not in before or old is None) and new is None:
            continue
        if field not in before or old is None:
            changes.append(renderer.t("audit.set", field=field, after=_value(field, new)))
        elif field not in after or new is None:
            changes.append(renderer.t("audit.removed", field=field,
                                      before=_value(field, old)))
        else:
            changes.append(renderer.t("audit.change", field=field, before=_value(field, old),
                                      after=_value(field, new)))
    return changes


def _value(field: str, value: Any) -> str:
    """A stored value as a reader takes it: people as mentions, text cut short and escaped."""
    people = value if isinstance(value, list) else [value]
    if PERSON_FIELDS.search(field) and people and all(
            isinstance(p, str) and USER_ID.match(p) for p in people):
        return " ".join(f"<@{p}>" for p in people)
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                             default=str)
    return escape_mrkdwn(truncate(shown.replace("\n", " "), VALUE_CHARS))
