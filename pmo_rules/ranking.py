"""Ranking proposals and the budget cut-line (issue 13): pure, no I/O.

The cut-line is an exact 0/1 knapsack: of the candidates, the set with the largest total
weighted score whose total cost is within the budget. Costs are exact (whole cents, no
rounding); scores count to a hundredth of a point (`SCORE_STEP`). The search is a depth-first
branch and bound over the candidates in order of score per unit of cost, pruned with the
linear-relaxation (Dantzig) bound, so it proves the best set rather than guessing at it. On
ordinary portfolios (scores not tied to costs) 1,000 proposals take a few thousand nodes and
milliseconds. When scores rise with cost (a hard case for any exact method), the search stops
after `NODE_LIMIT` nodes with the best set found, says so (`Cut.proven` False) and gives the
linear bound, which no set can beat (bench/rank.py: within 0.2% of it).

The greedy pass (down the ranked list, taking what still fits) is computed too, because that
is what a board does by hand and what the reply compares against.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal

SCORE_STEP = 100
"""Scores are compared in hundredths of a point."""
NODE_LIMIT = 60_000
"""About 100 ms of search in CPython on a modest machine: past it, the best set found is
returned with `proven` False and the gap to the linear bound (`Cut.bound_score`)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    ref: str
    cost: Decimal
    score: float


@dataclass(frozen=True)
class Cut:
    chosen: tuple[str, ...]
    """Refs above the line, in ranked order."""
    total_cost: Decimal
    total_score: float
    greedy: tuple[str, ...]
    """What taking the ranked list from the top while it fits would choose."""
    greedy_score: float
    proven: bool = True
    bound_score: float = 0.0
    """No set within the budget scores more than this (the linear relaxation at the root)."""
    nodes: int = 0


def ranked(candidates: list[Candidate]) -> list[Candidate]:
    """Highest score first; then the cheaper; then by ref, so the order is stable."""
    return sorted(candidates, key=lambda c: (-c.score, c.cost, _ref_order(c.ref)))


def _ref_order(ref: str) -> tuple[int, str]:
    digits = "".join(ch for ch in ref if ch.isdigit())
    return (int(digits) if digits else 0, ref)


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _points(score: float) -> int:
    return max(0, round(score * SCORE_STEP))


def best_within(candidates: list[Candidate], budget: Decimal,
                node_limit: int = NODE_LIMIT) -> tuple[set[str], bool]:
    """The refs of a set of maximum total score with total cost ≤ budget, and whether the
    search finished (proved it best)."""
    chosen, proven, _bound, _nodes = _search(candidates, budget, node_limit)
    return chosen, proven


def _search(candidates: list[Candidate], budget: Decimal,
            node_limit: int) -> tuple[set[str], bool, float, int]:
    capacity = _cents(budget)
    items = [(c.ref, _cents(c.cost), _points(c.score)) for c in candidates]
    items = [item for item in items if item[1] <= capacity and item[2] > 0]
    free = [item for item in items if item[1] == 0]
    items = [item for item in items if item[1] > 0]
    items.sort(key=lambda item: (-item[2] / item[1], item[1]))
    n = len(items)
    weights = [w for _ref, w, _v in items]
    values = [v for _ref, _w, v in items]
    prefix_w, prefix_v = [0], [0]
    for w, v in zip(weights, values, strict=True):
        prefix_w.append(prefix_w[-1] + w)
        prefix_v.append(prefix_v[-1] + v)

    def bound(i: int, room: int) -> float:
        """The linear relaxation of items i… within `room`: whole items in ratio order while
        they fit, then the fraction of the next."""
        k = bisect_right(prefix_w, prefix_w[i] + room, lo=i) - 1
        extra = prefix_v[k] - prefix_v[i]
        if k < n:
            extra += (room - (prefix_w[k] - prefix_w[i])) * values[k] / weights[k]
        return extra

    best, best_chain = -1, None
    stack: list[tuple[int, int, int, tuple | None]] = [(0, capacity, 0, None)]
    nodes = 0
    proven = True
    while stack:
        i, room, value, chain = stack.pop()
        nodes += 1
        if nodes > node_limit:
            proven = False
            break
        if value > best:
            best, best_chain = value, chain
        if i == n or value + bound(i, room) < best + 1:
            continue
        stack.append((i + 1, room, value, chain))
        if weights[i] <= room:
            stack.append((i + 1, room - weights[i], value + values[i], (i, chain)))
    chosen = {ref for ref, _w, _v in free}
    while best_chain is not None:
        index, best_chain = best_chain
        chosen.add(items[index][0])
    root = (bound(0, capacity) + sum(v for _ref, _w, v in free)) / SCORE_STEP
    return chosen, proven, root, nodes


def greedy_within(candidates: list[Candidate], budget: Decimal) -> list[str]:
    """Down the ranked list, taking each proposal that still fits."""
    left = budget
    taken = []
    for c in ranked(candidates):
        if c.cost <= left:
            taken.append(c.ref)
            left -= c.cost
    return taken


def cut_line(candidates: list[Candidate], budget: Decimal) -> Cut:
    order = ranked(candidates)
    chosen, proven, root, nodes = _search(order, budget, NODE_LIMIT)
    above = tuple(c.ref for c in order if c.ref in chosen)
    by_ref = {c.ref: c for c in order}
    greedy = tuple(greedy_within(order, budget))
    return Cut(chosen=above, total_cost=sum((by_ref[r].cost for r in above), Decimal(0)),
               total_score=round(sum(by_ref[r].score for r in above), 2), greedy=greedy,
               greedy_score=round(sum(by_ref[r].score for r in greedy), 2), proven=proven,
               bound_score=round(root, 2), nodes=nodes)


def to_make_room(candidate: Candidate, chosen: list[Candidate], budget: Decimal) -> list[str]:
    """For a proposal below the line: which of those above would have to go for it to fit,
    dropping the lowest score per unit of cost first (the fewest points lost for the money
    freed). Empty when it cannot fit at all (it costs more than the budget)."""
    if candidate.cost > budget:
        return []
    room = budget - sum((c.cost for c in chosen), Decimal(0))
    dropped: list[str] = []
    for c in sorted(chosen, key=lambda c: (c.score / float(c.cost) if c.cost else float("inf"),
                                           c.score)):
        if room >= candidate.cost:
            break
        dropped.append(c.ref)
        room += c.cost
    return dropped


def to_make_room_each(below: list[Candidate], chosen: list[Candidate],
                      budget: Decimal) -> dict[str, list[str]]:
    """`to_make_room` for every proposal below the line at once: the drop order is sorted once
    and each proposal's answer is a bisection of the room freed so far (1,000 proposals: a few
    milliseconds, where one sort each took about 300 ms)."""
    order = sorted(chosen, key=lambda c: (c.score / float(c.cost) if c.cost else float("inf"),
                                          c.score))
    freed = [budget - sum((c.cost for c in chosen), Decimal(0))]
    for c in order:
        freed.append(freed[-1] + c.cost)
    refs = [c.ref for c in order]
    return {c.ref: [] if c.cost > budget else refs[:bisect_left(freed, c.cost)]
            for c in below}


def per_cost(score: float, cost: Decimal, unit: Decimal) -> float:
    """Score points per `unit` of money (e.g. per million)."""
    return 0.0 if cost == 0 else round(score * float(unit) / float(cost), 2)
