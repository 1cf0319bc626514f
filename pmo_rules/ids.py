"""Every action_id, callback_id and block_id the bot uses, named once.

Listeners are registered against these constants, templates render them and the reminder
sources name their buttons with them, so a typo cannot silently disconnect a button from its
handler. They are plain names (no Slack library, nothing of ours) in the lowest layer, so every
layer may import them; what a button or form *carries* is in `pmo_rules.values`.
"""

from enum import StrEnum


class Callback(StrEnum):
    STATUS_MODAL = "status_modal"
    STATUS_EDIT = "status_edit"
    GATE_REQUEST = "gate_request_modal"
    GATE_REJECT = "gate_reject_modal"
    GATE_KILL = "gate_kill_modal"
    CHANGE_REJECT = "change_reject_modal"


class Block(StrEnum):
    """Modal input block ids; each equals the field name a refusal names (`UserError.field`)."""

    PROJECT = "project"
    OVERALL = "overall"
    SCHEDULE = "schedule"
    COST = "cost"
    SCOPE = "scope"
    QUALITY = "quality"
    PERCENT = "percent_complete"
    ACTUAL_COST = "actual_cost"
    ESTIMATE = "estimate_at_completion"
    SUMMARY = "summary"
    BLOCKERS = "blockers"
    NEXT_STEPS = "next_steps"
    NOTE = "note"
    REASON = "reason"
    GATE_CHECK = "gate_check_"  # + the criterion's index in the gate's checklist


class Action(StrEnum):
    VALUE = "value"  # the one element inside each modal input block
    HOME_POST_UPDATE = "home_post_update"  # value: values.ProjectButton
    MAKE_CONFIDENTIAL = "make_confidential"  # value: values.ProjectButton (PMO admins)
    GATE_APPROVE = "gate_approve"  # value: values.GateButton
    GATE_REJECT = "gate_reject"  # same value; opens the reason modal
    CHANGE_APPROVE = "change_approve"  # value: values.ChangeButton
    CHANGE_REJECT = "change_reject"  # same value; opens the reason modal

    # Buttons under an item in a reminder DM: "nudge_" + the button's name (pmo_rules.reminders).
    NUDGE_POST_STATUS = "nudge_post_status"  # value: values.PostStatus; opens the status form
    NUDGE_SNOOZE = "nudge_snooze"  # value: values.Snooze


class RiskCallback(StrEnum):
    FORM = "risk_form"
    CLOSE_FORM = "risk_close_form"


class RiskBlock(StrEnum):
    """Block ids of the risk forms: the field names, so a rule's `UserError.field` is the id."""

    PROJECT = "project"
    TITLE = "title"
    PROBABILITY = "probability"
    IMPACT = "impact"
    OWNER = "owner_id"
    RESPONSE = "response"
    STATUS = "status"
    DUE = "due_on"
    REVIEW = "next_review_on"
    DESCRIPTION = "description"
    TRIGGER = "trigger"
    NOTE = "note"
    OUTCOME = "outcome"


class RiskAction(StrEnum):
    """The risk card's buttons. Their value is `values.RiskButton`; any message may carry
    them (the reminders' nudges do), and these listeners answer wherever they are clicked."""

    REVIEWED = "risk_reviewed"
    UPDATE = "risk_update"
    CLOSE = "risk_close"


class IssueAction(StrEnum):
    """Buttons about issues. Their value is `values.IssueButton` (the issue id) or
    `values.RiskButton` (the risk an issue is raised from)."""

    COORDINATE = "issue_coordinate"  # "I'll coordinate", on the PMO's copy of an issue
    FROM_RISK = "issue_from_risk"  # "Raise as an issue", under a risk that occurred


class IssueCallback(StrEnum):
    FORM = "issue_form"


class IssueBlock(StrEnum):
    """Block ids of the issue form: the field names a refusal names."""

    TITLE = "title"
    SEVERITY = "sev"
    OWNER = "owner"
    DUE = "due"
