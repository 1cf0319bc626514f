"""`/pmo allocate` and `/pmo people` end to end (issue 13), through signed requests on both
databases, en and zh: setting, changing and ending an allocation, the PM's default share, the
over-allocation warning (also when a proposal's approval makes someone PM), refusals that
change nothing, and one allocation per person and project under concurrent commands."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from services import capacity
from storage import audit
from storage.allocations import Allocation
from tests.proposals.support import portfolio_rules, propose
from tests.support import ADMIN, ALICE, BOB, CAROL, GENERAL, make_bot
from tests.support.gates import add_apollo, say

ZEUS_CHANNEL = GENERAL


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack, portfolio_rules())
    add_apollo(bot)  # PM: Alice
    yield bot
    bot.close()


def add_zeus(bot, pm=CAROL):
    reply = say(bot, "/pmo", f"project add ZEUS Zeus pm:<@{pm}> channel:<#{ZEUS_CHANNEL}>",
                ADMIN)
    assert "ZEUS" in reply and ":white_check_mark:" in reply, reply


def rows(bot):
    with bot.ctx.db.read() as session:
        return sorted((a.user_id, a.project_id, a.percent, a.until)
                      for a in session.query(Allocation))


def test_allocate_change_end_and_people(pmo):
    assert say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 50% until:2027-03-31", ALICE) == (
        f":white_check_mark: <@{BOB}> is allocated 50% to *APOLLO* until 2027-03-31; their "
        "total is now 50%.")
    assert say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 60", ADMIN).endswith("total is now 60%.")
    assert [r[2] for r in rows(pmo)] == [60]
    people = say(pmo, "/pmo", "people", BOB)
    assert people.startswith("*People's allocations* (2 people; a PM counts 20%")
    assert f"• <@{BOB}> — *60%*: APOLLO 60%" in people
    assert f"• <@{ALICE}> — *20%*: APOLLO 20% (PM)" in people
    assert say(pmo, "/pmo", f"people <@{ALICE}>", BOB) == (
        "*People's allocations* (1 person; a PM counts 20% on each running project they "
        f"manage unless set):\n• <@{ALICE}> — *20%*: APOLLO 20% (PM)")
    # the PM set explicitly replaces the default
    say(pmo, "/pmo", f"allocate <@{ALICE}> APOLLO 40%", ALICE)
    assert f"• <@{ALICE}> — *40%*: APOLLO 40%" in say(pmo, "/pmo", "people", BOB)
    assert say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 0%", ALICE) == (
        f":white_check_mark: <@{BOB}> is no longer allocated to *APOLLO*; their total is "
        "now 0%.")
    assert say(pmo, "/pmo", f"people <@{BOB}>", BOB) == (
        f"<@{BOB}> has no allocation on a running project.")
    with pmo.ctx.db.read() as session:
        trail = audit.entries_for(session, "allocation", f"{BOB}/APOLLO")
        assert [e.action for e in trail] == ["allocation.set", "allocation.set",
                                             "allocation.ended"]
        assert trail[-1].before == {"percent": 60, "until": None}


def test_over_allocation_is_warned_and_flagged(pmo):
    add_zeus(pmo)
    say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 70%", ALICE)
    reply = say(pmo, "/pmo", f"allocate <@{BOB}> ZEUS 50%", CAROL)
    assert reply == (f":white_check_mark: <@{BOB}> is allocated 50% to *ZEUS*; their total is "
                     f"now 120%.\n:warning: That puts <@{BOB}> over 100% by 20 points. It is "
                     "saved; lower an allocation with `/pmo allocate` if it should not be.")
    assert sorted(r[2] for r in rows(pmo)) == [50, 70]  # it went ahead
    people = say(pmo, "/pmo", "people", ALICE)
    assert "(3 people, 1 over 100%;" in people
    assert f"• <@{BOB}> — *120%* :warning: over by 20: APOLLO 70%, ZEUS 50%" in people
    # lowering it is not warned
    assert ":warning:" not in say(pmo, "/pmo", f"allocate <@{BOB}> ZEUS 40%", CAROL)


def test_approval_that_makes_someone_pm_warns(pmo):
    say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 90%", ALICE)
    propose(pmo)
    reply = say(pmo, "/pmo", f"proposal PR-1 approve CRM pm:<@{BOB}>", ADMIN)
    assert "approved: project *CRM* created" in reply
    assert reply.endswith(f":warning: The new PM <@{BOB}> is now over 100% by 10 points "
                          f"(`/pmo people <@{BOB}>`).")


@pytest.mark.parametrize(("words", "user", "expected"), [
    (f"allocate <@{BOB}> APOLLO 120%", ALICE, "`120%` is outside 0–100%"),
    (f"allocate <@{BOB}> APOLLO -5", ALICE, "`-5` is outside 0–100%"),
    (f"allocate <@{BOB}> APOLLO abc", ALICE, "`abc` is not a percent"),
    (f"allocate <@{BOB}> APOLLO 50% until:2026-31-12", ALICE, "is not a date"),
    (f"allocate <@{BOB}> APOLLO", ALICE, "Name a person, a project and a percent"),
    ("allocate bob APOLLO 50%", ALICE, "`bob` is not a person"),
    ("people bob", ALICE, "`bob` is not a person"),
])
def test_malformed_commands_are_refused_in_the_ack(pmo, words, user, expected):
    text = pmo.command("/pmo", words, user=user).text
    assert expected in text and "Usage" in text or expected in text, text
    assert rows(pmo) == []


@pytest.mark.parametrize(("words", "user", "expected"), [
    (f"allocate <@{BOB}> HERMES 50%", ALICE, "There is no project *HERMES*"),
    (f"allocate <@{BOB}> APOLLO 50% until:2026-11-22", ALICE,
     "`until:2026-11-22` is in the past (today is 2026-11-23)"),
    (f"allocate <@{BOB}> APOLLO 50%", CAROL,
     f":no_entry: Only PMO admins and *APOLLO*'s PM (<@{ALICE}>) can allocate"),
])
def test_refusals_after_the_ack_change_nothing(pmo, words, user, expected):
    assert expected in say(pmo, "/pmo", words, user)
    assert rows(pmo) == []


CLICKS = 8


def test_concurrent_allocations_keep_one_row_per_person_and_project(pmo):
    answered = len(pmo.slack.responses)
    start = threading.Barrier(CLICKS)

    def allocate(i: int) -> int:
        start.wait()
        return pmo.command("/pmo", f"allocate <@{BOB}> APOLLO {10 + i}%", user=ALICE).status

    with ThreadPoolExecutor(CLICKS) as pool:
        assert list(pool.map(allocate, range(CLICKS))) == [200] * CLICKS
    replies = [r["body"]["text"] for r in pmo.slack.wait_for_response(answered + CLICKS,
                                                                        timeout=60)]
    assert all(":white_check_mark:" in text for text in replies), replies
    found = rows(pmo)
    assert len(found) == 1 and 10 <= found[0][2] < 10 + CLICKS


def test_in_chinese(database_url, slack):
    rules = portfolio_rules()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        add_apollo(bot)
        add_zeus(bot)
        assert "投入 *APOLLO* 70%" in say(bot, "/pmo", f"allocate <@{BOB}> APOLLO 70%", ALICE)
        reply = say(bot, "/pmo", f"allocate <@{BOB}> ZEUS 50%", CAROL)
        assert "超出 100% 达 20 个百分点" in reply
        assert "超出 0–100%" in bot.command("/pmo", f"allocate <@{BOB}> ZEUS 120%",
                                           user=CAROL).text
        people = say(bot, "/pmo", "people", ALICE)
        assert f"• <@{BOB}> —— 合计 *120%* :warning: 超出 20 · APOLLO 70%；ZEUS 50%" in people
        assert "APOLLO 20%（项目经理）" in people
    finally:
        bot.close()


def digest_preview(bot) -> str:
    before = len(bot.slack.responses)
    bot.command("/pmo", "digest", user=ADMIN)
    return "\n".join(str(r["body"].get("blocks")) for r in bot.slack.wait_for_response(
        before + 1)[before:])


def test_digest_names_the_over_allocated_people(pmo):
    assert "Over-allocated people" not in digest_preview(pmo)
    add_zeus(pmo)
    say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 70%", ALICE)
    say(pmo, "/pmo", f"allocate <@{BOB}> ZEUS 50%", CAROL)
    say(pmo, "/pmo", f"allocate <@{ALICE}> ZEUS 100%", CAROL)  # + 20% as Apollo's PM
    body = digest_preview(pmo)
    assert "*Over-allocated people* (2)" in body
    # as loaded as each other: by id
    assert 0 <= body.index(f"<@{ALICE}> — 120% (over by 20)") < body.index(
        f"<@{BOB}> — 120% (over by 20)")


def test_a_long_listing_shows_the_most_loaded_and_counts_the_rest(pmo, monkeypatch):
    monkeypatch.setattr(capacity, "PEOPLE_MAX", 2)
    say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 90%", ALICE)
    say(pmo, "/pmo", f"allocate <@{CAROL}> APOLLO 30%", ALICE)
    say(pmo, "/pmo", f"allocate <@{ADMIN}> APOLLO 10%", ALICE)
    people = say(pmo, "/pmo", "people", BOB)
    assert people.startswith("*People's allocations* (4 people;")
    assert f"<@{BOB}> — *90%*" in people and f"<@{CAROL}> — *30%*" in people
    assert f"<@{ADMIN}>" not in people and people.endswith("…and 2 more.")
