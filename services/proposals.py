"""Proposal use cases (issue 13): submit (from the form), screen, withdraw, score, approve (a
project in initiation with its plan) and decline — each one transaction with its audit entry
and its messages in the outbox — and what `/pmo proposals` and `/pmo proposal PR-3` read.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmo_rules import people_needed, permissions, scoring
from pmo_rules import proposals as rules
from pmo_rules.errors import UserError
from pmo_rules.scoring import Evaluation
from services import capacity, directory
from services.context import BotContext
from storage import outbox
from storage import plans as plan_store
from storage import projects as project_store
from storage import proposals as store
from storage.proposals import Proposal
from templates.errors import error_text
from templates.render import Message

LIST_MAX = 40


@dataclass(frozen=True)
class ProposalShown:
    row: Proposal
    evaluation: Evaluation
    project_key: str | None = None


def evaluation_of(ctx: BotContext, score_rows: list) -> Evaluation:
    return scoring.evaluate([row.scores for row in score_rows], ctx.rules.portfolio.criteria)


def card(ctx: BotContext, shown: ProposalShown, event: str = "shown") -> Message:
    return ctx.renderer.message("proposal_card", "proposal.card_text", p=shown.row,
                                e=shown.evaluation, project_key=shown.project_key, event=event,
                                currency=ctx.rules.pmo.currency,
                                criteria=ctx.rules.portfolio.criteria,
                                needs=needs_of(shown.row))


def intake_channel(ctx: BotContext) -> str | None:
    return ctx.rules.portfolio.intake_channel or ctx.rules.pmo.digest_channel


def _proposal(session: Session, number: int) -> Proposal:
    row = store.by_number(session, number)
    if row is None:
        raise UserError("proposal.unknown", ref=f"PR-{number}")
    return row


def _open(row: Proposal) -> None:
    if not rules.is_open(row.state):
        raise UserError("proposal.already_decided", ref=row.ref, state=row.state,
                        by=row.decided_by)


def submit(ctx: BotContext, user: str, draft: rules.Draft) -> str:
    now = ctx.now()
    values = {"title": draft.title, "sponsor_id": draft.sponsor_id,
              "objective": draft.objective, "themes": list(draft.themes), "cost": draft.cost,
              "benefit_amount": draft.benefit_amount, "benefit": draft.benefit,
              "months": draft.months, "delivery_risk": draft.delivery_risk,
              "people": draft.people, "own_scores": draft.own_scores,
              "needs": [n.to_wire() for n in draft.needs] if draft.people else None}
    channel = intake_channel(ctx)
    try:
        with ctx.db.write() as session:
            row = store.add(session, values=values, proposer=user, now=now)
            shown = ProposalShown(row, evaluation_of(ctx, []))
            deliveries = []
            if channel:
                deliveries.append(outbox.enqueue(
                    session, kind="proposal_card", channel=channel,
                    payload=card(ctx, shown, "submitted").as_payload(), now=now,
                    requested_by=user).id)
            ref = row.ref
    except IntegrityError:  # another proposal took the number a moment ago
        return ctx.renderer.t("proposal.conflict")
    ctx.sender.send(deliveries)
    return ctx.renderer.t("proposal.submitted", ref=ref, title=draft.title, channel=channel)


def screen(ctx: BotContext, user: str, number: int) -> str:
    permissions.require_board(user, ctx.rules, action="screen")
    with ctx.db.write() as session:
        row = _proposal(session, number)
        _open(row)
        if row.state == rules.SCREENING:
            return ctx.renderer.t("proposal.already_screening", ref=row.ref)
        if not store.move(session, proposal=row, to=rules.SCREENING, actor=user,
                          now=ctx.now(), from_states=(rules.SUBMITTED,)):
            raise UserError("proposal.changed_meanwhile", ref=row.ref)
    return ctx.renderer.t("proposal.screening", ref=f"PR-{number}")


def withdraw(ctx: BotContext, user: str, number: int) -> str:
    with ctx.db.write() as session:
        row = _proposal(session, number)
        permissions.require_proposer(user, row.proposer_id, row.ref)
        _open(row)
        if not store.move(session, proposal=row, to=rules.WITHDRAWN, actor=user,
                          now=ctx.now()):
            raise UserError("proposal.changed_meanwhile", ref=row.ref)
    return ctx.renderer.t("proposal.withdrawn", ref=f"PR-{number}")


def check_score(ctx: BotContext, user: str, words: tuple[str, ...]) -> dict[str, int]:
    """Before the ack: a board member, known criteria, scores 1–5."""
    permissions.require_board(user, ctx.rules, action="score")
    return scoring.parse_scores(list(words), ctx.rules.portfolio.criteria)


def score(ctx: BotContext, user: str, number: int, change: dict[str, int]) -> str:
    """Save the member's score set (merged with their earlier one); the first board score
    moves a submitted proposal into screening."""
    permissions.require_board(user, ctx.rules, action="score")
    criteria = ctx.rules.portfolio.criteria
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            row = _proposal(session, number)
            _open(row)
            current = store.score_of(session, row.id, user)
            scores = scoring.merged_set(None if current is None else current.scores, change,
                                        criteria)
            first = store.save_score(session, proposal=row, member=user, scores=scores,
                                     now=now)
            if row.state == rules.SUBMITTED:
                store.move(session, proposal=row, to=rules.SCREENING, actor=user, now=now,
                           from_states=(rules.SUBMITTED,))
            evaluation = evaluation_of(ctx, store.scores_of(session, [row.id])[row.id])
            ref = row.ref
    except IntegrityError:  # the same member's two clicks at once: the other one counted
        return ctx.renderer.t("proposal.score_conflict", ref=f"PR-{number}")
    return ctx.renderer.t("proposal.scored", ref=ref, first=first, scores=scores,
                          e=evaluation)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def approve(ctx: BotContext, user: str, channel: str, cmd: rules.ProposalVerb) -> str:
    """A project in initiation, from the proposal: its KEY, the PM given (else the
    proposer), the channel where this was typed, and a plan — today to today + the months,
    the cost as its budget, the sponsor. One transaction with the proposal's conditional move:
    of two approvals at once, one makes a project and the other is refused."""
    permissions.require_decider(user, ctx.rules, action="approve")
    now = ctx.now()
    today = now.astimezone(ctx.rules.pmo.tz).date()
    key = cmd.key or ""
    try:
        with ctx.db.read() as session:
            found = _proposal(session, cmd.number)
            _open(found)
            pm = cmd.pm_id or found.proposer_id
        note = directory.checked(ctx, role="pm", people=[pm], channels=[channel])
        with ctx.db.write() as session:
            row = _proposal(session, cmd.number)
            _open(row)
            if project_store.project_by_key(session, key) is not None:
                raise UserError("project.key_taken", key=key)
            project = project_store.add_project(session, key=key, name=row.title, pm_id=pm,
                                                channel_id=channel, actor=user, now=now)
            plan = plan_store.save_plan(session, project=project, values={
                "start_on": today, "finish_on": _add_months(today, row.months),
                "budget": row.cost, "sponsor_id": row.sponsor_id, "method": None},
                baseline=False, actor=user, now=now)
            if not store.move(session, proposal=row, to=rules.APPROVED, actor=user, now=now,
                              project_id=project.id):
                raise UserError("proposal.already_decided", ref=row.ref, state="approved",
                                by=None)
            delivery = _tell_proposer(ctx, session, row, "approved", user, key=project.key)
            reply = ctx.renderer.t("proposal.approved", ref=row.ref, key=project.key,
                                   pm=pm, channel=channel, start=plan.start_on,
                                   finish=plan.finish_on, budget=row.cost,
                                   currency=ctx.rules.pmo.currency)
            session.flush()
            needs = needs_of(row)
            checks = capacity.named_room(ctx, session, needs, project.key)
            if pm not in people_needed.named(needs):
                over = capacity.over_by(ctx, session, pm)
                if over:
                    reply += "\n" + ctx.renderer.t("capacity.approved_over", user=pm,
                                                    over=over)
            if checks:
                reply += "\n" + ctx.renderer.t("people_needed.approved", ref=row.ref,
                                                key=project.key, checks=checks)
    except IntegrityError:  # another approval took the KEY or the proposal a moment ago
        return error_text(ctx.renderer, UserError("proposal.approve_conflict",
                                                  ref=f"PR-{cmd.number}", key=key))
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send([delivery])
    return reply + note


def needs_of(row: Proposal) -> tuple[people_needed.Need, ...]:
    """The proposal's people needed as stored (none for one from before they were)."""
    return people_needed.stored(row.needs)


def set_people(ctx: BotContext, user: str, cmd: rules.ProposalVerb) -> str:
    """`/pmo proposal PR-3 people …`: the proposer, the board or PMO admins, while it is open;
    audited."""
    try:
        with ctx.db.write() as session:
            row = _proposal(session, cmd.number)
            permissions.require_proposer_or_decider(user, row.proposer_id, row.ref, ctx.rules)
            _open(row)
            store.set_people(session, proposal=row, people=cmd.people,
                             needs=[n.to_wire() for n in cmd.needs] if cmd.people else None,
                             actor=user, now=ctx.now())
            ref = row.ref
    except UserError as error:
        return error_text(ctx.renderer, error)
    return ctx.renderer.t("people_needed.set", ref=ref, needs=cmd.needs, typed=cmd.people)


def decline(ctx: BotContext, user: str, cmd: rules.ProposalVerb) -> str:
    permissions.require_decider(user, ctx.rules, action="decline")
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            row = _proposal(session, cmd.number)
            _open(row)
            if not store.move(session, proposal=row, to=rules.DECLINED, actor=user, now=now,
                              reason=cmd.reason):
                raise UserError("proposal.changed_meanwhile", ref=row.ref)
            delivery = _tell_proposer(ctx, session, row, "declined", user, reason=cmd.reason)
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send([delivery])
    return ctx.renderer.t("proposal.declined", ref=f"PR-{cmd.number}", reason=cmd.reason)


def _tell_proposer(ctx: BotContext, session: Session, row: Proposal, outcome: str,
                   user: str, **facts: object) -> int:
    """A DM to the proposer, in the outbox with the decision."""
    text = ctx.renderer.t(f"proposal.dm_{outcome}", ref=row.ref, title=row.title, by=user,
                          **facts)
    return outbox.enqueue(session, kind="proposal_dm", channel=row.proposer_id,
                          payload={"text": text}, now=ctx.now(), requested_by=user).id


# -- what people look at --------------------------------------------------------------------------

def shown(ctx: BotContext, number: int) -> ProposalShown:
    with ctx.db.read() as session:
        row = _proposal(session, number)
        evaluation = evaluation_of(ctx, store.scores_of(session, [row.id])[row.id])
        key = None
        if row.project_id is not None:
            project = session.get(project_store.Project, row.project_id)
            key = project.key if project else None
        session.expunge(row)
        return ProposalShown(row, evaluation, key)


def listing(ctx: BotContext, every: bool) -> list[ProposalShown]:
    with ctx.db.read() as session:
        rows = store.listed(session, states=None if every else rules.OPEN_STATES,
                            limit=LIST_MAX)
        scores = store.scores_of(session, [r.id for r in rows])
        found = [ProposalShown(r, evaluation_of(ctx, scores[r.id])) for r in rows]
        session.expunge_all()
        return found


def of_project(ctx: BotContext, project_id: int) -> str | None:
    """The proposal a project came from (`PR-3`), for the project's card."""
    with ctx.db.read() as session:
        row = store.of_project(session, project_id)
        return None if row is None else row.ref


def my_scores(ctx: BotContext, number: int, member: str) -> dict[str, int]:
    """The member's score set on the proposal (empty before they scored), for the form."""
    with ctx.db.read() as session:
        row = _proposal(session, number)
        mine = store.score_of(session, row.id, member)
        return {} if mine is None else dict(mine.scores)
