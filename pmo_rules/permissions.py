"""Who may do what: every permission decision in the product, in one file.

Each function answers one question from plain facts (who asks, the project's PM, the rules
file…) and either returns a yes/no (`may_*`) or raises the `UserError` the person sees
(`require_*`). A command, a button click, a form submission and the console all reach the same
function, so "where is this click authorised?" has one answer: here. The index:

- PMO admins: `is_admin`, `require_admin` (adding projects, per-project approvers, a project's
  digest, Hold and Kill, re-baselining).
- Proposals: `board_of`, `require_board` (scoring, screening), `require_decider` (approve,
  decline: the board and admins), `require_proposer` (withdrawing).
- Plans and milestones: `may_plan` (the PM and PMO admins), `may_change_milestone` (and the
  milestone's owner, for one that exists).
- Actions and decisions: `may_change_action` (updating or closing one: its owner, the
  project's PM, PMO admins; anyone may add one, as risks), `may_supersede_decision`.
- Status updates: `may_post_status`, `may_post_for_every_project`, `may_post_as_pm`,
  `require_status_poster` (`[status] posters`), `require_status_editor` (the author, within
  `[status] edit_window_hours`).
- Risks: `may_edit_risk`, `require_risk_editor` (`[risk] editors`).
- Issues: `require_issue_editor` (`[risk] editors`, as risks), `require_issue_resolver`
  (resolve and escalate: the owner, the PM, PMO admins), `require_coordinator` (PMO admins).
- Stage gates: `require_gate_requester` (the PM or an admin; a hold stops only the PM),
  `require_voter` (the request's approvers, once each), `withdrawal_by` (the requester, or an
  admin cancelling), `require_gate_decider` (Hold and Kill: admins).
- Reminders: `require_snoozer` (only the person a nudge was for snoozes its item).

What a state allows regardless of who asks (a closed project takes no status, no risk, no gate)
stays with its domain module (`status.check_reporting`, `risk.check_takes_risks`,
`gates.check_running`, `projects.check_digest_allowed`). The names say which is which: a
`may_*` or `require_*` function is a permission and lives only here (tests/test_vocabulary.py
checks it); a domain module's own refusals are `check_*`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pmo_rules.config import Rules
from pmo_rules.errors import UserError
from pmo_rules.gates import WITHDRAWN, WITHDRAWN_BY_ADMIN, check_running, held_until
from pmo_rules.reminders import DueItem

if TYPE_CHECKING:
    from pmo_rules.risk import RiskRef


# ---------------------------------------------------------------------------------------------
# PMO admins
# ---------------------------------------------------------------------------------------------


def is_admin(user_id: str, rules: Rules) -> bool:
    """Whether `user_id` is a PMO admin named in the rules file (`[pmo] admins`)."""
    return user_id in rules.pmo.admins


def require_admin(user_id: str, rules: Rules, *, action: str) -> None:
    """Refuse anyone but a PMO admin; `action` names what they tried, for the message."""
    if not is_admin(user_id, rules):
        raise UserError("permission.admin_only", action=action)


def board_of(rules: Rules) -> tuple[str, ...]:
    """Who scores and decides proposals: `[portfolio] board`, else the PMO admins."""
    return rules.portfolio.board or rules.pmo.admins


def require_board(user_id: str, rules: Rules, *, action: str) -> None:
    """Scoring and screening a proposal: the board only."""
    if user_id not in board_of(rules):
        raise UserError("proposal.board_only", action=action, board=board_of(rules))


def require_decider(user_id: str, rules: Rules, *, action: str) -> None:
    """Approving or declining a proposal: the board and PMO admins."""
    if user_id not in board_of(rules) and not is_admin(user_id, rules):
        raise UserError("proposal.board_only", action=action, board=board_of(rules))


def require_proposer(user_id: str, proposer_id: str, ref: str) -> None:
    """Withdrawing a proposal: the person who proposed it."""
    if user_id != proposer_id:
        raise UserError("proposal.proposer_only", ref=ref, proposer=proposer_id)


def require_proposer_or_decider(user_id: str, proposer_id: str, ref: str,
                                rules: Rules) -> None:
    """Changing what an open proposal asks for (its people needed): the proposer, the board
    and PMO admins."""
    if user_id != proposer_id and user_id not in board_of(rules) and not is_admin(user_id,
                                                                                   rules):
        raise UserError("proposal.people_not_allowed", ref=ref, proposer=proposer_id,
                        board=board_of(rules))


def may_plan(user_id: str, pm_id: str, rules: Rules) -> bool:
    """A project's plan (`/pmo project KEY plan`): its PM and PMO admins."""
    return user_id == pm_id or is_admin(user_id, rules)


def may_change_milestone(user_id: str, *, pm_id: str, owner_id: str | None,
                         rules: Rules) -> bool:
    """Adding a milestone: the project's PM and PMO admins; forecasting or marking one done:
    its owner too."""
    return may_plan(user_id, pm_id, rules) or (owner_id is not None and user_id == owner_id)


def may_change_action(user_id: str, *, owner_id: str, pm_id: str, rules: Rules) -> bool:
    """Updating an action or marking it done: its owner, the project's PM and PMO admins."""
    return user_id == owner_id or may_plan(user_id, pm_id, rules)


def may_supersede_decision(user_id: str, *, recorded_by: str, decided_by: str, pm_id: str,
                           rules: Rules) -> bool:
    """Superseding a decision: who recorded or took it, the project's PM and PMO admins."""
    return user_id in (recorded_by, decided_by) or may_plan(user_id, pm_id, rules)


# ---------------------------------------------------------------------------------------------
# Status updates
# ---------------------------------------------------------------------------------------------


def may_post_status(user_id: str, pm_id: str, rules: Rules) -> bool:
    """`[status] posters` lists roles: "pm" (the project's PM), "admin", or "anyone"."""
    roles = rules.status.posters
    return ("anyone" in roles
            or ("pm" in roles and user_id == pm_id)
            or ("admin" in roles and is_admin(user_id, rules)))


def may_post_for_every_project(user_id: str, rules: Rules) -> bool:
    """True when the poster rule does not depend on the project (so the form lists them all)."""
    roles = rules.status.posters
    return "anyone" in roles or ("admin" in roles and is_admin(user_id, rules))


def may_post_as_pm(rules: Rules) -> bool:
    """True when being a project's PM is enough to post its status."""
    return "pm" in rules.status.posters


def require_status_poster(user_id: str, key: str, pm_id: str, rules: Rules) -> None:
    if not may_post_status(user_id, pm_id, rules):
        raise UserError("permission.status_post", key=key, pm=pm_id)


def require_status_editor(*, key: str, author_id: str, user_id: str, posted_at: datetime,
                          now: datetime, window_hours: int) -> None:
    """Only the author may correct their update, and only within `[status] edit_window_hours`."""
    if author_id != user_id:
        raise UserError("status.edit_not_author", key=key)
    if now.astimezone(UTC) - posted_at.astimezone(UTC) > timedelta(hours=window_hours):
        raise UserError("status.edit_window_passed", key=key, hours=window_hours)


# ---------------------------------------------------------------------------------------------
# Risks
# ---------------------------------------------------------------------------------------------


def may_edit_risk(user_id: str, owner_id: str, pm_id: str, rules: Rules) -> bool:
    """`[risk] editors` lists roles: "owner", "pm" (the project's PM), "admin", "anyone"."""
    roles = rules.risk.editors
    return ("anyone" in roles
            or ("owner" in roles and user_id == owner_id)
            or ("pm" in roles and user_id == pm_id)
            or ("admin" in roles and is_admin(user_id, rules)))


def require_risk_editor(user_id: str, ref: RiskRef, owner_id: str, pm_id: str,
                        rules: Rules) -> None:
    """Every change to a risk (form, one-liner, Reviewed and Close buttons) passes here."""
    if not may_edit_risk(user_id, owner_id, pm_id, rules):
        raise UserError("permission.risk_edit", ref=str(ref), owner=owner_id, pm=pm_id,
                        roles=list(rules.risk.editors))


# ---------------------------------------------------------------------------------------------
# Issues
# ---------------------------------------------------------------------------------------------


def require_issue_editor(user_id: str, ref: str, owner_id: str, pm_id: str,
                         rules: Rules) -> None:
    """Updating an issue: whoever may edit the project's risks (`[risk] editors`)."""
    if not may_edit_risk(user_id, owner_id, pm_id, rules):
        raise UserError("permission.issue_edit", ref=ref, owner=owner_id, pm=pm_id,
                        roles=list(rules.risk.editors))


def require_issue_resolver(user_id: str, ref: str, owner_id: str, pm_id: str, rules: Rules,
                           *, verb: str) -> None:
    """Resolving or escalating an issue (`verb`): its owner, the project's PM, PMO admins."""
    if user_id not in (owner_id, pm_id) and not is_admin(user_id, rules):
        raise UserError("permission.issue_resolve", ref=ref, owner=owner_id, pm=pm_id,
                        verb=verb)


def require_coordinator(user_id: str, rules: Rules) -> None:
    """"I'll coordinate" on an escalated issue: PMO admins."""
    require_admin(user_id, rules, action="coordinate_issue")


# ---------------------------------------------------------------------------------------------
# Stage gates
# ---------------------------------------------------------------------------------------------


def require_gate_requester(user: str, *, key: str, pm_id: str, phase: str, state: str,
                           hold_until: datetime | None, now: datetime, rules: Rules) -> None:
    """The PM (or an admin) may ask for the exit gate of a project that is still running; a
    hold that has not ended stops the PM, not an admin."""
    if user != pm_id and not is_admin(user, rules):
        raise UserError("gate.request_not_allowed", key=key, pm=pm_id)
    check_running(key=key, phase=phase, state=state)
    if held_until(state, hold_until, now) and not is_admin(user, rules):
        raise UserError("gate.project_on_hold", key=key, until=hold_until)


def require_voter(user: str, *, key: str, approvers: tuple[str, ...] | list[str],
                  requester: str, votes: dict[str, str], subject: str = "gate") -> None:
    """Only the request's approvers vote, once each; the requester only with self-approval
    (they are then one of `approvers`: pmo_rules.approvals.elect). `subject` ("gate",
    "change") words the refusal."""
    if user not in approvers:
        if user == requester:
            raise UserError(f"{subject}.no_self_approval", key=key)
        raise UserError(f"{subject}.not_an_approver", key=key, approvers=list(approvers))
    if user in votes:
        raise UserError(f"{subject}.already_voted", key=key, vote=votes[user])


def withdrawal_by(user: str, *, key: str, requester: str, rules: Rules) -> str:
    """The requester withdraws their request (WITHDRAWN); a PMO admin may cancel anyone's
    (WITHDRAWN_BY_ADMIN); anyone else is refused."""
    if user == requester:
        return WITHDRAWN
    if is_admin(user, rules):
        return WITHDRAWN_BY_ADMIN
    raise UserError("gate.withdraw_not_allowed", key=key, requester=requester)


def require_gate_decider(user: str, rules: Rules) -> None:
    """Hold and Kill are the PMO's calls (on running projects: gates.check_running)."""
    require_admin(user, rules, action="decide_gate")


# ---------------------------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------------------------


def require_snoozer(items: Iterable[DueItem], *, key: str, user: str) -> DueItem:
    """The item a Snooze click names, if `user` may snooze it: the nudge was for them.

    `items` are what the item's source says is due now; a gate vote is one item per approver,
    all with the same key. An item no longer due (or due again with another date) is stale.
    """
    matching = [item for item in items if item.key == key]
    if not matching:
        raise UserError("snooze.stale")
    for item in matching:
        if item.recipient == user:
            return item
    raise UserError("snooze.not_yours", owner=matching[0].recipient)
