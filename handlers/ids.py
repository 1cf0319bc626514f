"""Every action_id, callback_id and block_id the bot uses, named once.

Listeners are registered against these constants and templates render them, so a typo cannot
silently disconnect a button from its handler.
"""

from enum import StrEnum


class Callback(StrEnum):
    STATUS_MODAL = "status_modal"
    STATUS_EDIT = "status_edit"
    GATE_REQUEST = "gate_request_modal"
    GATE_REJECT = "gate_reject_modal"


class Block(StrEnum):
    """Modal input block ids; each equals the field name a refusal names (`UserError.field`)."""

    PROJECT = "project"
    OVERALL = "overall"
    SCHEDULE = "schedule"
    COST = "cost"
    SCOPE = "scope"
    QUALITY = "quality"
    PERCENT = "percent_complete"
    SUMMARY = "summary"
    BLOCKERS = "blockers"
    NEXT_STEPS = "next_steps"
    NOTE = "note"
    REASON = "reason"
    GATE_CHECK = "gate_check_"  # + the criterion's index in the gate's checklist


class Action(StrEnum):
    VALUE = "value"  # the one element inside each modal input block
    HOME_POST_UPDATE = "home_post_update"
    GATE_APPROVE = "gate_approve"  # value: {"g": <gate request id>}
    GATE_REJECT = "gate_reject"  # same value; opens the reason modal

    # Buttons under an item in a reminder DM: "nudge_" + the button's name (pmo_rules.reminders).
    # Value of NUDGE_POST_STATUS: JSON {"p": "<project KEY>"}; it opens the status form.
    NUDGE_POST_STATUS = "nudge_post_status"
    # Value of NUDGE_SNOOZE: JSON {"n": "<DueItem.key>"}, e.g. "status:12:20261130T0200Z".
    NUDGE_SNOOZE = "nudge_snooze"


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
    """The risk card's buttons. Their value is JSON `{"r": <risk id>}`; any message may carry
    them (the reminders' nudges do), and these listeners answer wherever they are clicked."""

    REVIEWED = "risk_reviewed"
    UPDATE = "risk_update"
    CLOSE = "risk_close"
