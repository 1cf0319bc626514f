"""The `/status` command: its grammar, and what makes a status update valid.

The parser is total: any text yields a command or a `UserError` — never another exception —
which a property test checks. The modal and the one-liner end in the same `StatusDraft`, so
both are validated by the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmo_rules import text
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.projects import parse_key
from pmo_rules.rag import Rag, parse_rag

USAGE = "status"
SUMMARY_MAX = 2000
NOTE_MAX = 1000
DIMENSIONS = ("schedule", "cost", "scope", "quality")
NOT_RATED = "none"  # the form's choice for "no rating" on an optional dimension


@dataclass(frozen=True)
class StatusDraft:
    """A status update as typed or filled in, validated; what the storage layer writes."""

    key: str
    overall: Rag
    summary: str
    schedule: Rag | None = None
    cost: Rag | None = None
    scope: Rag | None = None
    quality: Rag | None = None
    percent_complete: int | None = None
    blockers: str | None = None
    next_steps: str | None = None

    def values(self) -> dict[str, object]:
        """Column values (RAGs as their words), also what the audit log records."""
        return {"overall": self.overall.value, "summary": self.summary,
                **{d: getattr(self, d) and getattr(self, d).value for d in DIMENSIONS},
                "percent_complete": self.percent_complete, "blockers": self.blockers,
                "next_steps": self.next_steps}


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class OpenModal:
    key: str | None = None


@dataclass(frozen=True)
class Show:
    key: str


@dataclass(frozen=True)
class Edit:
    key: str


@dataclass(frozen=True)
class Post:
    draft: StatusDraft


StatusCommand = Help | OpenModal | Show | Edit | Post


def parse_status_command(raw: str) -> StatusCommand:
    """`/status`, `/status help`, `/status KEY`, `/status edit KEY`, `/status KEY RAG summary…`."""
    words = text.tokens(raw)
    if not words:
        return OpenModal()
    first = words[0].lower()
    if first == "help":
        return Help()
    if first == "edit":
        if len(words) != 2:
            raise UserError("status.edit_usage", usage=USAGE)
        return Edit(parse_key(words[1], usage=USAGE))
    key = parse_key(words[0], usage=USAGE)
    if len(words) == 1:
        return Show(key)
    overall = parse_rag_word(words[1], field="overall")
    summary = text.plain(raw.split(None, 2)[2] if len(words) > 2 else "")
    return Post(make_draft(key=key, overall=overall, summary=summary))


def parse_rag_word(word: str, *, field: str) -> Rag:
    rag = parse_rag(word)
    if rag is None:
        raise UserError("status.rag_unknown", field=field, usage=USAGE, word=word[:40])
    return rag


def make_draft(*, key: str, overall: Rag, summary: str, **optional: object) -> StatusDraft:
    """Validate the free-text and numeric parts shared by the one-liner and the modal."""
    summary = (summary or "").strip()
    if not summary:
        raise UserError("status.summary_missing", field="summary", usage=USAGE)
    text.check_length(summary, SUMMARY_MAX, "status.summary_too_long", field="summary",
                      usage=USAGE)
    for name in ("blockers", "next_steps"):
        if value := optional.get(name):
            text.check_length(str(value), NOTE_MAX, "status.note_too_long", field=name,
                              usage=USAGE, name=name)
    percent = optional.get("percent_complete")
    if percent is not None and not (isinstance(percent, int) and 0 <= percent <= 100):
        raise UserError("status.percent_range", field="percent_complete", usage=USAGE)
    cleaned = {name: (value or None) for name, value in optional.items()}
    if percent == 0:
        cleaned["percent_complete"] = 0
    return StatusDraft(key=key, overall=overall, summary=summary, **cleaned)


def draft_from_form(form: Mapping[str, str | None]) -> StatusDraft:
    """The modal's values (block id → typed text or chosen option) as a validated draft.

    Modal text arrives as typed (Slack does not escape it), so unlike the one-liner nothing is
    unescaped here. Every refusal names the form field it belongs to.
    """
    key = _form_key(form.get("project"))
    overall = _form_rag(form, "overall", required=True)
    dimensions = {name: _form_rag(form, name, required=False) for name in DIMENSIONS}
    return make_draft(key=key, overall=overall, summary=form.get("summary") or "",
                      percent_complete=parse_percent(form.get("percent_complete")),
                      blockers=_note(form.get("blockers")),
                      next_steps=_note(form.get("next_steps")), **dimensions)


def _form_key(value: str | None) -> str:
    try:
        return parse_key((value or "").strip(), usage=USAGE)
    except UserError as error:  # the same refusal, pointed at the project field
        raise UserError(error.key, field="project", **error.params) from None


def _form_rag(form: Mapping[str, str | None], name: str, *, required: bool) -> Rag | None:
    value = (form.get(name) or "").strip()
    if value in ("", NOT_RATED):
        if required:
            raise UserError("status.overall_missing", field=name)
        return None
    return parse_rag_word(value, field=name)


def _note(value: str | None) -> str | None:
    return (value or "").strip() or None


def parse_percent(value: str | None) -> int | None:
    """A modal's percent box: blank is 'not given'; '40' or '40%' is 40."""
    if value is None or not value.strip():
        return None
    digits = value.strip().rstrip("%").strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) > 100:
        raise UserError("status.percent_range", field="percent_complete", usage=USAGE)
    return int(digits)


def check_reporting(key: str, state: str) -> None:
    """Refuse a status update (new or corrected) for a closed or cancelled project: the
    running ones (lifecycle.PORTFOLIO_STATES) report, on hold included, since a hold pauses
    the reminders, not the news."""
    if state not in PORTFOLIO_STATES:
        raise UserError("status.project_ended", key=key, state=state)
