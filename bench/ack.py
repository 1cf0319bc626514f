"""Benchmark (not a test): how fast `/status` (or `/risk add`) is acknowledged under the
production server.

Starts a Slack stand-in (its own process) and the production server twice on loopback — once
`pmo-bot serve` (the bot), once a bare bolt app whose listener only acks (bench/bare_app.py) —
and sends each the same signed `/status` commands from `--concurrency` client threads over
keep-alive connections. Prints p50/p99 ack latency and requests per second for both and their
ratio, and checks that the bot posted every card afterwards (the work after the acks).

On a machine shared with other work the figures swing from run to run, so the two servers take
turns for `--rounds` rounds (each round: the bare app, then the bot, then the bot's cards drain)
and the summary is the median round.

    .venv/bin/python bench/ack.py [--database sqlite|postgresql] [--requests 2000]
                                  [--concurrency 16] [--threads 8] [--rounds 3]
                                  [--log-level WARNING|INFO] [--log-format text|json]

Loopback only; every wait has a deadline.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import PG_ADMIN_URL, postgres_database, sqlite_database  # noqa: E402
from bot.standin import Directory, SlackStandIn  # noqa: E402
from bot.wsgi import EVENTS_PATH  # noqa: E402
from storage import projects as store  # noqa: E402
from storage.db import Database  # noqa: E402

SECRET = "bench-signing-secret"
PM, CHANNEL = "UALICE1", "CAPOLLO1"
WARM_UP = 50
BOT = "/status"
"""The bot's row in the tables: the command sent (`--command`)."""
START_TIMEOUT = 60.0


# -- Slack, in its own process so it does not share the client's interpreter ----------------------

def _standin_process(pipe) -> None:
    directory = Directory()
    directory.add_user(PM, "alice")
    directory.add_channel(CHANNEL, "apollo")
    with SlackStandIn(directory) as slack:
        pipe.send(slack.base_url)
        while True:
            command, arg = pipe.recv()
            if command == "response_urls":
                pipe.send([slack.new_response_url() for _ in range(arg)])
            elif command == "count":
                pipe.send(len(slack.calls(arg)))
            else:
                return


class Slack:
    """The stand-in process, asked for response_urls and call counts over a pipe."""

    def __init__(self) -> None:
        ours, theirs = multiprocessing.Pipe()
        self._pipe = ours
        self._process = multiprocessing.get_context("spawn").Process(
            target=_standin_process, args=(theirs,), daemon=True)
        self._process.start()
        self.base_url = self._pipe.recv()

    def ask(self, command: str, arg=None):
        self._pipe.send((command, arg))
        return self._pipe.recv()

    def stop(self) -> None:
        self._pipe.send(("stop", None))
        self._process.join(timeout=10)


# -- the database ---------------------------------------------------------------------------------

@contextmanager
def database(kind: str) -> Iterator[str]:
    """A migrated, throw-away database holding project APOLLO."""
    make = sqlite_database if kind == "sqlite" else postgres_database
    with make() as url:
        if url is None:
            raise SystemExit(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        db = Database(url)
        with db.write() as session:
            store.add_project(session, key="APOLLO", name="Apollo", pm_id=PM,
                              channel_id=CHANNEL, actor=PM, now=datetime.now(UTC))
        db.dispose()
        yield url


# -- the servers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    with tempfile.TemporaryFile(mode="w+") as log:  # a pipe nobody reads would fill, block it
        process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=log, text=True)
        try:
            _wait_until_listening(process, port, log)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

def _wait_until_listening(process: subprocess.Popen, port: int, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"server exited during start-up:\n{log.read()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not listen on port {port} within {START_TIMEOUT:.0f}s")


# -- the load -------------------------------------------------------------------------------------

COMMANDS = {
    "status": ("/status", "APOLLO green Benchmark update {i}"),
    "risk": ("/risk", "add APOLLO Benchmark risk {i} p:3 i:4"),
}
"""What `--command` sends: each a change that posts one card to #apollo after its ack."""


def signed_commands(slack: Slack, count: int,
                    command: str = "status") -> list[tuple[bytes, dict[str, str]]]:
    """`count` signed `/status APOLLO green …` (or `/risk add …`) requests, each with its own
    response_url."""
    signer = SignatureVerifier(SECRET)
    requests = []
    name, text = COMMANDS[command]
    for i, response_url in enumerate(slack.ask("response_urls", count)):
        body = urlencode({"command": name, "text": text.format(i=i),
                          "user_id": PM, "channel_id": CHANNEL, "team_id": "T0PMO",
                          "response_url": response_url,
                          # unique, as Slack's are: the bot applies one trigger once
                          "trigger_id": f"{i}.{uuid.uuid4().hex}"})
        stamp = str(int(time.time()))
        requests.append((body.encode(), {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signer.generate_signature(timestamp=stamp, body=body)}))
    return requests


@dataclass
class Result:
    latencies: list[float]
    seconds: float
    failures: int

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def load(port: int, requests: list[tuple[bytes, dict[str, str]]], concurrency: int) -> Result:
    """Send every request once, `concurrency` at a time; time each until its ack arrives."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    pending = iter(requests)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                break
            body, headers = item
            started = time.perf_counter()
            status = _post(connection, body, headers)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                failures[0] += status != 200
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return Result(latencies, time.perf_counter() - started, failures[0])


def _post(connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str]) -> int:
    """One POST; a keep-alive connection the server closed is reopened once."""
    for attempt in (1, 2):
        try:
            connection.request("POST", EVENTS_PATH, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except (http.client.HTTPException, OSError):
            connection.close()
            if attempt == 2:
                return 0
    return 0


def run_round(port: int, slack: Slack, args: argparse.Namespace, warm_up: bool) -> Result:
    requests = signed_commands(slack, args.requests + (WARM_UP if warm_up else 0), args.command)
    if warm_up:
        load(port, requests[:WARM_UP], args.concurrency)
    return load(port, requests[-args.requests:], args.concurrency)


def wait_for_cards(slack: Slack, expected: int) -> float:
    """The work after the acks: every card must reach Slack; how long after the last ack."""
    started = time.monotonic()
    while time.monotonic() - started < 300:
        posted = slack.ask("count", "chat.postMessage")
        if posted >= expected:
            return time.monotonic() - started
        time.sleep(0.2)
    raise SystemExit(f"only {posted} of {expected} cards were posted within 300s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8, help="server threads per worker")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--command", choices=sorted(COMMANDS), default="status",
                        help="what the bot is sent: /status APOLLO green … or /risk add APOLLO …")
    parser.add_argument("--log-level", default="WARNING",
                        help="the bot's log level (INFO: one log line per request, as served)")
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    args = parser.parse_args()
    global BOT
    BOT = COMMANDS[args.command][0]
    for name in ("SLACK_APP_TOKEN", "PMO_RULES"):
        os.environ.pop(name, None)
    slack = Slack()
    try:
        with database(args.database) as url:
            rounds = run_rounds(slack, url, args)
    finally:
        slack.stop()
    print_table(rounds, args)


def run_rounds(slack: Slack, url: str, args: argparse.Namespace) -> list[dict[str, Result]]:
    env = {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.base_url, "DATABASE_URL": url}
    threads = ["--threads", str(args.threads)]
    bot = [str(Path(sys.executable).with_name("pmo-bot")), "--log-level", args.log_level, "serve",
           "--host", "127.0.0.1", *threads,
           *(["--log-format", args.log_format] if args.log_format != "text" else [])]
    bare = [sys.executable, str(ROOT / "bench" / "bare_app.py"), *threads]
    bare_port, bot_port = free_port(), free_port()
    rounds = []
    with server(bare, {**env, "PORT": str(bare_port)}, bare_port), \
            server(bot, {**env, "PORT": str(bot_port)}, bot_port):
        cards = 0
        for number in range(args.rounds):
            first = number == 0
            results = {"bare bolt app": run_round(bare_port, slack, args, first),
                       BOT: run_round(bot_port, slack, args, first)}
            cards += args.requests + (WARM_UP if first else 0)
            drained = wait_for_cards(slack, cards)
            print(f"round {number + 1}: {describe(results)}; all {cards} cards posted "
                  f"{drained:.1f}s after the last ack; {load_average()}", flush=True)
            rounds.append(results)
    return rounds


def describe(results: dict[str, Result]) -> str:
    ratio = results[BOT].per_second / results["bare bolt app"].per_second
    return (f"bare {results['bare bolt app'].per_second:.0f} req/s, {BOT} "
            f"{results[BOT].per_second:.0f} req/s ({ratio:.2f} ×), {BOT} p99 "
            f"{results[BOT].percentile(99):.0f} ms")


def load_average() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def print_table(rounds: list[dict[str, Result]], args: argparse.Namespace) -> None:
    ratios = [r[BOT].per_second / r["bare bolt app"].per_second for r in rounds]
    median = rounds[sorted(range(len(rounds)), key=ratios.__getitem__)[len(rounds) // 2]]
    print(f"\n{args.requests} signed {BOT} commands, concurrency {args.concurrency}, "
          f"{args.database}, {os.cpu_count()} CPUs; the median of {len(rounds)} round(s):")
    print(f"{'server':<16}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'req/s':>9}{'failed':>8}")
    for name, result in median.items():
        print(f"{name:<16}{result.percentile(50):>9.1f}{result.percentile(99):>9.1f}"
              f"{max(result.latencies) * 1000:>9.1f}{result.per_second:>9.0f}{result.failures:>8}")
    ratio = median[BOT].per_second / median["bare bolt app"].per_second
    print(f"{BOT} throughput = {ratio:.2f} × bare (target ≥ 0.90); "
          f"p99 {median[BOT].percentile(99):.0f} ms (target ≤ 100 ms)")


if __name__ == "__main__":
    main()
