"""Every action_id, callback_id and block_id the bot uses, named once.

Listeners are registered against these constants and templates render them, so a typo cannot
silently disconnect a button from its handler.
"""

from enum import StrEnum


class Callback(StrEnum):
    STATUS_MODAL = "status_modal"


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


class Action(StrEnum):
    VALUE = "value"
    # Buttons under an item in a reminder DM: "nudge_" + the button's name (pmo_rules.reminders).
    # Value of NUDGE_POST_STATUS: JSON {"p": "<project KEY>"}; it opens the status form.
    NUDGE_POST_STATUS = "nudge_post_status"
    # Value of NUDGE_SNOOZE: JSON {"n": "<DueItem.key>"}, e.g. "status:12:20261130T0200Z".
    NUDGE_SNOOZE = "nudge_snooze"
