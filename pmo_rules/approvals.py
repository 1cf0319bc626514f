"""Approvals, whatever is being approved: the quorum, who votes, and what the votes decide.

A stage gate is the first subject (`pmo_rules.gates`); change requests will be the next. Each
subject says only what happens once it is decided: this module holds what they share.

- `Quorum`: how many approvals decide, written "any", "all" or a count. It is parsed here, once,
  with one bound (`MAX_APPROVERS`), for the rules file (`[gates.<phase>] quorum`) and for a
  project's override (`/pmo project KEY approvers … quorum:N`) alike.
- `elect`: the electorate of one request (its approvers and how many approvals it needs), fixed
  when the request is made so that a later rules edit cannot move the bar.
- `outcome_of`: what the votes so far decide: approved, rejected or still pending.

Who may vote is a permission, and lives with the others in `pmo_rules.permissions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

MAX_APPROVERS = 20
"""The one bound: at most this many approvers for one subject (in the rules file or in a
project's override), so a numeric quorum is a whole number from 1 to this."""

QUORUM_WORDS = ("any", "all")
APPROVE, REJECT = "approve", "reject"
"""The two votes an approver can cast."""


class QuorumError(ValueError):
    """Text or a value that is not a quorum; each caller words the refusal for its own input."""


@dataclass(frozen=True, slots=True)
class Quorum:
    """How many approvals decide: "any" (one), "all" (every approver) or a count.

    `value` is what the rules file and the database hold ("any", "all" or an int); build one
    from input with `Quorum.parse`.
    """

    value: str | int

    @classmethod
    def parse(cls, raw: object) -> Quorum:
        """ "any" or "all" (any case), or a whole number from 1 to MAX_APPROVERS, typed as
        ASCII digits or given as an int (a bool is not a number here: `quorum = true` must
        not mean 1). Anything else raises QuorumError."""
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise QuorumError(raw)
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word in QUORUM_WORDS:
                return cls(word)
            if not (word.isascii() and word.isdigit()):
                raise QuorumError(raw)
            raw = int(word)
        if not 1 <= raw <= MAX_APPROVERS:
            raise QuorumError(raw)
        return cls(raw)

    def required(self, approver_count: int) -> int:
        """How many approvals decide when `approver_count` people may approve.

        Raises ValueError when it could never be reached (no approvers, or a count above
        theirs): lowering the bar silently would defeat the approval, so callers refuse the
        request instead.
        """
        if approver_count < 1:
            raise ValueError("an approval needs at least one approver")
        if self.value == "any":
            return 1
        if self.value == "all":
            return approver_count
        if not isinstance(self.value, int) or self.value > approver_count:
            raise ValueError(f"quorum {self.value!r} exceeds {approver_count} approver(s)")
        return self.value

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Electorate:
    """The approvers of one request, fixed when it is made so a rules edit cannot move the bar."""

    approvers: tuple[str, ...]
    required: int
    quorum: str


class NoElectorate(ValueError):
    """Why a request could never be decided; `reason` is "no_approvers", "only_requester" or
    "unreachable" (then `voters` says how many could vote). The subject words the refusal."""

    def __init__(self, reason: str, voters: int = 0) -> None:
        super().__init__(reason, voters)
        self.reason = reason
        self.voters = voters


def elect(approvers: Iterable[str], quorum: Quorum, requester: str, *,
          self_approval: bool) -> Electorate:
    """Who may approve `requester`'s request, and how many approvals decide it.

    Without self-approval the requester is not one of the voters, so "all" means everyone else
    and a count must be reachable without them.
    """
    listed = tuple(approvers)
    if not listed:
        raise NoElectorate("no_approvers")
    voters = tuple(a for a in listed if self_approval or a != requester)
    if not voters:
        raise NoElectorate("only_requester")
    try:
        required = quorum.required(len(voters))
    except ValueError:
        raise NoElectorate("unreachable", len(voters)) from None
    return Electorate(approvers=voters, required=required, quorum=str(quorum))


class Outcome(StrEnum):
    """What the votes so far decide."""

    APPROVED = "approved"
    REJECTED = "rejected"
    PENDING = "pending"


def outcome_of(votes: Mapping[str, str], required: int) -> Outcome:
    """REJECTED at the first rejection, APPROVED once `required` approvals are in, else
    PENDING. `votes` maps each voter to APPROVE or REJECT (one vote per voter)."""
    if REJECT in votes.values():
        return Outcome.REJECTED
    if sum(1 for vote in votes.values() if vote == APPROVE) >= required:
        return Outcome.APPROVED
    return Outcome.PENDING
