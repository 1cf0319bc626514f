"""The project life cycle, in one place: its phases, its states, and what follows what.

Every module that speaks of a project's phase or state imports the words from here, so there is
one spelling of each. Two things are called "closed" and they are kept apart by name:

- `CLOSED_PHASE` is the value a project's *phase* takes after it passes the closing gate: the
  life cycle is over, so it is not one of `PHASES` and has no gate of its own.
- `CLOSED` is the project *state* reached the same way; `CANCELLED` is the other end of a
  project (killed at a gate), and `ACTIVE` / `ON_HOLD` are the states of a running project.

(A *risk*'s status "closed" is the risk register's own word: `pmo_rules.risk.CLOSED`.)
"""

from __future__ import annotations

PHASES: tuple[str, ...] = ("initiation", "planning", "execution", "closing")
"""The standard's life cycle (3.1); monitoring runs alongside execution, so it has no gate."""

CLOSED_PHASE = "closed"
"""A project's phase after it has passed the closing gate (not a phase of work: no gate)."""

ACTIVE, ON_HOLD, CANCELLED, CLOSED = "active", "on_hold", "cancelled", "closed"
STATES: tuple[str, ...] = (ACTIVE, ON_HOLD, CANCELLED, CLOSED)
"""A project's states. A hold pauses a project (its reminders and its gate requests), it does
not end it; cancelled (killed at a gate) and closed (past the closing gate) are history."""

PORTFOLIO_STATES: tuple[str, ...] = (ACTIVE, ON_HOLD)
"""The running projects: the portfolio the digest reports on, the projects that take status
updates (a hold pauses the reminders, not the news) and new risks. Closed and cancelled
projects are history."""

ENDED_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in PORTFOLIO_STATES)
"""Cancelled and closed: shown apart from the portfolio, never inside its counts."""


def next_phase(phase: str) -> str:
    """The phase a project enters when it passes `phase`'s exit gate (CLOSED_PHASE after
    closing)."""
    index = phase_index(phase)
    return PHASES[index + 1] if index + 1 < len(PHASES) else CLOSED_PHASE


def phase_index(phase: str) -> int:
    """Position of `phase` in the life cycle; a wrong name is a programming error, not input."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}; phases are {', '.join(PHASES)}")
    return PHASES.index(phase)


def state_after_passing(phase: str) -> str:
    """The state a project is in once `phase`'s gate is passed: closed after the last gate."""
    return CLOSED if next_phase(phase) == CLOSED_PHASE else ACTIVE


def in_portfolio(state: str) -> bool:
    """Whether a project in `state` is still running (PORTFOLIO_STATES)."""
    return state in PORTFOLIO_STATES
