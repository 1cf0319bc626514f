"""Change requests (issue 12): requested, voted on and decided through the approvals engine
(services/approvals.py) like a stage gate; when approved, applied in the same transaction as
the decision: the baseline finish and budget move (storage.plans.change_baseline), the named
milestones' baseline dates move (storage.milestones.move_baseline), the request keeps what
changed (`applied`, before and after) and the audit log holds it too. Rejected: nothing moves,
the reason is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmo_rules import changes as rules
from pmo_rules import gates, permissions
from pmo_rules.approvals import APPROVE, REJECT, NoElectorate, Quorum, elect
from pmo_rules.config import GateRule
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import in_portfolio
from pmo_rules.schedule import WorkCalendar
from services import approvals
from services.approvals import Done, StaleRequest
from services.change_cards import card, decided_card
from services.context import BotContext
from storage import changes as store
from storage import gates as gate_store
from storage import milestones as milestone_store
from storage import outbox
from storage import plans as plan_store
from storage.changes import ChangeRequest, ChangeVote
from storage.projects import Project, project_by_key


class ChangeSubject:
    """A change request as the approvals engine sees it."""

    name = "change"
    request_model = ChangeRequest
    vote_model = ChangeVote
    states = {"approved": rules.APPROVED, "rejected": rules.REJECTED}

    def label(self, project: Project, request: ChangeRequest) -> str:
        return request.ref(project.key)

    def stale(self, project: Project, request: ChangeRequest) -> StaleRequest:
        return StaleRequest(request.id, request.ref(project.key), request.state,
                            subject="change")

    def decide(self, session: Session, **kwargs: Any) -> bool:
        return store.decide(session, **kwargs)

    def card(self, ctx: BotContext, project: Project, request: ChangeRequest,
             votes: list[ChangeVote]):
        return card(ctx, project, request, votes)

    def decided(self, ctx: BotContext, session: Session, project: Project,
                request: ChangeRequest, actor: str, now: datetime) -> list[int]:
        deliveries: list[int] = []
        if request.state == rules.APPROVED:
            request.applied = apply(ctx, session, project, request, actor, now)
            session.flush()
            message = decided_card(ctx, project, request)
            deliveries.append(outbox.enqueue(session, kind="change_card",
                                             channel=project.channel_id,
                                             payload=message.as_payload(), now=now,
                                             requested_by=actor).id)
        message = ctx.renderer.text(f"change.tell.{request.state}",
                                    ref=request.ref(project.key), title=request.title,
                                    by=actor, reason=request.reason or "")
        people = dict.fromkeys((request.requested_by, project.pm_id))
        deliveries += [outbox.enqueue(session, kind="change_notice", channel=person,
                                      payload=message.as_payload(), now=now,
                                      requested_by=actor).id
                       for person in people if person != actor]
        return deliveries

    def vote_reply(self, ctx: BotContext, project: Project, request: ChangeRequest,
                   votes: dict[str, str], choice: str) -> str:
        ref = request.ref(project.key)
        if choice == REJECT:
            return ctx.renderer.t("change.rejected_reply", ref=ref,
                                  requester=request.requested_by)
        if request.state == rules.APPROVED:
            return ctx.renderer.t("change.approved_applied_reply", ref=ref,
                                  channel=project.channel_id)
        approvals_in = sum(1 for value in votes.values() if value == APPROVE)
        return ctx.renderer.t("change.approved_reply", ref=ref, approvals=approvals_in,
                              required=request.required)


SUBJECT = approvals.register(ChangeSubject())


# -- requesting ----------------------------------------------------------------------------------

def find_project(session: Session, key: str) -> Project:
    project = project_by_key(session, key)
    if project is None:
        raise UserError("project.unknown", key=key)
    return project


def change_rule(ctx: BotContext, session: Session, project: Project) -> GateRule:
    """`[changes]` approvers and quorum, with the project's override (`/pmo project KEY
    approvers changes @a @b`) laid over them."""
    override = gate_store.approver_overrides(session, project.id).get(rules.SUBJECT)
    rule = ctx.rules.changes.rule
    if override is None:
        return rule
    quorum = Quorum.parse(override.quorum).value if override.quorum else None
    return gates.effective_gate(rule, tuple(override.approvers), quorum)


def _electorate(ctx: BotContext, rule: GateRule, user: str, key: str):
    try:
        return elect(rule.approvers, Quorum(rule.quorum), user,
                     self_approval=ctx.rules.gates.self_approval)
    except NoElectorate as none:
        raise UserError(f"change.{none.reason}", key=key, quorum=rule.quorum,
                        count=none.voters) from None


def _baseline(session: Session, project: Project) -> rules.Baseline:
    plan = plan_store.plan_of(session, project.id)
    if plan is None or not plan.has_baseline:
        raise UserError("change.no_baseline", key=project.key, has_plan=plan is not None)
    return rules.Baseline(plan.baseline_start, plan.baseline_finish,
                          Decimal(plan.baseline_budget))


def _check_impact(ctx: BotContext, session: Session, project: Project, *, ref: str,
                  days: int | None, finish: Any, cost: Decimal | None,
                  moves: list[rules.Move]) -> tuple[rules.Baseline, rules.Baseline, dict]:
    """The baseline now and after, and the milestones moved (by number), or the refusal."""
    baseline = _baseline(session, project)
    after = rules.after_change(baseline, days=days, finish=finish, cost=cost,
                               calendar=WorkCalendar.of(ctx.rules.pmo), ref=ref)
    existing = {m.number: m for m in milestone_store.milestones_of(session, project.id)}
    moved = {}
    for move in moves:
        row = existing.get(move.number)
        if row is None:
            raise UserError("change.unknown_milestone", ref=f"{project.key}-M{move.number}",
                            key=project.key)
        if row.done_on is not None:
            raise UserError("change.milestone_done", ref=row.ref(project.key),
                            on=row.done_on.isoformat())
        moved[move.number] = (row, move.to)
    return baseline, after, moved


def prepare(ctx: BotContext, session: Session, user: str, cmd: rules.Request):
    project = find_project(session, cmd.key)
    if not in_portfolio(project.state):
        raise UserError("change.project_ended", key=project.key, state=project.state)
    if not permissions.may_plan(user, project.pm_id, ctx.rules):
        raise UserError("change.not_allowed", key=project.key, pm=project.pm_id)
    _check_impact(ctx, session, project, ref=project.key, days=cmd.schedule_days,
                  finish=cmd.new_finish, cost=cmd.cost_delta, moves=list(cmd.moves))
    electorate = _electorate(ctx, change_rule(ctx, session, project), user, project.key)
    return project, electorate


def check_request(ctx: BotContext, user: str, cmd: rules.Request) -> None:
    with ctx.db.read() as session:
        prepare(ctx, session, user, cmd)


def request(ctx: BotContext, user: str, cmd: rules.Request) -> Done:
    """Store the request and post its approval cards (channel and each approver's DM)."""
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            project, electorate = prepare(ctx, session, user, cmd)
            row = store.add_request(
                session, project=project, requester=user, now=now, title=cmd.title,
                schedule_days=cmd.schedule_days, new_finish=cmd.new_finish,
                cost_delta=cmd.cost_delta, scope=cmd.scope,
                moves=[{"number": m.number, "to": m.to.isoformat()} for m in cmd.moves],
                electorate=electorate)
            card_ids = approvals.post_cards(ctx, session, SUBJECT, project, row, user, now)
            ref = row.ref(project.key)
    except IntegrityError:  # another request took this number a moment ago
        raise UserError("change.conflict", key=cmd.key) from None
    return Done(ctx.renderer.t("change.requested_reply", ref=ref, approvers=electorate.approvers,
                               required=electorate.required, channel=project.channel_id),
                card_ids)


# -- deciding ------------------------------------------------------------------------------------

def apply(ctx: BotContext, session: Session, project: Project, request: ChangeRequest,
          actor: str, now: datetime) -> dict[str, Any]:
    """Move the baseline and the named milestones (checked again: the plan may have moved
    since the request); returns what changed, before and after."""
    ref = request.ref(project.key)
    moves = [rules.Move(m["number"], _day(m["to"])) for m in request.moves]
    _before, after, moved = _check_impact(
        ctx, session, project, ref=ref, days=request.schedule_days, finish=request.new_finish,
        cost=request.cost_delta, moves=moves)
    plan = plan_store.change_baseline(session, project=project, finish=after.finish,
                                      budget=after.budget, actor=actor, now=now, ref=ref)
    milestones = [milestone_store.move_baseline(session, project=project, row=row, on=to,
                                                actor=actor, now=now, ref=ref)
                  for row, to in moved.values()]
    return {"plan": plan, "milestones": milestones}


def _day(text: str) -> date:
    return date.fromisoformat(text)


def vote(ctx: BotContext, user: str, request_id: int, choice: str,
         reason: str | None = None) -> Done:
    return approvals.vote(ctx, SUBJECT, user, request_id, choice, reason)


def check_reject(ctx: BotContext, user: str, request_id: int):
    return approvals.check_reject(ctx, SUBJECT, user, request_id)


def refresh_stale(ctx: BotContext, request_id: int,
                  clicked: tuple[str, str] | None = None) -> list[int]:
    return approvals.refresh_stale(ctx, SUBJECT, request_id, clicked)


def _find(session: Session, ref: rules.ChangeRef) -> tuple[Project, ChangeRequest]:
    found = store.by_ref(session, ref.key, ref.number)
    if found is None:
        if project_by_key(session, ref.key) is None:
            raise UserError("project.unknown", key=ref.key)
        raise UserError("change.unknown", ref=str(ref), key=ref.key)
    return found


def _withdrawal(ctx: BotContext, session: Session, user: str,
                cmd: rules.Withdraw) -> tuple[Project, ChangeRequest]:
    project, row = _find(session, cmd.ref)
    if row.state != rules.OPEN:
        raise SUBJECT.stale(project, row)
    if user != row.requested_by and not permissions.is_admin(user, ctx.rules):
        raise UserError("change.withdraw_not_allowed", ref=str(cmd.ref),
                        requester=row.requested_by)
    return project, row


def check_withdraw(ctx: BotContext, user: str, cmd: rules.Withdraw) -> None:
    with ctx.db.read() as session:
        _withdrawal(ctx, session, user, cmd)


def withdraw(ctx: BotContext, user: str, cmd: rules.Withdraw) -> Done:
    """The requester (or a PMO admin) withdraws an open request; the cards say so."""
    now = ctx.now()
    with ctx.db.write() as session:
        project, row = _withdrawal(ctx, session, user, cmd)
        deliveries = approvals.close(ctx, session, SUBJECT, project, row, rules.WITHDRAWN,
                                     user, now, reason=cmd.reason or None)
        deliveries += approvals.refresh_cards(ctx, session, SUBJECT, project, row)
    return Done(ctx.renderer.t("change.withdrawn_reply", ref=str(cmd.ref)), deliveries)


# -- what people look at ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    project: Project
    request: ChangeRequest
    votes: list[ChangeVote]
    history: list[Any]


def show(ctx: BotContext, ref: rules.ChangeRef) -> Shown:
    with ctx.db.read() as session:
        project, row = _find(session, ref)
        return Shown(project, row, store.votes_of(session, row.id), store.history(session, row))


def listing(ctx: BotContext, key: str, everything: bool) -> tuple[Project, list[ChangeRequest]]:
    with ctx.db.read() as session:
        project = find_project(session, key)
        return project, store.of_project(session, project.id, only_open=not everything)


def summary(ctx: BotContext, project: Project) -> dict[str, Any] | None:
    """What `/pmo project KEY` says of the project's change requests: how many of each state,
    and the latest decided (None when it has none)."""
    with ctx.db.read() as session:
        rows = store.of_project(session, project.id, only_open=False)
    if not rows:
        return None
    counts = {state: sum(1 for row in rows if row.state == state) for state in rules.STATES}
    decided = [row for row in rows if row.state in (rules.APPROVED, rules.REJECTED)]
    latest = max(decided, key=lambda row: row.decided_at) if decided else None
    return {"counts": counts, "latest": latest and {
        "ref": latest.ref(project.key), "state": latest.state,
        "on": latest.decided_at.astimezone(ctx.rules.pmo.tz).date().isoformat()}}


def waiting_for(ctx: BotContext, user: str) -> list[Any]:
    """The open change requests `user` may still vote on, oldest first (the Home tab)."""
    with ctx.db.read() as session:
        return approvals.waiting_for(session, SUBJECT, user)
