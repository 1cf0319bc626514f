"""Benchmark (not a test): the whole `/pmo rank budget:…` answer with people needed (issue 13),
SQLite and PostgreSQL.

1,000 proposals in screening, three board score sets each (random scores, cost 50k–5m, the
same seed every run), each naming one to three people (among 5,000) with a share and one role;
the people have 20,000 allocations on 1,000 running projects (bench/people.py's seed). Times
services.ranking.rank plus rendering (what the reply costs after the ack: the proposals, their
scores, everyone named's total in one grouped statement, the exact cut-line, the text) for a
budget of a quarter of the total cost, against the same portfolio with nobody named (the
baseline: `/pmo rank` as it was). Target: under 200 ms.

    .venv/bin/python -m bench.rank_people [PROPOSALS]
"""

from __future__ import annotations

import os
import random
import sys
from datetime import timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import insert, select, text, update

from bench.common import DATABASES, context, counting_queries, median_times
from bench.people import NOW, seed
from handlers.proposal import rank_text
from pmo_rules import proposals as grammar
from pmo_rules.config import DEFAULT_RULES
from pmo_rules.people_needed import Need
from services import ranking
from storage.proposals import Proposal, ProposalScore

TARGET_MS = 200
BOARD = ("UBOARD01", "UBOARD02", "UBOARD03")
PEOPLE = 5000


def seed_proposals(ctx, count: int) -> Decimal:
    """`count` proposals in screening with scores and people needed; their total cost."""
    rng = random.Random(13)
    rows = []
    for n in range(1, count + 1):
        named = rng.sample(range(PEOPLE), rng.randint(1, 3))
        needs = [Need(f"U{p:07d}", percent=rng.choice((10, 20, 30, 50))).to_wire()
                 for p in named] + [Need(role="developer", percent=rng.choice((100, 200)))
                                    .to_wire()]
        rows.append({"number": n, "title": f"Proposal {n}", "proposer_id": "UPROPOSE1",
                     "sponsor_id": None, "objective": "Bench", "themes": ["Compliance"],
                     "cost": Decimal(rng.randint(50, 5000) * 1000), "benefit_amount": None,
                     "benefit": None, "months": 6, "delivery_risk": 3,
                     "people": "bench", "needs": needs, "own_scores": {},
                     "state": "screening", "created_at": NOW - timedelta(days=3),
                     "updated_at": NOW - timedelta(days=3)})
    with ctx.db.write() as session:
        session.execute(insert(Proposal), rows)
        ids = list(session.scalars(select(Proposal.id)))
        session.execute(insert(ProposalScore), [
            {"proposal_id": pid, "member_id": member, "created_at": NOW, "updated_at": NOW,
             "scores": {name: rng.randint(2, 5) for name in
                        ("strategic_fit", "benefit", "risk", "resources")}}
            for pid in ids for member in BOARD])
    with ctx.db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return sum((r["cost"] for r in rows), Decimal(0))


def answer(ctx, cmd) -> str:
    found = ranking.rank(ctx, cmd)
    return rank_text(ctx.renderer, found, "CNY")


def forget_people(ctx) -> None:
    with ctx.db.write() as session:
        session.execute(update(Proposal).values(needs=None, people=None))


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(f"rank benchmark: {count:,} proposals in screening naming 1–3 of {PEOPLE:,} people "
          f"each (20,000 allocations); budget a quarter of the total cost; target < "
          f"{TARGET_MS} ms; median of 5 (load average {os.getloadavg()[0]:.1f})")
    for label, database in DATABASES:
        with database() as url:
            if url is None:
                continue
            ctx = context(url, DEFAULT_RULES, NOW)
            seed(ctx, PEOPLE, 4)
            total = seed_proposals(ctx, count)
            cmd = grammar.Rank(budget=(total / 4).quantize(Decimal(1)))
            with counting_queries(ctx) as seen:
                text_ = answer(ctx, cmd)
            checks = text_.count("room:")
            whole, whole_cpu = median_times(partial(answer, ctx, cmd), repeat=5)
            forget_people(ctx)
            base, base_cpu = median_times(partial(answer, ctx, cmd), repeat=5)
            verdict = "within" if whole < TARGET_MS else "OVER"
            print(f"  {label}: /pmo rank with people {whole:.0f} ms (CPU here {whole_cpu:.0f} "
                  f"ms; {verdict} the target; {len(seen)} SQL statements; {checks} room checks "
                  f"in the 3,900 characters shown), nobody named {base:.0f} ms (CPU "
                  f"{base_cpu:.0f} ms; ratio {whole / base:.2f})")
            ctx.db.dispose()


if __name__ == "__main__":
    main()
