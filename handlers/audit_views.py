"""What `/pmo audit KEY [page]` shows: one page of a project's audit trail, newest first, each
entry with who, when, what, and the values before and after."""

from __future__ import annotations

import json
from typing import Any

from services.audit import AuditPage, Entry
from templates.paging import truncate
from templates.render import Renderer, escape_mrkdwn

VALUE_CHARS = 80
LINE_CHARS = 340  # ten lines and the header stay under the 4,000 a message text keeps


def audit_text(renderer: Renderer, page: AuditPage) -> str:
    if not page.total:
        return renderer.t("audit.empty", key=page.key)
    if not page.entries:
        return renderer.t("audit.past_end", key=page.key, page=page.page, pages=page.pages)
    lines = [renderer.t("audit.header", key=page.key, page=page.page, pages=page.pages,
                        total=page.total)]
    lines += [truncate(_line(renderer, entry), LINE_CHARS) for entry in page.entries]
    if page.page < page.pages:
        lines.append(renderer.t("audit.more", key=page.key, next=page.page + 1))
    return "\n".join(lines)


def _line(renderer: Renderer, entry: Entry) -> str:
    """The entry, then what it changed (before → after) on an indented line of its own."""
    line = renderer.t("audit.line", when=renderer.slack_date(entry.at), actor=entry.actor,
                      action=entry.action,
                      subject=escape_mrkdwn(_subject(entry)))
    if changes := _changes(renderer, entry):
        line += "\n      " + renderer.listing(changes, separator="text.clause_separator")
    return line


def _subject(entry: Entry) -> str:
    """`risk APOLLO-R1` rather than the row id, when the values carry the readable id under the
    subject's own name (risks do)."""
    readable = (entry.after or entry.before or {}).get(entry.subject_type)
    return f"{entry.subject_type} {readable if isinstance(readable, str) else entry.subject_id}"


def _changes(renderer: Renderer, entry: Entry) -> list[str]:
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
            changes.append(renderer.t("audit.set", field=field, after=_value(new)))
        elif field not in after or new is None:
            changes.append(renderer.t("audit.removed", field=field, before=_value(old)))
        else:
            changes.append(renderer.t("audit.change", field=field, before=_value(old),
                                      after=_value(new)))
    return changes


def _value(value: Any) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                             default=str)
    return escape_mrkdwn(truncate(shown.replace("\n", " "), VALUE_CHARS))
