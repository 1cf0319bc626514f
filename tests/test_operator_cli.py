"""What an operator meets on the command line (issue 18, items 8, 9, 11–14): `pmo-bot` run as a
process, as a shell runs it; each failure is one line and exit code 2, never a traceback."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from sqlalchemy import delete, select

from storage import projects as store
from storage.models import Base
from storage.reminders import UserZone
from tests.support import ADMIN, ALICE, GENERAL, SIGNING_SECRET, START, make_bot
from tests.support.ports import free_port
from tests.support.scheduling import add_project, pmo_rules

PMO_BOT = str(Path(sys.executable).with_name("pmo-bot"))
SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
            "DATABASE_URL", "PMO_RULES", "PORT")


def pmo_bot(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    """`pmo-bot ARGS` in a clean environment: only the settings given here (and PYTHONPATH,
    so the code under test is the one imported)."""
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    environment.update(env)
    return subprocess.run([PMO_BOT, *args], env=environment, capture_output=True, text=True,
                          timeout=timeout)


def one_line_exit_2(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    err = done.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


# --- 8: db upgrade on a database it cannot use --------------------------------------------------

@pytest.mark.parametrize("kind", ["missing-folder", "text-file", "unreachable-postgresql"])
def test_db_upgrade_on_a_database_it_cannot_use_is_one_line(tmp_path, kind):
    url = {"missing-folder": f"sqlite:///{tmp_path / 'no' / 'such' / 'pmo.sqlite3'}",
           "text-file": f"sqlite:///{tmp_path / 'notes.txt'}",
           "unreachable-postgresql": "postgresql://pmo:secret@127.0.0.1:1/pmo"}[kind]
    (tmp_path / "notes.txt").write_text("shopping list\n" * 100)
    err = one_line_exit_2(pmo_bot("db", "upgrade", DATABASE_URL=url))
    assert err.startswith("pmo-bot: DATABASE_URL ") and "cannot be used" in err
    assert {"missing-folder": f"the folder {tmp_path / 'no' / 'such'} does not exist",
            "text-file": "file is not a database",
            "unreachable-postgresql": "Connection refused"}[kind] in err
    assert "secret" not in err
    assert not (tmp_path / "no").exists()


def test_db_upgrade_says_what_it_did_without_alembic_lines(tmp_path):
    url = f"sqlite:///{tmp_path / 'pmo.sqlite3'}"
    first = pmo_bot("db", "upgrade", DATABASE_URL=url)
    assert first.returncode == 0 and "upgraded from empty to " in first.stdout
    assert "alembic" not in first.stderr
    again = pmo_bot("db", "upgrade", DATABASE_URL=url)
    assert again.stdout.strip().endswith(": already at the newest schema")
    assert again.stderr == ""


# --- 9: serve on a busy port --------------------------------------------------------------------

def test_serve_on_a_busy_port_stops_before_migrating_or_calling_slack(tmp_path, slack):
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        database = tmp_path / "pmo.sqlite3"
        done = pmo_bot("serve", SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                       SLACK_API_URL=slack.base_url, DATABASE_URL=f"sqlite:///{database}",
                       PORT=str(port))
    err = one_line_exit_2(done)
    assert err == (f"pmo-bot: PORT {port} on 0.0.0.0 cannot be used: another process is "
                   f"listening on it (stop it, or set PORT to a free port)")
    assert slack.calls("auth.test") == [] and not database.exists()


# --- 11: remind --dry-run and digest --now need only what they use ------------------------------

def snapshot(bot) -> str:
    """Every row of every table: a dry run must leave this exactly as it was."""
    with bot.ctx.db.read() as session:
        rows = {table.name: sorted(map(repr, session.execute(select(table)).all()))
                for table in Base.metadata.sorted_tables}
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


@pytest.fixture
def portfolio(database_url, slack, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(f'[pmo]\nadmins = ["{ADMIN}"]\ndigest_channel = "{GENERAL}"\n'
                     '[status]\nfirst_update_within_days = 0\n')  # due at once, no grace
    made = make_bot(database_url, slack, pmo_rules())
    add_project(made, "APOLLO", ALICE, at=START)
    with made.ctx.db.write() as session:
        store.set_digest(session, project=store.project_by_key(session, "APOLLO"), on=True,
                         actor=ADMIN, now=START)
    made.rules_path = str(rules)
    yield made
    made.close()


def test_remind_dry_run_needs_no_secrets_asks_slack_nothing_and_writes_nothing(portfolio):
    """Offline (Slack unreachable), no token, no signing secret: the plan, with the zones it
    had to assume named; the database (time-zone cache included) is unchanged."""
    with portfolio.ctx.db.write() as session:  # alice joined after the last directory sync
        session.execute(delete(UserZone).where(UserZone.user_id == ALICE))
    before = snapshot(portfolio)
    done = pmo_bot("remind", "--now", "--dry-run", "--as-of", "2026-11-23T10:00+08:00",
                   DATABASE_URL=portfolio.ctx.db.url, PMO_RULES=portfolio.rules_path,
                   SLACK_API_URL="http://127.0.0.1:9/api/")
    assert done.returncode == 0, done.stderr
    assert f"nudge to @{ALICE} for 2026-11-23: status update APOLLO" in done.stdout
    assert (f"time zone assumed to be the PMO's (Asia/Shanghai; looked up on the first real "
            f"pass): @{ALICE}") in done.stdout
    assert done.stderr == "" and snapshot(portfolio) == before


def test_digest_now_needs_the_bot_token_but_not_the_signing_secret(portfolio, slack):
    done = pmo_bot("digest", "--now", DATABASE_URL=portfolio.ctx.db.url,
                   PMO_RULES=portfolio.rules_path, SLACK_API_URL=slack.base_url,
                   SLACK_BOT_TOKEN="xoxb-test")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"digest posted to {GENERAL}")
    assert slack.messages(GENERAL)
    refused = one_line_exit_2(pmo_bot("digest", "--now", DATABASE_URL=portfolio.ctx.db.url,
                                      PMO_RULES=portfolio.rules_path))
    assert refused.startswith("pmo-bot: SLACK_BOT_TOKEN is not set")


# --- 12: log noise ------------------------------------------------------------------------------

def test_one_shot_commands_log_no_alembic_lines(portfolio):
    done = pmo_bot("remind", "--now", "--dry-run", DATABASE_URL=portfolio.ctx.db.url)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_building_the_app_does_not_warn_about_an_unused_token(database_url, slack, monkeypatch,
                                                             caplog):
    """bolt reads SLACK_BOT_TOKEN itself, and warned once per worker that it would not use it."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    with caplog.at_level(logging.DEBUG):
        made = make_bot(database_url, slack)
    made.close()
    assert "will be unused" not in caplog.text


def test_head_healthz_answers_without_a_body(bot):
    """A body on a HEAD answer made gunicorn log "body bytes on a no-body response" per probe."""
    seen = []
    for method in ("HEAD", "GET"):
        body = b"".join(bot.wsgi({"REQUEST_METHOD": method, "PATH_INFO": "/healthz",
                                  "wsgi.input": io.BytesIO()},
                                 lambda status, headers, exc=None: seen.append(status)))
        seen.append(body)
    assert seen == ["200 OK", b"", "200 OK", b"ok\n"]


# --- 13: --help and --version -------------------------------------------------------------------

def test_help_describes_the_tool_and_version_prints_it():
    helped = pmo_bot("--help")
    assert helped.returncode == 0
    assert "Project Management Office" in helped.stdout
    assert "pmo-bot console --demo" in helped.stdout
    assert "entry point" not in helped.stdout and "module" not in helped.stdout
    version = pmo_bot("--version")
    assert version.returncode == 0 and version.stdout.startswith("pmo-bot ")
    assert version.stdout.split()[1][0].isdigit()


# --- 14: manifest -------------------------------------------------------------------------------

def test_manifest_risk_hint_follows_the_rules_files_scale(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[risk]\nscale = 7\n")
    done = pmo_bot("manifest", "--socket-mode", PMO_RULES=str(rules))
    commands = {c["command"]: c for c in yaml.safe_load(done.stdout)["features"]["slash_commands"]}
    assert "p:1-7 i:1-7" in commands["/risk"]["usage_hint"]


def test_manifest_refuses_a_url_with_a_query_and_a_url_with_socket_mode():
    query = pmo_bot("manifest", "--url", "https://x.example.com/base?x=1")
    assert query.returncode == 2 and query.stdout == ""
    assert "has a query or fragment" in query.stderr and "/slack/events" in query.stderr
    both = one_line_exit_2(pmo_bot("manifest", "--url", "https://x.example.com",
                                   "--socket-mode"))
    assert "not both" in both and both.startswith("pmo-bot manifest:")
    base = yaml.safe_load(pmo_bot("manifest", "--url", "https://x.example.com/base/").stdout)
    assert base["settings"]["interactivity"]["request_url"] == (
        "https://x.example.com/base/slack/events")


# --- 17: `pmo-bot serve` against `pmo-bot standin` ---------------------------------------------

class Lines:
    """A process's standard output, line by line, waited for with a timeout."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.queue.put(line) for line in process.stdout],
                         daemon=True).start()

    def wait_for(self, text: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.queue.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in {self.seen}")


def test_serve_runs_against_the_bundled_standin_as_the_readme_shows(tmp_path):
    """`pmo-bot standin` in one terminal, `pmo-bot serve` with its three exports in another; a
    slash command typed into the stand-in reaches the bot signed, and the answer is printed."""
    standin_port, bot_port = free_port(), free_port()
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    standin = subprocess.Popen(
        [PMO_BOT, "standin", "--port", str(standin_port), "--bot",
         f"http://127.0.0.1:{bot_port}"], env=environment, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = None
    try:
        out = Lines(standin)
        exports = out.wait_for("export SLACK_API_URL=").split("export ", 1)[1].split()
        env = {**environment, **dict(pair.split("=", 1) for pair in exports),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'pmo.sqlite3'}", "PORT": str(bot_port)}
        assert env["SLACK_API_URL"] == f"http://127.0.0.1:{standin_port}/api/"
        assert subprocess.run([PMO_BOT, "db", "upgrade"], env=env, capture_output=True,
                              timeout=60).returncode == 0
        server = subprocess.Popen([PMO_BOT, "serve", "--no-scheduler"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(bot_port)
        standin.stdin.write("/status help\n")
        standin.stdin.flush()
        assert out.wait_for("ack ").startswith("ack 200: *`/status` — project status updates*")
        standin.stdin.write("pat: /pmo projects\n")
        standin.stdin.flush()
        out.wait_for("ack ")
        assert "#apollo" in out.wait_for("response ")
    finally:
        for process in (server, standin):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


def wait_healthy(port: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the bot on port {port} never answered /healthz")
