"""What the executive report reads besides the charts and indicators: gate decisions of a
period (services/report.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmo_rules.gates import HELD, KILLED, PASSED, REJECTED
from storage.gates import GateRequest
from storage.projects import Project

DECISIONS = (PASSED, REJECTED, HELD, KILLED)
"""A request withdrawn was not decided: it is left out."""


def gates_decided(session: Session, start: datetime, end: datetime) -> list[tuple]:
    """(KEY, phase, state, requested at, decided at) of the gate requests decided (passed,
    rejected, held, killed) in
    [start, end), oldest decision first."""
    return [tuple(row) for row in session.execute(
        select(Project.key, GateRequest.phase, GateRequest.state, GateRequest.requested_at,
               GateRequest.decided_at)
        .join(Project, Project.id == GateRequest.project_id)
        .where(GateRequest.state.in_(DECISIONS), GateRequest.decided_at >= start,
               GateRequest.decided_at < end)
        .order_by(GateRequest.decided_at, GateRequest.id))]
