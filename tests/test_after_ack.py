"""Work after the ack: a failure is reported to the person and leaves nothing half-written."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from bot.after_ack import AfterAck
from storage.outbox import Delivery
from storage.projects import StatusUpdate


def test_a_failure_after_the_ack_is_told_and_rolled_back(apollo, monkeypatch, caplog):
    def broken_audit(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("storage.projects.audit.record", broken_audit)
    response = apollo.command("/status", "APOLLO green All fine")
    assert response.status == 200 and response.text == ""  # the ack went out before the work
    assert "Something went wrong on our side" in apollo.reply()
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(func.count()).select_from(StatusUpdate)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
    assert "work after ack failed: RuntimeError" in caplog.text
    assert "disk on fire" in caplog.text  # the trace is in the log, not in Slack


def test_a_failing_apology_is_logged_not_raised(caplog):
    caplog.set_level(logging.WARNING)
    pool = AfterAck(threads=1)

    def fail():
        raise ValueError("nope")

    pool.run(fail, on_error=fail).result(timeout=5)
    pool.drain()
    assert "could not tell the user" in caplog.text
