"""The HTTP face of the bot: `POST /slack/events` into bolt, `GET /healthz` for load balancers,
`GET /metrics` for Prometheus (bot/metrics.py).

Served by gunicorn in production (see bot/server.py) and called in-process by the tests and
the console; all three go through this same WSGI callable and bolt's signature check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.metrics import CONTENT_TYPE, Scrape
from storage.db import Database

EVENTS_PATH = "/slack/events"


def make_wsgi_app(app: App, db: Database, *,
                  serving: Callable[[], AbstractContextManager] = nullcontext,
                  clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Callable:
    """`serving()` wraps each Slack request (the bot passes `ctx.after_ack.serving`, so work
    after acks gives way to requests still waiting for theirs); `clock` dates backlog ages."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    scrape = Scrape(db, clock)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            healthy = db.ping()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n" if healthy else b"database unreachable\n"]
        if path == "/metrics" and method == "GET":
            start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
            return [scrape.render()]
        if path == EVENTS_PATH and method == "POST":
            with serving():
                return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found\n"]

    return wsgi
