"""Proposals (issue 13): the portfolio's front door — what `/pmo propose`, `/pmo proposals`,
`/pmo proposal PR-3 …` and `/pmo rank …` mean, the proposal form's checks and the states a
proposal moves through. Pure: parsing and checks, no storage.

States: *submitted* (just proposed) → *screening* (the board is looking at it: the first board
member's score moves it there, or `/pmo proposal PR-3 screen`) → *approved* (a project was
created) / *declined* (with a reason); the proposer may *withdraw* it until it is decided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from pmo_rules import people_needed, text
from pmo_rules.errors import UserError
from pmo_rules.money import parse_amount
from pmo_rules.people_needed import Need
from pmo_rules.projects import parse_key
from pmo_rules.values import METADATA_MAX, Value

SUBMITTED, SCREENING, APPROVED, DECLINED, WITHDRAWN = (
    "submitted", "screening", "approved", "declined", "withdrawn")
STATES = (SUBMITTED, SCREENING, APPROVED, DECLINED, WITHDRAWN)
OPEN_STATES = (SUBMITTED, SCREENING)
USAGE = "pmo_proposal"
RANK_USAGE = "pmo_rank"
APPROVE_USAGE = "pmo_proposal_approve"
DECLINE_USAGE = "pmo_proposal_decline"
TITLE_MAX, OBJECTIVE_MAX, BENEFIT_MAX, PEOPLE_MAX, REASON_MAX = 150, 1000, 500, 200, 500
MONTHS_MAX = 120
_REF = re.compile(r"PR-([0-9]{1,9})", re.IGNORECASE)


def is_open(state: str) -> bool:
    return state in OPEN_STATES


@dataclass(frozen=True)
class OpenProposalForm:
    """`/pmo propose`: the proposal form."""


@dataclass(frozen=True)
class ListProposals:
    """`/pmo proposals [all]`: open ones, or every one with `all`."""

    every: bool = False


@dataclass(frozen=True)
class ProposalVerb:
    """`/pmo proposal PR-3 [screen|withdraw|score …|approve KEY [pm:@u]|decline reason…]`;
    `verb` "show" when nothing follows the id."""

    number: int
    verb: str = "show"
    scores: tuple[str, ...] = ()
    """`score`'s words (`strategic_fit:4 …`), read against the rules file's criteria."""
    key: str | None = None
    pm_id: str | None = None
    reason: str | None = None
    people: str | None = None
    """`people`'s text (None: `people none`, clearing it), checked into `needs`."""
    needs: tuple[Need, ...] = ()

    @property
    def ref(self) -> str:
        return f"PR-{self.number}"


@dataclass(frozen=True)
class PortfolioOverview:
    """`/pmo portfolio`: the PMO's overview (only to you)."""


def parse_overview(words: list[str]) -> PortfolioOverview:
    if words:
        raise UserError("proposal.unexpected_words", usage=USAGE, words=" ".join(words)[:80])
    return PortfolioOverview()


@dataclass(frozen=True)
class Rank:
    """`/pmo rank [budget:N] [theme:NAME] [all]`."""

    budget: Decimal | None = None
    theme: str | None = None
    every: bool = False


def parse_ref(word: str, usage: str = USAGE) -> int:
    match = _REF.fullmatch(word.strip())
    if match is None or int(match[1]) < 1:
        raise UserError("proposal.ref_malformed", usage=usage, word=word[:40])
    return int(match[1])


def parse_propose(words: list[str]) -> OpenProposalForm:
    if words:
        raise UserError("proposal.propose_no_words", usage=USAGE)
    return OpenProposalForm()


def parse_proposals(words: list[str]) -> ListProposals:
    if not words:
        return ListProposals()
    if len(words) == 1 and words[0].lower() == "all":
        return ListProposals(True)
    raise UserError("proposal.unexpected_words", usage=USAGE, words=" ".join(words)[:80])


def parse_proposal(words: list[str]) -> ProposalVerb:
    if not words:
        raise UserError("proposal.ref_missing", usage=USAGE)
    number = parse_ref(words[0])
    if len(words) == 1:
        return ProposalVerb(number)
    verb, rest = words[1].lower(), words[2:]
    if verb in ("screen", "withdraw"):
        if rest:
            raise UserError("proposal.unexpected_words", usage=USAGE, words=" ".join(rest)[:80])
        return ProposalVerb(number, verb)
    if verb == "score":
        return ProposalVerb(number, "score", scores=tuple(rest))
    if verb == "approve":
        return _approve(number, rest)
    if verb == "people":
        return _people(number, rest)
    if verb == "decline":
        reason = text.plain(" ".join(rest)).strip()
        if not reason:
            raise UserError("proposal.reason_missing", usage=DECLINE_USAGE, ref=f"PR-{number}")
        text.check_length(reason, REASON_MAX, "proposal.reason_too_long")
        return ProposalVerb(number, "decline", reason=reason)
    raise UserError("proposal.no_such_verb", usage=USAGE, word=verb[:40])


def _approve(number: int, words: list[str]) -> ProposalVerb:
    rest, options = text.split_options(words, ("pm",), usage=APPROVE_USAGE)
    if len(rest) != 1:
        raise UserError("proposal.key_missing", usage=APPROVE_USAGE, ref=f"PR-{number}")
    key = parse_key(rest[0], usage=APPROVE_USAGE)
    pm = None
    if "pm" in options:
        ref = text.user_ref(options["pm"])
        if ref is None:
            raise UserError("project.pm_malformed", usage=APPROVE_USAGE,
                            value=options["pm"][:60])
        pm = ref.id
    return ProposalVerb(number, "approve", key=key, pm_id=pm)


def _people(number: int, words: list[str]) -> ProposalVerb:
    """`people @alice 50%, 2 FTE developer` (the text as the form takes it) or `people none`."""
    typed = " ".join(words).strip()
    if not typed:
        raise UserError("people_needed.missing", usage=people_needed.USAGE, ref=f"PR-{number}")
    if typed.lower() in ("none", "-", "无"):
        return ProposalVerb(number, "people")
    text.check_length(typed, PEOPLE_MAX, "proposal.too_long", usage=people_needed.USAGE)
    return ProposalVerb(number, "people", people=typed,
                        needs=people_needed.parse_needed(typed))


def parse_rank(words: list[str]) -> Rank:
    rest, options = text.split_options(words, ("budget", "theme"), usage=RANK_USAGE)
    every = False
    for word in rest:
        if word.lower() != "all":
            raise UserError("proposal.unexpected_words", usage=RANK_USAGE, words=word[:80])
        every = True
    budget = (parse_amount(options["budget"], usage=RANK_USAGE)
              if "budget" in options else None)
    theme = options.get("theme")
    return Rank(budget, theme.strip() if theme else None, every)


def pick_theme(word: str, themes: tuple[str, ...]) -> str:
    """The theme `word` names: exactly (any case), else the one theme it begins or is in."""
    low = word.lower()
    exact = [t for t in themes if t.lower() == low]
    if exact:
        return exact[0]
    close = [t for t in themes if t.lower().startswith(low)] or [
        t for t in themes if low in t.lower()]
    if len(close) == 1:
        return close[0]
    raise UserError("proposal.unknown_theme", usage=RANK_USAGE, word=word[:60],
                    themes=themes)


# -- the form -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Draft:
    """A proposal as the form gives it, checked."""

    title: str
    sponsor_id: str | None
    objective: str
    themes: tuple[str, ...]
    cost: Decimal
    benefit_amount: Decimal | None
    benefit: str | None
    months: int
    delivery_risk: int
    people: str | None
    own_scores: dict[str, int]
    needs: tuple[Need, ...] = ()


def check_draft(fields: dict[str, object], *, themes: tuple[str, ...],
                criteria: tuple[str, ...]) -> Draft:
    """The form's values ({block id: text, a list for themes}) as a Draft, or the UserError
    naming the field (`field`) to show the fix under."""
    title = text.plain(_text(fields.get("title"))).strip()
    if not title:
        raise UserError("proposal.title_missing", field="title")
    text.check_length(title, TITLE_MAX, "proposal.too_long", field="title")
    objective = _text(fields.get("objective")).strip()
    if not objective:
        raise UserError("proposal.objective_missing", field="objective")
    text.check_length(objective, OBJECTIVE_MAX, "proposal.too_long", field="objective")
    chosen = tuple(fields.get("themes") or ())  # type: ignore[arg-type]
    unknown = [t for t in chosen if t not in themes]
    if unknown:
        raise UserError("proposal.unknown_theme", field="themes", word=unknown[0][:60],
                        themes=themes)
    cost = _amount(fields.get("cost"), "cost", required=True)
    benefit_amount = _amount(fields.get("benefit_amount"), "benefit_amount", required=False)
    benefit = _text(fields.get("benefit")).strip() or None
    if benefit:
        text.check_length(benefit, BENEFIT_MAX, "proposal.too_long", field="benefit")
    months = _whole(fields.get("months"), "months", 1, MONTHS_MAX)
    risk = _whole(fields.get("delivery_risk"), "delivery_risk", 1, 5)
    people = _text(fields.get("people")).strip() or None
    needs: tuple[Need, ...] = ()
    if people:
        text.check_length(people, PEOPLE_MAX, "proposal.too_long", field="people")
        try:
            needs = people_needed.parse_needed(people)
        except UserError as error:
            raise UserError(error.key, field="people", **error.params) from None
    own = {name: _whole(value, f"own_{name}", 1, 5) for name in criteria
           if (value := fields.get(f"own_{name}"))}
    sponsor = fields.get("sponsor")
    return Draft(title, sponsor if isinstance(sponsor, str) and sponsor else None, objective,
                 chosen, cost, benefit_amount, benefit, months, risk, people, own,  # type: ignore[arg-type]
                 needs)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _amount(value: object, field: str, *, required: bool) -> Decimal | None:
    raw = _text(value).strip()
    if not raw:
        if required:
            raise UserError("proposal.cost_missing", field=field)
        return None
    try:
        return parse_amount(raw, field=field)
    except UserError as error:
        raise UserError(error.key, field=field, **error.params) from None


def _whole(value: object, field: str, low: int, high: int) -> int:
    raw = _text(value).strip()
    if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
        raise UserError("proposal.whole_number", field=field, value=raw[:20], low=low,
                        high=high)
    return int(raw)


# -- what the forms and the card's button carry ---------------------------------------------------

PROPOSAL_FORM = "proposal_form"
SCORE_FORM = "proposal_score_form"
SCORE_BUTTON = "proposal_score"


@dataclass(frozen=True, slots=True)
class ProposalForm(Value):
    """The proposal form's private_metadata: where the confirmation goes."""

    channel: str | None
    STALE: ClassVar[str] = "proposal.form_stale"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"channel": "c"}

    def _check(self) -> ProposalForm:
        return ProposalForm(self.channel if isinstance(self.channel, str) and self.channel
                            else None)


@dataclass(frozen=True, slots=True)
class ScoreForm(Value):
    """The score form's private_metadata (and the Score button's value): which proposal."""

    number: int
    channel: str | None = None
    STALE: ClassVar[str] = "proposal.form_stale"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"number": "n", "channel": "c"}

    def _check(self) -> ScoreForm:
        return ScoreForm(self._id(self.number),
                         self.channel if isinstance(self.channel, str) and self.channel
                         else None)
