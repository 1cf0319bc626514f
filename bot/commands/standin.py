"""`pmo-bot standin [--port N] [--bot URL]`: the bundled Slack stand-in as a process of its own,
so that `pmo-bot serve` (and `scheduler`, `remind`, `doctor`) can be tried end to end without a
Slack workspace.

It answers the Web API on 127.0.0.1 with the console's sample workspace (its people and
channels) and prints one line per message the bot posts, updates or answers with. A line typed
into it that starts with `/` (`/status help`, or `alice: /status help` to choose who types it)
is sent to the bot at `--bot` as Slack would send it: form-encoded and signed with
SLACK_SIGNING_SECRET, with a response_url this stand-in answers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.console.workspace import CHANNELS, PEOPLE, START_CHANNEL, START_USER, sample_directory
from bot.settings import SettingsError
from bot.standin import SlackStandIn
from bot.wsgi import EVENTS_PATH

DEFAULT_PORT = 3199
DEFAULT_SECRET = "standin-secret"
_SHOWN = ("message", "update", "ephemeral", "response", "rejected")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "standin", help="run the bundled Slack stand-in, to try `pmo-bot serve` without Slack")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port on 127.0.0.1 for the Web API (default {DEFAULT_PORT})")
    parser.add_argument("--bot", metavar="URL", default="http://127.0.0.1:3000",
                        help="where typed /commands go: the running `pmo-bot serve` "
                             "(default http://127.0.0.1:3000)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    secret = (os.environ.get("SLACK_SIGNING_SECRET") or "").strip() or DEFAULT_SECRET
    standin = SlackStandIn(sample_directory(), port=args.port)
    try:
        standin.start()
    except OSError as error:
        raise SettingsError(f"--port {args.port} cannot be used ({error.strerror}): choose "
                            f"another") from None
    print(f"Slack stand-in on {standin.url} (Ctrl+C stops). In another terminal:\n"
          f"  export SLACK_API_URL={standin.base_url} SLACK_BOT_TOKEN=xoxb-standin "
          f"SLACK_SIGNING_SECRET={secret}\n"
          f"  pmo-bot db upgrade && pmo-bot serve\n"
          f"Then type a slash command here (`/status help`, `bob: /risk help`); it goes to "
          f"{args.bot}.", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    threading.Thread(target=_read_commands, args=(standin, args.bot, secret), daemon=True,
                     name="standin-commands").start()
    seen = 0
    try:
        while not stopping.wait(0.2):
            shown = standin.timeline()
            for entry in shown[seen:]:
                if entry["kind"] in _SHOWN:
                    print(describe(entry), flush=True)
            seen = len(shown)
    finally:
        standin.stop()
    return 0


def describe(entry: dict) -> str:
    """One line: what happened, where, and the message's first line."""
    names = _names()
    where = entry.get("channel") or entry.get("user") or ""
    said = entry.get("text") or (entry.get("body") or {}).get("text") or ""
    text = str(said).strip().splitlines()
    return " ".join(part for part in (entry["kind"], names.get(str(where), str(where)),
                                      text[0][:120] if text else "") if part)


def _names() -> dict[str, str]:
    names = {cid: f"#{name}" for cid, name in CHANNELS}
    for person in PEOPLE:
        names[person.id] = f"@{person.name}"
        names[f"D{person.id}"] = f"@{person.name} (DM)"
    return names


def _read_commands(standin: SlackStandIn, bot: str, secret: str) -> None:
    for line in sys.stdin:
        line = line.strip()
        if line:
            print(send(standin, bot, secret, line), flush=True)


def send(standin: SlackStandIn, bot: str, secret: str, line: str) -> str:
    """Post `[name:] /command text` to the bot as Slack would; one line on how it went."""
    people = {person.name: person.id for person in PEOPLE}
    name, _, rest = line.partition(":") if not line.startswith("/") else ("", "", line)
    name, rest = name.strip().lstrip("@"), rest.strip()
    user = people.get(name) if name else START_USER
    if user is None or not rest.startswith("/"):
        return (f"type a slash command (`/status help`), or `name: /command` with one of "
                f"{', '.join(people)}")
    command, _, text = rest.partition(" ")
    body = urlencode({
        "command": command, "text": text, "user_id": user, "channel_id": START_CHANNEL,
        "team_id": "T0PMO", "trigger_id": f"standin.{time.time_ns()}",
        "response_url": standin.new_response_url(channel=START_CHANNEL, user=user)}).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    request = urllib.request.Request(
        bot.rstrip("/") + EVENTS_PATH, data=body, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, answer = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read().decode("utf-8", "replace")
    except OSError as error:
        return (f"cannot reach the bot at {bot} ({type(error).__name__}): is `pmo-bot serve` "
                f"running?")
    with contextlib.suppress(ValueError, AttributeError):
        answer = (json.loads(answer) or {}).get("text", "") if answer else ""
    return f"ack {status}" + (f": {answer.splitlines()[0]}" if answer.strip() else "")
