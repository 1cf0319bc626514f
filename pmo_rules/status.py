"""The `/status` command: its grammar, and what makes a status update valid.

The parser is total: any text yields a command or a `UserError` — never another exception —
which a property test checks. The modal and the one-liner end in the same `StatusDraft`, so
both are validated by the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from pmo_rules import text
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PORTFOLIO_STATES
from pmo_rules.money import parse_amount
from pmo_rules.projects import parse_key
from pmo_rules.rag import Rag, parse_rag

USAGE = "status"
SUMMARY_MAX = 2000
NOTE_MAX = 1000
DIMENSIONS = ("schedule", "cost", "scope", "quality")
NOT_RATED = "none"  # the form's choice for "no rating" on an optional dimension
MONEY = ("actual_cost", "estimate_at_completion")
"""Cost to date (AC, `spent:`) and the PM's estimate at completion (`eac:`), in `[pmo] currency`."""
CARRIED = (*DIMENSIONS, "percent_complete", *MONEY)
"""What a one-liner that does not set it carries over from the project's previous update."""
HISTORY_DEFAULT = 10
HISTORY_MAX = 100
OPTIONS = {"s": "schedule", "schedule": "schedule", "c": "cost", "cost": "cost",
           "scope": "scope", "q": "quality", "quality": "quality",
           "pct": "percent_complete", "percent": "percent_complete",
           "spent": "actual_cost", "eac": "estimate_at_completion"}
"""The one-liner's options (`s:red c:green pct:40 spent:150000 eac:420000`): a dimension takes
the form's words (a RAG colour, or `none` for "not rated"), `pct:` a whole number from 0 to
100, `spent:` and `eac:` an amount as a budget is typed (`pmo_rules.money`)."""
SUBCOMMANDS = ("help", "edit", "history")


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
    actual_cost: Decimal | None = None
    estimate_at_completion: Decimal | None = None
    blockers: str | None = None
    next_steps: str | None = None
    given: frozenset[str] | None = None
    """Which of CARRIED the one-liner set (None: the form, which sets them all)."""
    carried: tuple[str, ...] = ()
    """Which of CARRIED came from the previous update (`carry_from`); the card says so."""

    def values(self) -> dict[str, object]:
        """Column values (RAGs as their words), also what the audit log records."""
        return {"overall": self.overall.value, "summary": self.summary,
                **{d: getattr(self, d) and getattr(self, d).value for d in DIMENSIONS},
                "percent_complete": self.percent_complete, "actual_cost": self.actual_cost,
                "estimate_at_completion": self.estimate_at_completion,
                "blockers": self.blockers,
                "next_steps": self.next_steps, "carried": ",".join(self.carried) or None}

    def carry_from(self, previous: Mapping[str, object] | None) -> StatusDraft:
        """A one-liner's draft with what it did not set (dimension ratings, percent complete,
        cost to date, estimate at completion) taken from the project's `previous` update
        (column values), so a quick update never drops them silently; `carried` names them
        for the card. The form's drafts, which set every field, are returned as they are."""
        if self.given is None or previous is None:
            return self
        values: dict[str, object] = {}
        for name in CARRIED:
            earlier = previous.get(name)
            if name in self.given or earlier is None:
                continue
            values[name] = Rag(earlier) if name in DIMENSIONS else earlier
        return replace(self, carried=tuple(values), **values)


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


@dataclass(frozen=True)
class History:
    key: str
    count: int = HISTORY_DEFAULT


@dataclass(frozen=True)
class NoSuchCommand:
    """`/status WORD` or `/status WORD …` where WORD is typed as a word, not a KEY, and no RAG
    colour follows (`/status histroy APOLLO`, `/status list`): no such command — unless a
    project WORD exists, which only the caller can tell; then it is `otherwise` (`/status
    apollo` shows APOLLO; `/status apollo gren …` is the refusal of `gren`)."""

    word: str
    otherwise: Show | UserError


StatusCommand = Help | OpenModal | Show | Edit | Post | History | NoSuchCommand
_TYPED_AS_WORD = re.compile(r"[a-z][a-z_-]*")


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
    if first == "history":
        return _history(words[1:])
    if _TYPED_AS_WORD.fullmatch(words[0]) and (len(words) == 1 or parse_rag(words[1]) is None):
        try:
            otherwise: Show | UserError = _show_or_post(raw, words)
        except UserError as error:
            otherwise = error
        return NoSuchCommand(words[0][:40], otherwise)
    return _show_or_post(raw, words)


def _show_or_post(raw: str, words: list[str]) -> Show | Post:
    key = parse_key(words[0], usage=USAGE)
    if len(words) == 1:
        return Show(key)
    overall = parse_rag_word(words[1], field="overall")
    rest = raw.split(None, 2)[2] if len(words) > 2 else ""
    summary, options = _take_options(rest)
    return Post(make_draft(key=key, overall=overall, summary=text.plain(summary),
                           given=frozenset(options), **options))


def _history(words: list[str]) -> History:
    """`history KEY [N]`: N from 1 to HISTORY_MAX, 10 when not given."""
    if not words or len(words) > 2:
        raise UserError("status.history_usage", usage=USAGE)
    key = parse_key(words[0], usage=USAGE)
    if len(words) == 1:
        return History(key)
    count = words[1]
    if not (count.isascii() and count.isdigit() and 1 <= int(count) <= HISTORY_MAX):
        raise UserError("status.history_count", usage=USAGE, word=count[:20], most=HISTORY_MAX)
    return History(key, int(count))


def _take_options(rest: str) -> tuple[str, dict[str, object]]:
    """The summary without the one-liner's options, and the options' values.

    A word written `name:value` whose name is one of OPTIONS is an option wherever it stands,
    never part of the summary; a wrong value or a repeated option is refused. Any other
    `x:y` (`ETA:Friday`, a link) is summary text, and so is `Schedule: slipped` (nothing after
    the colon: a sentence, not an option). The rest keeps its spacing and lines.
    """
    options: dict[str, object] = {}
    kept: list[str] = []
    start = 0
    for match in text.TOKEN.finditer(rest):
        parts = text.option_parts(match[0])
        if parts is None or parts[0] not in OPTIONS or not parts[1]:
            continue  # `Schedule: slipped` (nothing after the colon) is text
        name = OPTIONS[parts[0]]
        if name in options:
            raise UserError("text.repeated_option", usage=USAGE, name=parts[0])
        options[name] = _option_value(name, parts[0], parts[1])
        kept.append(rest[start:match.start()].rstrip(" \t"))
        start = match.end()
    kept.append(rest[start:])
    return " ".join(part for part in (p.strip(" \t") for p in kept) if part), options


def _option_value(name: str, typed: str, value: str) -> object:
    if name == "percent_complete":
        return parse_percent(value)
    if name in MONEY:
        return parse_money(value, field=name)
    if value.strip().lower() == NOT_RATED:
        return None
    rag = parse_rag(value)
    if rag is None:
        raise UserError("status.option_rag", usage=USAGE, field=name, name=typed,
                        word=value[:40])
    return rag



def parse_rag_word(word: str, *, field: str) -> Rag:
    rag = parse_rag(word)
    if rag is None:
        raise UserError("status.rag_unknown", field=field, usage=USAGE, word=word[:40])
    return rag


def make_draft(*, key: str, overall: Rag, summary: str, **optional: object) -> StatusDraft:
    """Validate the free-text and numeric parts shared by the one-liner and the modal."""
    summary = text.required(summary)
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
    cleaned = {name: (value or None) for name, value in optional.items() if name != "given"}
    for name in ("percent_complete", *MONEY):
        if optional.get(name) is not None:
            cleaned[name] = optional[name]  # 0 is a value (0%, nothing spent yet), not "none"
    if "given" in optional:
        cleaned["given"] = optional["given"]
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
                      **{name: parse_money(form.get(name), field=name) for name in MONEY},
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
    return text.required(value) or None


def parse_percent(value: str | None) -> int | None:
    """A modal's percent box: blank is 'not given'; '40' or '40%' is 40."""
    if value is None or not value.strip():
        return None
    digits = value.strip().rstrip("%").strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) > 100:
        raise UserError("status.percent_range", field="percent_complete", usage=USAGE)
    return int(digits)


def parse_money(value: str | None, *, field: str) -> Decimal | None:
    """`spent:` / `eac:` or the form's boxes: blank is 'not given'; otherwise an amount as a
    budget is typed. A cost to date may be 0 (nothing spent yet), an estimate at completion not."""
    if value is None or not value.strip():
        return None
    try:
        return parse_amount(value, field=field, allow_zero=field == "actual_cost", usage=USAGE)
    except UserError as error:
        if error.key == "money.zero":
            raise UserError("status.estimate_zero", field=field, usage=USAGE) from None
        raise


def check_reporting(key: str, state: str) -> None:
    """Refuse a status update (new or corrected) for a closed or cancelled project: the
    running ones (lifecycle.PORTFOLIO_STATES) report, on hold included, since a hold pauses
    the reminders, not the news."""
    if state not in PORTFOLIO_STATES:
        raise UserError("status.project_ended", key=key, state=state)
