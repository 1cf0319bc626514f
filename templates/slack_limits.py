"""Slack's Block Kit limits, as numbers, in one place.

Real Slack refuses what breaks these (`invalid_blocks` for a message, `invalid_arguments` for a
view). Two kinds of code read them: what the bot builds (the paginator, `templates/paging.py`,
fits long lists under them) and what checks it (the Slack stand-in, `bot/standin/limits.py`,
refuses what Slack would, so a test fails where Slack would). Keeping both on these names means
the bot can never be built to a looser limit than the stand-in checks, or the other way round.

The numbers are Slack's documented ones (see /work/shared/slack-limits.md), plus one observed:
`MESSAGE_BLOCKS_TEXT`. Budgets of our own (how much text we choose to put in one message) are
not Slack's and live with the paginator.
"""

from __future__ import annotations

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the Home tab
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150  # plain_text only
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT, BUTTON_VALUE, BUTTON_URL = 75, 2000, 3000
ID_LENGTH = 255  # action_id, block_id, callback_id, external_id
SELECT_OPTIONS = 100
OPTION_TEXT, OPTION_VALUE = 75, 150
MODAL_TITLE = 24  # also submit and close
PRIVATE_METADATA = 3000
PLACEHOLDER_TEXT = 150
INPUT_LABEL = 2000
TEXT_ADVISED = 4000  # a message's `text` (notification and screen-reader fallback): keep it short
TEXT_TRUNCATED = 40000  # Slack cuts a message's `text` beyond this
MESSAGE_BLOCKS_TEXT = 13_000
"""About this much text across all of a message's blocks makes Slack answer
`msg_blocks_too_long`: observed, not documented, so the paginator keeps well below it."""
