"""One log line per Slack request (JSON with `--log-format json`), and `/metrics` under gunicorn.

The in-process test reads the request lines through the JSON formatter; the server test starts
`pmo-bot serve` with two worker processes on PostgreSQL, as in production, and checks that any
worker's `/metrics` adds up every worker's counts and that no log line carries message text.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.observe import JsonFormatter
from tests.support import ALICE, APOLLO_CHANNEL
from tests.test_serve import (
    SECRETS,
    Served,
    add_apollo,
    healthy,
    post_signed,
    set_environment,
    status_command,
)

MARKER = "zq-marker-7d1f"  # message text that must never reach a log


def test_each_request_is_one_json_line_without_its_text(apollo, caplog):
    caplog.set_level(logging.INFO)
    apollo.command("/status", f"APOLLO amber {MARKER} vendor slipped")
    apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    apollo.driver.post(f"command=%2Fstatus&text={MARKER}".encode(), signature="v0=forged")
    apollo.close()

    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records
             if r.name == "pmo_bot.requests"]
    acked, refused = lines
    assert {k: acked[k] for k in ("kind", "id", "user", "team", "outcome", "status")} == {
        "kind": "command", "id": "/status", "user": ALICE, "team": "T0PMO",
        "outcome": "acked", "status": 200}
    assert 0 < acked["latency_ms"] < 3000 and acked["level"] == "INFO"
    assert (refused["outcome"], refused["status"], refused["kind"]) == ("refused", 401, "unknown")
    assert "user" not in refused  # an unsigned body names nobody
    assert MARKER not in caplog.text and MARKER not in json.dumps(lines)


# -- the real server ----------------------------------------------------------------------------

def scrape(base: str) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        body = response.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def forged(base: str) -> int:
    body = f"command=%2Fstatus&text={MARKER}".encode()  # bolt once logged a refused body
    request = urllib.request.Request(f"{base}/slack/events", data=body, headers={
        "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=forged"})
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as error:
        return error.code
    return 200


REFUSED = ("pmo_slack_requests_total", (("kind", "unknown"), ("name", ""),
                                         ("outcome", "refused")))
ACKED = ("pmo_slack_requests_total", (("kind", "command"), ("name", "/status"),
                                       ("outcome", "acked")))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_serve_one_sum_and_json_logs_without_text(database_url, slack, monkeypatch,
                                                              tmp_path):
    env = set_environment(monkeypatch, slack, database_url)
    metrics_dir = tmp_path / "metrics"
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"from an earlier run")  # must be wiped
    add_apollo(database_url)
    base = f"http://127.0.0.1:{env['PORT']}"
    served = Served(env, "--host", "127.0.0.1", "--workers", "2", "--threads", "2",
                    "--no-scheduler", "--log-format", "json", log_level="INFO")
    try:
        served.wait_until(lambda: healthy(base), "a healthy /healthz")
        # Forged requests (cheap, counted as refused) until both workers have counted some.
        sent = 0
        with ThreadPoolExecutor(4) as pool:
            while len(_counting_pids(metrics_dir)) < 2 and sent < 400:
                assert set(pool.map(lambda _: forged(base), range(8))) == {401}
                sent += 8
        assert len(_counting_pids(metrics_dir)) == 2, "one worker took every request"
        for text in ("amber", "red"):
            status, _ = post_signed(f"{base}/slack/events",
                                    status_command(slack, f"APOLLO {text} {MARKER} slipped"))
            assert status == 200
        slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL, count=2, timeout=10)
        outbox = ("pmo_backlog_depth", (("queue", "outbox"),))
        served.wait_until(lambda: scrape(base)[outbox] == 0, "the sent cards marked sent")
        for _ in range(6):  # whichever worker answers, it answers the sum
            figures = scrape(base)
            assert figures[REFUSED] == sent and figures[ACKED] == 2 and figures[outbox] == 0
    finally:
        log = served.stop()
    assert served.process.returncode == 0, log
    assert not metrics_dir.joinpath("counter_1.db").exists()
    records = [json.loads(line) for line in log.splitlines() if line.strip()]
    requests = [r for r in records if r["logger"] == "pmo_bot.requests"]
    assert len({r["pid"] for r in requests}) == 2
    assert [r["outcome"] for r in requests].count("acked") == 2
    assert any(r["logger"].startswith("gunicorn") for r in records)  # its lines are JSON too
    assert MARKER not in log
    assert not [secret for secret in SECRETS if secret in log]


def _counting_pids(directory: Path) -> set[str]:
    return {p.stem.rsplit("_", 1)[-1] for p in directory.glob("counter_*.db")} - {"1"}
