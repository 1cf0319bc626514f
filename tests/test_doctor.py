"""`pmo-bot doctor` against the Slack stand-in: each way a bot goes silently useless is named,
with its fix, and the exit code says whether anything needs action."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from bot.cli import main
from bot.commands.manifest import bot_scopes
from storage.db import Database
from storage.inbox import InboxItem
from storage.outbox import enqueue
from tests.support import ADMIN, APOLLO_CHANNEL, BOB, CAROL, GENERAL, START
from tests.test_serve import add_apollo, set_environment

RULES = f"""
[pmo]
admins = ["{ADMIN}"]
digest_channel = "{GENERAL}"

[gates.planning]
approvers = ["{BOB}", "{CAROL}"]
"""


@pytest.fixture
def doctor(database_url, slack, monkeypatch, tmp_path):
    """Runs `pmo-bot doctor` in-process: (exit code, the lines it printed)."""
    set_environment(monkeypatch, slack, database_url)
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    monkeypatch.setenv("PMO_RULES", str(rules))
    add_apollo(database_url)

    def run(capsys) -> tuple[int, list[str]]:
        code = main(["doctor"])
        return code, capsys.readouterr().out.splitlines()

    run.rules = rules
    return run


def problems(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("✗")]


def test_a_healthy_setup_passes_every_check(doctor, capsys):
    code, lines = doctor(capsys)
    assert code == 0, lines
    assert not problems(lines)
    assert "✓ SLACK_BOT_TOKEN works: workspace PMO, bot user pmo-bot" in lines
    assert f"✓ the token has all {len(bot_scopes())} scopes the manifest asks for" in lines
    assert "✓ the bot is a member of 2 channel(s) it posts to" in lines  # #apollo, the digest's
    assert "✓ 3 person(s) named in the rules file exist in Slack" in lines
    assert "✓ outbox: 0 waiting" in lines
    assert any(re.match(r"✓ database schema is current \(revision \w+\)", line) for line in lines)
    assert lines[-1] == f"all {len(lines) - 1} checks passed"


def test_a_channel_without_the_bot_is_named_with_the_invite(doctor, capsys, slack):
    slack.set_not_in_channel(APOLLO_CHANNEL)
    code, lines = doctor(capsys)
    assert code == 1
    assert problems(lines) == [
        f"✗ the bot is not a member of #apollo ({APOLLO_CHANNEL}), the channel of project "
        "APOLLO: type `/invite @pmo-bot` in #apollo"]
    assert lines[-1].startswith("1 of ") and "need action" in lines[-1]


def test_unknown_people_and_channels_in_the_rules_file_are_named(doctor, capsys):
    doctor.rules.write_text(RULES.replace(CAROL, "UGONE01").replace(GENERAL, "CNOWHERE"))
    code, lines = doctor(capsys)
    assert code == 1
    found = problems(lines)
    assert len(found) == 2, lines
    assert found[0].startswith("✗ no channel CNOWHERE is visible to the bot, the digest channel "
                               "([pmo] digest_channel)")
    assert found[1].startswith("✗ [gates.planning] approvers names UGONE01, who is not a user")


def test_a_missing_scope_is_named(doctor, capsys, slack):
    slack.set_scopes(set(bot_scopes()) - {"groups:read"})
    code, lines = doctor(capsys)
    assert code == 1
    assert problems(lines) == [
        "✗ the token lacks the scope(s) groups:read: add them under OAuth & Permissions → Bot "
        "Token Scopes (or paste the output of `pmo-bot manifest` again), then reinstall the app "
        "and update SLACK_BOT_TOKEN if it changed"]


def test_without_users_read_the_people_cannot_be_checked(doctor, capsys, slack):
    slack.set_scopes(set(bot_scopes()) - {"users:read"})
    code, lines = doctor(capsys)
    assert code == 1
    assert "✗ the token lacks the scope(s) users:read" in problems(lines)[0]
    assert f"✗ cannot check {BOB} ([gates.planning] approvers): the token lacks users:read " \
           "(see the scopes line)" in lines


def test_a_schema_behind_is_named_with_the_upgrade(doctor, capsys, database_url):
    engine = create_engine(database_url)
    with engine.begin() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = '0004_scheduler'"))
    try:
        code, lines = doctor(capsys)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        engine.dispose()
    assert code == 1
    assert problems(lines)[0] == (
        f"✗ database schema is at revision 0004_scheduler, the bot needs {current}: run "
        "`pmo-bot db upgrade` (pmo-bot serve also upgrades it at start)")


def test_a_stuck_outbox_is_named(doctor, capsys, database_url):
    db = Database(database_url)
    with db.write() as session:
        enqueue(session, kind="notice", channel=BOB, payload={"text": "hello"}, now=START)
    db.dispose()
    code, lines = doctor(capsys)
    assert code == 1
    [stuck] = problems(lines)
    assert stuck.startswith("✗ outbox: 1 waiting, the oldest for ")
    assert "is `pmo-bot serve` (or `pmo-bot scheduler`) running?" in stuck


def test_requests_given_up_are_named_with_how_to_retry_them(doctor, capsys, database_url):
    db = Database(database_url)
    with db.write() as session:
        session.add(InboxItem(work="status.post", request_key="k1", user_id=BOB, payload={},
                              state="failed", attempts=5, received_at=START, done_at=START,
                              last_error="RuntimeError"))
    db.dispose()
    code, lines = doctor(capsys)
    assert code == 1
    [failed] = problems(lines)
    assert failed.startswith("✗ inbox: 1 request(s) could not be applied and were given up")
    assert "`pmo-bot inbox retry --all-failed`" in failed


def test_it_speaks_the_rules_files_language(doctor, capsys, slack):
    doctor.rules.write_text(RULES.replace("[pmo]\n", '[pmo]\nlocale = "zh"\n'))
    slack.set_not_in_channel(APOLLO_CHANNEL)
    code, lines = doctor(capsys)
    assert code == 1
    assert problems(lines) == [f"✗ 机器人不是 #apollo（{APOLLO_CHANNEL}）的成员，这是项目 APOLLO "
                               "的频道：在 #apollo 中输入 `/invite @pmo-bot`"]


def test_unusable_settings_exit_2(doctor, capsys, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert main(["doctor"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err
