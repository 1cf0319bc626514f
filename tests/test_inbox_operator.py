"""`pmo-bot inbox` as an operator uses it: see what failed, give it another try once the cause is
fixed (its author then gets the answer), and old finished requests deleted — by the tick after
30 days, or by `pmo-bot inbox prune`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.inbox import KEEP_DONE, MAX_ATTEMPTS
from bot.scheduler import tick
from storage.inbox import InboxItem
from storage.projects import StatusUpdate

SECRET_WORDS = "Quarterly numbers under embargo"


def _states(bot) -> list[str]:
    with bot.ctx.db.read() as session:
        return list(session.scalars(select(InboxItem.state).order_by(InboxItem.id)))


def _cli(monkeypatch, capsys, bot, *argv) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", bot.ctx.settings.database_url)
    code = main(["inbox", *argv])
    return code, capsys.readouterr().out


def _fail_one_status(apollo, monkeypatch) -> None:
    """A /status whose every attempt fails (the audit write is broken), until it is given up."""
    def broken(*_args, **_kwargs):
        raise RuntimeError("still broken")

    with monkeypatch.context() as patch:
        patch.setattr("storage.projects.audit.record", broken)
        apollo.command("/status", f"APOLLO green {SECRET_WORDS}")
        apollo.ctx.after_ack.drain()
        for _ in range(MAX_ATTEMPTS + 1):
            apollo.clock.advance(minutes=10)
            tick(apollo.ctx)


def test_a_failed_request_is_listed_without_what_was_typed_and_retried_once_fixed(
        apollo, monkeypatch, capsys):
    _fail_one_status(apollo, monkeypatch)
    assert "failed" in _states(apollo)
    code, out = _cli(monkeypatch, capsys, apollo)
    assert code == 0
    assert "1 failed" in out
    [line] = [line for line in out.splitlines() if "status.post" in line]
    assert "failed" in line and "RuntimeError" in line and "5 attempt(s)" in line
    assert SECRET_WORDS not in out  # the payload (what people typed) is never shown
    request_id = int(line.split("#")[1].split()[0])

    apollo.slack.reset()
    code, out = _cli(monkeypatch, capsys, apollo, "retry", str(request_id))
    assert code == 0 and f"retrying 1 request(s): #{request_id}" in out
    tick(apollo.ctx)  # what a running bot's recovery does within seconds
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(func.count()).select_from(StatusUpdate)) == 1
    assert _states(apollo)[-1] == "done"
    # An hour after the request, past the response_url's half hour: only its author is told.
    [told] = [call.args["text"] for call in apollo.slack.calls("chat.postEphemeral")]
    assert "recorded" in told
    assert not apollo.slack.responses


def test_retry_names_what_it_left_alone_and_needs_ids_or_all_failed(apollo, monkeypatch,
                                                                   capsys):
    code, out = _cli(monkeypatch, capsys, apollo, "retry", "999")
    assert code == 1 and "left alone: #999" in out
    with pytest.raises(SystemExit):
        main(["inbox", "prune", "--older-than", "soon"])
    assert "a whole number of days" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", apollo.ctx.settings.database_url)
    assert main(["inbox", "retry"]) == 2
    assert "--all-failed" in capsys.readouterr().err
    code, out = _cli(monkeypatch, capsys, apollo, "retry", "--all-failed")
    assert code == 0 and "no failed requests" in out


def test_the_tick_deletes_requests_finished_more_than_30_days_ago_but_keeps_failed_ones(
        apollo, monkeypatch):
    apollo.command("/status", "APOLLO green Fine")
    assert "recorded" in apollo.reply()  # applied and answered before the next one breaks
    _fail_one_status(apollo, monkeypatch)
    before = _states(apollo)
    assert before.count("done") >= 2 and before.count("failed") == 1
    apollo.clock.advance(days=KEEP_DONE.days - 1)
    tick(apollo.ctx)
    assert _states(apollo) == before  # not yet 30 days
    apollo.clock.advance(days=2, hours=1)
    tick(apollo.ctx)
    assert _states(apollo) == ["failed"]


def test_prune_from_the_command_line(apollo, monkeypatch, capsys):
    _fail_one_status(apollo, monkeypatch)
    code, out = _cli(monkeypatch, capsys, apollo, "prune", "--older-than", "365")
    assert code == 0 and "deleted 0 finished request(s)" in out  # the command uses real time
    with apollo.ctx.db.write() as session:  # make the rows really old
        for row in session.scalars(select(InboxItem)):
            row.done_at = row.done_at - timedelta(days=400)
    code, out = _cli(monkeypatch, capsys, apollo, "prune", "--older-than", "365")
    assert code == 0 and "deleted 1 finished request(s)" in out
    assert _states(apollo) == ["failed"]
    code, out = _cli(monkeypatch, capsys, apollo, "prune", "--older-than", "365", "--failed-too")
    assert "deleted 1 finished or failed request(s)" in out and _states(apollo) == []
