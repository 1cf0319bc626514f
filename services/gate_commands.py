"""Stage-gate use cases typed rather than clicked, and the end of a hold.

- `/gate approve KEY [note]` and `/gate reject KEY reason`: a vote on the project's open
  request without its card, through the same use case as the buttons (`services.gates.vote`:
  the quorum, self-approval, one vote each, a request decided meanwhile).
- `/gate decide KEY resume [note]`: a PMO admin lifts a hold before its end.
- The end of a hold, by its date (the scheduler's pass) or by `resume`: the PM and the project
  channel are told, in the same transaction as the change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pmo_rules import gates, permissions
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import ON_HOLD
from services.context import BotContext
from services.gates import Done, StaleRequest, check_voter, find_project, vote
from storage import gates as store
from storage import outbox
from storage.projects import Project

# ---------------------------------------------------------------------------------------------
# Voting by command
# ---------------------------------------------------------------------------------------------


def _open_request(session: Session, key: str) -> tuple[Project, store.GateRequest]:
    project = find_project(session, key)
    request = store.open_request(session, project.id)
    if request is None:
        raise UserError("gate.none_open", key=project.key)
    return project, request


def check_vote(ctx: BotContext, user: str, command: gates.Vote) -> None:
    """The checks a click would meet, before the ack: an open request, and `user` may vote."""
    with ctx.db.read() as session:
        project, request = _open_request(session, command.key)
        check_voter(session, user, request, project)


def vote_by_key(ctx: BotContext, user: str, command: gates.Vote) -> Done:
    """Cast `user`'s vote on the project's open request, as the card's button would. A
    request decided since the command was checked is refused like a late click (and its
    cards brought up to date)."""
    with ctx.db.read() as session:
        project = find_project(session, command.key)
        request = store.open_request(session, project.id)
        if request is None:
            latest = store.history(session, project.id, 1)
            if latest and latest[0].approvers:  # a request, not an admin's bare decision
                raise StaleRequest(latest[0].id, project.key, latest[0].state)
            raise UserError("gate.none_open", key=project.key)
        request_id = request.id
    return vote(ctx, user, request_id, command.choice, command.reason or None)


# ---------------------------------------------------------------------------------------------
# Holds: lifted early by an admin, or ended by their date
# ---------------------------------------------------------------------------------------------


def _held(ctx: BotContext, session: Session, user: str, key: str) -> Project:
    permissions.require_gate_decider(user, ctx.rules)
    project = find_project(session, key)
    gates.check_running(key=project.key, phase=project.phase, state=project.state)
    if project.state != ON_HOLD:
        raise UserError("gate.not_on_hold", key=project.key, state=project.state)
    return project


def check_resume(ctx: BotContext, user: str, command: gates.Resume) -> None:
    with ctx.db.read() as session:
        _held(ctx, session, user, command.key)


def resume(ctx: BotContext, user: str, command: gates.Resume) -> Done:
    """Lift the hold now (audited); the PM and the project channel are told."""
    now = ctx.now()
    with ctx.db.write() as session:
        project = _held(ctx, session, user, command.key)
        until = store.resume(session, project=project, actor=user, now=now,
                             note=command.note or None)
        if until is None:  # lifted by the tick or another admin a moment ago
            raise UserError("gate.not_on_hold", key=project.key, state=project.state)
        deliveries = _tell_resumed(ctx, session, project, until, now, by=user, note=command.note)
    return Done(ctx.renderer.t("gate.resumed_reply", key=project.key, until=until,
                               pm=project.pm_id, channel=project.channel_id), deliveries)


def end_holds(ctx: BotContext, now: datetime) -> tuple[list[str], list[int]]:
    """The scheduler's pass: projects whose hold has ended are active again, and their PM
    and channel are told (one transaction). Returns the KEYs and the deliveries to send."""
    deliveries: list[int] = []
    with ctx.db.write() as session:
        resumed = []
        for project in store.resume_ended_holds(session, now):
            deliveries += _tell_resumed(ctx, session, project, None, now)
            resumed.append(project.key)
    return resumed, deliveries


def _tell_resumed(ctx: BotContext, session: Session, project: Project,
                  until: datetime | None, now: datetime, *, by: str | None = None,
                  note: str = "") -> list[int]:
    """The notice that a hold ended: to the project channel and the PM (unless the PM lifted
    it themselves). `by` None means it ended on its date."""
    message = ctx.renderer.text("gate.tell.resumed", key=project.key, phase=project.phase,
                                by=by, note=note, until=until)
    places = [project.channel_id] + ([project.pm_id] if project.pm_id != by else [])
    return [outbox.enqueue(session, kind="gate_notice", channel=place,
                           payload=message.as_payload(), now=now,
                           requested_by=by or "system").id
            for place in dict.fromkeys(places)]
