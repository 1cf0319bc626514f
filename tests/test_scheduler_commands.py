"""The clock in a process: APScheduler's tick, the SQLite single-instance rule, and the
`pmo-bot scheduler | remind | digest` commands run as an operator would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.scheduler import start_scheduler
from bot.single_instance import AlreadyRunning, hold_single_instance
from pmo_rules.approvals import Electorate
from storage import gates as gate_store
from storage import projects as store
from storage import risks as risk_store
from storage.migrate import upgrade
from tests.support import (
    ADMIN,
    ALICE,
    APOLLO_CHANNEL,
    BOB,
    GENERAL,
    SIGNING_SECRET,
    START,
    make_bot,
)
from tests.support.scheduling import add_project, deliveries, pmo_rules


def test_background_scheduler_runs_the_tick(bot):
    add_project(bot, "APOLLO", ALICE, at=START - timedelta(days=8))  # its first update is due
    scheduler = start_scheduler(bot.ctx)
    try:
        [call] = bot.slack.wait_for("chat.postMessage", channel=ALICE, timeout=10)
        assert call.args["text"].startswith("Reminder")
    finally:
        scheduler.shutdown(wait=True)
    assert [d.state for d in deliveries(bot, "nudge")] == ["sent"]


def test_one_long_running_process_per_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'pmo.sqlite3'}"
    first = hold_single_instance(url, "server")
    try:
        with pytest.raises(AlreadyRunning) as refused:
            hold_single_instance(url, "scheduler")
        message = str(refused.value)
        assert "another pmo-bot server (pid" in message and "pmo.sqlite3" in message
        assert "use PostgreSQL to run several replicas" in message
    finally:
        first.release()
    hold_single_instance(url, "scheduler").release()  # free again once released


def test_postgresql_and_memory_databases_need_no_lock():
    assert hold_single_instance("postgresql+psycopg://u@h/db", "server") is None
    assert hold_single_instance("sqlite://", "server") is None


@pytest.fixture
def env(monkeypatch, tmp_path, database_url, slack):
    """The environment an operator would set, with rules naming an admin and #general."""
    rules = tmp_path / "rules.toml"
    rules.write_text(f'[pmo]\nadmins = ["{ADMIN}"]\ndigest_channel = "{GENERAL}"\n'
                     '[status]\nfirst_update_within_days = 0\n')  # due at once, no grace
    for name, value in {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": slack.base_url, "DATABASE_URL": database_url,
                        "PMO_RULES": str(rules)}.items():
        monkeypatch.setenv(name, value)
    made = make_bot(database_url, slack, pmo_rules())
    yield made
    made.ctx.db.dispose()


AS_OF = "2026-11-23T10:00+08:00"


def test_remind_dry_run_lists_and_sends_nothing(env, capsys):
    add_project(env, "APOLLO", ALICE, at=START)
    with env.ctx.db.write() as session:
        store.set_digest(session, project=store.project_by_key(session, "APOLLO"), on=True,
                         actor=ADMIN, now=START)
    assert main(["remind", "--now", "--as-of", AS_OF, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "as of 2026-11-23 02:00 UTC (dry run: nothing is sent)" in out
    assert f"nudge to @{ALICE} for 2026-11-23: status update APOLLO" in out
    assert f"digest 2026-W48 to #{GENERAL}: would be posted" in out
    assert f"project digest 2026-W48 for APOLLO to #{GENERAL}: would be posted" in out
    assert env.slack.calls("chat.postMessage") == [] and deliveries(env) == []


def test_remind_dry_run_names_risks_and_gates_and_shows_due_times_in_utc(env, capsys):
    """Items by their refs and keys, never database ids; a risk due at midnight in Shanghai
    (the PMO's zone) is due at 16:00 UTC the day before, as the ledger records it."""
    add_project(env, "APOLLO", ALICE, at=START, statuses=[(START, "green")])
    with env.ctx.db.write() as session:
        project = store.project_by_key(session, "APOLLO")
        for number in (1, 2):  # the second risk is APOLLO-R2, whatever its row id
            risk_store.add_risk(session, project=project, actor=ALICE, now=START, values=dict(
                title=f"Risk {number}", probability=4, impact=5, owner_id=ALICE,
                response=None, due_on=None, next_review_on=date(2026, 11, 22 + number),
                status="open", description=None, trigger=None))
        gate_store.add_request(session, project=project, requester=BOB, now=START, note="",
                               checklist=[], electorate=Electorate((ALICE,), 1, "all"))
    for day in ("2026-11-25", "2026-11-26"):  # two nudges, then the escalation is due
        assert main(["remind", "--now", "--as-of", f"{day}T10:00+08:00"]) == 0
    capsys.readouterr()
    assert main(["remind", "--now", "--dry-run", "--as-of", "2026-11-27T10:00+08:00"]) == 0
    out = capsys.readouterr().out
    assert f"nudge to @{ALICE} for 2026-11-27: risk APOLLO-R1, risk APOLLO-R2, gate vote " \
           f"APOLLO (initiation)" in out
    assert f"escalation: risk APOLLO-R2 (for @{ALICE}, due 2026-11-23 16:00 UTC)" in out
    assert f"escalation: gate vote APOLLO (initiation) (for @{ALICE}, due " in out
    assert "risk 1" not in out and "risk 2" not in out


def test_remind_now_plans_and_sends_once(env, capsys):
    add_project(env, "APOLLO", ALICE, at=START)
    assert main(["remind", "--now", "--as-of", AS_OF]) == 0
    # the nudge, the digest and its RAG chart (in its thread)
    assert "planned 1 nudge(s), 0 escalation(s), the digest for 2026-W48; sent 3 of 3" in (
        capsys.readouterr().out)
    assert main(["remind", "--now", "--as-of", "2026-11-23T03:00"]) == 0  # same day (UTC given)
    assert "planned 0 nudge(s)" in capsys.readouterr().out
    assert len(env.slack.messages(ALICE)) == 1
    assert len([m for m in env.slack.messages(GENERAL) if not m.get("files")]) == 1


def test_remind_refuses_a_bad_date_and_a_missing_now(env, capsys):
    for argv in (["remind", "--now", "--as-of", "monday"], ["remind"]):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "'monday' is not an ISO date-time" in err and "--now" in err


def test_remind_refuses_a_moment_out_of_range_in_one_line(env, capsys):
    for moment in ("9999-12-31T20:00", "0001-01-01", "0001-01-01T00:00+14:00",
                   "1999-12-31T23:59", "3000-01-01"):
        for dry in ([], ["--dry-run"]):
            with pytest.raises(SystemExit) as stopped:
                main(["remind", "--now", *dry, "--as-of", moment])
            assert stopped.value.code == 2
            err = capsys.readouterr().err
            assert err.endswith(f"argument --as-of: {moment!r} is out of range: use a moment "
                                f"in the years 2000 to 2999, such as 2026-11-30T09:00+08:00\n")
    assert main(["remind", "--now", "--dry-run", "--as-of", "2999-12-31T23:00+14:00"]) == 0
    assert "as of 2999-12-31 09:00 UTC" in capsys.readouterr().out
    assert main(["remind", "--now", "--as-of", "2000-01-01T00:00"]) == 0


def test_digest_now_posts_outside_the_weekly_ledger(env, capsys):
    add_project(env, "APOLLO", ALICE, at=START)
    assert main(["digest", "--now", "--channel", APOLLO_CHANNEL]) == 0
    assert f"digest posted to {APOLLO_CHANNEL} (1 message(s))" in capsys.readouterr().out
    [posted] = env.slack.messages(APOLLO_CHANNEL)
    assert posted["text"].startswith("PMO digest, as of")
    assert [d.kind for d in deliveries(env)] == ["digest_manual"]


def test_digest_to_an_unknown_channel_says_it_was_given_up_not_retried(env, capsys):
    add_project(env, "APOLLO", ALICE, at=START)
    env.slack.fail_next("chat.postMessage", "channel_not_found")  # the stand-in knows any id
    assert main(["digest", "--now", "--channel", "CNOPE123"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("digest to CNOPE123: 0 of 1 message(s) posted\n  given up on 1 "
                          "message(s), never retried (the answer would not change): "
                          "channel_not_found: no channel with that id is visible to the bot; "
                          "check the id (channel details → copy channel ID)")
    assert "retried by the scheduler" not in out
    assert [d.state for d in deliveries(env) if d.kind == "digest_manual"] == ["dead"]


def test_digest_to_a_channel_without_the_bot_stays_for_the_retry(env, capsys):
    add_project(env, "APOLLO", ALICE, at=START)
    env.slack.set_not_in_channel(APOLLO_CHANNEL)
    assert main(["digest", "--now", "--channel", APOLLO_CHANNEL]) == 1
    assert capsys.readouterr().out == (
        f"digest to {APOLLO_CHANNEL}: 0 of 1 message(s) posted\n  1 message(s) stay in the "
        f"outbox and are retried by the scheduler (pmo-bot serve or pmo-bot scheduler): "
        f"not_in_channel: invite the bot to the channel (/invite @PMO Bot)\n")
    assert [d.state for d in deliveries(env) if d.kind == "digest_manual"] == ["pending"]


def test_remind_now_tells_given_up_from_retried(env, capsys):
    add_project(env, "APOLLO", ALICE, at=START)
    env.slack.set_channel_archived(GENERAL)
    env.slack.fail_next("chat.postMessage", "internal_error")  # Slack's trouble: retried
    assert main(["remind", "--now", "--as-of", AS_OF]) == 1
    out = capsys.readouterr().out
    assert "sent 0 of 3 due message(s)\n  given up on 1 message(s), never retried (the answer " \
           "would not change): is_archived: the channel is archived; unarchive it or post " \
           "elsewhere\n  given up on 1 message(s), never retried (the answer would not change): " \
           "target_lost: a reply in the thread of a message that was given up\n  1 message(s) " \
           "stay in the outbox and are retried by the scheduler (pmo-bot serve or pmo-bot " \
           "scheduler): internal_error\n" in out
    assert [(d.kind, d.state) for d in deliveries(env) if d.kind != "notice"] == [
        ("nudge", "pending"), ("digest", "dead"), ("chart", "dead")]


def test_digest_without_any_channel_says_how_to_name_one(env, monkeypatch, tmp_path, capsys):
    bare = tmp_path / "bare.toml"
    bare.write_text("")
    monkeypatch.setenv("PMO_RULES", str(bare))
    assert main(["digest", "--now"]) == 2
    assert "pass --channel C012AB3CD or set [pmo] digest_channel" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["digest", "--now", "--channel", "#general"])
    assert "is not a channel id" in capsys.readouterr().err


def test_second_scheduler_on_one_sqlite_file_is_refused(env, monkeypatch, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'own.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    held = hold_single_instance(url, "server")
    try:
        assert main(["scheduler"]) == 2
    finally:
        held.release()
    assert "another pmo-bot server (pid" in capsys.readouterr().err


def test_commands_refuse_a_database_that_is_not_migrated(env, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert main(["remind", "--now", "--dry-run"]) == 2
    assert "run `pmo-bot db upgrade` first" in capsys.readouterr().err


def test_scheduler_process_ticks_refuses_a_twin_and_stops_on_sigterm(tmp_path, slack):
    """`pmo-bot scheduler` as its own process, without the signing secret it never uses: its
    first tick posts the latest digest; a second
    scheduler on the same SQLite file is refused; SIGTERM stops the first cleanly."""
    url = f"sqlite:///{tmp_path / 'pmo.sqlite3'}"
    upgrade(url)
    rules = tmp_path / "rules.toml"
    rules.write_text(f'[pmo]\nadmins = ["{ADMIN}"]\ndigest_channel = "{GENERAL}"\n'
                     '[status]\nfirst_update_within_days = 0\n')  # due at once, no grace
    environment = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "DATABASE_URL": url,
                   "SLACK_API_URL": slack.base_url, "PMO_RULES": str(rules)}
    environment.pop("SLACK_SIGNING_SECRET", None)  # it receives nothing: it needs no secret
    command = [str(Path(sys.executable).with_name("pmo-bot")), "scheduler"]
    first = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)
    try:
        [call] = slack.wait_for("chat.postMessage", channel=GENERAL, timeout=30)
        assert call.args["text"].startswith("PMO digest, week")
        twin = subprocess.run(command, env=environment, capture_output=True, text=True,
                              timeout=30)
        assert twin.returncode == 2
        assert "another pmo-bot scheduler (pid" in twin.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
