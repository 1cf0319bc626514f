"""Requests Slack would never send: too large (413, unread), unsigned (401), or signed but not
UTF-8, not form or JSON, or missing what a listener needs (400). Each gets a 4xx, one log line
without its content, and changes nothing; no body whatever gets a 5xx.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import socket
import time
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.slack_requests import MAX_BODY_BYTES
from bot.wsgi import EVENTS_PATH, make_wsgi_app
from storage.inbox import InboxItem
from storage.models import Base
from storage.projects import StatusUpdate
from tests.support import ALICE, APOLLO_CHANNEL, SIGNING_SECRET

FORM = "application/x-www-form-urlencoded"
MARKER = "do-not-log-this-text"
PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def row_counts(bot) -> dict[str, int]:
    """Rows per table, and for the inbox (the log of kept requests, not a change) how many
    are still waiting: a refused request is kept and marked done, never left pending. What
    Slack said about the people who typed (`user_timezones`, asked after the ack to know who
    they are: README, Who sees what) is a cache, not a change."""
    with bot.ctx.db.read() as session:
        counts = {table.name: session.scalar(select(func.count()).select_from(table))
                  for table in Base.metadata.sorted_tables
                  if table.name not in ("inbox", "user_timezones")}
        counts["inbox pending"] = session.scalar(
            select(func.count()).select_from(InboxItem).where(InboxItem.state == "pending"))
    return counts


def settle(bot) -> None:
    """Let every listener and the work after its ack finish (the fixture's close repeats it)."""
    bot.app.listener_runner.listener_executor.shutdown(wait=True)
    bot.ctx.after_ack.drain()


class Unreadable(io.RawIOBase):
    """A request body of `size` bytes that fails the test if more than the limit is read."""

    def __init__(self, size: int) -> None:
        self.size, self.taken = size, 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0 or self.taken + n > MAX_BODY_BYTES + 1:
            raise AssertionError(f"read({n}) after {self.taken} bytes: past the limit")
        n = min(n, self.size - self.taken)
        self.taken += n
        return b"x" * n


def call(bot, environ_extra: dict) -> tuple[int, bytes]:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": EVENTS_PATH, "SERVER_PROTOCOL": "HTTP/1.1",
               "CONTENT_TYPE": FORM, "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(int(time.time())),
               "HTTP_X_SLACK_SIGNATURE": "v0=" + "0" * 64, **environ_extra}
    seen = {}
    body = b"".join(bot.wsgi(environ, lambda status, headers, exc=None: seen.update(s=status)))
    return int(seen["s"].split()[0]), body


def test_a_five_megabyte_body_is_refused_unread(bot):
    stream = Unreadable(5_000_000)
    status, _ = call(bot, {"CONTENT_LENGTH": str(5_000_000), "wsgi.input": stream})
    assert status == 413 and stream.taken == 0


def test_a_body_without_a_length_is_read_only_up_to_the_limit(bot):
    stream = Unreadable(5_000_000)  # chunked: no Content-Length, the server ends the stream
    status, _ = call(bot, {"wsgi.input": stream})
    assert status == 413 and stream.taken == MAX_BODY_BYTES + 1


def test_a_large_form_just_under_the_limit_still_reaches_the_bot(apollo):
    """A view submission of a few hundred KB is one Slack may send; it is not refused."""
    response = apollo.command("/status", "APOLLO green " + "x" * 400_000)
    assert response.status == 200  # the bot's own answer (too long), not a refusal
    assert "3,000" in response.text or "characters" in response.text


def test_unsigned_forged_and_stale_requests_get_401(bot):
    body = urlencode({"command": "/status", "user_id": ALICE, "text": "help"}).encode()
    assert bot.driver.post(body, signature="").status == 401
    assert bot.driver.post(body, signature="v0=" + "ab" * 32).status == 401
    assert bot.driver.post(body, timestamp=int(time.time()) - 600).status == 401
    assert bot.driver.post(b"\xff\xfe" + body, signature="").status == 401  # before decoding


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "-5", "١٢٣", "9" * 40])
def test_a_timestamp_that_is_not_a_number_gets_401_and_one_quiet_line(bot, caplog, timestamp):
    """Before any authentication (issue 18 item 7): a 401 and one WARNING line, never a 500
    or a traceback that anyone on the network could fill the error log with."""
    body = urlencode({"command": "/status", "user_id": ALICE, "text": MARKER}).encode()
    with caplog.at_level(logging.INFO):
        status, _ = call(bot, {"HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
                               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)})
    assert status == 401
    records = [r for r in caplog.records if r.name.startswith(("bot", "slack_bolt"))]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("WARNING", "refused a Slack request (401): missing or invalid signature")]
    assert not any(r.exc_info for r in caplog.records) and MARKER not in caplog.text


@pytest.mark.parametrize("body, content_type", [
    (b"command=%2Fstatus&user_id=U1&text=\xff\xfe" + MARKER.encode(), FORM),
    ("command=/status&user_id=U1&text=" + MARKER, "text/plain"),
    ("<xml>" + MARKER + "</xml>", "application/xml"),
    (urlencode({"payload": "{not json " + MARKER}), FORM),
    (urlencode({"payload": json.dumps([MARKER])}), FORM),
    (urlencode({"payload": json.dumps({"user": {"id": ALICE}, "text": MARKER})}), FORM),
    (urlencode({"payload": json.dumps({"type": "block_actions", "actions": [
        {"action_id": "risk_reviewed", "value": MARKER}]})}), FORM),
    (urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": ALICE},
                                       "actions": MARKER})}), FORM),
    (urlencode({"payload": json.dumps({"type": "view_submission", "user": {"id": ALICE},
                                       "view": MARKER})}), FORM),
    (urlencode({"text": MARKER, "user_id": ALICE}), FORM),
    (urlencode({"command": "status", "user_id": ALICE, "text": MARKER}), FORM),
    (urlencode({"command": "/status", "text": MARKER}), FORM),
    (urlencode({"command": "/status", "user_id": "", "text": MARKER}), FORM),
    ("payload=%7Bnot-json", FORM),
    ("a=1&&=" + MARKER + "=2", FORM),
    (json.dumps({"event": {"text": MARKER}}), "application/json"),
    (json.dumps({"type": "event_callback", "event": MARKER}), "application/json"),
    (json.dumps({"type": "event_callback", "team": 7, "event": {"type": "app_home_opened",
                                                                  "user": MARKER}}),
     "application/json"),
], ids=["not-utf8", "text-plain", "xml", "payload-not-json", "payload-a-list",
        "payload-no-type", "action-no-user", "actions-not-a-list", "view-not-an-object",
        "form-no-command", "command-without-slash", "command-without-user_id",
        "command-with-empty-user_id", "payload-not-json-raw", "broken-form", "event-no-type",
        "event-not-an-object", "event-team-a-number"])
def test_signed_bodies_slack_never_sends_get_400_and_one_clean_log_line(
        bot, caplog, body, content_type):
    before = row_counts(bot)
    raw = body if isinstance(body, bytes) else body.encode()
    with caplog.at_level(logging.INFO):
        response = post_signed(bot, raw, content_type)
    assert response.status == 400
    records = [r for r in caplog.records if r.name == "bot.wsgi"]
    assert len(records) == 1 and "refused a Slack request (400)" in records[0].getMessage()
    assert MARKER not in caplog.text and SIGNING_SECRET not in caplog.text
    settle(bot)
    assert row_counts(bot) == before


def test_a_command_whose_text_says_payload_is_still_a_command(apollo):
    """bolt reads any form body containing the word "payload" as an interaction (and finds
    none); the bot hands it the command it is."""
    response = apollo.command("/status", "APOLLO green payload delivered to the customer")
    assert response.status == 200
    assert "recorded" in apollo.reply()
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(func.count()).select_from(StatusUpdate)) == 1


def test_a_failure_outside_bolt_is_a_quiet_200(bot, caplog):
    def failing():
        raise RuntimeError(MARKER)

    wsgi = make_wsgi_app(bot.app, bot.ctx.db, signing_secret=SIGNING_SECRET, serving=failing)
    seen = {}
    body = urlencode({"command": "/status", "user_id": ALICE, "text": "help"})
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": EVENTS_PATH, "CONTENT_TYPE": FORM,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body.encode())}
    with caplog.at_level(logging.INFO):
        out = b"".join(wsgi(environ, lambda status, headers, exc=None: seen.update(s=status)))
    assert seen["s"] == "200 OK" and out == b""
    assert "failed outside bolt: RuntimeError" in caplog.text and MARKER not in caplog.text


# --- properties: whatever comes, signed, never a 5xx and never a stored change ---------------

_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                     | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
_ids = st.sampled_from(["status_modal", "status_edit", "gate_request_modal", "risk_form",
                        "risk_close_form", "risk_reviewed", "risk_update", "risk_close",
                        "gate_approve", "gate_reject", "nudge_snooze", "nudge_post_status",
                        "home_post_update", "value", "project", ""]) | st.text(max_size=12)
_types = st.sampled_from(["block_actions", "view_submission", "view_closed", "shortcut",
                          "message_action", "block_suggestion", "event_callback"]) | _json
_user = st.fixed_dictionaries({"id": st.sampled_from([ALICE, "U" + "9" * 8]) | _json}) | _json


_text = st.text(max_size=12)
_callbacks = st.sampled_from(["status_modal", "status_edit", "gate_request_modal",
                              "gate_reject_modal", "risk_form", "risk_close_form"])
_actions = st.sampled_from(["risk_reviewed", "risk_update", "risk_close", "gate_approve",
                            "gate_reject", "nudge_snooze", "nudge_post_status",
                            "home_post_update"])
_metadata = _text | st.builds(json.dumps, st.dictionaries(st.sampled_from("cspgrn"), _json,
                                                           max_size=3))
_element = st.fixed_dictionaries({"type": st.sampled_from(["plain_text_input", "static_select"])},
                                 optional={"value": _text | _json,
                                           "selected_option": st.fixed_dictionaries(
                                               {"value": _text}) | _json})


@st.composite
def _well_formed(draw) -> dict:
    """Shaped like Slack's interactions (so they reach the listeners), with random contents."""
    kind = draw(st.sampled_from(["block_actions", "view_submission", "view_closed",
                                 "block_suggestion"]))
    payload = {"type": kind, "team": {"id": "T0PMO"}, "api_app_id": "A0PMO",
               "user": {"id": draw(st.sampled_from([ALICE, "U" + "9" * 8])), "team_id": "T0PMO"},
               "trigger_id": "1.2.trigger"}
    if kind == "block_actions":
        payload["actions"] = draw(st.lists(st.fixed_dictionaries(
            {"action_id": _actions, "block_id": _ids, "type": st.just("button"),
             "value": _metadata}), min_size=1, max_size=2))
        if draw(st.booleans()):
            payload["channel"] = {"id": draw(st.sampled_from([APOLLO_CHANNEL, "D" + ALICE]))}
            payload["message"] = draw(st.fixed_dictionaries(
                {"ts": st.just("1.000100"), "text": _text, "blocks": _json}))
    elif kind == "block_suggestion":
        payload.update(action_id=draw(_ids), block_id=draw(_ids), value=draw(_text))
    else:
        payload["view"] = draw(st.fixed_dictionaries({
            "type": st.just("modal"), "id": st.just("V1"), "callback_id": _callbacks,
            "private_metadata": _metadata,
            "blocks": st.lists(st.fixed_dictionaries(
                {"type": st.sampled_from(["input", "section"]), "block_id": _ids}), max_size=3),
            "state": st.fixed_dictionaries({"values": st.dictionaries(
                _ids, st.dictionaries(_ids, _element, max_size=2), max_size=4)})}))
    return payload


@st.composite
def _any_shape(draw) -> dict:
    payload = draw(st.dictionaries(st.text(max_size=8), _json, max_size=3))
    payload["type"] = draw(_types)
    payload["user"] = draw(_user)
    if draw(st.booleans()):
        payload["actions"] = draw(st.lists(st.fixed_dictionaries(
            {"action_id": _ids, "value": _json, "block_id": _ids}) | _json, max_size=2) | _json)
    if draw(st.booleans()):
        payload["view"] = draw(st.fixed_dictionaries(
            {"callback_id": _ids, "private_metadata": _json | st.text(max_size=40),
             "blocks": _json, "state": st.fixed_dictionaries({"values": _json}) | _json,
             "id": _json}) | _json)
    for key in ("channel", "team", "container", "message", "action_id", "value"):
        if draw(st.booleans()):
            payload[key] = draw(_json)
    return payload


_payloads = _well_formed() | _any_shape()


def test_random_bytes_never_get_a_5xx_or_change_anything(bot):
    before = row_counts(bot)

    @PROPERTY
    @given(body=st.binary(max_size=300),
           content_type=st.sampled_from([FORM, "application/json", "text/plain", ""]))
    def random_bytes(body, content_type):
        assert post_signed(bot, body, content_type).status < 500

    random_bytes()
    settle(bot)
    assert row_counts(bot) == before


def test_random_interactions_never_get_a_5xx_or_change_anything(apollo):
    """On a bot with a project, so that listeners get as far as looking things up."""
    bot = apollo
    before = row_counts(bot)

    @PROPERTY
    @given(payload=_payloads)
    def random_interaction(payload):
        body = urlencode({"payload": json.dumps(payload)}).encode()
        assert post_signed(bot, body).status < 500

    random_interaction()
    settle(bot)
    assert row_counts(bot) == before


def test_random_commands_never_get_a_5xx_or_change_anything(bot):
    before = row_counts(bot)

    @PROPERTY
    @given(command=st.sampled_from(["/status", "/pmo", "/risk", "/gate"]) | st.text(max_size=8),
           text=st.text(max_size=60), user=st.sampled_from([ALICE, ""]) | st.text(max_size=10),
           extra=st.dictionaries(st.sampled_from(["channel_id", "trigger_id", "team_id"]),
                                 st.text(max_size=10), max_size=3))
    def random_command(command, text, user, extra):
        form = {"command": command, "text": text, "user_id": user,
                "channel_id": APOLLO_CHANNEL,
                "response_url": bot.slack.new_response_url(channel=APOLLO_CHANNEL, user=ALICE),
                **extra}
        assert post_signed(bot, urlencode(form).encode()).status < 500

    random_command()
    settle(bot)
    assert row_counts(bot) == before


def post_signed(bot, body: bytes, content_type: str = FORM):
    """Post raw bytes signed as Slack signs them (the driver signs text, so not non-UTF-8)."""
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body,
                                 hashlib.sha256).hexdigest()
    return bot.driver.call("POST", EVENTS_PATH, body, content_type, {
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts, "HTTP_X_SLACK_SIGNATURE": signature})


# --- the same under the production server (gunicorn) -----------------------------------------

def raw_exchange(port: int, head: str, body: bytes = b"") -> bytes:
    """Send a request as bytes and return the status line and headers of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := sock.recv(4096)):
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[0]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_production_server_refuses_large_and_malformed_bodies(database_url, slack,
                                                                   monkeypatch):
    from tests.test_serve import SIGNING_SECRET as SERVE_SECRET
    from tests.test_serve import Served, healthy, set_environment

    environment = set_environment(monkeypatch, slack, database_url)
    port = int(environment["PORT"])
    served = Served(environment, "--host", "127.0.0.1", "--threads", "2")
    try:
        served.wait_until(lambda: healthy(f"http://127.0.0.1:{port}"), "a healthy /healthz")
        started = time.monotonic()
        # 5 MB announced, none of it sent: answered at once, without waiting for the body.
        head = (f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
                "Content-Length: 5000000\r\nConnection: close\r\n")
        assert raw_exchange(port, head).startswith(b"HTTP/1.1 413")
        assert time.monotonic() - started < 5
        chunked = (f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
                   "Transfer-Encoding: chunked\r\nConnection: close\r\n")
        chunk = b"x" * 65536
        body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 20 + b"0\r\n\r\n"  # 1.3 MB
        assert raw_exchange(port, chunked, body).startswith(b"HTTP/1.1 413")
        bad = b"command=%2Fstatus&user_id=U1&text=\xff"
        stamp = str(int(time.time()))
        signature = "v0=" + hmac.new(SERVE_SECRET.encode(), b"v0:" + stamp.encode() + b":" + bad,
                                     hashlib.sha256).hexdigest()
        head = (f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
                f"Content-Length: {len(bad)}\r\nX-Slack-Request-Timestamp: {stamp}\r\n"
                f"X-Slack-Signature: {signature}\r\nConnection: close\r\n")
        assert raw_exchange(port, head, bad).startswith(b"HTTP/1.1 400")
    finally:
        log = served.stop()
    assert "refused a Slack request (413)" in log and "refused a Slack request (400)" in log
    assert "\\xff" not in log and SERVE_SECRET not in log
