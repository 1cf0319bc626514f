"""What the executive report reads besides the charts and indicators: gate decisions of a
period (services/report.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmo_rules.gates import HELD, KILLED, PASSED, REJECTED
from storage.gates import GateRequest
from storage.projects import Project

DECISIONS = (PASSED, REJECTED, HELD, KILLED)
"""A request withdrawn was not decided: it is left out."""


def gates_decided(session: Session, start: datetime, end: datetime,
                  excluding: Collection[int] = ()) -> list[tuple]:
    """(KEY, phase, state, requested at, decided at) of the gate requests decided (passed,
    rejected, held, killed) in [start, end), oldest decision first; the projects `excluding`
    names (confidential ones, for a channel) left out."""
    return [tuple(row) for row in session.execute(
        select(Project.key, GateRequest.phase, GateRequest.state, GateRequest.requested_at,
               GateRequest.decided_at)
        .join(Project, Project.id == GateRequest.project_id)
        .where(GateRequest.state.in_(DECISIONS), GateRequest.decided_at >= start,
               GateRequest.decided_at < end,
               *([GateRequest.project_id.not_in(excluding)] if excluding else []))
        .order_by(GateRequest.decided_at, GateRequest.id))]
