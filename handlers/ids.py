"""Every action_id, callback_id and block_id the bot uses, named once.

Listeners are registered against these constants and templates render them, so a typo cannot
silently disconnect a button from its handler.
"""

from enum import StrEnum


class Callback(StrEnum):
    STATUS_MODAL = "status_modal"
    STATUS_EDIT = "status_edit"


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


class Action(StrEnum):
    VALUE = "value"  # the one element inside each modal input block
    HOME_POST_UPDATE = "home_post_update"
