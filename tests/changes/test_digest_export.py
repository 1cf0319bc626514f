"""Change requests in the weekly digest ("Change requests": waiting, decided this week) and in
`pmo-bot export changes --format csv` (the one exporter, its column list)."""

from __future__ import annotations

from tests.changes.support import ADMIN, BOB, click, request, wait_cards
from tests.support.gates import say
from tests.test_exports import pmo_bot, rows


def preview(bot) -> str:
    before = len(bot.slack.responses)
    bot.command("/pmo", "digest", user=ADMIN)
    return str(bot.slack.wait_for_response(before + 1)[-1]["body"]["blocks"])


def test_digest_lists_waiting_and_decided_change_requests(changes):
    assert "*Change requests*" not in preview(changes)
    request(changes, "Add the Shanghai branch schedule:+10 cost:+60000")
    wait_cards(changes)
    click(changes, BOB)
    request(changes, "Cheaper vendor cost:-20000")
    wait_cards(changes)
    changes.clock.advance(days=2)
    body = preview(changes)
    assert "*Change requests*" in body
    assert ("_Waiting for a decision (1, oldest first)_\\n• *APOLLO-C2* Cheaper vendor — "
            "requested 2 days ago") in body
    assert ("_Decided this week (1)_\\n• *APOLLO-C1* Add the Shanghai branch — approved by "
            f"<@{BOB}>") in body


def test_export_changes_csv(changes):
    request(changes, "Add the Shanghai branch schedule:+10 cost:+60000 scope:Branch SH added")
    wait_cards(changes)
    click(changes, BOB)
    say(changes, "/change", "request APOLLO Cheaper vendor cost:-20000")
    wait_cards(changes)
    done = pmo_bot(changes, "changes", "--format", "csv")
    assert done.returncode == 0, done.stderr
    found = rows(done.stdout)
    assert [r["id"] for r in found] == ["APOLLO-C1", "APOLLO-C2"]
    assert found[0]["state"] == "approved" and found[0]["schedule_days"] == "10"
    assert found[0]["cost_delta"] == "60000.00" and found[0]["scope"] == "Branch SH added"
    assert found[0]["baseline_finish_before"] == "2026-10-30"
    assert found[0]["baseline_finish_after"] == "2026-11-13"
    assert found[1]["state"] == "open" and found[1]["decided_by"] == ""
