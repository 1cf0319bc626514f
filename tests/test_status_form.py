"""The status form: `/status` with no text opens it; submitting it posts like the one-liner."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.status_form import open_status_modal
from storage import projects as store
from storage.projects import StatusUpdate
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, GENERAL
from tests.support.modals import fill, initial, option_values


def count_updates(bot) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(StatusUpdate))


def open_form(bot, user=ALICE, channel=GENERAL, text=""):
    """Type the command, wait for the modal Slack shows the user, and return it."""
    opened = len(bot.slack.calls("views.open"))
    response = bot.command("/status", text, user=user, channel=channel)
    assert response.status == 200 and response.text == ""
    call = bot.slack.wait_for("views.open", count=opened + 1)[-1]
    assert call.ok, call.response
    return bot.slack.modal_stack(user)[-1]


def add_projects(bot, keys, pm=ALICE):
    with bot.ctx.db.write() as session:
        for key in keys:
            store.add_project(session, key=key, name=f"Project {key}", pm_id=pm,
                              channel_id=APOLLO_CHANNEL, actor=ADMIN, now=bot.clock())


def test_form_opens_with_the_callers_only_project_chosen(apollo):
    view = open_form(apollo)
    assert view["callback_id"] == "status_modal"
    assert option_values(view, "project") == ["APOLLO"]
    assert initial(view, "project") == "APOLLO"
    assert option_values(view, "overall") == ["green", "amber", "red"]
    assert option_values(view, "schedule") == ["none", "green", "amber", "red"]
    labels = str(view["blocks"])
    assert ":large_yellow_circle: Amber" in labels  # emoji and word in the options too


def test_submitting_posts_the_card_like_the_one_liner(apollo):
    view = open_form(apollo)
    values = fill(view, overall="amber", schedule="red", cost="none", percent_complete="40",
                  summary="Vendor API slipped", blockers="Waiting on vendor",
                  next_steps="Escalate to the vendor's CTO")
    response = apollo.driver.view_submission(user=ALICE, view=view, values=values)
    assert response.status == 200 and not response.body
    [card] = apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    shown = str(card.args["blocks"])
    assert ":large_yellow_circle: *Amber*" in shown and "*Schedule:* :red_circle: *Red*" in shown
    assert "40%" in shown and "Waiting on vendor" in shown and "Escalate" in shown
    [note] = apollo.slack.wait_for("chat.postEphemeral", channel=GENERAL, user=ALICE)
    assert "Status for *APOLLO* recorded" in note.args["text"]
    with apollo.ctx.db.read() as session:
        status = session.scalar(select(StatusUpdate))
        assert (status.overall, status.schedule, status.cost, status.percent_complete) == (
            "amber", "red", None, 40)
        assert status.card_delivery_id is not None


def test_invalid_input_comes_back_on_the_field(apollo):
    view = open_form(apollo)
    cases = [({"summary": "   "}, "summary", "Add a short summary"),
             ({"percent_complete": "140"}, "percent_complete", "whole number from 0 to 100"),
             ({"overall": None}, "overall", "Choose the overall RAG"),
             ({"blockers": "x" * 1001}, "blockers", "keep it to 1000")]
    for answers, field, expected in cases:
        values = fill(view, **{"overall": "green", "summary": "fine", **answers})
        response = apollo.driver.view_submission(user=ALICE, view=view, values=values)
        assert response.json["response_action"] == "errors"
        assert expected in response.json["errors"][field], answers
    assert count_updates(apollo) == 0
    assert apollo.slack.calls("chat.postMessage") == []


def test_someone_who_may_post_for_nothing_is_told_so_without_a_form(apollo):
    response = apollo.command("/status", "", user=BOB)
    assert "no project you can post a status for" in response.text
    assert apollo.slack.calls("views.open") == []


def test_a_forged_submission_is_refused_on_the_project_field(apollo):
    add_projects(apollo, ["ZEUS"], pm=BOB)
    view = open_form(apollo)
    values = fill(view, overall="green", summary="not mine")
    values["project"]["value"]["selected_option"] = {"value": "ZEUS", "text": {}}
    response = apollo.driver.view_submission(user=ALICE, view=view, values=values)
    assert "can't post a status for ZEUS" in response.json["errors"]["project"]
    assert count_updates(apollo) == 0


def test_stale_metadata_gets_a_clear_error(apollo):
    view = open_form(apollo)
    values = fill(view, overall="green", summary="fine")
    response = apollo.driver.view_submission(user=ALICE, view={**view, "private_metadata": "x"},
                                             values=values)
    assert "out of date" in response.json["errors"]["project"]
    assert count_updates(apollo) == 0


def test_admin_chooses_among_all_projects_and_more_than_100_need_a_key(apollo):
    add_projects(apollo, [f"P{i:03d}" for i in range(99)], pm=BOB)
    view = open_form(apollo, user=ADMIN)
    assert len(option_values(view, "project")) == 100 and initial(view, "project") is None
    add_projects(apollo, ["ZZ1"], pm=BOB)
    apollo.slack.close_modal(ADMIN)
    view = open_form(apollo, user=ADMIN)
    [project] = [b for b in view["blocks"] if b.get("block_id") == "project"]
    assert project["element"]["type"] == "plain_text_input"
    values = fill(view, project="nope1", overall="green", summary="fine")
    response = apollo.driver.view_submission(user=ADMIN, view=view, values=values)
    assert "There is no project NOPE1" in response.json["errors"]["project"]
    values = fill(view, project="zz1", overall="red", summary="Typed by key")
    assert apollo.driver.view_submission(user=ADMIN, view=view, values=values).status == 200
    apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    with apollo.ctx.db.read() as session:
        project = store.project_by_key(session, "ZZ1")
        assert store.latest_status(session, project.id).overall == "red"


def test_open_status_modal_prefills_from_the_latest_update(apollo):
    apollo.command("/status", "APOLLO amber Vendor slipped")
    apollo.reply()
    apollo.clock.advance(days=7)
    trigger = apollo.slack.new_trigger_id(ALICE)
    open_status_modal(apollo.ctx, apollo.ctx.client, trigger, ALICE, key="apollo",
                      prefill_from_latest=True)
    [view] = apollo.slack.modal_stack(ALICE)
    assert initial(view, "project") == "APOLLO" and initial(view, "overall") == "amber"
    assert initial(view, "summary") == "Vendor slipped"  # the last update, for the PM to edit


def test_open_status_modal_explains_a_refusal_in_a_notice(apollo):
    open_status_modal(apollo.ctx, apollo.ctx.client, apollo.slack.new_trigger_id(BOB), BOB,
                      key="APOLLO")
    [view] = apollo.slack.modal_stack(BOB)
    assert "can't post a status for *APOLLO*" in str(view["blocks"])
    open_status_modal(apollo.ctx, apollo.ctx.client, apollo.slack.new_trigger_id(BOB), BOB,
                      key="GHOST")
    [view] = apollo.slack.modal_stack(BOB)
    assert "There is no project *GHOST*" in str(view["blocks"])


def test_an_expired_trigger_is_reported_to_the_user(apollo):
    apollo.slack.fail_next("views.open", error="expired_trigger_id")
    apollo.command("/status", "")
    assert "didn't open the form (`expired_trigger_id`)" in apollo.reply()


def test_typed_markup_cannot_ping_the_channel(apollo):
    """A form's text arrives raw (not escaped like a slash command): `<!channel>` stays text."""
    view = open_form(apollo)
    values = fill(view, overall="green", summary="Heads up <!channel> <@UBOB001>")
    assert apollo.driver.view_submission(user=ALICE, view=view, values=values).status == 200
    [card] = apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    assert "<!channel>" not in card.args["text"] and "&lt;!channel&gt;" in card.args["text"]
    assert "<!channel>" not in str(card.args["blocks"])
