"""Every action_id, callback_id and block_id the bot uses, named once.

Listeners are registered against these constants and templates render them, so a typo cannot
silently disconnect a button from its handler.
"""

from enum import StrEnum


class Callback(StrEnum):
    STATUS_MODAL = "status_modal"
    GATE_REQUEST = "gate_request_modal"
    GATE_REJECT = "gate_reject_modal"


class Block(StrEnum):
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
    VALUE = "value"
    GATE_APPROVE = "gate_approve"  # value: {"g": <gate request id>}
    GATE_REJECT = "gate_reject"  # same value; opens the reason modal
