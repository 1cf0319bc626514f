"""The demo's plans and milestones (issue 11): two projects are held against a plan.

ORION reports Green while its numbers say Red (a "watermelon": SPI about 0.70 and a milestone
seven weeks late); ATHENA, finished on time and under budget, is on track. Each plan is set by
its PM before the planning gate was asked for; the gate's approval takes the baseline (the
gates seeder calls what `/gate` calls). Times are fixed, not drawn, so the other seeders' random
draws stay as they were. Costs to date (`spent`) come with the status updates.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from storage import milestones as milestone_store
from storage import plans as plan_store

if TYPE_CHECKING:
    from bot.console.demo import DemoWorld


def seed_plans(session: Session, world: DemoWorld) -> None:
    """Each `[project.plan]` and `[[project.milestone]]` of the portfolio file."""
    for entry in world.portfolio:
        plan = entry.get("plan")
        if plan is None:
            continue
        pm = world.person(entry["pm"]).id
        when = _moment(world, world.day(plan["set_days_ago"]), 11)
        world.at(when, partial(_set_plan, session, world, entry["key"], pm, plan, when))
        for number, milestone in enumerate(entry.get("milestone", []), start=1):
            added = when.replace(minute=number)
            world.at(added, partial(_add_milestone, session, world, entry["key"], pm,
                                    milestone, added))
            if "forecast" in milestone:
                on, reason, days_ago = milestone["forecast"]
                moved = _moment(world, world.day(days_ago), 15)
                world.at(moved, partial(_forecast, session, world, entry["key"], number, on,
                                        reason, pm, moved))
            if "done" in milestone:
                done = _moment(world, milestone["done"], 17)
                world.at(done, partial(_done, session, world, entry["key"], number,
                                       milestone["done"], pm, done))


def _moment(world: DemoWorld, day: date, hour: int) -> datetime:
    """`hour` o'clock on `day` on the PMO's clock."""
    return datetime.combine(day, time(hour), tzinfo=world.rules.pmo.tz)


def _set_plan(session: Session, world: DemoWorld, key: str, pm: str, plan: dict[str, Any],
              when: datetime) -> None:
    values = {"start_on": plan["start"], "finish_on": plan["finish"],
              "budget": Decimal(plan["budget"]),
              "sponsor_id": world.person(plan["sponsor"]).id if "sponsor" in plan else None,
              "method": plan.get("method")}
    plan_store.save_plan(session, project=world.projects[key], values=values, baseline=False,
                         actor=pm, now=when)


def _add_milestone(session: Session, world: DemoWorld, key: str, pm: str,
                   milestone: dict[str, Any], when: datetime) -> None:
    milestone_store.add(session, project=world.projects[key], title=milestone["title"],
                        due=milestone["due"], owner=world.person(milestone["owner"]).id,
                        weight=milestone.get("weight", 1), actor=pm, now=when)


def _row(session: Session, key: str, number: int) -> milestone_store.Milestone:
    found = milestone_store.milestone(session, key, number)
    assert found is not None
    return found[1]


def _forecast(session: Session, world: DemoWorld, key: str, number: int, on: date,
              reason: str, actor: str, when: datetime) -> None:
    milestone_store.set_forecast(session, project=world.projects[key],
                                 row=_row(session, key, number), on=on, reason=reason,
                                 actor=actor, now=when)


def _done(session: Session, world: DemoWorld, key: str, number: int, on: date, actor: str,
          when: datetime) -> None:
    milestone_store.set_done(session, project=world.projects[key],
                             row=_row(session, key, number), on=on, actor=actor, now=when)
