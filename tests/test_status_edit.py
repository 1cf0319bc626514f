"""`/status edit KEY`: the author corrects their latest update; the posted card changes in place."""

from __future__ import annotations

from sqlalchemy import select

from storage.audit import AuditEntry
from storage.outbox import Delivery
from storage.projects import StatusUpdate
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB
from tests.support.modals import fill, initial


def post(bot, text="APOLLO amber Vendor API slipped two weeks", user=ALICE):
    """Post an update and wait until its card is in the channel and its author has the reply
    (the reply follows the card; a test that moves the clock first would expire its
    response_url)."""
    posted = len(bot.slack.calls("chat.postMessage"))
    answered = len(bot.slack.responses)
    bot.command("/status", text, user=user)
    bot.slack.wait_for("chat.postMessage", count=posted + 1, channel=APOLLO_CHANNEL)
    bot.slack.wait_for_response(answered + 1)


def open_edit(bot, user=ALICE, key="APOLLO"):
    response = bot.command("/status", f"edit {key}", user=user)
    assert response.status == 200 and response.text == ""
    call = bot.slack.wait_for("views.open")[-1]
    assert call.ok, call.response
    return bot.slack.modal_stack(user)[-1]


def submit(bot, view, user=ALICE, **answers):
    return bot.driver.view_submission(user=user, view=view, values=fill(view, **answers))


def stored_summary(bot) -> str:
    with bot.ctx.db.read() as session:
        return session.scalar(select(StatusUpdate.summary))


def test_author_corrects_the_update_and_the_card_is_updated_in_place(apollo):
    post(apollo)
    [card] = apollo.slack.messages(APOLLO_CHANNEL)
    view = open_edit(apollo)
    assert view["callback_id"] == "status_edit"
    assert "Correcting the latest update on *APOLLO*" in str(view["blocks"])
    assert initial(view, "summary") == "Vendor API slipped two weeks"
    assert initial(view, "overall") == "amber"
    apollo.clock.advance(hours=2)
    response = submit(apollo, view, overall="red", summary="Vendor API slipped four weeks")
    assert response.status == 200 and not response.body
    [update] = apollo.slack.wait_for("chat.update")
    assert update.args["ts"] == card["ts"]
    [shown] = apollo.slack.messages(APOLLO_CHANNEL)  # still one message: changed, not re-posted
    assert "four weeks" in str(shown["blocks"]) and ":red_circle: *Red*" in str(shown["blocks"])
    assert "edited" in str(shown["blocks"])
    assert len(apollo.slack.calls("chat.postMessage")) == 1
    [note] = apollo.slack.wait_for("chat.postEphemeral", user=ALICE)
    assert "is corrected" in note.args["text"]
    with apollo.ctx.db.read() as session:
        status = session.scalar(select(StatusUpdate))
        assert (status.overall, status.summary) == ("red", "Vendor API slipped four weeks")
        assert status.edited_at == apollo.clock()
        edit = session.scalar(select(AuditEntry).where(AuditEntry.action == "status.edited"))
        assert edit.before["summary"] == "Vendor API slipped two weeks"
        assert edit.after["summary"] == "Vendor API slipped four weeks"
        assert (edit.before["overall"], edit.after["overall"]) == ("amber", "red")


def test_only_the_author_may_edit(apollo):
    post(apollo)
    response = apollo.command("/status", "edit APOLLO", user=ADMIN)
    assert "Only the author of the latest update on *APOLLO*" in response.text
    assert apollo.slack.calls("views.open") == []


def test_the_edit_window_closes(apollo):
    post(apollo)
    apollo.clock.advance(hours=24, minutes=1)
    response = apollo.command("/status", "edit APOLLO")
    assert "older than 24 hours" in response.text
    assert apollo.slack.calls("views.open") == []


def test_edit_refusals_for_unknown_and_empty_projects(apollo):
    assert "has no status update yet" in apollo.command("/status", "edit APOLLO").text
    assert "There is no project *NOPE*" in apollo.command("/status", "edit NOPE").text
    assert "Usage:" in apollo.command("/status", "edit").text


def test_the_window_is_checked_again_at_submit(apollo):
    post(apollo)
    view = open_edit(apollo)
    apollo.clock.advance(hours=25)
    response = submit(apollo, view, summary="too late")
    assert "older than 24 hours" in response.json["errors"]["summary"]
    assert stored_summary(apollo) == "Vendor API slipped two weeks"


def test_a_form_overtaken_by_a_newer_update_is_refused(apollo):
    post(apollo)
    view = open_edit(apollo)
    post(apollo, "APOLLO green Vendor delivered")
    response = submit(apollo, view, summary="correction")
    assert "A newer update on APOLLO" in response.json["errors"]["summary"]


def test_a_forged_edit_form_changes_nothing(apollo):
    post(apollo)
    view = open_edit(apollo)
    for metadata in ("", '{"s": "1"}', '{"s": 999}'):
        response = apollo.driver.view_submission(
            user=ALICE, view={**view, "private_metadata": metadata},
            values=fill(view, summary="forged"))
        assert response.json["response_action"] == "errors", metadata
    response = submit(apollo, view, user=BOB, summary="forged")
    assert "Only the author" in response.json["errors"]["summary"]
    assert stored_summary(apollo) == "Vendor API slipped two weeks"


def test_editing_before_the_card_went_out_sends_only_the_new_version(apollo):
    apollo.slack.fail_next("chat.postMessage", error="internal_error")
    apollo.command("/status", "APOLLO amber First words")
    apollo.reply()
    view = open_edit(apollo)
    submit(apollo, view, summary="Better words")
    apollo.slack.wait_for("chat.postEphemeral", user=ALICE)
    apollo.clock.advance(minutes=5)
    assert [o.ok for o in apollo.ctx.sender.send_due()] == [True]
    [card] = apollo.slack.messages(APOLLO_CHANNEL)
    assert "Better words" in str(card["blocks"])
    assert apollo.slack.calls("chat.update") == []
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(Delivery.state)) == "sent"
