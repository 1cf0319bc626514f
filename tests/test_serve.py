"""`pmo-bot serve`: start-up checks (one line, exit 2) and the real server, HTTP and Socket Mode.

The server tests start `pmo-bot serve` as a separate process — gunicorn or the Socket Mode
client, exactly as in production — against the Slack stand-in, send it a signed `/status`, and
look at what Slack received and what the process logged (never a secret).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.cli import main
from storage import projects as store
from storage.db import Database
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, START, make_bot
from tests.support.ports import free_port

BOT_TOKEN = "xoxb-1111-secret-bot-token"
SIGNING_SECRET = "0123456789abcdef-secret-signing"
APP_TOKEN = "xapp-1-A0PMO-secret-app-token"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN)
SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
            "DATABASE_URL", "PMO_RULES", "PORT")
PMO_BOT = str(Path(sys.executable).with_name("pmo-bot"))


@pytest.fixture
def environment(database_url, slack, monkeypatch) -> dict[str, str]:
    """A complete, valid environment for serve (tests take a variable away or spoil it)."""
    return set_environment(monkeypatch, slack, database_url)


def set_environment(monkeypatch, slack, database_url: str) -> dict[str, str]:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": slack.base_url, "DATABASE_URL": database_url,
           "PORT": str(free_port())}
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def start_up_error(capsys, *args: str) -> str:
    """Run `pmo-bot serve` in-process; it must stop with exit 2 and exactly one line."""
    assert main(["serve", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("pmo-bot: ") and "\n" not in err, err
    assert not any(secret in err for secret in SECRETS)
    return err


@pytest.mark.parametrize("name,value,expected", [
    ("SLACK_BOT_TOKEN", None, "SLACK_BOT_TOKEN is not set"),
    ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN must start with 'xoxb-'"),
    ("SLACK_SIGNING_SECRET", "", "SLACK_SIGNING_SECRET is not set"),
    ("SLACK_APP_TOKEN", "xoxb-wrong-kind", "SLACK_APP_TOKEN must start with 'xapp-'"),
    ("SLACK_API_URL", "ftp://slack", "SLACK_API_URL must be an http(s) URL"),
    ("DATABASE_URL", "mysql://db/pmo", "DATABASE_URL must be sqlite:///… or postgresql"),
    ("PORT", "99999", "PORT must be a whole number from 1 to 65535"),
    ("PMO_RULES", "/nonexistent/rules.toml", "PMO_RULES points to '/nonexistent/rules.toml'"),
])
def test_each_bad_setting_stops_start_up_with_one_line_naming_it(
        environment, capsys, monkeypatch, name, value, expected):
    if value is None:
        monkeypatch.delenv(name)
    else:
        monkeypatch.setenv(name, value)
    assert expected in start_up_error(capsys)


def test_a_bad_rules_file_names_file_key_and_reason(environment, capsys, monkeypatch, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[status]\ncadence_days = 0\n")
    monkeypatch.setenv("PMO_RULES", str(rules))
    error = start_up_error(capsys)
    assert str(rules) in error and "cadence_days" in error


def test_an_unreachable_database_is_named(environment, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://pmo:hunter2@127.0.0.1:1/pmo")
    error = start_up_error(capsys)
    assert "DATABASE_URL postgresql+psycopg://pmo:***@127.0.0.1:1/pmo cannot be used" in error
    assert "hunter2" not in error


def test_a_refused_bot_token_stops_start_up(environment, capsys, slack):
    slack.fail_next("auth.test", error="invalid_auth")
    assert "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in start_up_error(capsys)


def test_several_workers_need_postgresql(slack, capsys, monkeypatch, tmp_path):
    set_environment(monkeypatch, slack, f"sqlite:///{tmp_path}/pmo.sqlite3")
    assert "--workers 3 needs PostgreSQL" in start_up_error(capsys, "--workers", "3")


# -- the real server ------------------------------------------------------------------------------

class Served:
    """`pmo-bot serve` running in its own process group, stopped with SIGTERM."""

    def __init__(self, env: dict[str, str], *args: str, log_level: str = "DEBUG") -> None:
        # The log goes to a file: a pipe read only at the end fills up (64 KiB) and then blocks
        # the server's next log write, with the logging lock held.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [PMO_BOT, "--log-level", log_level, "serve", *args], env={**os.environ, **env},
            stdout=self.log, stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def stop(self) -> str:
        """SIGTERM, then the whole log; a server that will not stop fails the test."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)
        if self.log.closed:
            return self.output
        self.log.seek(0)
        self.output = self.log.read()
        self.log.close()
        return self.output

    def wait_until(self, ready, what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited ({self.process.returncode}) before {what}:\n"
                            f"{self.stop()}")
            if ready():
                return
            time.sleep(0.1)
        pytest.fail(f"no {what} within {timeout}s:\n{self.stop()}")


def add_apollo(database_url: str) -> None:
    db = Database(database_url)
    with db.write() as session:
        store.add_project(session, key="APOLLO", name="Apollo", pm_id=ALICE,
                          channel_id=APOLLO_CHANNEL, actor=ADMIN, now=START)
    db.dispose()


def status_command(slack, text: str) -> dict[str, str]:
    return {"command": "/status", "text": text, "user_id": ALICE, "channel_id": APOLLO_CHANNEL,
            "team_id": "T0PMO", "response_url": slack.new_response_url(),
            "trigger_id": slack.new_trigger_id(ALICE)}


def post_signed(url: str, form: dict[str, str]) -> tuple[int, bytes]:
    body = urlencode(form)
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    request = urllib.request.Request(url, data=body.encode(), headers={
        "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_http_server_takes_a_signed_command_and_posts_the_card(environment, database_url, slack):
    add_apollo(database_url)
    base = f"http://127.0.0.1:{environment['PORT']}"
    served = Served(environment, "--host", "127.0.0.1", "--threads", "4")
    try:
        served.wait_until(lambda: healthy(base), "a healthy /healthz")
        status, body = post_signed(f"{base}/slack/events",
                                   status_command(slack, "APOLLO amber Vendor slipped"))
        assert (status, body) == (200, b"")
        [card] = slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL, timeout=10)
        assert "Vendor slipped" in str(card.args["blocks"])
        assert card.token == BOT_TOKEN
    finally:
        log = served.stop()
    assert served.process.returncode == 0, log
    assert "gthread" in log and "Booting worker" in log
    assert not [secret for secret in SECRETS if secret in log], "a secret reached the log"


def test_socket_mode_server_acks_an_envelope_and_posts_the_card(environment, database_url,
                                                                slack):
    add_apollo(database_url)
    served = Served({**environment, "SLACK_APP_TOKEN": APP_TOKEN})
    try:
        served.wait_until(lambda: slack.socket_link.connected > 0, "a Socket Mode connection")
        envelope = slack.socket_send("slash_commands",
                                     status_command(slack, "APOLLO red Lease lost"))
        assert slack.wait_for_socket_ack(envelope, timeout=10)["envelope_id"] == envelope
        [card] = slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL, timeout=10)
        assert "Lease lost" in str(card.args["blocks"])
    finally:
        log = served.stop()
    assert served.process.returncode == 0, log
    assert [c.token for c in slack.calls("apps.connections.open")] == [APP_TOKEN]
    assert not [secret for secret in SECRETS if secret in log], "a secret reached the log"


def test_a_refused_app_token_stops_start_up(environment, capsys, monkeypatch, slack):
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    slack.fail_next("apps.connections.open", error="invalid_auth")
    assert "SLACK_APP_TOKEN was refused by Slack (invalid_auth)" in start_up_error(capsys)


def test_no_secret_in_the_logs_of_a_full_request_cycle(database_url, slack, caplog):
    caplog.set_level(logging.DEBUG)
    bot = make_bot(database_url, slack, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET,
                   app_token=APP_TOKEN)
    try:
        bot.command("/pmo", "project add APOLLO Apollo", user=ADMIN)
        bot.reply()
        bot.command("/status", "APOLLO green All good", user=ADMIN)
        slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
        slack.wait_for_response(2)
        logging.getLogger("tests").debug("settings: %r", bot.ctx.settings)
    finally:
        bot.close()
    assert "chat.postMessage" in caplog.text  # the cycle was logged at DEBUG …
    assert not [secret for secret in SECRETS if secret in caplog.text]  # … without a secret


def test_an_unreachable_slack_is_named(slack, capsys, monkeypatch, tmp_path):
    """Once, on SQLite: the database plays no part, and the client's retries take seconds."""
    set_environment(monkeypatch, slack, f"sqlite:///{tmp_path}/pmo.sqlite3")
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{free_port()}/api/")
    assert "cannot reach Slack at SLACK_API_URL http://127.0.0.1:" in start_up_error(capsys)


def test_a_second_server_on_one_sqlite_file_is_refused(slack, capsys, monkeypatch, tmp_path):
    env = set_environment(monkeypatch, slack, f"sqlite:///{tmp_path}/pmo.sqlite3")
    base = f"http://127.0.0.1:{env['PORT']}"
    served = Served(env, "--host", "127.0.0.1")
    try:
        served.wait_until(lambda: healthy(base), "a healthy /healthz")
        monkeypatch.setenv("PORT", str(free_port()))
        assert "another pmo-bot server (pid" in start_up_error(capsys)
    finally:
        served.stop()


def test_the_clock_runs_in_serve_unless_told_not_to(environment, database_url, slack):
    add_apollo(database_url)  # the clock's first run reads the workspace's people (users.list)
    base = f"http://127.0.0.1:{environment['PORT']}"
    for args, ticks in ((("--no-scheduler",), False), ((), True)):
        slack.reset()
        served = Served(environment, "--host", "127.0.0.1", *args)
        try:
            served.wait_until(lambda: healthy(base), "a healthy /healthz")
            if ticks:
                served.wait_until(lambda: slack.calls("users.list"), "a scheduler tick")
            else:
                time.sleep(1.5)
                assert not slack.calls("users.info") and not slack.calls("users.list")
        finally:
            log = served.stop()
        assert served.process.returncode == 0, log
