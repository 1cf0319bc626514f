"""A risk's life after it is raised, driven as Slack drives it, on both databases: closing
(with an outcome typed anywhere in the line, or as a duplicate), reopening with a reason,
what a closed risk refuses, reviewing several risks at once, filtered lists, and sub-commands
that do not exist."""

from __future__ import annotations

import json
from datetime import date

from tests.support import ALICE, BOB, CAROL
from tests.support.risks import add, audit_of, card_message, form, risk, row, submit, wait_until
from tests.test_wording import zh_bot


def shown(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def card_text(bot, ref: str = "APOLLO-R1") -> str:
    return shown(card_message(bot, ref)["blocks"])


def settled(bot) -> None:
    """Every card change queued so far has reached the stand-in."""
    wait_until(lambda: not bot.ctx.sender.send_due())


def listed(bot, text: str, user: str = ALICE) -> tuple[str, list[str]]:
    """`/risk list …` as the person sees it: the heading and the IDs listed, in order."""
    response = bot.command("/risk", text, user=user)
    if not response.body.startswith(b"{"):  # a sentence alone comes back as plain text
        return response.text, []
    answer = response.json
    lines = [b["text"]["text"] for b in answer["blocks"][1:] if b["type"] == "section"]
    return answer["blocks"][0]["text"]["text"], [line.split("`")[1] for line in lines]


# --- closing: the card keeps only what still applies ----------------------------------------


def test_a_closed_card_shows_no_next_review(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    assert "*Next review*" in card_text(apollo)
    risk(apollo, "close APOLLO-R1 Vendor delivered the API")
    settled(apollo)
    closed = card_text(apollo)
    assert "*Next review*" not in closed and "2026-12-07" not in closed
    assert "Closed by <@UALICE1>" in closed and "Vendor delivered the API" in closed
    shown_risk = shown(apollo.command("/risk", "show APOLLO-R1").json["blocks"])
    assert "*Next review*" not in shown_risk.split("*History*")[0]


# --- reopening: a reason, shown; a fresh review date ----------------------------------------


def test_reopening_asks_why_shows_the_reason_and_starts_a_fresh_review(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    apollo.clock.advance(days=30)  # the review date (2026-12-07) has long passed
    risk(apollo, "close APOLLO-R1 Vendor delivered the API")
    version = row(apollo).version

    refused = risk(apollo, "update APOLLO-R1 status:open")
    assert "Say why *APOLLO-R1* is reopened" in refused and "Nothing was saved" in refused
    assert row(apollo).status == "closed" and row(apollo).version == version

    reply = risk(apollo, "update APOLLO-R1 status:open note:Vendor slipped again")
    assert "*APOLLO-R1* updated: Status, Next review" in reply
    stored = row(apollo)
    assert (stored.status, stored.closed_at, stored.last_note) == (
        "open", None, "Vendor slipped again")
    assert stored.next_review_on == date(2027, 1, 6)  # today (2026-12-23) + 14 days
    settled(apollo)
    card = card_text(apollo)
    assert "*Latest note:* Vendor slipped again" in card
    assert "Vendor delivered the API" not in card  # the close reason is history now
    assert "Review overdue" not in card and "2027-01-06" in card
    [entry] = audit_of(apollo, "risk.updated")
    assert entry.before["next_review_on"] == "2026-12-07"
    assert entry.after["note"] == "Vendor slipped again"


def test_reopening_from_the_form_needs_the_note_too(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    risk(apollo, "close APOLLO-R1 Vendor delivered")
    view = form(apollo, "update APOLLO-R1")
    assert "note" in submit(apollo, view, status="open").errors
    assert row(apollo).status == "closed"
    view = form(apollo, "update APOLLO-R1")
    done = submit(apollo, view, status="open", note="Delivery failed acceptance")
    assert "updated" in done.confirmation
    assert (row(apollo).status, row(apollo).last_note) == ("open", "Delivery failed acceptance")


def test_a_closed_risk_refuses_other_changes(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    risk(apollo, "close APOLLO-R1 Vendor delivered")
    before = row(apollo)
    for text in ("update APOLLO-R1 p:5", "update APOLLO-R1 owner:<@UBOB001|bob>",
                 "update APOLLO-R1 note:Still watching"):
        answer = risk(apollo, text)
        assert "*APOLLO-R1* is closed, so its fields don't change any more" in answer, text
        assert "`/risk update APOLLO-R1 status:open note:…`" in answer
        assert "Now" not in answer
    after = row(apollo)
    assert (after.probability, after.score, after.version) == (2, 6, before.version)
    # the other outcome is a change of status, with its reason
    risk(apollo, "update APOLLO-R1 status:occurred note:It happened after all")
    assert row(apollo).status == "occurred"
    # reopening may carry other changes in the same command
    risk(apollo, "update APOLLO-R1 status:mitigating p:4 note:Second vendor late too")
    assert (row(apollo).status, row(apollo).score) == ("mitigating", 12)


def test_a_closed_risk_form_submitted_unchanged_says_it_is_closed(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    risk(apollo, "close APOLLO-R1 Vendor delivered")
    view = form(apollo, "update APOLLO-R1")
    assert "is closed" in submit(apollo, view, probability="5").errors["status"]
    assert row(apollo).probability == 2


# --- an outcome typed inside the reason is an option, never text ---------------------------


def test_status_occurred_anywhere_in_a_closing_reason_records_occurred(apollo):
    add(apollo, "SAN may slip p:3 i:4")
    add(apollo, "Racks may slip p:3 i:4")
    risk(apollo, "close APOLLO-R1 status:occurred SAN delivery slipped")
    risk(apollo, "close APOLLO-R2 Rack delivery slipped status:occurred")
    for number, reason in ((1, "SAN delivery slipped"), (2, "Rack delivery slipped")):
        stored = row(apollo, number)
        assert (stored.status, stored.last_note) == ("occurred", reason)
    [first, second] = audit_of(apollo, "risk.closed")
    assert first.after == {"risk": "APOLLO-R1", "status": "occurred",
                           "note": "SAN delivery slipped"}
    settled(apollo)
    assert "Marked as occurred by" in card_text(apollo, "APOLLO-R2")


def test_other_options_in_a_closing_reason_are_refused_not_kept_as_text(apollo):
    add(apollo, "SAN may slip p:3 i:4")
    cases = {
        "close APOLLO-R1 SAN delivery slipped p:5":
            "`p:5` is an option, but not one this text can carry: here you may give "
            "`duplicate:`, `status:`. If it is part of the text, write it without the colon "
            "(`p 5`). Nothing was saved.",
        "close APOLLO-R1 status:open Not a risk any more":
            "A risk is closed as `status:closed`",
        "close APOLLO-R1 status:maybe SAN slipped": "`maybe` is not a risk status",
        "close APOLLO-R1 status:closed status:occurred SAN": "`status:` is given twice",
        "reviewed APOLLO-R1 Checked owner:<@UBOB001|bob>": "`owner:<@UBOB001|bob>` is an option",
    }
    for text, expected in cases.items():
        answer = risk(apollo, text)
        assert expected in answer, (text, answer)
        assert "Usage:" in answer, text
    assert (row(apollo).status, row(apollo).version) == ("open", 1)
    # words that only look like options stay text
    risk(apollo, "close APOLLO-R1 ETA:Friday was met, see https://x.example/1")
    assert row(apollo).last_note == "ETA:Friday was met, see https://x.example/1"


# --- closing as a duplicate -----------------------------------------------------------------


def test_close_as_a_duplicate_links_both_cards(apollo):
    add(apollo, "Vendor may slip the API p:4 i:4")
    add(apollo, "API vendor late p:3 i:4")
    reply = risk(apollo, "close APOLLO-R2 duplicate:apollo-r1 Raised twice in the retro")
    assert "*APOLLO-R2* closed as a duplicate of *APOLLO-R1*" in reply
    stored = row(apollo, 2)
    assert (stored.status, stored.duplicate_of_id, stored.last_note) == (
        "closed", row(apollo, 1).id, "Raised twice in the retro")
    settled(apollo)
    assert ":link: Duplicate of *APOLLO-R1*" in card_text(apollo, "APOLLO-R2")
    assert ":link: Duplicates closed into this risk: *APOLLO-R2*" in card_text(apollo)
    [entry] = audit_of(apollo, "risk.closed")
    assert entry.after["duplicate_of"] == "APOLLO-R1"
    history = shown(apollo.command("/risk", "show APOLLO-R2").json["blocks"])
    assert "Duplicate of — → APOLLO-R1" in history

    # reopened, it is no duplicate any more: both cards drop the link
    risk(apollo, "update APOLLO-R2 status:open note:Different API after all")
    assert row(apollo, 2).duplicate_of_id is None
    settled(apollo)
    assert ":link:" not in card_text(apollo) and ":link:" not in card_text(apollo, "APOLLO-R2")


def test_a_duplicate_needs_no_reason_and_refuses_what_cannot_be(apollo):
    add(apollo, "Vendor may slip p:4 i:4")
    add(apollo, "Vendor late p:3 i:4")
    add(apollo, "Vendor slow p:3 i:4")
    risk(apollo, "close APOLLO-R3 Vendor replaced")
    cases = {
        "close APOLLO-R2 duplicate:APOLLO-R2": "*APOLLO-R2* can't be a duplicate of itself",
        "close APOLLO-R2 duplicate:APOLLO-R3": "*APOLLO-R3* is closed: close *APOLLO-R2* as a "
                                               "duplicate of the risk that is still being",
        "close APOLLO-R2 duplicate:APOLLO-R9": "There is no risk *APOLLO-R9*",
        "close APOLLO-R2 duplicate:R1": "`R1` is not a risk ID",
        "close APOLLO-R2 duplicate:APOLLO-R1 status:occurred": "A duplicate is closed, not",
    }
    for text, expected in cases.items():
        assert expected in risk(apollo, text), text
    assert row(apollo, 2).status == "open"
    assert "closed as a duplicate" in risk(apollo, "close APOLLO-R2 duplicate:APOLLO-R1")
    assert row(apollo, 2).last_note is None  # the link says why


# --- /risk reviewed with several IDs --------------------------------------------------------


def test_reviewed_stamps_each_risk_named_and_the_rest_is_a_note(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    add(apollo, "Budget cut p:2 i:2")
    apollo.clock.advance(days=3)
    reply = risk(apollo, "reviewed APOLLO-R1 APOLLO-R2")
    assert "*APOLLO-R1*, *APOLLO-R2* marked reviewed. Next review on 2026-12-10" in reply
    for number in (1, 2):
        stored = row(apollo, number)
        assert (stored.next_review_on, stored.last_reviewed_by, stored.last_note) == (
            date(2026, 12, 10), ALICE, None)
    apollo.clock.advance(days=1)
    risk(apollo, "reviewed apollo-r2 APOLLO-R1 Checked with the vendor")
    assert {row(apollo, n).last_note for n in (1, 2)} == {"Checked with the vendor"}
    assert len(audit_of(apollo, "risk.reviewed")) == 4


def test_reviewed_refuses_all_when_one_cannot_be_reviewed(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    add(apollo, f"Budget cut p:2 i:2 owner:<@{BOB}|bob>")
    risk(apollo, "close APOLLO-R2 No longer applies", user=BOB)
    cases = {
        "reviewed APOLLO-R1 APOLLO-R9": "There is no risk *APOLLO-R9*",
        "reviewed APOLLO-R1 APOLLO-R2": "*APOLLO-R2* was closed by <@UBOB001>",
        "reviewed": "Which risk?",
        "reviewed Checked it": "`Checked` is not a risk ID",
    }
    for text, expected in cases.items():
        answer = risk(apollo, text)
        assert expected in answer, (text, answer)
        assert ("None of the 2 risks was marked reviewed" in answer) is ("R1 " in text)
    assert "`/risk reviewed KEY-R1 [KEY-R2 …] [note…]`" in risk(apollo, "reviewed")
    assert "You can't change *APOLLO-R1*" in risk(apollo, "reviewed APOLLO-R1", user=CAROL)
    assert audit_of(apollo, "risk.reviewed") == []


def test_reviewed_twice_today_names_what_was_already_done(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    add(apollo, "Budget cut p:2 i:2")
    risk(apollo, "reviewed APOLLO-R1")
    reply = risk(apollo, "reviewed APOLLO-R1 APOLLO-R2")
    assert "*APOLLO-R2* marked reviewed" in reply
    assert "*APOLLO-R1* was already reviewed today by <@UALICE1>" in reply
    assert len(audit_of(apollo, "risk.reviewed")) == 2


def test_help_says_trailing_text_is_a_note(bot):
    text = bot.command("/risk", "help").text
    assert "/risk reviewed APOLLO-R1 APOLLO-R2 Checked with the vendor" in text
    assert "Words after the IDs are a note kept with each review" in text


# --- /risk list filters ---------------------------------------------------------------------


def test_list_filters_by_level_overdue_and_owner(apollo):
    add(apollo, "Low one p:1 i:2")                                    # R1 low, 2
    add(apollo, f"High one p:2 i:5 owner:<@{BOB}|bob>")              # R2 high, 10
    add(apollo, "Critical one p:5 i:5 due:2026-11-25")                # R3 critical, 25
    add(apollo, f"Other high p:3 i:4 owner:<@{BOB}|bob>")            # R4 high, 12
    apollo.clock.advance(days=5)  # R3's response (due 11-25) is now overdue
    risk(apollo, "reviewed APOLLO-R1")

    assert listed(apollo, "list APOLLO level:high") == (
        "*Open risks in APOLLO* · High (2)", ["APOLLO-R4", "APOLLO-R2"])
    assert listed(apollo, "list level:critical APOLLO")[1] == ["APOLLO-R3"]
    assert listed(apollo, "list APOLLO overdue")[1] == ["APOLLO-R3"]
    assert listed(apollo, f"list APOLLO owner:<@{BOB}|bob>") == (
        f"*Open risks in APOLLO* · owned by <@{BOB}> (2)", ["APOLLO-R4", "APOLLO-R2"])
    assert listed(apollo, f"list owner:<@{BOB}|bob> level:high")[0] == (
        f"*Open risks owned by* <@{BOB}> · High (2)")
    assert listed(apollo, "list level:low") == ("*Your open risks* · Low (1)", ["APOLLO-R1"])
    assert listed(apollo, "list overdue level:critical")[1] == ["APOLLO-R3"]
    assert listed(apollo, "list overdue", user=BOB) == (
        "*Your open risks* · overdue (0): none match.", [])
    # a closed risk is never overdue, even when closed ones are listed
    risk(apollo, "close APOLLO-R3 Vendor delivered")
    assert listed(apollo, "list APOLLO all overdue")[1] == []
    assert listed(apollo, "list APOLLO all level:critical")[1] == ["APOLLO-R3"]


def test_list_levels_follow_the_rules_file(apollo):
    add(apollo, "Medium one p:1 i:5")  # 5: medium from 5 by default
    assert listed(apollo, "list APOLLO level:medium")[1] == ["APOLLO-R1"]
    assert listed(apollo, "list APOLLO level:低")[1] == []


def test_list_refuses_unknown_filters_clearly(apollo):
    cases = {
        "list APOLLO status:closed": "`status:closed` is not something `/risk list` can filter",
        "list APOLLO stale": "`stale` is not something `/risk list` can filter by",
        "list APOLLO level:huge": "`huge` is not a risk level. Use low, medium, high or critical",
        "list APOLLO owner:bob": "`owner:bob` is not a person",
        "list APOLLO level:": "`level:` needs a value",
        "list APOLLO level:high level:low": "each filter (and the project KEY) is given once",
        "list APOLLO-R1": "`APOLLO-R1` is not something `/risk list` can filter by",
    }
    for text, expected in cases.items():
        answer = risk(apollo, text)
        assert expected in answer, (text, answer)
        assert "`level:low|medium|high|critical` · `overdue` · `owner:@user`" in answer, text


# --- sub-commands that do not exist ---------------------------------------------------------


def test_an_unknown_sub_command_gets_no_such_command_and_the_help(apollo):
    for text in ("zap", "history APOLLO-R1", "APOLLO-R1 p:3", "delete APOLLO-R1"):
        answer = risk(apollo, text)
        word = text.split()[0]
        assert answer.startswith(f"`/risk {word}`: no such command. Here is what `/risk` does:")
        assert "*`/risk` — the risk register*" in answer, text
        assert "is not a risk ID" not in answer and "Usage:" not in answer
    assert risk(apollo, "APOLLO-R9").startswith("There is no risk *APOLLO-R9*")  # /risk ID shows


def test_chinese_words_for_the_new_answers(database_url, slack):
    zh = zh_bot(database_url, slack)
    try:
        for title in ("供应商接口可能延期 p:4 i:5", "预算削减 p:2 i:2", "机房租约 p:3 i:4"):
            assert "已登记风险" in risk(zh, f"add APOLLO {title}")
        risk(zh, "close APOLLO-R1 已交付")
        assert "请说明为什么重新打开 *APOLLO-R1* 这个风险，" in risk(
            zh, "update APOLLO-R1 status:open")
        assert "*APOLLO-R1* 已关闭，其字段不再修改" in risk(zh, "update APOLLO-R1 p:1")
        assert risk(zh, "历史").startswith("`/risk 历史`：没有这个命令。")
        assert "`/risk list` 不能按 `过期` 筛选" in risk(zh, "list APOLLO 过期")
        assert "已将 *APOLLO-R2*、*APOLLO-R3* 标记为已复核" in risk(
            zh, "reviewed APOLLO-R2 APOLLO-R3 已与供应商确认")
        assert risk(zh, "close APOLLO-R3 duplicate:APOLLO-R2").startswith(
            ":white_check_mark: *APOLLO-R3* 已作为 *APOLLO-R2* 的重复项关闭")
        assert listed(zh, "list APOLLO level:低") == ("*APOLLO 的未关闭风险* · 低 · 1 项",
                                                     ["APOLLO-R2"])
    finally:
        zh.close()
