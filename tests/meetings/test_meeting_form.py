"""Meeting minutes (issue 12, item 4): `/pmo meeting KEY` opens one form; its submission records
every decision and action in one transaction, posts the minutes once in the project channel,
DMs each action owner once, and audits `meeting.recorded`. Bad rows keep the form open and
record nothing; a double submit records once. Both databases, en and zh."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from pmo_rules.meetings import split_notes
from storage import audit
from storage.actions import Action
from storage.decisions import Decision
from storage.projects import project_by_key
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, make_bot, rules_with
from tests.support.gates import add_apollo, wait_until

V = "value"


@pytest.fixture
def pmo(database_url, slack):
    """APOLLO (PM alice, #apollo); Monday 2026-11-23 in Shanghai."""
    bot = make_bot(database_url, slack, rules_with())
    add_apollo(bot)
    yield bot
    bot.close()


def open_meeting(bot, user=ALICE, text="meeting APOLLO") -> dict:
    before = len(bot.slack.calls("views.open"))
    response = bot.command("/pmo", text, user=user)
    assert not response.text, response.text
    return bot.slack.wait_for("views.open", count=before + 1)[-1].response["view"]


def answers(title="Weekly cut-over review", day="2026-11-23", attendees=(ALICE, BOB),
            notes=None, decisions=(), actions=()) -> dict:
    """The form's state as Slack submits it; `decisions` = [(text, by)], `actions` =
    [(text, owner, due)] filling the first rows, the rest left empty."""
    state = {
        "title": {V: {"type": "plain_text_input", "value": title}},
        "date": {V: {"type": "datepicker", "selected_date": day}},
        "attendees": {V: {"type": "multi_users_select", "selected_users": list(attendees)}},
        "notes": {V: {"type": "plain_text_input", "value": notes}},
    }
    for n in range(1, 5):
        text, by = decisions[n - 1] if n <= len(decisions) else (None, None)
        state[f"d{n}_text"] = {V: {"type": "plain_text_input", "value": text}}
        state[f"d{n}_by"] = {V: {"type": "users_select", "selected_user": by}}
    for n in range(1, 9):
        text, owner, due = actions[n - 1] if n <= len(actions) else (None, None, None)
        state[f"a{n}_text"] = {V: {"type": "plain_text_input", "value": text}}
        state[f"a{n}_owner"] = {V: {"type": "users_select", "selected_user": owner}}
        state[f"a{n}_due"] = {V: {"type": "datepicker", "selected_date": due}}
    return state


def recorded(bot) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    with bot.ctx.db.read() as session:
        return ([(d.number, d.title) for d in session.query(Decision).order_by(Decision.id)],
                [(a.number, a.title, a.owner_id)
                 for a in session.query(Action).order_by(Action.id)])


FULL = dict(
    notes="Storage array is back.\n\nVendor B confirmed the delivery date.",
    decisions=[("Go with vendor B for the SAN", BOB), ("Freeze changes from 2026-12-10", None)],
    actions=[("Send the cut-over runbook to the CAB", CAROL, "2026-12-04"),
             ("Book the DC2 cage", BOB, "2026-11-30"),
             ("Order fibre patch leads", CAROL, "2026-11-23")])


def test_the_form_opens_with_title_date_attendees_notes_and_fixed_rows(pmo):
    view = open_meeting(pmo)
    assert view["callback_id"] == "meeting_form"
    assert view["title"]["text"] == "Meeting minutes"
    ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
    assert ids[:4] == ["title", "date", "attendees", "notes"]
    assert ids[4:12] == [f"d{n}_{p}" for n in range(1, 5) for p in ("text", "by")]
    assert ids[12:] == [f"a{n}_{p}" for n in range(1, 9) for p in ("text", "owner", "due")]
    assert len(view["blocks"]) <= 100
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["date"]["initial_date"] == "2026-11-23"
    assert inputs["attendees"]["type"] == "multi_users_select"
    assert inputs["notes"]["multiline"] is True
    assert inputs["a8_due"]["type"] == "datepicker"
    assert "`/pmo meeting APOLLO` — the meeting minutes form" in pmo.command("/pmo", "help").text
    # `/pmo meeting` alone says how
    assert pmo.command("/pmo", "meeting", user=ALICE).text.startswith(
        "Which project was the meeting about? Give its key: `/pmo meeting APOLLO`.")


def test_a_full_submit_records_everything_posts_once_and_dms_each_owner_once(pmo):
    view = open_meeting(pmo)
    result = pmo.driver.view_submission(user=ALICE, view=view, values=answers(**FULL))
    assert result.status == 200 and not result.json, result.json
    [told] = pmo.slack.wait_for("chat.postEphemeral", channel=APOLLO_CHANNEL)
    assert told.args["text"] == (
        ":white_check_mark: Minutes of *APOLLO* recorded: 2 decisions (APOLLO-D1, APOLLO-D2), "
        "3 actions (APOLLO-A1, APOLLO-A2, APOLLO-A3); posted in <#CAPOLLO1>, and I've told 2 "
        "owners.")
    assert recorded(pmo) == (
        [(1, "Go with vendor B for the SAN"), (2, "Freeze changes from 2026-12-10")],
        [(1, "Send the cut-over runbook to the CAB", CAROL), (2, "Book the DC2 cage", BOB),
         (3, "Order fibre patch leads", CAROL)])
    wait_until(lambda: pmo.slack.messages(APOLLO_CHANNEL) and pmo.slack.messages(CAROL)
               and pmo.slack.messages(BOB))
    [minutes] = pmo.slack.messages(APOLLO_CHANNEL)
    assert minutes["text"] == "Minutes of APOLLO: Weekly cut-over review (2026-11-23)"
    body = "\n".join(b["text"]["text"] for b in minutes["blocks"] if b["type"] == "section")
    assert minutes["blocks"][0]["text"]["text"] == "Minutes · APOLLO · Weekly cut-over review"
    assert f"*Attendees:* <@{ALICE}>, <@{BOB}>" in body
    assert "Vendor B confirmed the delivery date." in body
    assert f"• *APOLLO-D1* Go with vendor B for the SAN · decided by <@{BOB}>" in body
    assert f"• *APOLLO-D2* Freeze changes from 2026-12-10 · decided by <@{ALICE}>" in body
    assert (f"• *APOLLO-A1* Send the cut-over runbook to the CAB · <@{CAROL}> · due "
            "2026-12-04") in body
    assert f"• *APOLLO-A2* Book the DC2 cage · <@{BOB}> · due 2026-11-30" in body
    [dm] = pmo.slack.messages(CAROL)
    assert dm["text"].splitlines() == [
        f":bell: <@{ALICE}> recorded the minutes of *APOLLO* “Weekly cut-over review” "
        "(2026-11-23); your actions:",
        "• *APOLLO-A1* Send the cut-over runbook to the CAB, due 2026-12-04",
        "• *APOLLO-A3* Order fibre patch leads, due 2026-11-23",
        "`/action done APOLLO-A1` when one is done."]
    assert len(pmo.slack.messages(BOB)) == 1
    assert pmo.slack.messages(ALICE) == []
    with pmo.ctx.db.read() as session:
        [entry] = [e for e in audit.entries_for(session, "project", "APOLLO")
                   if e.action == "meeting.recorded"]
        assert entry.actor_id == ALICE
        assert entry.after["decisions"] == ["APOLLO-D1", "APOLLO-D2"]
        assert entry.after["actions"] == ["APOLLO-A1", "APOLLO-A2", "APOLLO-A3"]


@pytest.mark.parametrize(("rows", "field", "message"), [
    (dict(title=" "), "title", "Give the meeting a title."),
    (dict(actions=[("Book the DC2 cage", None, "2026-11-30")]), "a1_owner",
     "Who owns this action? Choose its owner."),
    (dict(actions=[("Ok", BOB, "2026-11-30"), ("Book the DC2 cage", BOB, None)]), "a2_due",
     "When is this action due? Pick a date."),
    (dict(actions=[("Book the DC2 cage", BOB, "2026-11-20")]), "a1_due",
     "2026-11-20 is before today (2026-11-23): an action is due today or later."),
    (dict(actions=[(None, BOB, None)]), "a1_text",
     "Say what this line is (or clear its person and date): a line without text is not "
     "recorded."),
    (dict(decisions=[(None, BOB)]), "d1_text",
     "Say what this line is (or clear its person and date): a line without text is not "
     "recorded."),
])
def test_bad_rows_keep_the_form_open_at_their_field_and_record_nothing(pmo, rows, field,
                                                                       message):
    view = open_meeting(pmo)
    result = pmo.driver.view_submission(user=ALICE, view=view, values=answers(**{
        "decisions": [("Go with vendor B", BOB)], **rows}))
    assert result.json == {"response_action": "errors", "errors": {field: message}}
    assert recorded(pmo) == ([], [])
    assert pmo.slack.calls("chat.postMessage") == []


def test_empty_rows_are_ignored_and_a_title_is_enough(pmo):
    view = open_meeting(pmo)
    result = pmo.driver.view_submission(user=ALICE, view=view,
                                        values=answers(attendees=(), day=None))
    assert not result.json
    [told] = pmo.slack.wait_for("chat.postEphemeral", channel=APOLLO_CHANNEL)
    assert told.args["text"].startswith(
        ":white_check_mark: Minutes of *APOLLO* recorded: 0 decisions, 0 actions; posted")
    wait_until(lambda: pmo.slack.messages(APOLLO_CHANNEL))
    [minutes] = pmo.slack.messages(APOLLO_CHANNEL)
    assert "*Attendees:* not given" in str(minutes["blocks"])


def test_unknown_and_ended_projects_are_refused(pmo):
    assert pmo.command("/pmo", "meeting NOPE", user=ALICE).text.startswith(
        "There is no project *NOPE*")
    view = open_meeting(pmo)
    with pmo.ctx.db.write() as session:
        project_by_key(session, "APOLLO").state = "cancelled"
    assert pmo.command("/pmo", "meeting APOLLO", user=ALICE).text == (
        "*APOLLO* is cancelled: it takes no more meeting minutes. Nothing was recorded.")
    # a form opened before the project ended: refused after the ack, nothing recorded
    pmo.driver.view_submission(user=ALICE, view=view, values=answers(**FULL))
    [told] = pmo.slack.wait_for("chat.postEphemeral", channel=APOLLO_CHANNEL)
    assert told.args["text"] == (
        "*APOLLO* is cancelled: it takes no more meeting minutes. Nothing was recorded.")
    assert recorded(pmo) == ([], [])
    assert pmo.slack.calls("views.open")[-1:] and len(pmo.slack.calls("views.open")) == 1


def test_a_double_submit_records_once(pmo):
    view = open_meeting(pmo)
    for _ in range(2):
        result = pmo.driver.view_submission(user=ALICE, view=view, values=answers(**FULL))
        assert result.status == 200 and not result.json
    pmo.slack.wait_for("chat.postEphemeral", channel=APOLLO_CHANNEL)
    wait_until(lambda: pmo.slack.messages(APOLLO_CHANNEL))
    assert len(recorded(pmo)[1]) == 3
    assert len(pmo.slack.messages(APOLLO_CHANNEL)) == 1
    # the next meeting numbers on
    view = open_meeting(pmo)
    pmo.driver.view_submission(user=ADMIN, view=view, values=answers(
        actions=[("Sign the SOW", ADMIN, "2026-12-01")]))
    wait_until(lambda: len(recorded(pmo)[1]) == 4)
    assert recorded(pmo)[1][-1] == (4, "Sign the SOW", ADMIN)


def test_long_notes_are_split_into_sections_of_the_minutes(pmo):
    notes = "\n\n".join(f"Item {n}: " + "word " * 120 for n in range(8))
    assert len(notes) > 3000
    assert all(len(piece) <= 2900 for piece in split_notes(notes))
    view = open_meeting(pmo)
    pmo.driver.view_submission(user=ALICE, view=view, values=answers(notes=notes[:3000]))
    wait_until(lambda: pmo.slack.messages(APOLLO_CHANNEL))
    [minutes] = pmo.slack.messages(APOLLO_CHANNEL)
    assert len(minutes["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in minutes["blocks"] if "text" in b)


def test_the_form_and_minutes_in_chinese(database_url, slack):
    rules = rules_with()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    try:
        add_apollo(bot)
        view = open_meeting(bot)
        assert view["title"]["text"] == "会议纪要"
        help_text = bot.command("/pmo", "help", user=ALICE).text
        assert "`/pmo meeting APOLLO` —— 会议纪要表单" in help_text and len(help_text) < 4000
        result = bot.driver.view_submission(user=ALICE, view=view, values=answers(
            actions=[("订购光纤跳线", None, "2026-11-30")]))
        assert result.json["errors"] == {"a1_owner": "此行动项由谁负责？请选择负责人。"}
        bot.driver.view_submission(user=ALICE, view=view, values=answers(
            title="每周割接评审", decisions=[("存储选用供应商 B", BOB)],
            actions=[("订购光纤跳线", CAROL, "2026-11-30")]))
        [told] = bot.slack.wait_for("chat.postEphemeral", channel=APOLLO_CHANNEL)
        assert told.args["text"] == (
            ":white_check_mark: 已记录 *APOLLO* 的会议纪要：1 项决策（APOLLO-D1），1 项行动项"
            f"（APOLLO-A1）；已发到 <#{APOLLO_CHANNEL}>，并已通知 1 位负责人。")
        wait_until(lambda: bot.slack.messages(CAROL))
        assert bot.slack.messages(CAROL)[0]["text"].startswith(
            f":bell: <@{ALICE}> 记录了 *APOLLO* 的会议纪要“每周割接评审”（2026-11-23）")
        assert bot.command("/pmo", "meeting", user=ALICE).text.startswith(
            "会议是关于哪个项目的？请给出项目代号：`/pmo meeting APOLLO`。")
    finally:
        bot.close()


def test_two_submits_of_one_form_at_the_same_moment_record_once(pmo):
    """Real threads: the inbox's unique request key (the view id) lets one of them in."""
    view = open_meeting(pmo)
    start = threading.Barrier(2)
    statuses = []

    def submit() -> None:
        start.wait()
        statuses.append(pmo.driver.view_submission(user=ALICE, view=view,
                                                   values=answers(**FULL)).status)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200]
    pmo.slack.wait_for("chat.postEphemeral", channel=APOLLO_CHANNEL)
    wait_until(lambda: pmo.slack.messages(APOLLO_CHANNEL))
    assert [n for n, *_ in recorded(pmo)[1]] == [1, 2, 3]
    assert len(pmo.slack.calls("chat.postEphemeral")) == 1


def test_an_owner_who_is_no_active_person_refuses_the_whole_meeting(pmo, slack):
    slack.directory.add_user("UGONE03", "gone", deleted=True)
    try:
        view = open_meeting(pmo)
        pmo.driver.view_submission(user=ALICE, view=view, values=answers(
            decisions=[("Go with vendor B", BOB)],
            actions=[("Send the runbook", CAROL, "2026-12-04"),
                     ("Book the cage", "UGONE03", "2026-12-04")]))
        [told] = pmo.slack.wait_for("chat.postEphemeral", channel=APOLLO_CHANNEL)
        assert told.args["text"].startswith(
            ":no_entry: <@UGONE03>'s Slack account is deactivated, so they can't be an "
            "action's owner. Nothing was saved."), told.args["text"]
        assert recorded(pmo) == ([], [])
        assert pmo.slack.messages(APOLLO_CHANNEL) == [] and pmo.slack.messages(CAROL) == []
    finally:
        slack.directory._users.pop("UGONE03", None)
