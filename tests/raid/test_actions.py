"""Actions (issue 12, item 2): `/action add|list|done|update|show|help` and the same words
after `/pmo action`, ids per project, owners told by DM, refusals that change nothing, who may
change what; both databases, en and zh."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from storage import audit
from storage.actions import Action
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, make_bot, rules_with
from tests.support.gates import add_apollo, say, wait_until

BOB_REF = f"<@{BOB}|bob>"
CAROL_REF = f"<@{CAROL}|carol>"


@pytest.fixture
def pmo(database_url, slack):
    """APOLLO (PM alice, #apollo); Monday 2026-11-23 10:00 in Shanghai."""
    bot = make_bot(database_url, slack, rules_with())
    add_apollo(bot)
    yield bot
    bot.close()


def rows(bot) -> list[Action]:
    with bot.ctx.db.read() as session:
        found = list(session.query(Action).order_by(Action.id))
        session.expunge_all()
        return found


def add_runbook(bot, user=ALICE, via="/action") -> str:
    words = f"add APOLLO Send the cut-over runbook to the CAB owner:{CAROL_REF} due:2026-12-04"
    if via == "/pmo":
        return say(bot, "/pmo", "action " + words, user)
    return say(bot, "/action", words, user)


def test_add_numbers_per_project_tells_the_owner_and_audits(pmo):
    assert add_runbook(pmo) == (
        ":white_check_mark: Action *APOLLO-A1* added: Send the cut-over runbook to the CAB, "
        f"owner <@{CAROL}>, due 2026-12-04. I've told <@{CAROL}>.")
    wait_until(lambda: pmo.slack.messages(CAROL))
    [dm] = pmo.slack.messages(CAROL)
    assert dm["text"] == (f":bell: <@{ALICE}> gave you an action in *APOLLO*: *APOLLO-A1* Send "
                          "the cut-over runbook to the CAB, due 2026-12-04. `/action done "
                          "APOLLO-A1` when it is done.")
    # the owner defaults to the caller (no DM), through /pmo action; the next number
    assert say(pmo, "/pmo", "action add APOLLO Book the DC2 cage due:+1w", BOB) == (
        f":white_check_mark: Action *APOLLO-A2* added: Book the DC2 cage, owner <@{BOB}>, "
        "due 2026-11-30.")
    assert [(a.number, a.owner_id, a.created_by) for a in rows(pmo)] == [
        (1, CAROL, ALICE), (2, BOB, BOB)]
    assert pmo.slack.messages(BOB) == []
    with pmo.ctx.db.read() as session:
        entry = audit.entries_for(session, "action", "APOLLO-A1")[0]
        assert (entry.action, entry.actor_id, entry.after["owner"]) == ("action.added", ALICE,
                                                                        CAROL)


def test_list_project_mine_and_all(pmo):
    add_runbook(pmo)
    say(pmo, "/action", "add APOLLO Order fibre patch leads due:today", CAROL)
    say(pmo, "/action", "add APOLLO Sign the SOW due:2026-12-01", BOB)
    say(pmo, "/action", "done APOLLO-A3", BOB)
    assert pmo.command("/action", "list APOLLO", user=BOB).text.splitlines() == [
        "*Actions of APOLLO* (2)",
        f":small_blue_diamond: *APOLLO-A2* Order fibre patch leads · <@{CAROL}> · due "
        "2026-11-23",
        f":small_blue_diamond: *APOLLO-A1* Send the cut-over runbook to the CAB · <@{CAROL}> · "
        "due 2026-12-04"]
    listed = pmo.command("/action", "list APOLLO all", user=BOB).text.splitlines()
    assert listed[0] == "*Actions of APOLLO* (all) (3)"
    assert listed[2] == (f":white_check_mark: *APOLLO-A3* Sign the SOW · <@{BOB}> · due "
                         "2026-12-01 · done 2026-11-23")
    mine = pmo.command("/action", "list", user=CAROL).text
    assert mine.splitlines()[0] == "*Your open actions* (2)"
    assert pmo.command("/action", "list mine", user=CAROL).text == mine
    assert pmo.command("/pmo", "action list mine", user=CAROL).text == mine
    assert pmo.command("/action", "list", user=ADMIN).text == "You have no open actions."
    assert pmo.command("/action", "list all mine", user=BOB).text.startswith(
        "*Your actions* (1)")


def test_done_by_the_owner_pm_or_admin_with_a_note(pmo):
    add_runbook(pmo)
    refused = say(pmo, "/action", "done APOLLO-A1", BOB)
    assert refused == (f":no_entry: You can't change *APOLLO-A1*: only its owner (<@{CAROL}>), "
                       f"the project's PM (<@{ALICE}>) and PMO admins can.")
    assert say(pmo, "/action", "done apollo-a1 Sent by mail, CAB acknowledged", CAROL) == (
        ":white_check_mark: *APOLLO-A1* done on 2026-11-23: Sent by mail, CAB acknowledged.")
    assert say(pmo, "/action", "done APOLLO-A1", ALICE) == (
        f"*APOLLO-A1* was done on 2026-11-23 (by <@{CAROL}>). Nothing changed.")
    row = rows(pmo)[0]
    assert (str(row.done_on), row.done_by, row.done_note) == (
        "2026-11-23", CAROL, "Sent by mail, CAB acknowledged")
    say(pmo, "/action", "add APOLLO Sign the SOW due:2026-12-01", BOB)
    assert say(pmo, "/action", "done APOLLO-A2", ALICE).startswith(":white_check_mark:")
    say(pmo, "/action", "add APOLLO Book cage due:2026-12-01", BOB)
    assert say(pmo, "/action", "done APOLLO-A3", ADMIN).startswith(":white_check_mark:")


def test_update_moves_the_due_date_and_hands_over_with_a_dm(pmo):
    add_runbook(pmo)
    pmo.slack.reset()
    assert say(pmo, "/action", f"update APOLLO-A1 due:2026-12-11 owner:{BOB_REF}", CAROL) == (
        f":white_check_mark: *APOLLO-A1* is now owned by <@{BOB}>, due 2026-12-11. I've told "
        f"<@{BOB}>.")
    wait_until(lambda: pmo.slack.messages(BOB))
    assert "gave you an action in *APOLLO*: *APOLLO-A1*" in pmo.slack.messages(BOB)[0]["text"]
    # carol no longer owns it: she may not change it any more
    assert say(pmo, "/action", "update APOLLO-A1 due:2026-12-18", CAROL).startswith(
        ":no_entry: You can't change *APOLLO-A1*")
    assert say(pmo, "/action", "update APOLLO-A1 due:2026-12-11", ALICE) == (
        "*APOLLO-A1* already has that owner and due date. Nothing changed.")
    shown = str(pmo.command("/action", "show APOLLO-A1", user=CAROL).json["blocks"])
    assert "*History*" in shown and f"added it: owner <@{CAROL}>, due 2026-12-04" in shown
    assert (f"changed it: owner <@{BOB}> (was <@{CAROL}>), due 2026-12-11 (was 2026-12-04)"
            in shown)
    assert f"*Owner:* <@{BOB}>" in shown and "*State:* open" in shown
    assert pmo.command("/action", "APOLLO-A1", user=CAROL).json["blocks"]


@pytest.mark.parametrize(("text", "answer"), [
    ("add APOLLO Send runbook", "When is it due? Add `due:YYYY-MM-DD`"),
    ("add APOLLO due:2026-12-11", "The action needs a title after the project KEY"),
    ("add APOLLO Send due:12/11/2026", "`12/11/2026` is not a date"),
    ("add APOLLO Send due:2026-11-20", "`due:2026-11-20` is before today (2026-11-23)"),
    ("add APOLLO Send due:2026-12-11 owner:bob", "`owner:bob` is not a person"),
    ("add APOLLO Send due:2026-12-11 onwer:@bob", "`onwer:@bob` is not an option here"),
    ("add APOLLO Send due:2026-12-11 due:2026-12-12", "`due:` is given twice"),
    ("done APOLLO-M1", "`APOLLO-M1` is not an action id"),
    ("update APOLLO-A1", "What changes on *APOLLO-A1*?"),
    ("update APOLLO-A1 due:yesterday", "`yesterday` is not a date"),
    ("update APOLLO-A1 due:2026-11-01", "`due:2026-11-01` is before today"),
    ("update APOLLO-A1 soon", "`soon` is not understood here"),
    ("list APOLLO-A1", "`APOLLO-A1` is not understood in a list"),
])
def test_bad_input_is_refused_in_the_ack_and_changes_nothing(pmo, text, answer):
    reply = pmo.command("/action", text, user=ALICE).text
    assert reply.startswith(answer), reply
    assert "Usage:" in reply
    assert rows(pmo) == []


def test_unknown_ids_projects_and_verbs(pmo):
    assert say(pmo, "/action", "done APOLLO-A9", ALICE) == (
        "There is no action *APOLLO-A9*. `/action list APOLLO` lists them.")
    assert pmo.command("/action", "show APOLLO-A9", user=ALICE).text == (
        "There is no action *APOLLO-A9*. `/action list APOLLO` lists them.")
    assert say(pmo, "/action", "add NOPE Send due:2026-12-11", ALICE).startswith(
        "There is no project *NOPE*")
    for command, text in (("/action", "fly APOLLO"), ("/pmo", "action fly APOLLO")):
        assert pmo.command(command, text, user=ALICE).text.startswith(
            "No such command: `/action fly`. Nothing was changed. Here is what `/action` "
            "does:\n*`/action` — who does what by when"), text
    assert rows(pmo) == []


def test_an_owner_who_is_no_active_person_is_refused(pmo, slack):
    slack.directory.add_user("UGONE03", "gone", deleted=True)
    try:
        reply = say(pmo, "/action", "add APOLLO Send due:2026-12-11 owner:<@UGONE03|gone>",
                    ALICE)
        assert reply.startswith(":no_entry: <@UGONE03>'s Slack account is deactivated, so they "
                                "can't be an action's owner. Nothing was saved."), reply
        assert rows(pmo) == []
    finally:
        slack.directory._users.pop("UGONE03", None)


def test_numbers_are_unique_under_concurrent_adds(pmo):
    """Eight people add at the same moment: eight actions, numbered 1…8, none refused."""
    from datetime import date

    from pmo_rules.actions import Add
    from services import actions
    replies: list[str] = []
    barrier = threading.Barrier(8)

    def add(i: int) -> None:
        barrier.wait()
        replies.append(actions.add(pmo.ctx, ALICE, Add("APOLLO", f"Task {i}",
                                                       date(2026, 12, 11), None)))

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(reply.startswith(":white_check_mark:") for reply in replies), replies
    assert sorted(a.number for a in rows(pmo)) == list(range(1, 9))


def test_help_and_replies_in_chinese(database_url, slack):
    bot = make_bot(database_url, slack, rules_with())
    try:
        assert bot.command("/action", "help", user=ALICE).text.startswith(
            "*`/action` — who does what by when")
        assert bot.command("/pmo", "action", user=ALICE).text == bot.command(
            "/action", "", user=ALICE).text
    finally:
        bot.close()
    rules = rules_with()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        add_apollo(bot)
        assert bot.command("/action", "help", user=ALICE).text.startswith(
            "*`/action` —— 谁在何时前做什么")
        assert say(bot, "/action", f"add APOLLO 发送切换手册 owner:{CAROL_REF} due:2026-12-04",
                   ALICE) == (":white_check_mark: 已添加行动项 *APOLLO-A1* · 发送切换手册，负责人 "
                              f"<@{CAROL}>，截止 2026-12-04。已通知 <@{CAROL}>。")
        assert bot.command("/action", "add APOLLO 发送 due:2026-11-01", user=ALICE).text.startswith(
            "`due:2026-11-01` 早于今天（2026-11-23）")
        assert say(bot, "/action", "done APOLLO-A1 已发送", CAROL) == (
            ":white_check_mark: *APOLLO-A1* 已于 2026-11-23 完成：已发送。")
        assert bot.command("/action", "list APOLLO all", user=ALICE).text.startswith(
            "*APOLLO 的行动项*（全部） · 1 项")
    finally:
        bot.close()
    assert APOLLO_CHANNEL


# --- the grammars are total -----------------------------------------------------------------------

def test_every_text_is_a_command_or_a_refusal():
    import contextlib
    from datetime import date

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from pmo_rules.actions import parse_action_command
    from pmo_rules.decisions import parse_decision_command
    from pmo_rules.errors import UserError

    words = st.sampled_from(["add", "list", "done", "update", "show", "help", "mine", "all",
                             "APOLLO", "APOLLO-A1", "APOLLO-D1", "due:2026-12-11", "due:",
                             "owner:<@UBOB001|bob>", "owner:", "note:", "note:x",
                             "decided-by:<@UBOB001|bob>", "decided-by:", "DECIDED_BY:x",
                             "supersedes:APOLLO-D1", "supersedes:", "supersedes:HERMES-D2",
                             "due:+2w", "due:today", "due:9999-12-31", ":", "明天", "-A", "-D"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(words, st.text(max_size=12)), max_size=8))
    def check(parts):
        text = " ".join(parts)
        for parse in (parse_action_command, parse_decision_command,
                      lambda raw: parse_action_command(raw, date(2026, 11, 23), 10)):
            with contextlib.suppress(UserError):
                parse(text)

    check()
