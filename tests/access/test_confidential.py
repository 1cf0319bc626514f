"""Confidential projects and guests being named (issue 15): `/pmo project KEY confidential
on|off`, `confidential:yes` when adding, the offer under a project registered with a private
channel, the note when a guest is named PM, and a person Slack will not describe (fail closed)."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from bot.standin import SlackStandIn
from pmo_rules.ids import Action
from pmo_rules.pmo_commands import SetConfidential
from services import projects
from storage.audit import AuditEntry
from storage.projects import Project
from tests.support import (
    ADMIN,
    ALICE,
    APOLLO_CHANNEL,
    BOB,
    CAROL,
    GENERAL,
    make_bot,
    sample_directory,
)

GUEST, NEWCOMER = "UGUEST01", "UNEWBIE1"
PRIVATE = "CPRIVAT1"


@pytest.fixture(scope="module")
def workspace():
    directory = sample_directory()
    directory.add_user(GUEST, "gina", real_name="Gina Guest", guest="multi")
    directory.add_channel(PRIVATE, "falcon", is_private=True, members=[BOB])
    with SlackStandIn(directory) as server:
        yield server


@pytest.fixture
def office(database_url, workspace):
    workspace.reset()
    bot = make_bot(database_url, workspace)
    yield bot
    bot.close()


def _say(bot, command: str, text: str, user: str, channel: str = GENERAL) -> dict:
    """The answer as a message (text and blocks): the ack's, or the reply after it."""
    before = len(bot.slack.responses)
    return bot.seen(bot.command(command, text, user=user, channel=channel), before)


def _text(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def _add_apollo(bot) -> None:
    said = _say(bot, "/pmo", f"project add APOLLO Apollo pm:<@{ALICE}|alice> "
                             f"channel:<#{APOLLO_CHANNEL}|apollo>", ADMIN)
    assert "APOLLO" in said["text"], said


def _audit(bot, action: str) -> list[AuditEntry]:
    with bot.ctx.db.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_admin_makes_a_project_confidential_and_back_audited(office):
    _add_apollo(office)
    refused = _say(office, "/pmo", "project APOLLO confidential on", CAROL)
    assert "PMO admins" in refused["text"] or "admin" in refused["text"].lower()
    assert _audit(office, "project.confidential_set") == []

    on = _say(office, "/pmo", "project APOLLO confidential on", ADMIN)
    assert "is now confidential" in on["text"]
    again = _say(office, "/pmo", "project APOLLO confidential on", ADMIN)
    assert "already confidential" in again["text"]
    assert "APOLLO" not in _text(_say(office, "/pmo", "projects", CAROL))
    assert "APOLLO" in _text(_say(office, "/pmo", "projects", ALICE))  # its PM
    assert "There is no project *APOLLO*" in _say(office, "/pmo", "project APOLLO", CAROL)["text"]

    off = _say(office, "/pmo", "project APOLLO confidential off", ADMIN)
    assert "no longer confidential" in off["text"]
    assert "APOLLO" in _text(_say(office, "/pmo", "projects", CAROL))
    entries = _audit(office, "project.confidential_set")
    assert [(e.before, e.after) for e in entries] == [
        ({"confidential": False}, {"confidential": True}),
        ({"confidential": True}, {"confidential": False})]


def test_a_malformed_switch_is_refused_and_changes_nothing(office):
    _add_apollo(office)
    for typed in ("project APOLLO confidential maybe", "project APOLLO confidential",
                  "project add ZEUS Zeus confidential:perhaps"):
        said = _say(office, "/pmo", typed, ADMIN)
        assert "Nothing was changed" in said["text"], (typed, said)
    with office.ctx.db.read() as session:
        assert session.scalars(select(Project.key)).all() == ["APOLLO"]
    assert _audit(office, "project.confidential_set") == []


def test_a_project_registered_with_a_private_channel_offers_the_button(office):
    said = _say(office, "/pmo", f"project add FALCON Project Falcon pm:<@{BOB}|bob> "
                                f"channel:<#{PRIVATE}|falcon>", ADMIN)
    assert "private channel" in _text(said)
    button = said["blocks"][-1]["accessory"]
    assert button["action_id"] == Action.MAKE_CONFIDENTIAL

    def click(user: str) -> str:
        before = len(office.slack.responses)
        response = office.driver.block_action(user=user, action=button, channel=GENERAL,
                                              message={"ts": "1.0", "blocks": said["blocks"]})
        assert response.status == 200
        return office.slack.wait_for_response(before + 1)[-1]["body"]["text"]

    assert "admin" in click(CAROL).lower()
    with office.ctx.db.read() as session:
        assert session.scalar(select(Project.confidential)) is False
    assert "is now confidential" in click(ADMIN)
    with office.ctx.db.read() as session:
        assert session.scalar(select(Project.confidential)) is True
    assert "FALCON" not in _text(_say(office, "/pmo", "projects", CAROL))
    assert "FALCON" in _text(_say(office, "/pmo", "projects", BOB))  # PM, and in the channel


def test_a_public_channel_gets_no_offer_and_confidential_yes_needs_none(office):
    plain = _say(office, "/pmo", f"project add APOLLO Apollo channel:<#{APOLLO_CHANNEL}|a>",
                 ADMIN)
    assert "private channel" not in _text(plain)
    secret = _say(office, "/pmo", f"project add FALCON Falcon channel:<#{PRIVATE}|f> "
                                  "confidential:yes", ADMIN)
    assert "is now confidential" in _text(secret) and "private channel" not in _text(secret)


def test_naming_a_guest_as_pm_is_allowed_and_the_admin_is_told(office):
    said = _say(office, "/pmo", f"project add APOLLO Apollo pm:<@{GUEST}|gina> "
                                f"channel:<#{APOLLO_CHANNEL}|apollo>", ADMIN)
    assert f"<@{GUEST}> is a guest" in said["text"], said["text"]


def test_two_admins_racing_change_it_once(office):
    _add_apollo(office)
    barrier = threading.Barrier(4)
    answers: list[str] = []

    def turn_on() -> None:
        barrier.wait()
        answers.append(projects.set_confidential(office.ctx, ADMIN,
                                                 SetConfidential("APOLLO", True)))

    threads = [threading.Thread(target=turn_on) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum("is now confidential" in answer for answer in answers) == 1, answers
    assert len(_audit(office, "project.confidential_set")) == 1


def test_a_person_slack_will_not_describe_is_told_to_try_again_not_let_through(office):
    _add_apollo(office)
    office.slack.directory.add_user(NEWCOMER, "nell", real_name="Nell New")  # after the sync
    try:
        _slack_will_not_say(office)
    finally:
        office.slack.directory._users.pop(NEWCOMER, None)


def _slack_will_not_say(office) -> None:
    office.slack.fail_next("users.info", "ratelimited", times=1)
    before = len(office.slack.responses)
    response = office.command("/pmo", "projects", user=NEWCOMER, channel=GENERAL)
    assert response.status == 200 and not response.body  # acked at once: asked after the ack
    reply = office.slack.wait_for_response(before + 1)[-1]["body"]["text"]
    assert "couldn't check with Slack who you are" in reply and "APOLLO" not in reply
    again = _text(_say(office, "/pmo", "projects", NEWCOMER))  # Slack answers this time
    assert "APOLLO" in again


def test_the_syncs_follow_slacks_pages(office, monkeypatch):
    """users.list and conversations.members are read page by page (two per page here)."""
    from services import access
    from storage.access import ChannelMember
    from storage.reminders import UserZone

    monkeypatch.setattr(access, "PAGE", 2)
    stored = access.sync_people(office.ctx)
    assert stored == len([u for u in office.slack.directory.users()
                          if u["team_id"] == "T0PMO"]) > 2
    assert len(office.slack.calls("users.list")) >= 3
    assert access.sync_members(office.ctx, [PRIVATE]) == 1
    with office.ctx.db.read() as session:
        members = set(session.scalars(select(ChannelMember.user_id)
                                      .where(ChannelMember.channel_id == PRIVATE)))
        assert session.get(UserZone, GUEST).kind == "guest"
    assert BOB in members
