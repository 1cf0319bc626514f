"""Stage gates (standard 3.1): who may ask for a gate review, who votes, and what a decision does.

A project leaves each phase of the life cycle through an exit gate. Its PM asks for the review,
the gate's approvers vote, and the quorum from the rules file (or the project's override)
decides: Go (the project moves on) or Recycle (it stays and may ask again). PMO admins have the
two other stage-gate outcomes, Hold (pause until a date) and Kill (cancel). Everything here is
pure: the handlers pass in the facts (who, the project's state, the votes so far, `now`) and get
a decision or a `UserError` back, so every rule is testable without Slack or a database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from pmo_rules import dates, text
from pmo_rules.approvals import (
    APPROVE,  # noqa: F401  (a gate's votes are the approvals' votes: gates.APPROVE)
    MAX_APPROVERS,
    REJECT,  # noqa: F401
    Electorate,
    NoElectorate,
    Outcome,
    Quorum,
    QuorumError,
    elect,
    outcome_of,
)
from pmo_rules.config import GateRule
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import (
    CANCELLED,
    CLOSED,
    CLOSED_PHASE,
    ON_HOLD,
    PHASES,
    next_phase,
    state_after_passing,
)
from pmo_rules.projects import parse_key

USAGE = "gate"
DECIDE_USAGE = "gate_decide"
VOTE_USAGE = "gate_vote"
APPROVERS_USAGE = "pmo_approvers"

# The life of one gate request; every state but OPEN is final.
OPEN, PASSED, REJECTED = "open", "passed", "rejected"
HELD, KILLED, WITHDRAWN, WITHDRAWN_BY_ADMIN = "held", "killed", "withdrawn", "cancelled"
REQUEST_STATES = (OPEN, PASSED, REJECTED, HELD, KILLED, WITHDRAWN, WITHDRAWN_BY_ADMIN)

NOTE_MAX = 2000
REASON_MAX = 1000
HOLD_MAX_DAYS = 730
KILL_REASON_MIN_WORDS = 3
"""A kill cannot be undone: its reason must say why in a few words, not one."""
RESUME = "resume"
_DECIDE_WORDS = {"hold": HELD, "kill": KILLED}
_BUTTON_WORDS = ("go", "approve", "pass", "recycle", "reject")


# ---------------------------------------------------------------------------------------------
# The `/gate` command
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Request:
    key: str
    note: str = ""


@dataclass(frozen=True)
class Withdraw:
    """The requester withdraws their request; an admin cancelling someone else's gives a
    reason (it is sent to the requester)."""

    key: str
    reason: str = ""


@dataclass(frozen=True)
class Vote:
    """`/gate approve KEY [note]` or `/gate reject KEY reason`: a vote without the card."""

    key: str
    choice: str
    reason: str = ""


@dataclass(frozen=True)
class Resume:
    """`/gate decide KEY resume [note]`: an admin lifts a hold before its end."""

    key: str
    note: str = ""


@dataclass(frozen=True)
class Status:
    key: str


@dataclass(frozen=True)
class Decide:
    """An admin's Hold or Kill; `until` is the first day the project is active again."""

    key: str
    outcome: str
    reason: str
    until: date | None = None


GateCommand = Help | Request | Withdraw | Status | Decide | Vote | Resume


def parse_gate_command(raw: str, today: date | None = None,
                       max_years_ahead: int | None = None) -> GateCommand:
    """`/gate request|approve|reject|withdraw|cancel|status|decide|help …`; no text means
    help. An unknown sub-command is refused with the whole help (`gate.no_such_command`).
    `today` (the PMO's date when the command was sent) resolves relative dates such as
    `until:+2w`."""
    words = text.tokens(raw)
    if not words or words[0].lower() == "help":
        return Help()
    verb = words[0].lower()
    if verb == "request":
        key = parse_key(words[1] if len(words) > 1 else None, usage=USAGE)
        return Request(key, check_note(_after_key(raw, words)))
    if verb == "status":
        if len(words) != 2:
            raise UserError("gate.one_key", usage=USAGE, verb=verb)
        return Status(parse_key(words[1], usage=USAGE))
    if verb in ("withdraw", "cancel"):
        key = parse_key(words[1] if len(words) > 1 else None, usage=USAGE)
        return Withdraw(key, check_reason(_after_key(raw, words), usage=USAGE, required=False))
    if verb in (APPROVE, REJECT):
        key = parse_key(words[1] if len(words) > 1 else None, usage=VOTE_USAGE)
        said = _after_key(raw, words)
        if verb == APPROVE:
            return Vote(key, APPROVE, check_note(said))
        return Vote(key, REJECT, check_reason(said, usage=VOTE_USAGE))
    if verb == "decide":
        return _parse_decide(words[1:], today, max_years_ahead)
    raise UserError("gate.no_such_command", word=words[0][:40])


def _after_key(raw: str, words: list[str]) -> str:
    """The free text after `verb KEY`, as readable text."""
    return text.plain(raw.split(None, 2)[2]) if len(words) > 2 else ""


def _parse_decide(words: list[str], today: date | None = None,
                  max_years_ahead: int | None = None) -> Decide | Resume:
    """`decide KEY hold until:YYYY-MM-DD reason…`, `decide KEY kill reason…` or
    `decide KEY resume [note…]`."""
    key = parse_key(words[0] if words else None, usage=DECIDE_USAGE)
    choice = words[1].lower() if len(words) > 1 else ""
    if choice in _BUTTON_WORDS:
        raise UserError("gate.decide_use_buttons", usage=DECIDE_USAGE, word=words[1][:20])
    if choice == RESUME:
        rest, options = text.split_options(words[2:], ("until",), usage=DECIDE_USAGE)
        if options:
            raise UserError("gate.resume_has_no_until", usage=DECIDE_USAGE)
        note = text.plain(" ".join(rest)).strip()
        text.check_length(note, REASON_MAX, "gate.note_too_long", usage=DECIDE_USAGE)
        return Resume(key, note)
    if choice not in _DECIDE_WORDS:
        raise UserError("gate.decide_outcome", usage=DECIDE_USAGE, word=choice[:20])
    outcome = _DECIDE_WORDS[choice]
    rest, options = text.split_options(words[2:], ("until",), usage=DECIDE_USAGE)
    until = (parse_date(options["until"], today, max_years_ahead) if "until" in options
             else None)
    if outcome == HELD and until is None:
        raise UserError("gate.hold_needs_until", usage=DECIDE_USAGE)
    if outcome == KILLED and until is not None:
        raise UserError("gate.kill_has_no_until", usage=DECIDE_USAGE)
    reason = check_reason(text.plain(" ".join(rest)), usage=DECIDE_USAGE)
    if outcome == KILLED:
        check_kill_reason(reason)
    return Decide(key=key, outcome=outcome, reason=reason, until=until)


def check_kill_reason(reason: str, *, usage: str | None = DECIDE_USAGE) -> str:
    """A kill cannot be undone: its reason is at least a few words (or, in Chinese, Japanese
    or Korean, where words are not spaced, a few times as many characters)."""
    reason = check_reason(reason, usage=usage)
    words = len(reason.split())
    wide = sum(1 for char in reason if ord(char) >= 0x2E80 and not char.isspace())
    if words < KILL_REASON_MIN_WORDS and wide < 2 * KILL_REASON_MIN_WORDS:
        raise UserError("gate.kill_reason_short", field="reason", usage=usage,
                        words=KILL_REASON_MIN_WORDS)
    return reason


def parse_date(value: str, today: date | None = None,
               max_years_ahead: int | None = None) -> date:
    """A date as pmo_rules.dates reads it (`+2w` and `tomorrow` need the PMO's `today`),
    within `[pmo] max_years_ahead` years when given."""
    day = dates.day(value, today)
    if day is None:
        raise UserError("gate.date_malformed", usage=DECIDE_USAGE, value=value[:40])
    if today is not None and max_years_ahead is not None:
        dates.check_horizon(day, today, max_years_ahead, usage=DECIDE_USAGE)
    return day


def check_note(note: str) -> str:
    note = (note or "").strip()
    text.check_length(note, NOTE_MAX, "gate.note_too_long", field="note", usage=USAGE)
    return note


def check_reason(reason: str, *, usage: str | None = None, required: bool = True) -> str:
    """A decision against the project must say why: the PM has to act on it."""
    reason = text.required(reason)
    if not reason and required:
        raise UserError("gate.reason_missing", field="reason", usage=usage)
    text.check_length(reason, REASON_MAX, "gate.reason_too_long", field="reason", usage=usage)
    return reason


def check_hold_until(until: date, today: date) -> None:
    """A hold ends on a day after today, and not so far out that it is surely a typo."""
    if until <= today:
        raise UserError("gate.hold_not_future", usage=DECIDE_USAGE, until=until.isoformat(),
                        today=today.isoformat())
    if until > today + timedelta(days=HOLD_MAX_DAYS):
        raise UserError("gate.hold_too_far", usage=DECIDE_USAGE, until=until.isoformat(),
                        days=HOLD_MAX_DAYS)


def hold_end(until: date, tz: tzinfo) -> datetime:
    """The instant a hold ends: the start of `until` in the PMO's time zone."""
    return datetime.combine(until, time(0, 0), tzinfo=tz)


# ---------------------------------------------------------------------------------------------
# Per-project approvers: `/pmo project KEY approvers <phase> @a @b quorum:all`
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetApprovers:
    """`approvers` None means "back to the rules file"; `quorum` None keeps the file's quorum."""

    key: str
    phase: str
    approvers: tuple[str, ...] | None
    quorum: str | int | None = None


CHANGES = "changes"
"""Beside the phases, `/pmo project KEY approvers changes …` overrides who approves the
project's change requests (pmo_rules.changes; the same approvals engine)."""


def parse_approvers(key: str, words: list[str]) -> SetApprovers:
    """The words after `/pmo project KEY approvers`."""
    phase = words[0].lower() if words else ""
    if phase not in (*PHASES, CHANGES):
        raise UserError("gate.phase_unknown", usage=APPROVERS_USAGE, word=phase[:20])
    rest, options = text.split_options(words[1:], ("quorum",), usage=APPROVERS_USAGE)
    if [w.lower() for w in rest] == ["default"] and not options:
        return SetApprovers(key=key, phase=phase, approvers=None)
    approvers: list[str] = []
    for word in rest:
        ref = text.user_ref(word)
        if ref is None:
            raise UserError("gate.approver_malformed", usage=APPROVERS_USAGE, word=word[:60])
        if ref.id not in approvers:
            approvers.append(ref.id)
    if not approvers:
        raise UserError("gate.approvers_missing", usage=APPROVERS_USAGE)
    if len(approvers) > MAX_APPROVERS:
        raise UserError("gate.approvers_too_many", usage=APPROVERS_USAGE,
                        limit=MAX_APPROVERS)
    quorum = parse_quorum_option(options["quorum"]) if "quorum" in options else None
    return SetApprovers(key=key, phase=phase, approvers=tuple(approvers), quorum=quorum)


def parse_quorum_option(word: str) -> str | int:
    """`quorum:any|all|N` as typed (pmo_rules.approvals.Quorum, the one parser)."""
    try:
        return Quorum.parse(word).value
    except QuorumError:
        raise UserError("gate.quorum_malformed", usage=APPROVERS_USAGE, word=word[:20]) from None


def effective_gate(rule: GateRule, approvers: tuple[str, ...] | None,
                   quorum: str | int | None) -> GateRule:
    """The rules file's gate with a project's override (if any) laid over it."""
    if approvers is None:
        return rule
    return replace(rule, approvers=approvers, quorum=rule.quorum if quorum is None else quorum)


# ---------------------------------------------------------------------------------------------
# Who votes, and how many must approve
# ---------------------------------------------------------------------------------------------


def electorate(gate: GateRule, requester: str, *, self_approval: bool, key: str,
               phase: str) -> Electorate:
    """Who may approve `requester`'s request, and how many approvals pass it
    (pmo_rules.approvals.elect).

    Without self-approval the requester is not one of the voters, so "all" means everyone else
    and a numeric quorum must be reachable without them: a gate that could never pass is refused
    now, with the fix, instead of waiting forever.
    """
    try:
        return elect(gate.approvers, Quorum(gate.quorum), requester, self_approval=self_approval)
    except NoElectorate as none:
        if none.reason == "no_approvers":
            raise UserError("gate.no_approvers", key=key, phase=phase) from None
        if none.reason == "only_requester":
            raise UserError("gate.only_requester_approves", key=key, phase=phase) from None
        raise UserError("gate.quorum_unreachable", key=key, phase=phase, quorum=gate.quorum,
                        count=none.voters, excluded=none.voters < len(gate.approvers)) from None


def check_decidable(gate: GateRule, pm: str, *, self_approval: bool, key: str, phase: str,
                    saved: bool) -> None:
    """An approver set must be able to decide the request its PM will make: not the PM alone
    without self-approval, not a quorum above the approvers who may vote.

    `saved` says whether the set was stored anyway (a reset to the rules file's approvers,
    a new PM) or refused (an override being typed): the message says which, and what to type.
    """
    try:
        elect(gate.approvers, Quorum(gate.quorum), pm, self_approval=self_approval)
    except NoElectorate as none:
        raise UserError(f"gate.undecidable.{none.reason}", key=key, phase=phase, pm=pm,
                        quorum=gate.quorum, count=none.voters, saved=saved,
                        excluded=none.voters < len(gate.approvers)) from None


def held_until(state: str, hold_until: datetime | None, now: datetime) -> datetime | None:
    """When a hold still stops the PM requesting a gate: its end, else None (no hold, or over).
    `/gate status` says so rather than invite a request that would be refused."""
    return hold_until if state == ON_HOLD and hold_until and hold_until > now else None


def is_running(phase: str, state: str) -> bool:
    """Whether the project still has a gate ahead of it (closed and cancelled ones do not)."""
    return phase in PHASES and state not in (CLOSED, CANCELLED)


def check_running(*, key: str, phase: str, state: str) -> None:
    """Closed and cancelled projects have no gates left."""
    if state == CLOSED or phase == CLOSED_PHASE:
        raise UserError("gate.project_closed", key=key)
    if state == CANCELLED:
        raise UserError("gate.project_cancelled", key=key)


def check_open(state: str, *, key: str) -> None:
    if state != OPEN:
        raise UserError("gate.request_closed", key=key, state=state)


def outcome_after(votes: dict[str, str], required: int) -> str | None:
    """PASSED once `required` approvals are in, REJECTED at the first rejection, else None
    (pmo_rules.approvals.outcome_of, in a gate request's words)."""
    return {Outcome.APPROVED: PASSED, Outcome.REJECTED: REJECTED}.get(outcome_of(votes, required))


@dataclass(frozen=True)
class ProjectChange:
    phase: str
    state: str


def project_after(outcome: str, phase: str) -> ProjectChange | None:
    """What a decision does to the project: Go moves it on (closing → closed), Hold pauses it,
    Kill cancels it; Recycle, withdrawal and cancellation leave it as it was."""
    if outcome == PASSED:
        return ProjectChange(next_phase(phase), state_after_passing(phase))
    if outcome == HELD:
        return ProjectChange(phase, ON_HOLD)
    if outcome == KILLED:
        return ProjectChange(phase, CANCELLED)
    return None

