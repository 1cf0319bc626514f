"""What the one-shot commands say about messages Slack did not take: given up, or retried.

The outbox sender gives up on a message when Slack will answer the same however often it is asked
(a channel id that does not exist, an archived channel) and keeps the rest for the scheduler's
retries. An operator must learn which happened: "retried later" about a dead row is a promise
nobody keeps, so each failure is reported with Slack's error and what to do about it.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.outbox_sender import Outcome

# What an operator can do about each of Slack's answers (errors not listed: see the log).
_FIXES = {
    "channel_not_found": "no channel with that id is visible to the bot; check the id "
                         "(channel details → copy channel ID) and that the bot is a member "
                         "of a private channel",
    "is_archived": "the channel is archived; unarchive it or post elsewhere",
    "user_not_found": "no such Slack user; check the id in the rules file",
    "not_in_channel": "invite the bot to the channel (/invite @PMO Bot)",
    "target_lost": "a reply in the thread of a message that was given up",
    "unrenderable": "the stored message could not be worded; the log has the cause",
}
_REFUSED = frozenset({"invalid_blocks", "msg_too_long", "no_text", "invalid_arguments"})


def failure_lines(outcomes: Iterable[Outcome]) -> list[str]:
    """One line per (fate, error) among the failed outcomes: the given-up ones first."""
    failed = Counter((not o.given_up, o.error or "unknown_error") for o in outcomes if not o.ok)
    return [(_retried if retried else _given_up)(count, error)
            for (retried, error), count in sorted(failed.items())]


def _given_up(count: int, error: str) -> str:
    return (f"  given up on {count} message(s), never retried (the answer would not change): "
            f"{error}: {_fix(error)}")


def _retried(count: int, error: str) -> str:
    fix = _FIXES.get(error)
    return (f"  {count} message(s) stay in the outbox and are retried by the scheduler "
            f"(pmo-bot serve or pmo-bot scheduler): {error}" + (f": {fix}" if fix else ""))


def _fix(error: str) -> str:
    if error in _REFUSED:
        return "Slack refused the message itself (a bug in the bot: the log has it)"
    return _FIXES.get(error, "the log has the details")
