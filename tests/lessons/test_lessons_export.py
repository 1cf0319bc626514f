"""`pmo-bot export lessons --format csv` through the one exporter (issue 14), run as an operator
does: the CLI in a subprocess; both databases."""

from __future__ import annotations

import pytest

from services import zones
from tests.support import ALICE, BOB, make_bot
from tests.support.gates import add_apollo, say
from tests.test_exports import pmo_bot, rows


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack)
    add_apollo(bot)
    yield bot
    bot.close()


def test_export_lessons_with_names_and_the_formula_guard(pmo):
    say(pmo, "/lesson", "add APOLLO Freeze the DNS runbook a week before cut-over "
                        "tags:dns,cutover category:schedule went:badly")
    say(pmo, "/lesson", "add APOLLO =SUM(A1) 割接前一周冻结DNS操作手册", BOB)
    zones.look_up(pmo.ctx, [ALICE], pmo.clock())
    done = pmo_bot(pmo, "lessons", "--format", "csv")
    assert done.returncode == 0, done.stderr
    first, second = rows(done.stdout)
    assert list(first) == ["id", "project", "category", "tags", "went", "happened", "learned",
                           "recommendation", "not_useful", "created_by", "created_by_name",
                           "created_at"]
    assert (first["id"], first["project"], first["category"], first["tags"], first["went"],
            first["created_by"], first["created_by_name"]) == (
        "L-1", "APOLLO", "schedule", "dns,cutover", "badly", ALICE, "Alice")
    assert first["created_at"].startswith("2026-11-23T")
    assert (second["id"], second["learned"], second["category"], second["not_useful"]) == (
        "L-2", "'=SUM(A1) 割接前一周冻结DNS操作手册", "", "0")
