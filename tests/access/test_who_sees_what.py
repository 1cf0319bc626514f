"""Who sees what (issue 15): every read command × every kind of requester × a normal and a
confidential project, driven as Slack does, the answers read as people would see them.

The workspace: PMO admin pat; members alice (APOLLO's PM), bob (SECRET's PM, the only member
of its private channel) and carol (no role); a guest holding a role on APOLLO (a risk's owner)
and in its channel; a guest in APOLLO's channel with no role; a person of another organisation
(Slack Connect) owning one of APOLLO's actions and in its channel. SECRET is confidential.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.standin import SlackStandIn
from services import access
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

GUEST, GUEST_NO_ROLE, EXTERNAL = "UGUEST01", "UGUEST02", "UEXTERN1"
SECRET_CHANNEL = "CSECRET1"
OTHER_TEAM = "T0OTHER"

REFUSALS = {
    "outsider_portfolio": "not for views of the whole portfolio",
    "outsider_project": "isn't one of them",
    "unknown_project": "There is no project *SECRET*",
    "foreign": "belongs to another Slack workspace",
}


@pytest.fixture(scope="module")
def workspace():
    directory = sample_directory()
    directory.add_user(GUEST, "gina", real_name="Gina Guest", guest="multi")
    directory.add_user(GUEST_NO_ROLE, "gus", real_name="Gus Guest", guest="single")
    directory.add_user(EXTERNAL, "vera", real_name="Vera Vendor", team_id=OTHER_TEAM)
    directory.add_channel(SECRET_CHANNEL, "secret", is_private=True, members=[BOB])
    directory.set_members(APOLLO_CHANNEL, [ALICE, GUEST, GUEST_NO_ROLE, EXTERNAL])
    with SlackStandIn(directory) as server:
        yield server


@pytest.fixture
def office(database_url, workspace):
    workspace.reset()
    bot = make_bot(database_url, workspace)
    _answer(bot, "/pmo", f"project add APOLLO Apollo migration pm:<@{ALICE}|alice> "
                         f"channel:<#{APOLLO_CHANNEL}|apollo>", ADMIN, GENERAL)
    _answer(bot, "/pmo", f"project add SECRET Project Falcon merger pm:<@{BOB}|bob> "
                         f"channel:<#{SECRET_CHANNEL}|secret> confidential:yes", ADMIN, GENERAL)
    assert "recorded" in _answer(bot, "/risk", f"add APOLLO Vendor may slip p:4 i:5 "
                                                f"owner:<@{GUEST}|gina>", ALICE)
    assert "recorded" in _answer(bot, "/risk", "add SECRET Regulator says no p:5 i:5", BOB,
                                 SECRET_CHANNEL)
    assert "APOLLO-A1" in _answer(bot, "/action", f"add APOLLO Send the runbook "
                                                   f"owner:<@{EXTERNAL}|vera> due:2026-12-20",
                                  ALICE)
    assert "L-1" in _answer(bot, "/lesson", "add SECRET Keep the merger data room closed",
                            BOB, SECRET_CHANNEL)
    assert "L-2" in _answer(bot, "/lesson", "add APOLLO Freeze the migration runbook early",
                            ALICE)
    access.sync_members(bot.ctx)  # what the scheduler's access job does every minute
    yield bot
    bot.close()


def _answer(bot, command: str, text: str, user: str, channel: str = APOLLO_CHANNEL, *,
            team: str | None = None) -> str:
    """What the person sees: the ack's words, or the reply posted after it."""
    before = len(bot.slack.responses)
    if team is None:
        response = bot.command(command, text, user=user, channel=channel)
    else:
        response = bot.driver.post(_signed_form(bot, command, text, user, channel, team))
    seen = bot.seen(response, before)
    return seen.get("text", "") + str(seen.get("blocks", ""))


def _signed_form(bot, command, text, user, channel, team) -> bytes:
    from urllib.parse import urlencode
    return urlencode({"token": "legacy", "team_id": team, "team_domain": "elsewhere",
                      "channel_id": channel, "user_id": user, "command": command, "text": text,
                      "api_app_id": "A0PMO", "response_url": bot.slack.new_response_url(
                          channel=channel, user=user),
                      "trigger_id": bot.slack.new_trigger_id(user)}).encode()


PORTFOLIO_VIEWS = [("/pmo", "projects"), ("/pmo", "digest"), ("/pmo", "risks"),
                   ("/pmo", "gates"), ("/pmo", "portfolio"), ("/pmo", "rank"), ("/pmo", "people"),
                   ("/lesson", "search runbook merger"), ("/lesson", "list"),
                   ("/risk", f"list owner:<@{BOB}|bob>")]
PROJECT_VIEWS = [("/pmo", "project {key}"), ("/risk", "list {key}"), ("/risk", "show {key}-R1"),
                 ("/gate", "status {key}"), ("/status", "history {key}"),
                 ("/issue", "list {key}"), ("/pmo", "issue list {key}"),
                 ("/milestone", "list {key}"), ("/decision", "list {key}"),
                 ("/change", "list {key}"), ("/lesson", "list {key}")]

# requester → (portfolio views, APOLLO, SECRET): "ok", "ok-no-secret" or a refusal's name
MATRIX = {
    "admin": (ADMIN, "ok", "ok", "ok"),
    "member": (CAROL, "ok-no-secret", "ok", "unknown_project"),
    "member in the secret channel": (BOB, "ok", "ok", "ok"),
    "guest with a role": (GUEST, "outsider_portfolio", "ok", "outsider_project"),
    "guest without a role": (GUEST_NO_ROLE, "outsider_portfolio", "outsider_project",
                             "outsider_project"),
    "external with a role": (EXTERNAL, "outsider_portfolio", "ok", "outsider_project"),
}


def _check(seen: str, expected: str, where: str) -> None:
    if expected.startswith("ok"):
        for name, words in REFUSALS.items():
            assert words not in seen, f"{where}: refused ({name}): {seen[:300]}"
        if expected == "ok-no-secret":
            assert "SECRET" not in seen and "Falcon" not in seen and "merger data" not in seen, \
                f"{where}: shows the confidential project: {seen[:300]}"
    else:
        assert REFUSALS[expected] in seen, f"{where}: expected {expected}: {seen[:300]}"


@pytest.mark.parametrize("who", list(MATRIX))
def test_every_read_command_answers_each_kind_of_person_as_designed(office, who):
    user, portfolio, apollo, secret = MATRIX[who]
    for command, text in PORTFOLIO_VIEWS:
        _check(_answer(office, command, text, user), portfolio, f"{who} {command} {text}")
    for command, text in PROJECT_VIEWS:
        for key, expected in (("APOLLO", apollo), ("SECRET", secret)):
            typed = text.format(key=key)
            _check(_answer(office, command, typed, user), expected, f"{who} {command} {typed}")


def test_another_workspace_is_refused_before_anything_is_read(office):
    statements = _Statements(office)
    for command, text in PORTFOLIO_VIEWS + [(c, t.format(key="APOLLO")) for c, t in PROJECT_VIEWS]:
        with statements:
            seen = _answer(office, command, text, ADMIN, team="T0ELSEWHERE")
        assert REFUSALS["foreign"] in seen, (command, text, seen[:200])
        assert statements.count == 0, (command, text, statements.sql)


def test_a_refused_guest_reads_only_what_the_decision_needs(office):
    _answer(office, "/pmo", "projects", GUEST_NO_ROLE)  # the process remembers their kind
    statements = _Statements(office)
    with statements:
        seen = _answer(office, "/pmo", "projects", GUEST_NO_ROLE)
    assert REFUSALS["outsider_portfolio"] in seen
    assert statements.count == 0  # the kind is remembered by the process
    with statements:
        seen = _answer(office, "/risk", "show SECRET-R1", GUEST_NO_ROLE)
    assert REFUSALS["outsider_project"] in seen
    # the project, the person's roles on it and its channel, its gates' approvers
    assert statements.count <= 3, statements.sql


def test_the_portfolio_digest_counts_confidential_projects_without_naming_them(office):
    seen = _answer(office, "/pmo", "digest", ADMIN)
    assert "Confidential: 1 project" in seen
    assert "SECRET" not in seen and "Falcon" not in seen and "Regulator" not in seen
    assert "APOLLO" in seen


class _Statements:
    """The SQL statements the bot sends while a `with` block runs."""

    def __init__(self, bot) -> None:
        self.engine = bot.ctx.db.engine
        self.sql: list[str] = []

    @property
    def count(self) -> int:
        return len(self.sql)

    def _on_execute(self, _conn, _cursor, statement, *_args) -> None:
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.sql.append(statement)

    def __enter__(self):
        self.sql = []
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)


def test_people_counts_a_confidential_share_without_naming_its_project(office):
    seen = _answer(office, "/pmo", "people", CAROL)
    assert f"<@{BOB}>" in seen and "a confidential project" in seen and "SECRET" not in seen
    assert "SECRET" in _answer(office, "/pmo", "people", BOB)


def test_a_member_refused_a_confidential_project_costs_three_statements(office):
    _answer(office, "/pmo", "projects", CAROL)  # the process remembers her kind
    statements = _Statements(office)
    with statements:
        seen = _answer(office, "/risk", "show SECRET-R1", CAROL)
    assert REFUSALS["unknown_project"] in seen
    # is it confidential (one look-up), her roles on it and its channel, its gates' approvers
    assert statements.count == 3, statements.sql
