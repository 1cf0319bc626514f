"""Text limits count what Slack counts: & < > escaped, as every card shows user text.

Slack sends slash-command text escaped (`&amp;` `&lt;` `&gt;`); modal text arrives as typed.
Either way the card escapes it again, and Slack checks a block's limit on that escaped text.
"""

from __future__ import annotations

from sqlalchemy import func, select

from pmo_rules.text import slack_length
from storage.gates import GateRequest
from storage.projects import Project, StatusUpdate
from storage.risks import Risk
from templates.render import Renderer
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL
from tests.support.modals import fill
from tests.support.risks import risk
from tests.test_status_form import open_form

SLACK_RND = "R&amp;D -&gt; "  # `R&D -> ` as Slack sends it in a slash command


def count(bot, model) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_slack_length_counts_the_escaped_form():
    assert slack_length("R&D -> ") == len("R&amp;D -&gt; ")
    assert slack_length("<>&") == 13 and slack_length("中文") == 2


def test_a_summary_that_escapes_past_the_limit_is_refused_before_it_is_stored(apollo):
    response = apollo.command("/status", "APOLLO green " + SLACK_RND * 280)
    assert ("The summary is 3919 characters as Slack counts them (1959 as typed: Slack counts "
            "each `&amp;` as 5 characters") in response.text
    assert "at most 2000" in response.text
    assert count(apollo, StatusUpdate) == 0
    assert apollo.slack.calls("chat.postMessage") == []


def test_a_summary_within_the_escaped_limit_is_posted_and_slack_takes_the_card(apollo):
    apollo.command("/status", "APOLLO green " + "&amp;" * 400)  # 400 typed, 2000 escaped
    assert "recorded" in apollo.reply()
    [card] = apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    assert card.ok, card.response


def test_the_form_counts_escaped_blockers_on_the_field(apollo):
    view = open_form(apollo)
    values = fill(view, overall="green", summary="fine", blockers="<" * 300)
    response = apollo.driver.view_submission(user=ALICE, view=view, values=values)
    assert response.json["response_action"] == "errors"
    said = response.json["errors"]["blockers"]
    assert "1200 characters as Slack counts them (300 as typed" in said
    assert count(apollo, StatusUpdate) == 0


def test_a_project_name_reports_both_counts(bot):
    response = bot.command("/pmo", "project add LONGN " + "&amp;" * 100, user=ADMIN)
    assert "The project name is 500 characters as Slack counts them (100 as typed" in (
        response.text)
    assert count(bot, Project) == 0
    plain = bot.command("/pmo", "project add LONGN " + "x" * 101, user=ADMIN)
    assert "The project name is 101 characters; keep it to 100." in plain.text


def test_risk_title_and_gate_reason_count_escaped(apollo):
    title = risk(apollo, "add APOLLO " + "R&amp;D " * 40 + "p:3 i:3")
    assert "The title is 319 characters as Slack counts them (159 as typed" in title
    assert count(apollo, Risk) == 0
    reason = apollo.command("/gate", "decide APOLLO kill " + "&lt;" * 300, user=ADMIN)
    assert "The reason is 1200 characters as Slack counts them (300 as typed" in reason.text
    assert count(apollo, GateRequest) == 0


def test_zh_explains_the_count_in_chinese():
    said = Renderer("zh").t("risk.text_too_long", name="note", length=1200, typed=300,
                            limit=1000)
    assert said.startswith("备注有 1200 个字符（按 Slack 的算法：您输入了 300 个")
