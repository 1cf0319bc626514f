"""`/issue add|list|show|update|resolve|help` and `/pmo issue …`: ids per project, the card to
the project channel, history, refusals that change nothing, permissions; both databases."""

from __future__ import annotations

import pytest

from storage import audit
from tests.issues.conftest import apollo_bot, blocks_text, issue_cards, rows
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL
from tests.support.gates import quiesce, say, wait_until

BOB_REF = f"<@{BOB}|bob>"


def add_array(bot, user=ALICE, extra: str = "") -> str:
    return say(bot, "/issue", f"add APOLLO Storage array failed in DC2 sev:high "
                              f"owner:{BOB_REF} due:2026-12-08{extra}", user)


def test_add_numbers_per_project_posts_a_card_dms_the_owner_and_audits(pmo):
    reply = add_array(pmo)
    assert reply == (":white_check_mark: Issue *APOLLO-I1* added: Storage array failed in DC2 · "
                     f":large_orange_circle: *High* · owner <@{BOB}> · due 2026-12-08. The card "
                     f"is going to <#{APOLLO_CHANNEL}>.")
    wait_until(lambda: len(issue_cards(pmo)) == 1)
    card = issue_cards(pmo)[0]
    assert card["text"] == "APOLLO-I1 · high issue: Storage array failed in DC2"
    assert "*Severity:* :large_orange_circle: *High*" in blocks_text(card)
    assert f"*Owner:* <@{BOB}>" in blocks_text(card) and "*Due:* 2026-12-08" in blocks_text(card)
    wait_until(lambda: len(pmo.slack.messages(BOB)) == 1)
    assert pmo.slack.messages(BOB)[0]["text"] == (
        f"<@{ALICE}> made you the owner of issue *APOLLO-I1*.")
    # the same words after /pmo issue; the next number; defaults: medium, owner = the caller
    assert "*APOLLO-I2* added" in say(pmo, "/pmo", "issue add APOLLO Test rig missing", CAROL)
    found = rows(pmo)
    assert [(i.number, i.severity, i.owner_id, i.status) for i in found] == [
        (1, "high", BOB, "open"), (2, "medium", CAROL, "open")]
    with pmo.ctx.db.read() as session:
        entry = audit.entries_for(session, "issue", "APOLLO-I1")[0]
        assert (entry.action, entry.actor_id, entry.after["severity"]) == (
            "issue.added", ALICE, "high")
    quiesce(pmo)


def test_list_most_severe_and_oldest_first_and_show_with_history(pmo):
    say(pmo, "/issue", "add APOLLO Slow VPN sev:low", ALICE)
    add_array(pmo)
    say(pmo, "/issue", "add APOLLO Licence server down sev:critical", CAROL)
    say(pmo, "/issue", "add APOLLO Second array noisy sev:high", CAROL)
    listed = pmo.command("/issue", "list APOLLO", user=CAROL).text.splitlines()
    assert listed[0] == "*Open issues of APOLLO* (4)"
    assert [line.split("*")[3] for line in listed[1:]] == [
        "APOLLO-I3", "APOLLO-I2", "APOLLO-I4", "APOLLO-I1"]
    assert pmo.command("/pmo", "issue list APOLLO", user=CAROL).text.splitlines() == listed
    # without a KEY: the caller's own
    mine = pmo.command("/issue", "list", user=BOB).text.splitlines()
    assert mine[0] == "*Your open issues* (1)" and "APOLLO-I2" in mine[1]
    say(pmo, "/issue", "update APOLLO-I2 sev:critical note:Vendor engineer on site tomorrow", BOB)
    say(pmo, "/issue", "resolve APOLLO-I1 Rebooted the concentrator", ALICE)
    assert "APOLLO-I1" not in pmo.command("/issue", "list APOLLO", user=CAROL).text
    everything = pmo.command("/issue", "list APOLLO all", user=CAROL).text
    assert everything.splitlines()[-1].startswith(":large_blue_circle: *Low* *APOLLO-I1*")
    assert everything.splitlines()[-1].endswith("· resolved")
    shown = blocks_text(pmo.command("/issue", "show APOLLO-I2", user=CAROL).json)
    assert "*History*" in shown and "added it, high" in shown
    assert "updated severity critical: Vendor engineer on site tomorrow" in shown
    assert "*Latest note:* Vendor engineer on site tomorrow" in shown
    assert pmo.command("/issue", "apollo-i2", user=CAROL).json["blocks"] == (
        pmo.command("/issue", "show APOLLO-I2", user=CAROL).json["blocks"])
    quiesce(pmo)


def test_update_posts_a_fresh_card_when_it_matters_and_a_note_in_place(pmo):
    add_array(pmo)
    wait_until(lambda: len(issue_cards(pmo)) == 1)
    reply = say(pmo, "/issue", f"update APOLLO-I1 due:2026-12-10 owner:<@{CAROL}|carol>", BOB)
    assert reply == (":white_check_mark: *APOLLO-I1* updated: owner, due date. Now "
                     f":large_orange_circle: *High* · owner <@{CAROL}> · due 2026-12-10.")
    wait_until(lambda: len(issue_cards(pmo)) == 2)
    assert f"Updated by <@{BOB}>: owner, due date" in blocks_text(issue_cards(pmo)[-1])
    wait_until(lambda: len(pmo.slack.messages(CAROL)) == 1)  # the new owner is told
    reply = say(pmo, "/issue", "update APOLLO-I1 note:Parts ordered", CAROL)
    assert reply.startswith(":white_check_mark: *APOLLO-I1* updated: note added. Now")
    quiesce(pmo)
    assert len(issue_cards(pmo)) == 2  # a note alone: the card is updated in place
    assert "Parts ordered" in blocks_text(issue_cards(pmo)[-1])
    assert say(pmo, "/issue", "update APOLLO-I1 due:2026-12-10", CAROL) == (
        "*APOLLO-I1* already says that. Nothing changed.")


def test_resolve_needs_the_resolution_and_posts_the_card(pmo):
    add_array(pmo)
    refused = pmo.command("/issue", "resolve APOLLO-I1", user=BOB).text
    assert refused.startswith("Say how *APOLLO-I1* was resolved")
    assert say(pmo, "/issue", "resolve APOLLO-I1 Array replaced, data verified", BOB) == (
        ":white_check_mark: *APOLLO-I1* resolved. The card in the project channel says how.")
    wait_until(lambda: len(issue_cards(pmo)) == 2)
    assert "*Resolved* by" in blocks_text(issue_cards(pmo)[-1])
    assert "Array replaced, data verified" in blocks_text(issue_cards(pmo)[-1])
    row = rows(pmo)[0]
    assert (row.status, row.resolved_by, row.resolution) == (
        "resolved", BOB, "Array replaced, data verified")
    again = pmo.command("/issue", "resolve APOLLO-I1 Again", user=BOB).text
    assert again == (f"*APOLLO-I1* was resolved by <@{BOB}>, so there is nothing to resolve. "
                     "Nothing changed.")
    assert pmo.command("/issue", "update APOLLO-I1 sev:low", user=BOB).text.startswith(
        "*APOLLO-I1* was resolved")
    quiesce(pmo)


@pytest.mark.parametrize(("text", "answer"), [
    ("add APOLLO sev:high", "The issue needs a title after the project KEY"),
    ("add APOLLO Disk sev:urgent", "`urgent` is not a severity: use low, medium, high or"),
    ("add APOLLO Disk due:2026-11-20", "The due date 2026-11-20 has passed (today is 2026-11-23)"),
    ("add APOLLO Disk due:12/11/2026", "`12/11/2026` is not a date"),
    ("add APOLLO Disk owner:bob", "`owner:bob` is not a person"),
    ("add APOLLO Disk sevr:high", "`sevr:high` is not an option here."),
    ("add APOLLO Disk sev:high sev:low", "`sev:` is given twice"),
    ("add ZEUS Disk", "There is no project *ZEUS*."),
    ("show APOLLO-I9", "There is no issue *APOLLO-I9*."),
    ("show APOLLO-R1", "`APOLLO-R1` is not an issue id"),
    ("update APOLLO-I9 sev:low", "There is no issue *APOLLO-I9*."),
    ("update APOLLO-I1", "What changes on *APOLLO-I1*?"),
    ("update APOLLO-I1 sev:huge", "`huge` is not a severity"),
    ("update APOLLO-I1 Vendor late", "I didn't understand `Vendor`"),
    ("update APOLLO-I1 due:2026-11-01", "The due date 2026-11-01 has passed"),
    ("update APOLLO-I1 note:", "`note:` needs the note after it"),
    ("escalate APOLLO-I1", "Say what the PMO should do about *APOLLO-I1*"),
    ("resolve APOLLO-I1 sev:low fixed", "`sev:low`"),
    ("list APOLLO banana", "`banana` is not understood here"),
    ("frobnicate", "No such command: `/issue frobnicate`."),
])
def test_bad_input_is_refused_with_the_fix_and_changes_nothing(pmo, text, answer):
    add_array(pmo)
    quiesce(pmo)
    before = [(i.severity, i.owner_id, i.due_on, i.status, i.last_note) for i in rows(pmo)]
    reply = pmo.command("/issue", text, user=ALICE).text
    assert answer in reply, reply
    assert [(i.severity, i.owner_id, i.due_on, i.status, i.last_note) for i in rows(pmo)] == before


def test_who_may_update_resolve_and_escalate(pmo):
    add_array(pmo)  # owner bob, PM alice
    # [risk] editors (default: owner, pm, admin): carol is none of them
    assert pmo.command("/issue", "update APOLLO-I1 sev:low", user=CAROL).text.startswith(
        ":no_entry: You can't change *APOLLO-I1*.")
    assert pmo.command("/issue", "resolve APOLLO-I1 Fixed", user=CAROL).text == (
        ":no_entry: You can't resolve *APOLLO-I1*: only its owner (<@UBOB001>), the project's PM "
        "(<@UALICE1>) and PMO admins can.")
    assert pmo.command("/issue", "escalate APOLLO-I1 Help", user=CAROL).text.startswith(
        ":no_entry: You can't escalate *APOLLO-I1*")
    assert rows(pmo)[0].severity == "high" and rows(pmo)[0].escalated_at is None
    assert "updated" in say(pmo, "/issue", "update APOLLO-I1 sev:medium", ADMIN)
    assert "resolved" in say(pmo, "/issue", "resolve APOLLO-I1 Done by the PM", ALICE)
    quiesce(pmo)


def test_the_form_adds_an_issue(pmo):
    opened = len(pmo.slack.calls("views.open"))
    assert pmo.command("/issue", "add APOLLO", user=CAROL).text == ""
    view = pmo.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    assert view["callback_id"] == "issue_form"

    def submit(title, sev="high", due=None):
        values = {"title": {"value": {"type": "plain_text_input", "value": title}},
                  "sev": {"value": {"type": "static_select",
                                    "selected_option": {"value": sev}}},
                  "owner": {"value": {"type": "users_select", "selected_user": BOB}},
                  "due": {"value": {"type": "datepicker", "selected_date": due}}}
        return pmo.driver.view_submission(user=CAROL, view=view, values=values).json

    refused = submit("   ")
    assert refused["response_action"] == "errors" and "title" in refused["errors"]
    refused = submit("Disk", due="2026-11-01")
    assert refused["errors"] == {"due": "The due date 2026-11-01 has passed (today is "
                                        "2026-11-23): give today or a later date."}
    assert rows(pmo) == []
    submit("Rack power flapping", due="2026-12-01")
    wait_until(lambda: len(rows(pmo)) == 1)
    row = rows(pmo)[0]
    assert (row.title, row.severity, row.owner_id, str(row.due_on), row.created_by) == (
        "Rack power flapping", "high", BOB, "2026-12-01", CAROL)
    wait_until(lambda: len(issue_cards(pmo)) == 1)
    quiesce(pmo)
    assert pmo.command("/issue", "add ZEUS", user=CAROL).text.startswith(
        "There is no project *ZEUS*.")


def test_help_and_chinese(database_url, slack):
    bot = apollo_bot(database_url, slack)
    try:
        text = bot.command("/issue", "help", user=ALICE).text
        assert text.startswith("*`/issue` — the issue log")
        assert bot.command("/pmo", "issue", user=ALICE).text == text
        assert bot.command("/issue", "", user=ALICE).text == text
    finally:
        bot.close()
    bot = apollo_bot(database_url, slack, "zh")
    try:
        assert bot.command("/issue", "help", user=ALICE).text.startswith(
            "*`/issue` —— 问题日志")
        reply = say(bot, "/issue", f"add APOLLO 存储阵列故障 sev:严重 owner:{BOB_REF}", ALICE)
        assert reply.startswith(":white_check_mark: 已添加问题 *APOLLO-I1* · 存储阵列故障"), reply
        assert rows(bot)[0].severity == "critical"
        assert "不是严重程度" in bot.command("/issue", "add APOLLO 磁盘 sev:很大", user=ALICE).text
        listed = bot.command("/issue", "list APOLLO", user=ALICE).text
        assert listed.startswith("*APOLLO 的未解决问题* · 1 个")
        assert "已解决" in say(bot, "/issue", "resolve APOLLO-I1 已更换阵列", BOB)
        quiesce(bot)
    finally:
        bot.close()


def test_adds_at_once_get_distinct_numbers(pmo):
    """The per-project counter hands out each number once, whatever the interleaving."""
    import threading
    start = threading.Barrier(6)
    answered = len(pmo.slack.responses)

    def go(n: int) -> None:
        start.wait()
        pmo.command("/issue", f"add APOLLO Problem {n} sev:low", user=ALICE)

    threads = [threading.Thread(target=go, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pmo.slack.wait_for_response(answered + 6)
    assert sorted(i.number for i in rows(pmo)) == [1, 2, 3, 4, 5, 6]
    quiesce(pmo)


def test_a_forged_or_stale_button_is_answered(pmo):
    before = len(pmo.slack.responses)
    pmo.driver.block_action(user=ADMIN, channel=APOLLO_CHANNEL, action={
        "type": "button", "action_id": "issue_coordinate", "value": '{"r":1}',
        "block_id": "issue_coordinate"})
    assert pmo.slack.wait_for_response(before + 1)[-1]["body"]["text"] == (
        "That button is out of date. `/issue list` shows the issues as they are now.")
    pmo.driver.block_action(user=ADMIN, channel=APOLLO_CHANNEL, action={
        "type": "button", "action_id": "issue_coordinate", "value": '{"i":99}',
        "block_id": "issue_coordinate"})
    assert pmo.slack.wait_for_response(before + 2)[-1]["body"]["text"] == (
        "I can't find that issue: the message may be out of date.")
