"""`/risk` driven as Slack drives it: signed slash commands in, Web API calls out, on both DBs."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from pmo_rules.ids import RiskAction
from storage.audit import AuditEntry
from storage.outbox import Delivery
from storage.projects import Project
from storage.risks import Risk
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, GENERAL, make_bot, rules_with
from tests.support.risks import add, audit_of, card_message, count, risk, row


def shown(value) -> str:
    return json.dumps(value, ensure_ascii=False)


EXAMPLE = (f"add APOLLO Vendor may slip the API p:4 i:5 owner:<@{BOB}|bob> due:2026-12-01 "
           "response:mitigate")


def test_add_records_the_risk_posts_its_card_and_tells_the_owner(apollo):
    reply = risk(apollo, EXAMPLE)
    assert "*APOLLO-R1*" in reply and ":red_circle: *Critical* (20)" in reply
    stored = row(apollo)
    assert (stored.title, stored.probability, stored.impact, stored.score) == (
        "Vendor may slip the API", 4, 5, 20)
    assert (stored.owner_id, stored.response, stored.status) == (BOB, "mitigate", "open")
    assert stored.due_on == date(2026, 12, 1)
    assert stored.next_review_on == date(2026, 12, 7)  # today in Shanghai + review_every_days
    assert stored.created_by == ALICE

    card = card_message(apollo)
    rendered = shown(card["blocks"])
    assert "APOLLO-R1 · Vendor may slip the API" in rendered
    assert ":red_circle: *Critical* · score 20 (p 4 × i 5)" in rendered  # emoji and word
    assert f"<@{BOB}>" in rendered and "2026-12-01" in rendered and "Mitigate" in rendered
    actions = [b for b in card["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [a["action_id"] for a in actions] == list(RiskAction)
    assert json.loads(actions[0]["value"]) == {"r": stored.id}

    [dm] = apollo.slack.wait_for("chat.postMessage", channel=BOB)
    assert "You own a new risk in *APOLLO*: *APOLLO-R1*" in dm.args["text"]
    assert "APOLLO-R1 · Vendor may slip the API" in shown(dm.args["blocks"])
    with apollo.ctx.db.read() as session:
        delivery = session.get(Delivery, stored.card_delivery_id)
        assert delivery.state == "sent" and delivery.slack_channel == APOLLO_CHANNEL

    [entry] = audit_of(apollo)
    assert (entry.action, entry.actor_id, entry.before) == ("risk.added", ALICE, None)
    assert entry.after["risk"] == "APOLLO-R1" and entry.after["due_on"] == "2026-12-01"
    assert entry.after["probability"] == 4 and entry.after["score"] == 20


def test_owner_defaults_to_the_caller_who_gets_no_dm_about_their_own_risk(apollo):
    add(apollo, "Data centre lease may lapse p:2 i:2 desc:Landlord is selling the building "
                "note:Raised by facilities")
    add(apollo, "Key engineer may leave p:3 i:3")
    first, second = row(apollo, 1), row(apollo, 2)
    assert first.owner_id == ALICE and second.number == 2
    assert first.description == "Landlord is selling the building"
    assert first.last_note == "Raised by facilities"
    assert audit_of(apollo)[0].after["note"] == "Raised by facilities"
    assert apollo.slack.calls("chat.postMessage", ) and not apollo.slack.messages(ALICE)
    assert len(apollo.slack.messages(APOLLO_CHANNEL)) == 2


def test_ids_are_numbered_per_project(apollo):
    apollo.command("/pmo", "project add ZEUS Zeus CRM", user=ADMIN, channel=GENERAL)
    apollo.slack.wait_for_response(1)
    add(apollo, "Slip p:1 i:1")
    assert "*ZEUS-R1*" in add(apollo, "Scope creep p:2 i:2", key="zeus")
    assert "*APOLLO-R2*" in add(apollo, "Budget cut p:2 i:2")


def test_bad_input_gets_a_clear_answer_and_stores_nothing(apollo):
    cases = {
        "add APOLLO Slip p:6 i:2": "Probability must be a whole number from 1 to 5 (got `6`)",
        "add APOLLO Slip p:2": "Rate the risk's impact: `i:1` to `i:5`",
        "add APOLLO Slip p:2 i:2 owner:bob": "`owner:bob` is not a person",
        "add APOLLO Slip p:2 i:2 due:1/12/2026": "Response due must be a date written YYYY-MM-DD",
        "add APOLLO Slip p:2 i:2 due:2026-11-01": "Response due 2026-11-01 is in the past",
        "add APOLLO Slip p:2 i:2 response:pray": "`pray` is not a response strategy",
        "add APOLLO Slip p:2 i:2 status:done": "`done` is not a risk status",
        f"add APOLLO {'x' * 151} p:2 i:2": "The title is 151 characters; keep it to 150",
        "add NOPE Slip p:2 i:2": "There is no project *NOPE*",
        "show APOLLO-R9": "There is no risk *APOLLO-R9*",
        "update APOLLO-R9 p:2": "There is no risk *APOLLO-R9*",
        "close APOLLO-R1": "Say why the risk is closed",
        "show APOLLO": "`APOLLO` is not a risk ID",
    }
    for text, expected in cases.items():
        answer = risk(apollo, text)
        assert expected in answer, (text, answer)
        assert "Usage:" in answer or "no project" in answer or "no risk" in answer, text
    assert count(apollo) == 0
    assert apollo.slack.calls("chat.postMessage") == []
    assert audit_of(apollo) == []


def test_due_date_is_checked_against_the_pmo_calendar(apollo):
    apollo.clock.advance(hours=15)  # 17:00 UTC on the 23rd is 01:00 on the 24th in Shanghai
    assert "is in the past; use today (2026-11-24)" in risk(apollo, "add APOLLO Slip p:1 i:1 "
                                                                    "due:2026-11-23")
    add(apollo, "Slip p:1 i:1 due:2026-11-24")
    assert row(apollo).next_review_on == date(2026, 12, 8)


def test_list_sorts_by_score_and_shows_level_owner_and_due(apollo):
    add(apollo, "Low one p:1 i:2")
    add(apollo, f"Top one p:5 i:5 owner:<@{BOB}|bob> due:2026-12-01")
    add(apollo, "Middle one p:3 i:3 status:mitigating")
    listed = apollo.command("/risk", "list apollo").json
    lines = [b["text"]["text"] for b in listed["blocks"]][1:]
    assert "Open risks in APOLLO* (3)" in listed["blocks"][0]["text"]["text"]
    assert [line.split("`")[1] for line in lines] == ["APOLLO-R2", "APOLLO-R3", "APOLLO-R1"]
    assert ":red_circle: *Critical* *25*" in lines[0] and f"<@{BOB}>" in lines[0]
    assert "due 2026-12-01" in lines[0] and "_mitigating_" in lines[1]

    mine = apollo.command("/risk", "list").json
    assert "Your open risks* (2)" in mine["text"]
    assert "APOLLO-R2" not in shown(mine["blocks"])


def test_list_hides_closed_risks_unless_asked_and_says_when_empty(apollo):
    assert "has no open risks" in risk(apollo, "list APOLLO")
    assert "You own no open risks" in risk(apollo, "list")
    add(apollo, "Slip p:2 i:2")
    risk(apollo, "close APOLLO-R1 Vendor delivered")
    assert "has no open risks" in risk(apollo, "list APOLLO")
    assert "APOLLO-R1" in shown(apollo.command("/risk", "list APOLLO all").json)
    assert "There is no project *ZEUS*" in risk(apollo, "list ZEUS")


def test_long_lists_stop_inside_slacks_block_limit(apollo):
    with apollo.ctx.db.write() as session:
        from storage import risks as store

        project = session.scalar(select(Project))
        for n in range(45):
            store.add_risk(session, project=project, actor=ALICE, now=apollo.clock(),
                           values=dict(title=f"Risk {n}", probability=1 + n % 5, impact=2,
                                       owner_id=ALICE, next_review_on=date(2026, 12, 7),
                                       status="open"))
    listed = apollo.command("/risk", "list APOLLO").json
    assert len(listed["blocks"]) == 42  # heading, 40 risks, "…and 5 more"
    assert "and 5 more" in listed["blocks"][-1]["elements"][0]["text"]
    assert not apollo.slack.timeline() or all(e["kind"] != "rejected"
                                              for e in apollo.slack.timeline())


def test_show_gives_the_card_and_its_history(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    risk(apollo, "update APOLLO-R1 p:4 note:Vendor lost two engineers &amp; a lead")
    answer = apollo.command("/risk", "show apollo-r1", user=CAROL).json  # anyone may look
    rendered = shown(answer["blocks"])
    assert "APOLLO-R1 · Vendor may slip" in rendered and "*History*" in rendered
    assert "added it: p 2 × i 3 = 6" in rendered
    assert "updated it: Probability 2 → 4" in rendered
    assert "> Vendor lost two engineers &amp; a lead" in rendered  # escaped again for mrkdwn


def test_update_changes_fields_and_audits_before_and_after(apollo):
    add(apollo, f"Vendor may slip p:2 i:3 owner:<@{BOB}|bob> due:2026-12-01")
    posts = len(apollo.slack.calls("chat.postMessage"))
    reply = risk(apollo, "update APOLLO-R1 p:3 status:mitigating due:none "
                         "note:Second vendor signed")
    assert "updated: Probability, Status, Response due" in reply
    stored = row(apollo)
    assert (stored.probability, stored.score, stored.status, stored.due_on) == (
        3, 9, "mitigating", None)
    assert stored.last_note == "Second vendor signed" and stored.version == 2
    [entry] = audit_of(apollo, "risk.updated")
    assert entry.before == {"risk": "APOLLO-R1", "probability": 2, "status": "open",
                            "due_on": "2026-12-01", "score": 6}
    assert entry.after == {"risk": "APOLLO-R1", "probability": 3, "status": "mitigating",
                           "due_on": None, "score": 9, "note": "Second vendor signed"}
    # still medium: the card is updated in place, nobody is pinged
    [update] = apollo.slack.wait_for("chat.update", channel=APOLLO_CHANNEL)
    assert "Mitigating" in shown(update.args["blocks"])
    assert update.ok and len(apollo.slack.calls("chat.postMessage")) == posts


def test_rising_to_high_or_critical_posts_the_card_again_and_tells_the_owner(apollo):
    add(apollo, f"Vendor may slip p:2 i:3 owner:<@{BOB}|bob>")
    risk(apollo, "update APOLLO-R1 p:4 i:4", user=ADMIN)
    first, second = apollo.slack.wait_for("chat.postMessage", count=2, channel=APOLLO_CHANNEL)
    assert ":red_circle: *Critical*" in shown(second.args["blocks"])
    [_, dm] = apollo.slack.wait_for("chat.postMessage", count=2, channel=BOB)
    assert "*APOLLO-R1* in *APOLLO* is now :red_circle: *Critical* (score 16)" in dm.args["text"]
    [old_card] = apollo.slack.wait_for("chat.update", channel=APOLLO_CHANNEL)  # redrawn too
    assert old_card.ok and old_card.args["ts"] == first.response["ts"]
    assert row(apollo).card_delivery_id is not None
    posts = len(apollo.slack.calls("chat.postMessage"))
    risk(apollo, "update APOLLO-R1 p:1")  # falling again: in place, no ping
    assert len(apollo.slack.calls("chat.postMessage")) == posts
    assert apollo.slack.calls("chat.update")[-1].args["ts"] == second.response["ts"]


def test_a_new_owner_is_told(apollo):
    add(apollo, "Vendor may slip p:2 i:2")
    risk(apollo, f"update APOLLO-R1 owner:<@{CAROL}|carol>")
    [dm] = apollo.slack.wait_for("chat.postMessage", channel=CAROL)
    assert f"<@{ALICE}> made you the owner of *APOLLO-R1*" in dm.args["text"]


def test_only_the_owner_the_pm_and_admins_may_change_a_risk(apollo):
    add(apollo, f"Vendor may slip p:2 i:2 owner:<@{BOB}|bob>")
    for text in ("update APOLLO-R1 p:3", "reviewed APOLLO-R1", "close APOLLO-R1 Done",
                 "update APOLLO-R1"):
        answer = risk(apollo, text, user=CAROL)
        assert "You can't change *APOLLO-R1*" in answer, text
        assert f"its owner (<@{BOB}>), the project's PM (<@{ALICE}>), PMO admins" in answer
    assert row(apollo).version == 1 and len(audit_of(apollo)) == 1
    assert "updated" in risk(apollo, "update APOLLO-R1 p:3", user=BOB)  # the owner
    assert "updated" in risk(apollo, "update APOLLO-R1 p:4", user=ALICE)  # the PM
    assert "updated" in risk(apollo, "update APOLLO-R1 p:5", user=ADMIN)


def test_editors_follow_the_rules_file(bot, database_url, slack):
    rules = rules_with()
    owner_only = make_bot(database_url, slack,
                          replace(rules, risk=replace(rules.risk, editors=("owner",))))
    try:
        owner_only.command("/pmo", f"project add APOLLO Apollo pm:<@{ALICE}|alice> "
                                   f"channel:<#{APOLLO_CHANNEL}|apollo>", user=ADMIN)
        slack.wait_for_response(1)
        add(owner_only, f"Slip p:1 i:1 owner:<@{BOB}|bob>")
        assert "You can't change" in risk(owner_only, "update APOLLO-R1 p:2", user=ALICE)
        assert "updated" in risk(owner_only, "update APOLLO-R1 p:2", user=BOB)
    finally:
        owner_only.ctx.db.dispose()


def test_reviewed_moves_the_next_review_and_a_second_one_today_is_answered(apollo):
    add(apollo, "Slip p:2 i:2")
    apollo.clock.advance(days=3)
    assert "Next review on 2026-12-10" in risk(apollo, "reviewed APOLLO-R1")
    stored = row(apollo)
    assert stored.next_review_on == date(2026, 12, 10)
    assert (stored.last_reviewed_by, stored.last_reviewed_at) == (ALICE, apollo.clock())
    assert "already reviewed today by <@UALICE1>" in risk(apollo, "reviewed APOLLO-R1")
    assert len(audit_of(apollo, "risk.reviewed")) == 1
    assert "marked reviewed" in risk(apollo, "reviewed APOLLO-R1 Checked with vendor again")
    assert row(apollo).last_note == "Checked with vendor again"


def test_close_needs_a_reason_and_a_closed_risk_says_so(apollo):
    add(apollo, "Slip p:2 i:2")
    assert "closed" in risk(apollo, "close APOLLO-R1 Vendor delivered the API")
    stored = row(apollo)
    assert (stored.status, stored.closed_by, stored.closed_at) == ("closed", ALICE,
                                                                   apollo.clock())
    card = card_message(apollo)
    assert not [b for b in card["blocks"] if b["type"] == "actions"]  # no buttons left
    assert "Closed by <@UALICE1>" in shown(card["blocks"])
    for text in ("close APOLLO-R1 again", "reviewed APOLLO-R1"):
        assert "was closed by <@UALICE1>" in risk(apollo, text)
    [entry] = audit_of(apollo, "risk.closed")
    assert entry.before["status"] == "open" and entry.after["note"] == "Vendor delivered the API"
    # reopening is an update, audited like any other (with a reason: tests/test_risk_lifecycle.py)
    assert "updated: Status" in risk(apollo, "update APOLLO-R1 status:open note:Slipped again")
    assert row(apollo).closed_at is None


def test_occurred_is_recorded_through_update_with_a_note(apollo):
    add(apollo, "Slip p:2 i:2")
    assert "Say why" in risk(apollo, "update APOLLO-R1 status:occurred")
    risk(apollo, "update APOLLO-R1 status:occurred note:API is two weeks late")
    assert row(apollo).status == "occurred"
    assert audit_of(apollo)[-1].action == "risk.closed"


def test_nothing_to_change_is_said(apollo):
    add(apollo, "Slip p:2 i:2")
    assert "already has those values" in risk(apollo, "update APOLLO-R1 p:2")
    assert len(audit_of(apollo)) == 1


def test_risks_are_not_added_to_a_closed_project(apollo):
    with apollo.ctx.db.write() as session:
        session.scalar(select(Project)).state = "cancelled"
    assert "risks can only be added to active projects" in risk(apollo, "add APOLLO Slip "
                                                                        "p:1 i:1")
    assert count(apollo) == 0


def test_help_states_levels_and_editors_from_the_rules(bot):
    text = bot.command("/risk", "help").text
    assert "/risk add APOLLO Vendor may slip the API p:4 i:5" in text
    assert "low below 5, medium from 5, high from 10, critical from 15" in text
    assert "its owner, the project's PM, PMO admins" in text


def test_chinese_workspace(database_url, slack):
    rules = rules_with()
    zh = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        zh.command("/pmo", f"project add APOLLO 阿波罗 pm:<@{ALICE}|alice> "
                           f"channel:<#{APOLLO_CHANNEL}|apollo>", user=ADMIN)
        slack.wait_for_response(1)
        reply = risk(zh, "add APOLLO 供应商接口可能延期 p:4 i:5 response:减轻")
        assert "已登记风险 *APOLLO-R1*" in reply and "严重" in reply
        card = card_message(zh)
        assert "供应商接口可能延期" in card["text"] and "标记为已复核" in shown(
            card["blocks"])
        assert "概率必须是 1 到 5 的整数" in risk(zh, "add APOLLO 延期 p:9 i:1")
        risk(zh, "update APOLLO-R1 p:2 note:已有备选供应商")
        assert "更新了风险：概率 4 → 2" in shown(zh.command("/risk", "show APOLLO-R1").json)
        assert "APOLLO 的未关闭风险" in shown(zh.command("/risk", "list APOLLO").json)
        assert "项目组合风险" in shown(zh.command("/pmo", "risks").json)
        assert "风险登记册" in zh.command("/risk", "help").text
    finally:
        zh.ctx.db.dispose()


def test_card_waits_in_the_outbox_when_slack_fails(apollo):
    apollo.slack.fail_next("chat.postMessage", error="internal_error", times=1)
    add(apollo, "Slip p:2 i:2")
    with apollo.ctx.db.read() as session:
        delivery = session.scalar(select(Delivery).where(Delivery.kind == "risk_card"))
        assert delivery.state == "pending"
    apollo.clock.advance(minutes=5)
    assert all(outcome.ok for outcome in apollo.ctx.sender.send_due())
    assert card_message(apollo)["text"].startswith("APOLLO-R1 ·")


def test_audit_log_keeps_every_change(apollo):
    add(apollo, "Slip p:2 i:2")
    risk(apollo, "update APOLLO-R1 i:3")
    risk(apollo, "reviewed APOLLO-R1")
    risk(apollo, "close APOLLO-R1 Done")
    with apollo.ctx.db.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.subject_type == "risk").order_by(AuditEntry.id)))
        risk_id = session.scalar(select(Risk.id))
        assert {e.subject_id for e in audit_of(apollo)} == {str(risk_id)}
    assert actions == ["risk.added", "risk.updated", "risk.reviewed", "risk.closed"]
