"""The risk card's buttons and the risk forms, clicked and submitted as Slack sends them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from bot.standin import message_problems, view_problems
from handlers import risk_views as messages
from pmo_rules.ids import RiskAction, RiskBlock, RiskCallback
from storage.projects import Project
from storage.risks import Risk
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, make_bot, rules_with
from tests.support.risks import (
    add,
    audit_of,
    card_message,
    click,
    count,
    form,
    opened_view,
    redraws,
    risk,
    row,
    submit,
)


def _actions(message: dict) -> list[str]:
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions"
            for e in b["elements"]]


# --- Mark reviewed ---------------------------------------------------------------------------


def test_mark_reviewed_on_the_channel_card_updates_it_in_place(apollo):
    add(apollo, f"Vendor may slip p:2 i:3 owner:<@{BOB}|bob>")
    apollo.clock.advance(days=2)
    reply = click(apollo, card_message(apollo), RiskAction.REVIEWED, user=BOB)
    assert "*APOLLO-R1* marked reviewed. Next review on 2026-12-09." in reply
    assert row(apollo).last_reviewed_by == BOB
    [update] = apollo.slack.wait_for("chat.update", channel=APOLLO_CHANNEL)
    assert "last reviewed" in json.dumps(update.args["blocks"])
    # the channel card is redrawn by the outbox, not a second time through the response_url
    assert not [r for r in apollo.slack.responses if r["body"].get("replace_original")]


def test_a_double_click_reviews_once(apollo):
    add(apollo)
    card = card_message(apollo)
    click(apollo, card, RiskAction.REVIEWED)
    assert "already reviewed today" in click(apollo, card, RiskAction.REVIEWED)
    assert len(audit_of(apollo, "risk.reviewed")) == 1


def test_buttons_in_the_owners_dm_work_and_redraw_that_message(apollo):
    add(apollo, f"Vendor may slip p:2 i:3 owner:<@{BOB}|bob>")
    [dm] = apollo.slack.messages(BOB)
    reply = click(apollo, dm, RiskAction.REVIEWED, user=BOB, channel=f"D{BOB}")
    assert "marked reviewed" in reply
    [redraw] = redraws(apollo, 1)
    assert "last reviewed" in json.dumps(redraw["blocks"])


def test_a_stranger_is_refused_and_nothing_changes(apollo):
    add(apollo, f"Vendor may slip p:2 i:3 owner:<@{BOB}|bob>")
    card = card_message(apollo)
    assert "You can't change *APOLLO-R1*" in click(apollo, card, RiskAction.REVIEWED, user=CAROL)
    assert "You can't change *APOLLO-R1*" in click(apollo, card, RiskAction.UPDATE, user=CAROL)
    assert "You can't change *APOLLO-R1*" in click(apollo, card, RiskAction.CLOSE, user=CAROL)
    assert apollo.slack.calls("views.open") == []
    assert row(apollo).version == 1


def test_a_button_on_a_risk_closed_meanwhile_says_so_and_redraws_the_card(apollo):
    add(apollo)
    stale = card_message(apollo)  # as it was drawn, with its buttons
    risk(apollo, "close APOLLO-R1 Vendor delivered", user=ADMIN)
    for action_id in RiskAction:
        reply = click(apollo, stale, action_id)
        assert f"*APOLLO-R1* was closed by <@{ADMIN}>" in reply, action_id
        assert "To reopen it, say why: `/risk update APOLLO-R1 status:open note:…`" in reply
    assert apollo.slack.calls("views.open") == []
    redrawn = redraws(apollo, 3)
    assert len(redrawn) == 3
    assert all("Closed by" in json.dumps(body["blocks"]) and "risk_actions"
               not in json.dumps(body["blocks"]) for body in redrawn)
    assert len(audit_of(apollo)) == 2


def test_a_forged_or_stale_button_value_gets_an_answer(apollo):
    add(apollo)
    card = card_message(apollo)
    for value in ("not json", '{"r": "1"}', '{"x": 1}', "[]", '{"r": true}'):
        assert "That button is out of date" in click(apollo, card, RiskAction.REVIEWED,
                                                     value=value)
    assert "I can't find that risk: the message may be out of date" in click(
        apollo, card, RiskAction.REVIEWED, value='{"r": 99999}')
    assert len(audit_of(apollo)) == 1


def test_a_card_posted_by_an_earlier_version_still_works(apollo):
    """Cards already in Slack carry the value as the old template wrote it (JSON with a space)."""
    add(apollo)
    reply = click(apollo, card_message(apollo), RiskAction.REVIEWED,
                  value=f'{{"r": {row(apollo).id}}}')
    assert "*APOLLO-R1* marked reviewed" in reply


# --- the Update form -------------------------------------------------------------------------


def test_update_opens_the_form_prefilled_and_saves_only_what_changed(apollo):
    add(apollo, f"Vendor may slip p:2 i:3 owner:<@{BOB}|bob> due:2026-12-01 response:accept "
                "desc:Two teams on one API")
    assert click(apollo, card_message(apollo), RiskAction.UPDATE) is None
    view = opened_view(apollo)
    assert view["callback_id"] == RiskCallback.FORM
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[RiskBlock.TITLE]["element"]["initial_value"] == "Vendor may slip"
    assert blocks[RiskBlock.PROBABILITY]["element"]["initial_option"]["value"] == "2"
    assert blocks[RiskBlock.OWNER]["element"]["initial_user"] == BOB
    assert blocks[RiskBlock.DUE]["element"]["initial_date"] == "2026-12-01"
    assert blocks[RiskBlock.RESPONSE]["element"]["initial_option"]["value"] == "accept"
    assert RiskBlock.PROJECT not in blocks and RiskBlock.NOTE in blocks

    answer = submit(apollo, view, title="Vendor will slip", impact="5", note="Confirmed today")
    assert answer.errors is None  # accepted: the form closes, and the sender is told
    assert "*APOLLO-R1* updated: Title, Impact" in answer.confirmation
    stored = row(apollo)
    assert (stored.title, stored.impact, stored.score, stored.description) == (
        "Vendor will slip", 5, 10, "Two teams on one API")
    [entry] = audit_of(apollo, "risk.updated")
    assert entry.before == {"risk": "APOLLO-R1", "title": "Vendor may slip", "impact": 3,
                            "score": 6}


def test_a_past_due_date_the_risk_already_had_does_not_block_the_form(apollo):
    add(apollo, "Vendor may slip p:2 i:3 due:2026-11-25")
    apollo.clock.advance(days=5)  # the due date has passed
    click(apollo, card_message(apollo), RiskAction.UPDATE)
    assert submit(apollo, opened_view(apollo), impact="4").errors is None
    assert row(apollo).impact == 4


def test_form_errors_name_the_field_and_keep_the_form_open(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    click(apollo, card_message(apollo), RiskAction.UPDATE)
    view = opened_view(apollo)
    errors = submit(apollo, view, due_on="2026-11-01").errors
    assert "Response due 2026-11-01 is in the past" in errors[RiskBlock.DUE]
    errors = submit(apollo, view, status="closed").errors
    assert "Say why the risk is closed" in errors[RiskBlock.NOTE]
    errors = submit(apollo, view, title="   ").errors
    assert "A risk needs a title" in errors[RiskBlock.TITLE]
    assert "already has those values" in submit(apollo, view).errors[RiskBlock.TITLE]
    assert row(apollo).version == 1


def test_a_form_left_open_while_someone_else_changed_the_risk_is_refused(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    click(apollo, card_message(apollo), RiskAction.UPDATE)
    view = opened_view(apollo)
    risk(apollo, "update APOLLO-R1 p:5", user=ADMIN)
    errors = submit(apollo, view, title="Vendor will slip").errors
    assert "Someone changed APOLLO-R1 while this form was open" in errors[RiskBlock.TITLE]
    assert row(apollo).probability == 5 and row(apollo).title == "Vendor may slip"


def test_closing_the_form_via_status_records_the_note(apollo):
    add(apollo, "Vendor may slip p:2 i:3")
    click(apollo, card_message(apollo), RiskAction.UPDATE)
    submit(apollo, opened_view(apollo), status="occurred", note="API is late")
    assert row(apollo).status == "occurred"
    assert audit_of(apollo)[-1].action == "risk.closed"


# --- the Close form --------------------------------------------------------------------------


def test_close_asks_for_the_reason_and_the_outcome(apollo):
    add(apollo, f"Vendor may slip p:2 i:3 owner:<@{BOB}|bob>")
    assert click(apollo, card_message(apollo), RiskAction.CLOSE, user=BOB) is None
    view = opened_view(apollo)
    assert view["callback_id"] == RiskCallback.CLOSE_FORM
    errors = submit(apollo, view, user=BOB, note="").errors
    assert "Say why the risk is closed" in errors[RiskBlock.NOTE]
    answer = submit(apollo, view, user=BOB, note="It happened", outcome="occurred")
    assert "*APOLLO-R1* marked as occurred" in answer.confirmation
    stored = row(apollo)
    assert (stored.status, stored.closed_by, stored.last_note) == ("occurred", BOB,
                                                                   "It happened")
    assert _actions(card_message(apollo)) == []
    assert "was occurred by" not in "".join(r["body"]["text"] for r in apollo.slack.responses)


def test_a_second_close_form_for_the_same_risk_is_refused(apollo):
    add(apollo)
    click(apollo, card_message(apollo), RiskAction.CLOSE)
    first = opened_view(apollo)
    click(apollo, card_message(apollo), RiskAction.CLOSE, user=ADMIN)
    second = opened_view(apollo)
    submit(apollo, first, note="Done")
    errors = submit(apollo, second, user=ADMIN, note="Done too").errors
    assert f"was closed by <@{ALICE}>" in errors[RiskBlock.NOTE]
    assert len(audit_of(apollo, "risk.closed")) == 1


def test_a_form_with_damaged_metadata_is_refused_on_the_form(apollo):
    """A form whose private_metadata we did not write (or another form's) changes nothing."""
    add(apollo)
    click(apollo, card_message(apollo), RiskAction.UPDATE)
    update = opened_view(apollo)
    click(apollo, card_message(apollo), RiskAction.CLOSE)
    close = opened_view(apollo)
    for metadata in ("x", '{"g": 1}', '{"r": 1}'):
        errors = submit(apollo, {**update, "private_metadata": metadata}, title="New").errors
        assert "This form is out of date" in errors[RiskBlock.TITLE]
    for metadata in ("", '{"r": true, "c": "C1"}', '{"k": "APOLLO", "ph": "planning"}'):
        errors = submit(apollo, {**close, "private_metadata": metadata}, note="Done").errors
        assert "This form is out of date" in errors[RiskBlock.NOTE]
    assert row(apollo).status == "open" and len(audit_of(apollo)) == 1


# --- the Add form ----------------------------------------------------------------------------


def test_risk_with_no_text_opens_the_form_and_a_new_risk_is_saved(apollo):
    view = form(apollo, "")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert "initial_option" not in blocks[RiskBlock.PROJECT]["element"]
    assert blocks[RiskBlock.OWNER]["element"]["initial_user"] == ALICE
    assert blocks[RiskBlock.REVIEW]["element"]["initial_date"] == "2026-12-07"
    assert [o["value"] for o in blocks[RiskBlock.STATUS]["element"]["options"]] == [
        "open", "mitigating"]

    errors = submit(apollo, view, project=None, title="Vendor may slip").errors
    assert "Which project?" in errors[RiskBlock.PROJECT]
    errors = submit(apollo, view, project="APOLLO", title="Vendor may slip").errors
    assert "Rate the risk's probability" in errors[RiskBlock.PROBABILITY]
    assert count(apollo) == 0

    answer = submit(apollo, view, project="APOLLO", title="Vendor may slip", probability="4",
                    impact="4", owner_id=BOB, due_on="2026-12-01", response="mitigate",
                    description="Line one\nline <two>")
    assert "Risk *APOLLO-R1* recorded" in answer.confirmation
    stored = row(apollo)
    assert (stored.owner_id, stored.score, stored.response) == (BOB, 16, "mitigate")
    assert stored.description == "Line one\nline <two>"  # typed in a form: kept as typed
    assert "line &lt;two&gt;" in json.dumps(card_message(apollo)["blocks"])
    assert apollo.slack.wait_for("chat.postMessage", channel=BOB)


def test_risk_add_key_preselects_the_project(apollo):
    blocks = {b.get("block_id"): b for b in form(apollo, "add apollo")["blocks"]}
    assert blocks[RiskBlock.PROJECT]["element"]["initial_option"]["value"] == "APOLLO"
    assert "There is no project *ZEUS*" in risk(apollo, "add ZEUS")


def test_with_more_projects_than_a_select_holds_the_form_asks_for_the_key(apollo):
    with apollo.ctx.db.write() as session:
        for n in range(101):
            session.add(Project(key=f"P{n:03d}", name=f"Project {n}", pm_id=ALICE,
                                channel_id=APOLLO_CHANNEL, created_by=ADMIN,
                                created_at=apollo.clock()))
    view = form(apollo)
    project = next(b for b in view["blocks"] if b.get("block_id") == RiskBlock.PROJECT)
    assert project["element"]["type"] == "plain_text_input"
    answer = submit(apollo, view, project="nope!", title="Slip", probability="1", impact="1")
    assert "is not a valid project KEY" in answer.errors[RiskBlock.PROJECT]
    answer = submit(apollo, view, project="p007", title="Slip", probability="1", impact="1")
    assert "*P007-R1*" in answer.confirmation


def test_the_form_confirmation_falls_back_to_a_dm(apollo):
    add(apollo)
    view = form(apollo, "update APOLLO-R1", channel="CPRIVATE9")
    apollo.slack.set_not_in_channel("CPRIVATE9")
    answer = submit(apollo, view, impact="1")
    assert "*APOLLO-R1* updated: Impact" in answer.confirmation
    [dm] = apollo.slack.wait_for("chat.postMessage", channel=ALICE)
    assert dm.args["text"] == answer.confirmation


def test_every_risk_view_is_within_slacks_limits(apollo):
    add(apollo, f"{'T' * 150} p:5 i:5 desc:{'d' * 2000} trigger:{'t' * 500}")
    risk(apollo, f"update APOLLO-R1 note:{'n' * 1000}")
    click(apollo, card_message(apollo), RiskAction.UPDATE)
    click(apollo, card_message(apollo), RiskAction.CLOSE)
    for command, text in (("/risk", "show APOLLO-R1"), ("/risk", "list APOLLO"),
                          ("/pmo", "risks")):
        answer = apollo.command(command, text).json  # an ack goes to Slack, not the stand-in
        assert message_problems(answer["blocks"], answer["text"]) == [], text
    assert [e for e in apollo.slack.timeline() if e["kind"] == "rejected"] == []
    assert all(call.ok for call in apollo.slack.calls())
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(Risk.next_review_on)) == date(2026, 12, 7)


def test_the_forms_fit_slacks_limits_in_both_languages(apollo, database_url, slack):
    add(apollo, f"{'T' * 150} p:5 i:5 desc:{'d' * 2000}")
    rules = rules_with()
    zh = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        for bot in (apollo, zh):
            with bot.ctx.db.read() as session:
                stored = session.scalar(select(Risk))
                views = [messages.form_view(bot.ctx, channel=APOLLO_CHANNEL),
                         messages.form_view(bot.ctx, channel=APOLLO_CHANNEL, risk=stored),
                         messages.close_view(bot.ctx, stored, channel=APOLLO_CHANNEL)]
            for view in views:
                assert view_problems(view) == [], view["title"]
    finally:
        zh.ctx.db.dispose()


def test_text_typed_in_the_form_cannot_ping_a_channel(apollo):
    view = form(apollo)
    submit(apollo, view, project="APOLLO", title="<!channel> & <@UBOB001> slip", probability="2",
           impact="2", trigger="<!here>")
    card = card_message(apollo)
    assert card["text"].endswith("&lt;!channel&gt; &amp; &lt;@UBOB001&gt; slip")
    assert "<!here>" not in json.dumps(card["blocks"]) and "<!channel>" not in card["text"]
