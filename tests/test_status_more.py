"""`/status` beyond the plain one-liner, driven as Slack drives it: history, unknown
sub-commands, dimension options and what a one-liner carries over, invisible and special text."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from storage import projects as store
from storage.projects import StatusUpdate
from tests.support import ALICE, APOLLO_CHANNEL, GENERAL
from tests.support.modals import fill


def status(bot, text: str) -> str:
    """`/status text`: the ack's text when it carries one (a refusal, help), else the reply
    posted to the response_url after the change."""
    before = len(bot.slack.responses)
    response = bot.command("/status", text)
    assert response.status == 200
    if response.body:
        return response.text
    return bot.slack.wait_for_response(before + 1)[-1]["body"]["text"]


def updates(bot) -> list[StatusUpdate]:
    with bot.ctx.db.read() as session:
        return list(session.scalars(select(StatusUpdate).order_by(StatusUpdate.id)))


def count(bot) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(StatusUpdate))


def cards(bot) -> list[dict]:
    return [m for m in bot.slack.messages(APOLLO_CHANNEL) if m["text"].startswith("APOLLO status")]


def history(bot, text: str, messages: int = 1) -> list[dict]:
    """`/status history …`: acked empty, then `messages` ephemeral messages."""
    before = len(bot.slack.responses)
    response = bot.command("/status", text)
    assert response.status == 200 and response.text == ""
    return [r["body"] for r in bot.slack.wait_for_response(before + messages)[before:]]


# --- /status history KEY [N] ------------------------------------------------------------------

def test_history_shows_the_last_updates_newest_first(apollo):
    for n in range(1, 13):
        assert "recorded" in status(apollo, f"APOLLO green Week {n} done")
        apollo.clock.advance(days=1)
    apollo.slack.reset()
    [message] = history(apollo, "history APOLLO")
    shown = json.dumps(message["blocks"], ensure_ascii=False)
    assert "last 10 updates" in shown
    assert shown.index("Week 12 done") < shown.index("Week 11 done") < shown.index("Week 3 done")
    assert "Week 2 done" not in shown and "Week 1 done" not in shown
    apollo.slack.reset()
    [message] = history(apollo, "history apollo 2")
    shown = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Week 12 done" in shown and "Week 11 done" in shown and "Week 10 done" not in shown


def test_a_long_history_is_paged_within_slack_limits(apollo):
    long = "x" * 290
    with apollo.ctx.db.write() as session:
        project = store.project_by_key(session, "APOLLO")
        for n in range(100):
            store.add_status(session, project=project, author=ALICE,
                             now=apollo.clock.advance(hours=1),
                             values={"overall": "amber", "summary": f"{n:03d} {long}"})
    messages = history(apollo, "history APOLLO 100", messages=5)
    assert all(len(json.dumps(m["blocks"])) < 13_000 for m in messages)
    shown = json.dumps([m["blocks"] for m in messages])
    assert all(f"{n:03d} x" in shown for n in range(100))  # all hundred, in five messages
    assert "part 5 of 5" in json.dumps(messages[-1]["blocks"])


def test_history_refusals_say_what_to_type(apollo):
    assert "whole number from 1 to 100" in status(apollo, "history APOLLO 0")
    assert "whole number from 1 to 100" in status(apollo, "history APOLLO many")
    assert "`/status history KEY`" in status(apollo, "history")
    messages = history(apollo, "history NOPE")
    assert "There is no project *NOPE*" in messages[0]["text"]


def test_history_of_a_project_without_updates(apollo):
    [message] = history(apollo, "history APOLLO")
    assert "has no status update yet" in message["text"]


# --- unknown sub-commands ---------------------------------------------------------------------

def test_an_unknown_sub_command_gets_no_such_command_and_the_help(apollo):
    reply = status(apollo, "histroy APOLLO")
    assert "`/status histroy` is no such command" in reply
    assert "`/status history APOLLO`" in reply  # the help follows
    assert "not a RAG colour" not in reply
    assert count(apollo) == 0


def test_a_lone_unknown_word_is_no_such_command_and_a_lone_lowercase_key_shows_it(apollo):
    assert "`/status list` is no such command" in status(apollo, "list")
    assert "has no status update yet" in status(apollo, "apollo")
    assert "There is no project *NOPE*" in status(apollo, "NOPE")


def test_a_lowercase_key_with_a_mistyped_colour_is_still_a_colour_error(apollo):
    reply = status(apollo, "apollo gren Vendor slipped")
    assert "`gren` is not a RAG colour" in reply and "no such command" not in reply
    assert count(apollo) == 0


# --- dimension options in the one-liner -------------------------------------------------------

def test_the_one_liner_sets_dimensions_and_percent_as_the_form_does(apollo):
    assert "recorded" in status(apollo, "APOLLO amber s:red c:green pct:40 Vendor API slipped x:y")
    [stored] = updates(apollo)
    assert (stored.overall, stored.schedule, stored.cost, stored.scope, stored.quality,
            stored.percent_complete) == ("amber", "red", "green", None, None, 40)
    assert stored.summary == "Vendor API slipped x:y"  # an unknown x:y stays text
    [card] = cards(apollo)
    shown = json.dumps(card["blocks"], ensure_ascii=False)
    assert "*Schedule:* :red_circle: *Red*" in shown and "*Cost:*" in shown and "40%" in shown


def test_an_option_after_the_summary_is_an_option_not_text(apollo):
    assert "recorded" in status(apollo, "APOLLO amber done s:red")
    [stored] = updates(apollo)
    assert (stored.summary, stored.schedule) == ("done", "red")


def test_a_dimension_name_ending_a_sentence_word_stays_text(apollo):
    assert "recorded" in status(apollo, "APOLLO amber Schedule: slipped two weeks; cost: flat")
    [stored] = updates(apollo)
    assert stored.summary == "Schedule: slipped two weeks; cost: flat"
    assert (stored.schedule, stored.cost) == (None, None)


def test_long_option_names_and_chinese_words(apollo):
    assert "recorded" in status(apollo, "APOLLO 黄 schedule：红 quality:g percent:55% 接口延期")
    [stored] = updates(apollo)
    assert (stored.schedule, stored.quality, stored.percent_complete, stored.summary) == (
        "red", "green", 55, "接口延期")


def test_bad_option_values_are_refused_and_nothing_is_stored(apollo):
    assert "`s:purple` is not a rating" in status(apollo, "APOLLO amber s:purple done")
    assert "0 to 100" in status(apollo, "APOLLO amber pct:140 done")
    assert "given twice" in status(apollo, "APOLLO amber s:red schedule:green done")
    assert "Add a short summary" in status(apollo, "APOLLO amber s:red")
    assert count(apollo) == 0


def test_a_one_liner_carries_the_earlier_ratings_and_the_card_says_so(apollo):
    status(apollo, "APOLLO amber s:red q:green pct:40 Vendor API slipped")
    assert "recorded" in status(apollo, "APOLLO green s:amber Vendor back on track")
    first, second = updates(apollo)
    assert (second.schedule, second.quality, second.percent_complete) == ("amber", "green", 40)
    assert second.carried == "quality,percent_complete"
    card = cards(apollo)[-1]
    shown = json.dumps(card["blocks"], ensure_ascii=False)
    assert "*Quality:* :large_green_circle: *Green*" in shown and "40%" in shown
    assert "Carried over from the previous update: quality, percent complete" in shown
    assert "Carried over" not in json.dumps(cards(apollo)[0]["blocks"])  # nothing to carry then

    assert "recorded" in status(apollo, "APOLLO green q:none Quality no longer rated")
    third = updates(apollo)[-1]
    assert (third.schedule, third.quality, third.percent_complete) == ("amber", None, 40)
    assert third.carried == "schedule,percent_complete"


# --- invisible and special text ----------------------------------------------------------------

def test_a_summary_of_invisible_characters_is_no_summary(apollo):
    for invisible in ("\u200b", "\u200b\u200d\ufeff", "\u2060 \u00ad", "\x07"):
        reply = status(apollo, f"APOLLO green {invisible}")
        assert "Add a short summary" in reply, repr(invisible)
    assert count(apollo) == 0


def test_an_invisible_summary_in_the_form_is_refused_on_the_field(apollo):
    apollo.command("/status", "", channel=GENERAL)
    apollo.slack.wait_for("views.open")
    view = apollo.slack.modal_stack(ALICE)[-1]
    values = fill(view, overall="green", summary="\u200b\ufeff")
    response = apollo.driver.view_submission(user=ALICE, view=view, values=values)
    answer = json.loads(response.body)
    assert answer["response_action"] == "errors" and "summary" in answer["errors"]
    assert count(apollo) == 0
    values = fill(view, overall="green", summary="Cut-over rehearsed", blockers="\u200b")
    assert apollo.driver.view_submission(user=ALICE, view=view, values=values).status == 200
    apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    [stored] = updates(apollo)
    assert stored.blockers is None  # an invisible optional text is no text


def test_slack_special_mentions_read_as_slack_shows_them_and_ping_nobody(apollo):
    status(apollo, "APOLLO green <!subteam^S123|@team> done, <!here> and <!channel|channel> told "
                   "on <!date^1700000000^{date_short}|Nov 14>")
    [stored] = updates(apollo)
    assert stored.summary == "@team done, @here and @channel told on Nov 14"
    [card] = cards(apollo)
    everything = json.dumps(card, ensure_ascii=False)
    assert "@@team" not in everything
    assert "<!" not in everything.replace("<!date^", "")  # only the bot's own dates remain

