"""A new project's PM is sent up to three lessons of earlier projects that share words with its
name, each with *Not useful*, whose clicks are counted (issue 14). Both databases."""

from __future__ import annotations

import pytest

from storage.lessons import Lesson
from tests.support import ADMIN, ALICE, BOB, GENERAL, make_bot
from tests.support.gates import add_apollo, say, wait_until


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack)
    add_apollo(bot)  # "Apollo data-centre migration", PM alice
    yield bot
    bot.close()


def suggestions(bot, user: str) -> list[dict]:
    return [m for m in bot.slack.messages(user) if "Lessons from earlier" in m["text"]]


def test_the_new_pm_gets_relevant_lessons_and_not_useful_is_counted(pmo):
    for text in ("Plan the data-centre migration in waves tags:migration category:schedule",
                 "Freeze the DNS runbook before the migration cut-over",
                 "Book the vendor early category:vendor",
                 "Migration rehearsals find the real problems"):
        say(pmo, "/lesson", f"add APOLLO {text}")
    say(pmo, "/pmo", f"project add HELIOS Helios data-centre migration pm:<@{BOB}|bob> "
                     f"channel:<#{GENERAL}|general>", ADMIN)
    wait_until(lambda: suggestions(pmo, BOB))
    message = suggestions(pmo, BOB)[0]
    items = [b for b in message["blocks"] if "accessory" in b]
    assert len(items) == 3
    assert items[0]["text"]["text"].startswith("*L-1* · APOLLO · schedule")  # most words shared
    assert all("vendor" not in b["text"]["text"] for b in items)
    button = items[0]["accessory"]
    assert button["text"]["text"] == "Not useful"
    for _ in range(2):
        answered = len(pmo.slack.responses)
        pmo.driver.block_action(user=BOB, action={"action_id": button["action_id"],
                                                  "value": button["value"], "type": "button"},
                                channel=BOB, message=message)
        wait_until(lambda n=answered: len(pmo.slack.responses) > n)
        assert pmo.slack.responses[-1]["body"]["text"].startswith(
            "Thanks: *L-1* was counted as not useful here.")
    with pmo.ctx.db.read() as session:
        assert session.get(Lesson, 1).not_useful == 2
        assert session.get(Lesson, 2).not_useful == 0
    # nothing shared: no message
    say(pmo, "/pmo", f"project add ZEUS Zeus payroll pm:<@{ALICE}|alice>", ADMIN)
    assert not suggestions(pmo, ALICE)
