"""The decision log (issue 12, item 3): `/decision add|list|show|help` and the same words after
`/pmo decision`, ids per project, a card to the project channel, never changed; a later one
supersedes an earlier one of the same project once (the database holds it, even under a race);
both databases, en and zh."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy.exc import IntegrityError

from pmo_rules.decisions import Add, DecisionRef
from services import decisions
from storage import decisions as store
from storage.decisions import Decision
from storage.projects import project_by_key
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, GENERAL, make_bot, rules_with
from tests.support.gates import add_apollo, say, wait_until

GRACE_REF = f"<@{BOB}|bob>"


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack, rules_with())
    add_apollo(bot)
    bot.command("/pmo", f"project add HERMES Hermes pm:<@{CAROL}|carol> "
                        f"channel:<#{GENERAL}|general>", user=ADMIN)
    bot.slack.wait_for_response(1)
    bot.slack.reset()
    yield bot
    bot.close()


def rows(bot) -> list[Decision]:
    with bot.ctx.db.read() as session:
        found = list(session.query(Decision).order_by(Decision.id))
        session.expunge_all()
        return found


def cards(bot) -> list[dict]:
    return [m for m in bot.slack.messages(APOLLO_CHANNEL) if "-D" in m["text"]]


def vendor_b(bot, user=ALICE) -> str:
    return say(bot, "/decision", f"add APOLLO Go with vendor B for the SAN decided-by:{GRACE_REF} "
                                 "note:Cheaper and faster", user)


def test_record_posts_a_card_and_numbers_per_project(pmo):
    assert vendor_b(pmo) == (
        ":white_check_mark: Decision *APOLLO-D1* recorded: Go with vendor B for the SAN (decided "
        f"by <@{BOB}>). The card is going to <#{APOLLO_CHANNEL}>.")
    wait_until(lambda: len(cards(pmo)) == 1)
    card = cards(pmo)[0]
    assert card["text"] == "APOLLO-D1 · Go with vendor B for the SAN — decision recorded"
    blocks = str(card["blocks"])
    assert f"*Decided by:* <@{BOB}>" in blocks and "*Note:* Cheaper and faster" in blocks
    assert f"*Recorded:* 2026-11-23 by <@{ALICE}>" in blocks
    assert say(pmo, "/pmo", "decision add APOLLO Freeze changes from 12 Dec", CAROL).startswith(
        ":white_check_mark: Decision *APOLLO-D2* recorded: Freeze changes from 12 Dec (decided "
        f"by <@{CAROL}>)")
    assert say(pmo, "/decision", "add HERMES Keep the old CRM", CAROL).startswith(
        ":white_check_mark: Decision *HERMES-D1* recorded")
    found = rows(pmo)
    assert [(d.number, d.decided_by, d.note) for d in found] == [
        (1, BOB, "Cheaper and faster"), (2, CAROL, None), (1, CAROL, None)]


def test_supersede_both_cards_say_so_and_the_list_shows_it(pmo):
    vendor_b(pmo)
    assert say(pmo, "/decision", "add APOLLO Go with vendor C supersedes:apollo-d1 note:B "
                                 "went bankrupt", ALICE) == (
        ":white_check_mark: Decision *APOLLO-D2* recorded: Go with vendor C (decided by "
        f"<@{ALICE}>). It supersedes *APOLLO-D1*. The card is going to <#{APOLLO_CHANNEL}>.")
    wait_until(lambda: len(cards(pmo)) == 2)
    assert "Supersedes *APOLLO-D1*" in str(cards(pmo)[-1]["blocks"])
    old = str(pmo.command("/decision", "show APOLLO-D1", user=CAROL).json["blocks"])
    assert "Superseded by *APOLLO-D2* on 2026-11-23" in old
    new = str(pmo.command("/pmo", "decision show APOLLO-D2", user=CAROL).json["blocks"])
    assert "Supersedes *APOLLO-D1*" in new and "*Note:* B went bankrupt" in new
    assert pmo.command("/decision", "list APOLLO", user=CAROL).text.splitlines() == [
        "*Decisions of APOLLO* (2, newest first)",
        f":scales: *APOLLO-D2* Go with vendor C · <@{ALICE}> · 2026-11-23 · supersedes "
        "*APOLLO-D1*",
        f":heavy_minus_sign: ~*APOLLO-D1* Go with vendor B for the SAN~ · superseded by "
        f"*APOLLO-D2* · <@{BOB}> · 2026-11-23"]


def test_a_decision_is_superseded_once_within_its_project(pmo):
    vendor_b(pmo)
    say(pmo, "/decision", "add APOLLO Go with vendor C supersedes:APOLLO-D1", ALICE)
    assert say(pmo, "/decision", "add APOLLO Go with vendor D supersedes:APOLLO-D1", ALICE) == (
        "*APOLLO-D1* was already superseded by *APOLLO-D2*: supersede *APOLLO-D2* instead. "
        "Nothing was saved.")
    reply = pmo.command("/decision", "add HERMES Use vendor C too supersedes:APOLLO-D2",
                        user=CAROL).text
    assert reply.startswith("`supersedes:APOLLO-D2` is a decision of another project"), reply
    assert say(pmo, "/decision", "add APOLLO X supersedes:APOLLO-D9", ALICE) == (
        "There is no decision *APOLLO-D9*. `/decision list APOLLO` lists them.")
    assert len(rows(pmo)) == 2


def test_the_database_refuses_a_second_supersede_and_one_across_projects(pmo):
    vendor_b(pmo)
    with pmo.ctx.db.write() as session:
        apollo = project_by_key(session, "APOLLO")
        store.add(session, project=apollo, title="C", note=None, decided_by=ALICE,
                  supersedes=1, actor=ALICE, now=pmo.clock.at)
    with pytest.raises(IntegrityError), pmo.ctx.db.write() as session:
        store.add(session, project=project_by_key(session, "APOLLO"), title="D", note=None,
                  decided_by=ALICE, supersedes=1, actor=ALICE, now=pmo.clock.at)
    with pytest.raises(IntegrityError), pmo.ctx.db.write() as session:  # HERMES has no D1
        store.add(session, project=project_by_key(session, "HERMES"), title="E", note=None,
                  decided_by=CAROL, supersedes=1, actor=CAROL, now=pmo.clock.at)
    assert len(rows(pmo)) == 2


def test_racing_supersedes_record_one(pmo):
    """Six people supersede APOLLO-D1 at the same moment: one succeeds, the others are told."""
    vendor_b(pmo)
    replies: list[str] = []
    barrier = threading.Barrier(6)

    def supersede(i: int) -> None:
        barrier.wait()
        replies.append(decisions.add(pmo.ctx, ALICE, Add("APOLLO", f"Vendor {i}", None, None,
                                                         DecisionRef("APOLLO", 1))))

    threads = [threading.Thread(target=supersede, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(reply.startswith(":white_check_mark:") for reply in replies) == 1, replies
    assert all("superseded" in reply for reply in replies if not reply.startswith(":white")), \
        replies
    assert [d.supersedes_number for d in rows(pmo)].count(1) == 1


def test_who_may_supersede(pmo):
    vendor_b(pmo, user=BOB)
    reply = say(pmo, "/decision", "add APOLLO Vendor C supersedes:APOLLO-D1", CAROL)
    assert reply.startswith(":no_entry: You can't supersede *APOLLO-D1*: only who recorded it"), \
        reply
    assert say(pmo, "/decision", "add APOLLO Vendor C supersedes:APOLLO-D1", ADMIN).startswith(
        ":white_check_mark:")


@pytest.mark.parametrize(("text", "answer"), [
    ("add APOLLO", "Say what was decided after the project KEY"),
    ("add APOLLO note:because", "Say what was decided after the project KEY"),
    ("add APOLLO Vendor B decided-by:grace", "`decided-by:grace` is not a person"),
    ("add APOLLO Vendor B decidedby:@grace", "`decidedby:@grace` is not an option here"),
    ("add APOLLO Vendor B supersedes:APOLLO-A1", "`APOLLO-A1` is not a decision id"),
    ("add APOLLO Vendor B supersedes:", "Which decision? Give its id"),
    ("add APOLLO Vendor B supersedes:HERMES-D1", "`supersedes:HERMES-D1` is a decision of"),
    ("update APOLLO-D1 Vendor C", "A decision is never changed or deleted once recorded"),
    ("delete APOLLO-D1", "A decision is never changed or deleted once recorded"),
    ("list", "Which project? `/decision list KEY`"),
    ("show APOLLO-R1", "`APOLLO-R1` is not a decision id"),
])
def test_bad_input_is_refused_in_the_ack_and_changes_nothing(pmo, text, answer):
    reply = pmo.command("/decision", text, user=ALICE).text
    assert reply.startswith(answer), reply
    assert rows(pmo) == []


def test_unknown_ids_and_verbs(pmo):
    assert pmo.command("/decision", "show APOLLO-D3", user=ALICE).text == (
        "There is no decision *APOLLO-D3*. `/decision list APOLLO` lists them.")
    assert pmo.command("/decision", "list APOLLO", user=ALICE).text == (
        "*APOLLO* has no decisions recorded. Record one with `/decision add APOLLO What was "
        "decided…`.")
    assert pmo.command("/pmo", "decision fly", user=ALICE).text.startswith(
        "No such command: `/decision fly`. Nothing was changed. Here is what `/decision` does:")


def test_help_and_replies_in_chinese(database_url, slack):
    rules = rules_with()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        add_apollo(bot)
        assert bot.command("/decision", "help", user=ALICE).text.startswith(
            "*`/decision` —— 决策日志")
        assert say(bot, "/decision", f"add APOLLO 存储选用供应商 B decided-by:{GRACE_REF} "
                                     "note:更便宜也更快", ALICE) == (
            f":white_check_mark: 已记录决策 *APOLLO-D1* · 存储选用供应商 B（决策人 <@{BOB}>）。"
            f"卡片将发送到 <#{APOLLO_CHANNEL}>。")
        say(bot, "/decision", "add APOLLO 改选供应商 C supersedes:APOLLO-D1", ALICE)
        assert "已被 *APOLLO-D2* 取代" in str(
            bot.command("/decision", "show APOLLO-D1", user=ALICE).json["blocks"])
        assert bot.command("/decision", "update APOLLO-D1 x", user=ALICE).text.startswith(
            "决策一经记录便不能修改或删除")
    finally:
        bot.close()
