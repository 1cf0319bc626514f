"""The HTTP face of the bot: `POST /slack/events` into bolt, `GET /healthz` for load balancers,
`GET /metrics` for Prometheus (bot/metrics.py).

Served by gunicorn in production (see bot/server.py) and called in-process by the tests and
the console; all three go through this same WSGI callable and bolt's signature check.

Before bolt, each Slack request passes the checks in bot/slack_requests.py (413 unread when too
large, 401 unsigned, 400 when it is not what Slack sends); then it is handed to bolt exactly as
bolt's own WSGI adapter would (the raw body, query and headers), and bolt checks the signature
again. Nothing that goes wrong in here reaches Slack as a 5xx: an exception that escapes bolt
is logged (its type only) and answered 200, since Slack shows a 5xx as a broken app and retries
events.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from http import HTTPStatus

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.request.internals import build_context

from bot import observe
from bot import slack_requests as checks
from bot.metrics import CONTENT_TYPE, Scrape
from storage.db import Database

EVENTS_PATH = "/slack/events"
TEXT = [("Content-Type", "text/plain; charset=utf-8")]

log = logging.getLogger(__name__)

Reply = tuple[str, list[tuple[str, str]], bytes]


def make_wsgi_app(app: App, db: Database, *, signing_secret: str,
                  serving: Callable[[], AbstractContextManager] = nullcontext,
                  clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Callable:
    """`serving()` wraps each Slack request (the bot passes `ctx.after_ack.serving`, so work
    after acks gives way to requests still waiting for theirs); `clock` dates backlog ages."""
    secret = signing_secret.encode()
    scrape = Scrape(db, clock)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            healthy = db.ping()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, list(TEXT))
            # HEAD: the status alone (a body there makes gunicorn log "body bytes on a no-body
            # response" for every probe)
            body = b"ok\n" if healthy else b"database unreachable\n"
            return [body if method == "GET" else b""]
        if path == "/metrics" and method == "GET":
            start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
            return [scrape.render()]
        if path == EVENTS_PATH and method == "POST":
            started = time.perf_counter()
            try:
                with serving():
                    status, headers, body = _slack_request(app, secret, environ, started)
            except Exception as error:  # noqa: BLE001 - never a 5xx to Slack; see the docstring
                log.error("Slack request failed outside bolt: %s", type(error).__name__)
                status, headers, body = "200 OK", list(TEXT), b""
            start_response(status, headers)
            return [body]
        start_response("404 Not Found", list(TEXT))
        return [b"not found\n"]

    return wsgi


def _slack_request(app: App, secret: bytes, environ: dict, started: float) -> Reply:
    length = checks.declared_length(environ)
    if length == -1:
        return _refuse(400, "a Content-Length that is not a number", 0, started)
    try:
        raw = checks.read_body(environ, length)
    except checks.TooLarge:
        return _refuse(413, "a body over the size limit", length or checks.MAX_BODY_BYTES + 1,
                       started)
    if not checks.signed(secret, raw, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                         environ.get("HTTP_X_SLACK_SIGNATURE")):
        log.warning("refused a Slack request (401): missing or invalid signature")
        observe.refused_before_bolt(401, time.perf_counter() - started)
        return _reply(401, {"content-type": ["application/json;charset=utf-8"]},
                      '{"error": "invalid request"}')
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _refuse(400, "a body that is not UTF-8", len(raw), started)
    kind = checks.media_type(environ.get("CONTENT_TYPE"))
    if problem := checks.content_problem(text, kind):
        return _refuse(400, problem, len(raw), started)
    try:
        request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""),
                              headers=_headers(environ))
    except Exception as error:  # noqa: BLE001 - not JSON, or a field of the wrong type
        return _refuse(400, f"a body bolt cannot read ({type(error).__name__})", len(raw),
                       started)
    if kind == checks.FORM and not request.body and text and (form := checks.command_form(text)):
        request.body = form  # see command_form
        request.context = build_context(BoltContext({}), form)
    if problem := checks.shape_problem(request.body, kind):
        return _refuse(400, problem, len(raw), started)
    response = app.dispatch(request)
    return _reply(response.status, response.headers, response.body)


def _headers(environ: dict) -> dict[str, str]:
    """The request's headers as bolt's WSGI adapter passes them."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
        elif key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            headers[key.lower().replace("_", "-")] = value
    return headers


def _refuse(status: int, reason: str, size: int, started: float) -> Reply:
    """A 4xx with one log line: the reason and the size, never the content (and the request
    line and metric every Slack request gets, bot/observe.py)."""
    log.warning("refused a Slack request (%d): %s, %d bytes", status, reason, size)
    observe.refused_before_bolt(status, time.perf_counter() - started)
    return _reply(status, {}, HTTPStatus(status).phrase + "\n")


def _reply(status: int, headers: dict, body: str) -> Reply:
    """A WSGI status line, headers and body; a 5xx from bolt becomes an empty 200 here."""
    if status >= 500:
        log.error("bolt answered %d; answering Slack 200 instead", status)
        status, headers, body = 200, {}, ""
    data = body.encode("utf-8")
    out = [(name, value) for name, values in headers.items() if name.lower() != "content-length"
           for value in values]
    if not any(name.lower() == "content-type" for name, _ in out):
        out.extend(TEXT)
    out.append(("Content-Length", str(len(data))))
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{status} {phrase}", out, data
