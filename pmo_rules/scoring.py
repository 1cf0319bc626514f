"""Scoring proposals against the evaluation model of `[portfolio] criteria` (issue 13): pure.

Each board member scores every criterion 1–5. A criterion's score is the mean over the members
who scored; the proposal's weighted score, 0 to 100, is

    100 × Σ wᵢ·(sᵢ − 1) / (4 · Σ wᵢ)

where sᵢ is the mean of criterion i and wᵢ its weight; an `inverse` criterion (risk: a high
score is bad) counts 6 − sᵢ instead. A `must_pass` criterion scored 1 by more than half of the
members who scored screens the proposal out, whatever its weighted score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmo_rules.config import Criterion
from pmo_rules.errors import UserError

LOW, HIGH = 1, 5
SCORE_USAGE = "pmo_proposal_score"


@dataclass(frozen=True, slots=True)
class ScreenedOut:
    criterion: str
    ones: int
    members: int


@dataclass(frozen=True)
class Evaluation:
    means: dict[str, float]
    """Each criterion's mean score over the members who scored it."""
    members: int
    weighted: float | None
    """0–100; None before anyone scored."""
    screened_out: ScreenedOut | None


def weighted_score(means: Mapping[str, float], criteria: tuple[Criterion, ...]) -> float:
    """100 × Σ wᵢ·(sᵢ − 1) / (4 · Σ wᵢ), with 6 − sᵢ for an inverse criterion; rounded to
    two decimals."""
    total_weight = sum(c.weight for c in criteria)
    points = 0.0
    for c in criteria:
        s = means[c.name]
        points += c.weight * (((HIGH + LOW) - s if c.inverse else s) - LOW)
    return round(100 * points / ((HIGH - LOW) * total_weight), 2)


def evaluate(score_sets: list[Mapping[str, int]], criteria: tuple[Criterion, ...]) -> Evaluation:
    """The proposal's evaluation from each member's score set (criterion → 1–5)."""
    names = [c.name for c in criteria]
    means: dict[str, float] = {}
    for name in names:
        given = [s[name] for s in score_sets if name in s]
        if given:
            means[name] = round(sum(given) / len(given), 2)
    complete = len(means) == len(names) and score_sets
    weighted = weighted_score(means, criteria) if complete else None
    screened = None
    for c in criteria:
        if not c.must_pass:
            continue
        given = [s[c.name] for s in score_sets if c.name in s]
        ones = sum(1 for v in given if v == LOW)
        if given and ones * 2 > len(given):
            screened = ScreenedOut(c.name, ones, len(given))
            break
    return Evaluation(means, len(score_sets), weighted, screened)


def parse_scores(words: list[str], criteria: tuple[Criterion, ...]) -> dict[str, int]:
    """`strategic_fit:4 benefit:5 …` → {criterion: score}; unknown criteria and scores outside
    1–5 are refused with the accepted names and range."""
    names = tuple(c.name for c in criteria)
    found: dict[str, int] = {}
    if not words:
        raise UserError("proposal.scores_missing", usage=SCORE_USAGE, names=", ".join(names))
    for word in words:
        name, sep, value = word.partition(":")
        name = name.lower()
        if not sep or not name:
            raise UserError("proposal.score_malformed", usage=SCORE_USAGE, word=word[:40],
                            names=", ".join(names))
        if name not in names:
            raise UserError("proposal.unknown_criterion", usage=SCORE_USAGE, name=name[:40],
                            names=", ".join(names))
        if not (value.isascii() and value.isdigit() and LOW <= int(value) <= HIGH):
            raise UserError("proposal.score_range", usage=SCORE_USAGE, name=name,
                            value=value[:20])
        if name in found:
            raise UserError("proposal.score_twice", usage=SCORE_USAGE, name=name)
        found[name] = int(value)
    return found


def merged_set(current: Mapping[str, int] | None, change: Mapping[str, int],
               criteria: tuple[Criterion, ...]) -> dict[str, int]:
    """A member's score set after `change`: a first set names every criterion; a later one
    may change some."""
    merged = {**(current or {}), **change}
    missing = [c.name for c in criteria if c.name not in merged]
    if missing:
        raise UserError("proposal.scores_incomplete", usage=SCORE_USAGE,
                        missing=", ".join(missing))
    return {c.name: merged[c.name] for c in criteria}
