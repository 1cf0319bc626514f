"""Owners, PMs, approvers and channels are checked with Slack after the ack (services/directory.py):
a bot, a deactivated account, an unknown id or a channel the bot cannot post in is refused with
the fix and nothing is saved; the answers are cached; a Slack outage saves as typed and says so."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.standin.directory import BOT_USER_ID
from storage.projects import Project
from storage.reminders import UserZone
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, GENERAL
from tests.support.risks import add, count, risk, row

GONE, ROBOT, SECRET, NEWCOMER = "UGONE01", "UROBOT1", "CSECRET1", "UDAVE01"


@pytest.fixture
def workspace(slack):
    """A deactivated person, a bot user, and a channel the bot has not been invited to."""
    slack.directory.add_user(GONE, "gone", deleted=True)
    slack.directory.add_user(ROBOT, "robot", is_bot=True)
    slack.directory.add_channel(SECRET, "secret", is_member=False)
    yield slack
    slack.directory._users.pop(GONE, None)
    slack.directory._users.pop(ROBOT, None)
    slack.directory._users.pop(NEWCOMER, None)
    slack.directory._channels.pop(SECRET, None)


def project_add(bot, text: str) -> str:
    before = len(bot.slack.responses)
    response = bot.command("/pmo", f"project add {text}", user=ADMIN)
    assert response.status == 200
    return response.text if response.body else bot.slack.wait_for_response(before + 1)[-1][
        "body"]["text"]


def projects(bot) -> list[str]:
    with bot.ctx.db.read() as session:
        return list(session.scalars(select(Project.key)))


@pytest.mark.parametrize(("owner", "says"), [
    (BOT_USER_ID, "is a bot, not a person"),
    (ROBOT, "is a bot, not a person"),
    (GONE, "account is deactivated"),
    ("UNOSUCH", "Slack doesn't know <@UNOSUCH>"),
])
def test_a_risk_owner_who_is_not_an_active_person_is_refused_with_the_fix(apollo, workspace,
                                                                        owner, says):
    reply = risk(apollo, f"add APOLLO Vendor may slip p:4 i:5 owner:<@{owner}|x>")
    assert says in reply and "Nothing was saved" in reply and "`@name`" in reply, reply
    assert "a risk's owner" in reply
    assert count(apollo) == 0
    posted = {call.args["channel"] for call in apollo.slack.calls("chat.postMessage")}
    assert not posted & {APOLLO_CHANNEL, owner}  # no card, and no DM to the would-be owner

    add(apollo, f"Vendor may slip p:4 i:5 owner:<@{BOB}|bob>")
    reply = risk(apollo, f"update APOLLO-R1 p:2 owner:<@{owner}|x>")
    assert says in reply and "Nothing was saved" in reply, reply
    stored = row(apollo)
    assert (stored.owner_id, stored.probability) == (BOB, 4)


def test_a_pm_or_channel_slack_does_not_know_is_refused_and_no_project_is_stored(apollo,
                                                                                workspace):
    reply = project_add(apollo, "GHOST Ghost pm:<@UNOSUCH|ghost>")
    assert "Slack doesn't know <@UNOSUCH>" in reply and "a project's PM" in reply, reply
    reply = project_add(apollo, f"GHOST Ghost pm:<@{CAROL}|carol> channel:<#CNOSUCH|ghost>")
    assert "I can't find the channel <#CNOSUCH>" in reply and "Nothing was saved" in reply
    reply = project_add(apollo, f"GHOST Ghost pm:<@{CAROL}|carol> channel:<#{SECRET}|secret>")
    assert f"I'm not a member of <#{SECRET}>" in reply and "/invite @PMO Bot" in reply, reply
    apollo.slack.set_channel_archived(SECRET)
    reply = project_add(apollo, f"GHOST Ghost pm:<@{CAROL}|carol> channel:<#{SECRET}|secret>")
    assert f"<#{SECRET}> is archived" in reply, reply
    assert projects(apollo) == ["APOLLO"]

    apollo.slack.set_channel_archived(SECRET, False)
    workspace.directory.add_channel(SECRET, "secret", is_member=True)  # the bot was invited
    reply = project_add(apollo, f"GHOST Ghost pm:<@{CAROL}|carol> channel:<#{SECRET}|secret>")
    assert "GHOST" in reply and "Slack didn't answer" not in reply, reply
    assert projects(apollo) == ["APOLLO", "GHOST"]


def test_gate_approvers_are_people(apollo, workspace):
    before = len(apollo.slack.responses)
    apollo.command("/pmo", f"project APOLLO approvers planning <@{BOB}|bob> <@{GONE}|gone>",
                   user=ADMIN)
    reply = apollo.slack.wait_for_response(before + 1)[-1]["body"]["text"]
    assert f"<@{GONE}>'s Slack account is deactivated" in reply and "a gate approver" in reply
    apollo.command("/pmo", "gates", user=ADMIN)  # the rules file's approvers still apply
    with apollo.ctx.db.read() as session:
        from storage.gates import GateApprovers
        assert session.scalar(select(GateApprovers)) is None


def test_answers_are_cached_and_shared_with_the_time_zones(apollo, workspace):
    # Everyone the start-up sync read (users.list) is known already: bob is never asked about.
    add(apollo, f"Zeroth p:4 i:5 owner:<@{BOB}|bob>")
    assert apollo.slack.calls("users.info") == []
    # dave joined after it: asked once, then taken from the cache.
    workspace.directory.add_user(NEWCOMER, "dave", real_name="Dave", tz="Europe/Berlin")
    add(apollo, f"First p:4 i:5 owner:<@{NEWCOMER}|dave>")
    add(apollo, f"Second p:4 i:5 owner:<@{NEWCOMER}|dave>")
    project_add(apollo, f"ZEUS Zeus pm:<@{NEWCOMER}|dave> channel:<#{GENERAL}|general>")
    project_add(apollo, f"HERA Hera pm:<@{NEWCOMER}|dave> channel:<#{GENERAL}|general>")
    assert [c.args["user"] for c in apollo.slack.calls("users.info")] == [NEWCOMER]
    assert len(apollo.slack.calls("conversations.info")) == 1
    with apollo.ctx.db.read() as session:
        cached = session.get(UserZone, NEWCOMER)
        assert (cached.standing, cached.tz, cached.name) == ("person", "Europe/Berlin", "Dave")

    # A refusal is never taken from the cache: Slack is asked again each time.
    for _ in range(2):
        risk(apollo, f"add APOLLO Third p:4 i:5 owner:<@{ROBOT}|robot>")
    assert [c.args["user"] for c in apollo.slack.calls("users.info")] == [NEWCOMER, ROBOT,
                                                                          ROBOT]


def test_when_slack_does_not_answer_the_command_is_saved_and_the_reply_says_so(apollo,
                                                                             workspace):
    # (Answers with status 200: the client's own retries of a 5xx would only make it slower.)
    workspace.directory.add_user(NEWCOMER, "dave")  # joined after the start-up sync
    apollo.slack.fail_next("users.info", "fatal_error", times=10)
    apollo.slack.fail_next("conversations.info", "missing_scope", times=10)
    reply = project_add(apollo, f"ZEUS Zeus pm:<@{NEWCOMER}|dave> channel:<#{SECRET}|secret>")
    assert "ZEUS" in reply and "Slack didn't answer when I checked" in reply, reply
    assert f"<@{NEWCOMER}> and <#{SECRET}>" in reply and "If that's wrong, change it" in reply
    assert projects(apollo) == ["APOLLO", "ZEUS"]


def test_the_caller_as_default_owner_is_not_looked_up(apollo):
    add(apollo)
    assert row(apollo).owner_id == ALICE
    assert not apollo.slack.calls("users.info")
