"""Benchmark (not a test): the `/pmo rank` cut-line over 1,000 proposals.

Builds `--proposals` random proposals (cost 50k–5m, weighted score 0–100, the same seed every
run), and times, over `--repeat` runs each, for budgets of 5%, 25% and 50% of the total cost:
the exact cut-line (pmo_rules.ranking.cut_line: branch and bound, exact costs in cents), and as
the baseline the greedy pass alone (down the ranked list, taking what fits). Prints the median
and worst time, the nodes the search visited (bounded by NODE_LIMIT), and how much more total
score the exact line gets than greedy.

    .venv/bin/python bench/rank.py [--proposals 1000] [--repeat 20] [--seed 13]

Pure: no database, no Slack.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from decimal import Decimal

from pmo_rules import ranking
from pmo_rules.ranking import Candidate


def proposals(count: int, seed: int, correlated: bool) -> list[Candidate]:
    """Random scores, or (`correlated`) scores that rise with cost: the hard case."""
    rng = random.Random(seed)
    found = []
    for i in range(count):
        cost = rng.randint(50, 5000)
        score = cost / 5000 * 90 + 10 if correlated else rng.uniform(0, 100)
        found.append(Candidate(f"PR-{i + 1}", Decimal(cost) * 1000, round(score, 2)))
    return found


def timed(func, repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    print(f"{args.proposals} proposals; median / worst of {args.repeat} runs")
    print(f"{'scores':>10} {'budget':>6} {'exact ms':>15} {'greedy ms':>13} {'ratio':>6} "
          f"{'nodes':>7} {'proven':>6} {'exact':>9} {'bound':>9} {'greedy':>9}")
    for correlated in (False, True):
        cands = proposals(args.proposals, args.seed, correlated)
        for share in (Decimal("0.05"), Decimal("0.25"), Decimal("0.5")):
            row(cands, share, correlated, args.repeat)


def row(cands: list[Candidate], share: Decimal, correlated: bool, repeat: int) -> None:
    total = sum(c.cost for c in cands)
    budget = (total * share).quantize(Decimal(1))
    exact_med, exact_max, cut = timed(lambda: ranking.cut_line(cands, budget), repeat)
    greedy_med, greedy_max, _ = timed(lambda: ranking.greedy_within(cands, budget), repeat)
    print(f"{'with cost' if correlated else 'random':>10} {share:>6.0%} "
          f"{exact_med:>6.1f} / {exact_max:>6.1f} {greedy_med:>5.1f} / {greedy_max:>5.1f} "
          f"{exact_med / greedy_med:>6.1f} {cut.nodes:>7} {'yes' if cut.proven else 'no':>6} "
          f"{cut.total_score:>9.2f} {cut.bound_score:>9.2f} {cut.greedy_score:>9.2f}")


if __name__ == "__main__":
    main()
