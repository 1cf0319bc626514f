"""How the console draws Block Kit and mrkdwn, and escapes what people type: pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.console.escaping import escape_command_text
from bot.console.modal import KINDS
from bot.console.render import CLICKABLE, Names, draw_blocks, draw_message, emoji, mrkdwn
from bot.console.workspace import ALICE, APOLLO, BOB, sample_directory

NAMES = Names(sample_directory())


def lines(drawing) -> list[str]:
    return [line.plain for line in drawing.lines]


def test_mrkdwn_formatting_is_styled_and_markers_dropped():
    text = mrkdwn("*Overall:* :large_yellow_circle: _really_ ~not~ `code` done", NAMES)
    assert text.plain == "Overall: 🟡 really not code done"
    styles = {text.plain[span.start:span.end]: str(span.style) for span in text.spans}
    assert styles["Overall:"] == "bold"
    assert styles["really"] == "italic" and styles["not"] == "strike"


def test_mentions_channels_dates_and_links_read_as_people_would():
    source = (f"<@{ALICE}> and <@{BOB}|bobby> in <#{APOLLO}> and <#C999|elsewhere>, "
              "<!date^1763604000^{date_short_pretty}|2025-11-20 10:00>, <!here>, "
              "<https://example.com|the plan> and <https://x.org>")
    assert mrkdwn(source, NAMES).plain == (
        "@alice and @bobby in #apollo and #elsewhere, 2025-11-20 10:00, @here, "
        "the plan (https://example.com) and https://x.org")


def test_escaped_user_text_is_shown_literally():
    assert mrkdwn("Met &lt;vendor&gt; &amp; agreed *a*", NAMES).plain == "Met <vendor> & agreed a"
    assert mrkdwn("snake_case_name and 2*3*4", NAMES).plain == "snake_case_name and 2*3*4"


def test_emoji_uses_slack_names_and_leaves_unknown_codes():
    assert emoji(":white_check_mark: :large_green_circle: :no_such_emoji: 10:30:00") == (
        "✅ 🟢 :no_such_emoji: 10:30:00")


def test_card_with_header_fields_context_divider_and_buttons():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "APOLLO · Apollo"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Overall:* :red_circle: Red"},
         "fields": [{"type": "mrkdwn", "text": "*Schedule:* Amber"},
                    {"type": "mrkdwn", "text": "*Cost:* Green"},
                    {"type": "mrkdwn", "text": "*Scope is long:* Red"}]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"by <@{ALICE}>"},
                                         {"type": "plain_text", "text": "today"}]},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Approve"},
             "action_id": "a", "style": "primary"},
            {"type": "button", "text": {"type": "plain_text", "text": "Docs"}, "url": "https://x"},
            {"type": "datepicker", "action_id": "d", "initial_date": "2026-12-01"},
            {"type": "workflow_button", "text": {"type": "plain_text", "text": "Run"}}]},
    ]
    drawing = draw_blocks(blocks, NAMES, first=3)
    assert lines(drawing) == [
        "APOLLO · Apollo",
        "Overall: 🔴 Red",
        "Schedule: Amber       Cost: Green",
        "Scope is long: Red",
        "─" * 40,
        "by @alice  today",
        "[3 Approve] [4 Docs ↗] [5 2026-12-01 ▾] [workflow_button ▾]",
    ]
    assert [c.number for c in drawing.controls] == [3, 4, 5]
    assert drawing.controls[0].element["action_id"] == "a"


def test_section_accessory_and_unknown_blocks():
    blocks = [{"type": "section", "block_id": "b1", "text": {"type": "mrkdwn", "text": "Pick"},
               "accessory": {"type": "overflow", "action_id": "o", "options": []}},
              {"type": "image", "image_url": "https://x/y.png", "alt_text": "chart"},
              {"type": "video"}]
    drawing = draw_blocks(blocks, NAMES)
    assert lines(drawing) == ["Pick", "[1 ⋯]", "[image: chart]", "[video]"]
    assert drawing.controls[0].block_id == "b1"


def test_rich_text_lists_and_quotes():
    block = {"type": "rich_text", "elements": [
        {"type": "rich_text_section", "elements": [
            {"type": "text", "text": "Owner ", "style": {"bold": True}},
            {"type": "user", "user_id": ALICE}, {"type": "emoji", "name": "fire"}]},
        {"type": "rich_text_list", "style": "ordered", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
            {"type": "rich_text_section",
             "elements": [{"type": "channel", "channel_id": APOLLO}]}]},
        {"type": "rich_text_quote", "elements": [{"type": "link", "url": "https://x"}]}]}
    assert lines(draw_blocks([block], NAMES)) == ["Owner @alice🔥", "1. one", "2. #apollo",
                                                  "│ https://x"]


def test_message_without_blocks_shows_its_text_lines():
    drawing = draw_message({"text": "*Two*\nlines"}, NAMES)
    assert lines(drawing) == ["Two", "lines"]


def test_every_numbered_control_can_be_operated():
    assert set(KINDS) | {"button"} >= CLICKABLE


@pytest.mark.parametrize(("typed", "sent"), [
    ("APOLLO green Met @bob & #apollo <ok>",
     f"APOLLO green Met <@{BOB}|bob> &amp; <#{APOLLO}|apollo> &lt;ok&gt;"),
    ("pm:@alice channel:#apollo", f"pm:<@{ALICE}|alice> channel:<#{APOLLO}|apollo>"),
    ("mail bob@example.com about #42 and @nobody", "mail bob@example.com about #42 and @nobody"),
    ("@here look", "<!here> look"),
])
def test_command_text_is_escaped_as_slack_does(typed, sent):
    assert escape_command_text(typed, sample_directory()) == sent


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs"),
                                        exclude_characters="@#*_~`:")))
def test_escaped_plain_text_reads_back_exactly_as_typed(typed):
    escaped = escape_command_text(typed, sample_directory())
    assert "<" not in escaped and ">" not in escaped
    assert mrkdwn(escaped, NAMES).plain == typed


@given(st.text())
def test_any_text_escapes_to_markup_slack_could_send(typed):
    escaped = escape_command_text(typed, sample_directory())
    bare = escaped.replace("<!here>", "").replace("<!channel>", "").replace("<!everyone>", "")
    for mention in ("<@", "<#"):
        bare = bare.replace(mention, "")
    assert "<" not in bare
