"""Work after the ack: a failure is reported to the person and leaves nothing half-written."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import func, select, update

from bot.after_ack import AfterAck
from storage.inbox import InboxItem
from storage.outbox import Delivery
from storage.projects import Project, StatusUpdate
from tests.support import BOB

STATE_OF_THE_UPDATE = select(InboxItem.state).where(InboxItem.work == "status.post")


def test_a_failure_after_the_ack_is_told_rolled_back_and_retried(apollo, monkeypatch, caplog):
    """The request was kept before the ack: a failing work leaves nothing half-written, tells
    the author it will be retried, and the next tick after the pause applies it once."""
    from bot.scheduler import tick

    def broken_audit(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    with monkeypatch.context() as patched:
        patched.setattr("storage.projects.audit.record", broken_audit)
        response = apollo.command("/status", "APOLLO green All fine")
        assert response.status == 200 and response.text == ""  # the ack went out first
        assert "will be retried automatically" in apollo.reply()
        apollo.ctx.after_ack.drain()
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(func.count()).select_from(StatusUpdate)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
        assert session.scalar(STATE_OF_THE_UPDATE) == "pending"
    assert "(status.post) failed: RuntimeError" in caplog.text
    assert "disk on fire" in caplog.text  # the trace is in the log, not in Slack

    tick(apollo.ctx)  # too early: the retry waits its pause
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(func.count()).select_from(StatusUpdate)) == 0
    apollo.clock.advance(seconds=31)
    assert tick(apollo.ctx).recovered == 1
    assert "Status for *APOLLO* recorded" in apollo.slack.wait_for_response(2)[-1]["body"]["text"]
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(func.count()).select_from(StatusUpdate)) == 1
        assert session.scalar(STATE_OF_THE_UPDATE) == "done"
    assert tick(apollo.ctx).recovered == 0


def test_a_failing_apology_is_logged_not_raised(caplog):
    caplog.set_level(logging.WARNING)
    pool = AfterAck(threads=1)

    def fail():
        raise ValueError("nope")

    pool.run(fail, on_error=fail).result(timeout=5)
    pool.drain()
    assert "could not tell the user" in caplog.text


def test_jobs_give_way_to_requests_waiting_for_their_ack():
    pool = AfterAck(threads=1, defer=30)
    ran = threading.Event()
    with pool.serving():
        pool.run(ran.set)
        assert not ran.wait(0.3)  # a request is still waiting for its ack
    assert ran.wait(5)  # … and once it has it, the job runs
    pool.drain()


def test_a_job_never_waits_longer_than_the_deferral():
    pool = AfterAck(threads=1, defer=0.05)
    ran = threading.Event()
    with pool.serving():
        pool.run(ran.set)
        assert ran.wait(5)  # requests never stopped coming; the job ran all the same
    pool.drain()


def test_jobs_wait_for_a_lull_not_the_blink_between_two_requests():
    pool = AfterAck(threads=1, defer=30, quiet=0.5)
    ran = threading.Event()
    with pool.serving():
        pool.run(ran.set)
    assert not ran.wait(0.2)  # the last ack just went out: more may be coming
    assert ran.wait(5)  # … none came: the job runs
    pool.drain()


def test_a_job_gives_way_again_before_its_web_api_calls():
    pool = AfterAck(threads=1, defer=30, quiet=0.01)
    pool.give_way()  # not on the pool's threads (the tick, a test): returns at once
    go, went_on = threading.Event(), threading.Event()

    def job():  # stored its change; now it would call Slack
        go.wait(5)
        pool.give_way()
        went_on.set()

    pool.run(job)
    with pool.serving():  # a request came in meanwhile
        go.set()
        assert not went_on.wait(0.3)
    assert went_on.wait(5)
    pool.drain()


def test_a_remembered_permission_is_checked_again_before_storing(apollo):
    """The check before the ack may use a minute-old answer; the write does not."""
    apollo.command("/status", "APOLLO green First")  # remembers: alice is APOLLO's PM
    apollo.reply()
    with apollo.ctx.db.write() as session:
        session.execute(update(Project).where(Project.key == "APOLLO").values(pm_id=BOB))
    response = apollo.command("/status", "APOLLO green Second")
    assert response.text == ""  # acked on the remembered answer …
    refusal = apollo.slack.wait_for_response(2)[-1]["body"]["text"]
    assert "can't post a status for *APOLLO*" in refusal
    with apollo.ctx.db.read() as session:  # … but nothing was stored
        assert session.scalar(select(func.count()).select_from(StatusUpdate)) == 1
    response = apollo.command("/status", "APOLLO amber Third", user=BOB)
    assert response.text == ""  # a remembered "no" is never trusted: the new PM may post
    assert "recorded" in apollo.slack.wait_for_response(3)[-1]["body"]["text"]
