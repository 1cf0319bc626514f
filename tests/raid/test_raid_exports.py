"""`pmo-bot export actions|decisions --format csv` (issue 12, item 6) through the one exporter,
run as an operator does (the CLI in a subprocess); both databases."""

from __future__ import annotations

import pytest

from services import zones
from tests.support import ALICE, BOB, CAROL, make_bot
from tests.support.gates import add_apollo, say
from tests.test_exports import pmo_bot, rows


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack)
    add_apollo(bot)
    yield bot
    bot.close()


def test_export_actions_and_decisions(pmo):
    say(pmo, "/action", f"add APOLLO Send the runbook owner:<@{BOB}|bob> due:2026-12-04")
    say(pmo, "/action", "add APOLLO =HYPERLINK(x) order leads due:2026-11-30")
    say(pmo, "/action", "done APOLLO-A2 Ordered")
    say(pmo, "/decision", f"add APOLLO Go with vendor B decided-by:<@{CAROL}|carol> note:Cheaper")
    say(pmo, "/decision", "add APOLLO Go with vendor C supersedes:APOLLO-D1")
    zones.look_up(pmo.ctx, [ALICE], pmo.clock())
    done = pmo_bot(pmo, "actions", "--format", "csv")
    assert done.returncode == 0, done.stderr
    a1, a2 = rows(done.stdout)
    assert list(a1) == ["id", "project", "number", "title", "owner", "owner_name", "due_on",
                        "done_on", "done_by", "done_by_name", "done_note", "overdue_days",
                        "created_by", "created_by_name", "created_at", "updated_at"]
    assert (a1["id"], a1["title"], a1["owner"], a1["due_on"], a1["done_on"]) == (
        "APOLLO-A1", "Send the runbook", BOB, "2026-12-04", "")
    assert (a2["title"], a2["done_on"], a2["done_by"], a2["done_by_name"], a2["done_note"],
            a2["overdue_days"]) == ("'=HYPERLINK(x) order leads", "2026-11-23", ALICE, "Alice",
                                    "Ordered", "")
    done = pmo_bot(pmo, "decisions", "--format", "csv")
    assert done.returncode == 0, done.stderr
    d1, d2 = rows(done.stdout)
    assert list(d1) == ["id", "project", "number", "title", "note", "decided_by",
                        "decided_by_name", "recorded_by", "recorded_by_name", "recorded_at",
                        "supersedes", "superseded_by"]
    assert (d1["id"], d1["decided_by"], d1["note"], d1["supersedes"], d1["superseded_by"]) == (
        "APOLLO-D1", CAROL, "Cheaper", "", "APOLLO-D2")
    assert (d2["id"], d2["decided_by"], d2["recorded_by_name"], d2["supersedes"],
            d2["superseded_by"]) == ("APOLLO-D2", ALICE, "Alice", "APOLLO-D1", "")
