"""Cards keep each status flag on its own line: Slack lays a context block's elements side by
side, so "review overdue" must not run into "Added by …"."""

from __future__ import annotations

from datetime import timedelta

from tests.support import CAROL
from tests.test_reminder_sources import TODAY, add_risk


def context_lines(blocks: list[dict]) -> list[list[str]]:
    """Each context block's lines as a reader sees them (its elements side by side)."""
    return [" ".join(e["text"] for e in b["elements"]).split("\n")
            for b in blocks if b["type"] == "context"]


def test_a_risk_card_shows_each_flag_on_its_own_line(apollo):
    add_risk(apollo, review=TODAY - timedelta(days=3), due=TODAY - timedelta(days=1))
    card = apollo.command("/risk", "show APOLLO-R1", user=CAROL).json["blocks"]
    [lines] = [lines for lines in context_lines(card) if any("Added by" in x for x in lines)]
    assert lines[:2] == [":alarm_clock: Review overdue", ":alarm_clock: Response overdue"]
    assert lines[2].startswith("Added by <@")
