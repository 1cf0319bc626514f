"""The demo's proposals (issue 13): four proposals in screening, scored by the board (pat,
grace, henry), where the exact cut-line and the greedy order differ. With
`/pmo rank budget:2m`, taking the list from the top while it fits chooses PR-1 and PR-4 (total
score 134.2); the best set within 2m is PR-2 and PR-3 (144.98). Times are fixed, not drawn,
so the other seeders' random draws stay as they were; no cards are posted.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from pmo_rules import people_needed
from storage import proposals as store

if TYPE_CHECKING:
    from bot.console.demo import DemoWorld

_NAMES = ("strategic_fit", "benefit", "risk", "resources")
PROPOSALS = (
    ("Customer self-service app", "erin", "1200000", 9, 3, ("Customer growth",),
     "Let customers change their own plans online",
     ((5, 5, 3, 3), (5, 4, 3, 3), (4, 5, 2, 3))),
    ("Invoice matching automation", "dave", "1000000", 6, 2, ("Cost efficiency",),
     "Match supplier invoices to orders without manual keying",
     ((4, 4, 2, 4), (4, 4, 2, 3), (4, 3, 2, 4))),
    ("Data retention for GDPR", "carol", "900000", 5, 2, ("Compliance",),
     "Delete personal data on schedule across the CRM and the data lake",
     ((4, 3, 1, 4), (5, 3, 2, 4), (4, 4, 2, 4))),
    ("Branch Wi-Fi upgrade", "bob", "500000", 4, 1, ("Cost efficiency",),
     "Replace end-of-life access points in 40 branches",
     ((2, 3, 1, 4), (3, 2, 1, 4), (2, 3, 2, 5))),
)
BOARD = ("pat", "grace", "henry")
PEOPLE = ("@carol 50%, 2 FTE developer", "@dave 0.9, 1 analyst", "@carol 30%, someone from legal",
          "1 FTE network engineer")
"""Each proposal's people needed, `@name` as the mention Slack would make of it: with the PMs'
20% defaults, dave (ATHENA's PM) has no room for PR-2's 90%; carol (ZEUS's) has for each of
PR-1 and PR-3."""


def seed_proposals(session: Session, world: DemoWorld) -> None:
    for number, ((title, proposer, cost, months, risk, themes, objective, sets),
                 people) in enumerate(zip(PROPOSALS, PEOPLE, strict=True), start=1):
        when = datetime.combine(world.day(10 - number), time(10), tzinfo=world.rules.pmo.tz)
        world.at(when, partial(_propose, session, world, title, proposer, cost, months, risk,
                               themes, objective, people, when))
        for offset, (member, scores) in enumerate(zip(BOARD, sets, strict=True), start=1):
            at = when.replace(hour=14 + offset)
            world.at(at, partial(_score, session, number, world.person(member).id,
                                 dict(zip(_NAMES, scores, strict=True)), at, offset == 1))


def _propose(session: Session, world: DemoWorld, title: str, proposer: str, cost: str,
             months: int, risk: int, themes: tuple[str, ...], objective: str, people: str,
             when: datetime) -> None:
    typed = re.sub(r"@([a-z]+)", lambda m: f"<@{world.person(m[1]).id}>", people)
    store.add(session, values={
        "title": title, "sponsor_id": None, "objective": objective, "themes": list(themes),
        "cost": Decimal(cost), "benefit_amount": None, "benefit": None, "months": months,
        "delivery_risk": risk, "people": typed, "own_scores": {},
        "needs": [n.to_wire() for n in people_needed.parse_needed(typed)]},
        proposer=world.person(proposer).id, now=when)


def _score(session: Session, number: int, member: str, scores: dict[str, int],
           at: datetime, first: bool) -> None:
    row = store.by_number(session, number)
    store.save_score(session, proposal=row, member=member, scores=scores, now=at)
    if first:
        store.move(session, proposal=row, to="screening", actor=member, now=at,
                   from_states=("submitted",))
