"""The pure parts (issue 13): the weighted score, must-pass screening, the score grammar, the
`[portfolio]` rules section, and the exact cut-line checked against brute force."""

from __future__ import annotations

from decimal import Decimal
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_rules.config import Criterion, RulesError, parse_rules
from pmo_rules.config.portfolio import DEFAULT_CRITERIA
from pmo_rules.errors import UserError
from pmo_rules.proposals import parse_rank, pick_theme
from pmo_rules.ranking import Candidate, best_within, cut_line, greedy_within, to_make_room
from pmo_rules.scoring import evaluate, merged_set, parse_scores, weighted_score


def test_weighted_score_formula_and_its_ends():
    crit = DEFAULT_CRITERIA
    assert weighted_score({"strategic_fit": 5, "benefit": 5, "risk": 1, "resources": 5},
                          crit) == 100.0
    assert weighted_score({"strategic_fit": 1, "benefit": 1, "risk": 5, "resources": 1},
                          crit) == 0.0
    # 100 × (3·3 + 3·4 + 2·(6−2−1) + 2·2) / (4 · 10) = 77.5
    assert weighted_score({"strategic_fit": 4, "benefit": 5, "risk": 2, "resources": 3},
                          crit) == 77.5


def test_evaluate_means_and_must_pass_majority():
    crit = DEFAULT_CRITERIA
    fine = {"strategic_fit": 3, "benefit": 3, "risk": 3, "resources": 3}
    no_fit = dict(fine, strategic_fit=1)
    e = evaluate([fine, no_fit], crit)
    assert e.means["strategic_fit"] == 2.0 and e.screened_out is None  # one of two: no majority
    e = evaluate([fine, no_fit, no_fit], crit)
    assert (e.screened_out.criterion, e.screened_out.ones, e.screened_out.members) == (
        "strategic_fit", 2, 3)
    assert evaluate([], crit).weighted is None


def test_score_grammar_refuses_with_the_fix():
    crit = DEFAULT_CRITERIA
    assert parse_scores(["Benefit:4"], crit) == {"benefit": 4}
    for words, key in ((["speed:3"], "proposal.unknown_criterion"),
                       (["benefit:0"], "proposal.score_range"),
                       (["benefit:6"], "proposal.score_range"),
                       (["benefit:x"], "proposal.score_range"),
                       (["benefit"], "proposal.score_malformed"),
                       (["benefit:3", "benefit:4"], "proposal.score_twice"),
                       ([], "proposal.scores_missing")):
        with pytest.raises(UserError) as caught:
            parse_scores(words, crit)
        assert caught.value.key == key
    with pytest.raises(UserError) as caught:
        merged_set(None, {"benefit": 4}, crit)
    assert caught.value.params["missing"] == "strategic_fit, risk, resources"
    assert merged_set({"strategic_fit": 1, "benefit": 1, "risk": 1, "resources": 1},
                      {"benefit": 4}, crit)["benefit"] == 4


def test_rules_section_and_its_errors():
    rules = parse_rules({"portfolio": {"themes": ["Growth", "Compliance"], "budget": 5000000,
                                       "board": ["U0BOARD1"], "criteria": {
                                           "fit": {"weight": 3, "must_pass": True},
                                           "risk": {"weight": 2, "inverse": True}}}})
    assert rules.portfolio.criteria == (Criterion("fit", 3, True, False),
                                        Criterion("risk", 2, False, True))
    assert rules.portfolio.budget == Decimal("5000000.00")
    for bad, key in (({"budget": -1}, "portfolio.budget"),
                     ({"themes": "Growth"}, "portfolio.themes"),
                     ({"criteria": {"fit": {"weight": 0}}}, "portfolio.criteria.fit.weight"),
                     ({"criteria": {"Fit!": {}}}, "portfolio.criteria.Fit!"),
                     ({"criteria": {}}, "portfolio.criteria"),
                     ({"board": ["bob"]}, "portfolio.board"),
                     ({"pm_allocation": 101}, "portfolio.pm_allocation"),
                     ({"themse": []}, "portfolio.themse")):
        with pytest.raises(RulesError) as caught:
            parse_rules({"portfolio": bad})
        assert caught.value.key.startswith(key.split("!")[0].rstrip(".")), (bad, caught.value)


def test_rank_grammar_and_themes():
    assert parse_rank(["budget:2m", "all"]).budget == Decimal("2000000.00")
    with pytest.raises(UserError):
        parse_rank(["budget:-5"])
    assert pick_theme("compl", ("Growth", "Compliance")) == "Compliance"
    with pytest.raises(UserError):
        pick_theme("space", ("Growth", "Compliance"))


def _brute(cands, budget):
    best = 0
    for k in range(len(cands) + 1):
        for comb in combinations(cands, k):
            if sum(c.cost for c in comb) <= budget:
                best = max(best, sum(round(c.score * 100) for c in comb))
    return best


candidates = st.lists(st.tuples(st.integers(1, 2_000_000), st.integers(0, 10_000)),
                      max_size=11).map(lambda items: [
                          Candidate(f"PR-{i + 1}", Decimal(cost) / 100, score / 100)
                          for i, (cost, score) in enumerate(items)])


@settings(max_examples=300, deadline=None)
@given(candidates, st.integers(0, 6_000_000))
def test_cut_line_is_the_best_set_within_the_budget(cands, budget_cents):
    budget = Decimal(budget_cents) / 100
    chosen, proven = best_within(cands, budget)
    assert proven
    assert sum((c.cost for c in cands if c.ref in chosen), Decimal(0)) <= budget
    assert sum(round(c.score * 100) for c in cands if c.ref in chosen) == _brute(cands, budget)
    greedy = greedy_within(cands, budget)
    assert sum((c.cost for c in cands if c.ref in greedy), Decimal(0)) <= budget


def test_greedy_differs_and_what_must_go():
    cands = [Candidate("PR-1", Decimal(600), 90.0), Candidate("PR-2", Decimal(500), 80.0),
             Candidate("PR-3", Decimal(500), 75.0)]
    cut = cut_line(cands, Decimal(1000))
    assert cut.chosen == ("PR-2", "PR-3") and cut.total_score == 155.0
    assert cut.greedy == ("PR-1",) and cut.greedy_score == 90.0
    chosen = [c for c in cands if c.ref in cut.chosen]
    assert to_make_room(cands[0], chosen, Decimal(1000)) == ["PR-3", "PR-2"]
    assert to_make_room(Candidate("PR-4", Decimal(2000), 99.0), chosen, Decimal(1000)) == []
