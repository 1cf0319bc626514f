"""`pmo-bot serve`: run the bot — Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT.

Start-up checks everything a running bot depends on before it accepts a request, in order: the
settings (environment), the rules file, the database schema (upgraded to the newest migration),
and the bot token (one `auth.test`). A failure stops start-up with one line naming the setting
and exit code 2 (bot/cli.py prints it); a bot that starts is a bot that can work.

HTTP is served by gunicorn (bot/server.py), never bolt's development server: `POST /slack/events`
and `GET /healthz`. Socket Mode uses bolt's built-in `SocketModeHandler`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable
from functools import partial

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.app import build_app
from bot.context import BotContext, make_context
from bot.rules_file import load_rules
from bot.server import DEFAULT_THREADS, GunicornServer, gunicorn_options, worker_count
from bot.settings import Settings, SettingsError, load_settings, redact_url
from bot.wsgi import make_wsgi_app
from storage.migrate import upgrade

log = logging.getLogger(__name__)
Stop = Callable[[], None]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="run the bot (Socket Mode or HTTP)")
    parser.add_argument("--workers", type=_positive, default=None,
                        help="HTTP worker processes (SQLite: 1, the default and only choice; "
                             "PostgreSQL: default 2)")
    parser.add_argument("--threads", type=_positive, default=DEFAULT_THREADS,
                        help=f"threads per HTTP worker (default {DEFAULT_THREADS})")
    parser.add_argument("--host", default="0.0.0.0",
                        help="address to listen on for HTTP (default 0.0.0.0; the port is PORT)")
    parser.set_defaults(func=run)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1 (got {value!r})")
    return int(value)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    rules = load_rules(settings.rules_path)
    workers = None if settings.socket_mode else worker_count(settings.database_url, args.workers)
    prepare_database(settings.database_url)
    ctx = make_context(settings, rules)
    team = check_bot_token(ctx.client, settings)
    log.info("connected to Slack workspace %s as %s", team.get("team"), team.get("user"))
    background = partial(start_background, ctx, args)  # started once the server is up
    if settings.socket_mode:
        return serve_socket_mode(ctx, background)
    return serve_http(ctx, host=args.host, workers=workers, threads=args.threads,
                      log_level=args.log_level, background=background)


def prepare_database(url: str) -> None:
    try:
        upgrade(url)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise SettingsError(f"DATABASE_URL {redact_url(url)} cannot be used: {reason}") from None


def check_bot_token(client: WebClient, settings: Settings) -> dict:
    """One `auth.test`: a wrong token or an unreachable Slack stops start-up here."""
    try:
        return client.auth_test().data  # type: ignore[return-value]
    except SlackApiError as error:
        raise SettingsError(f"SLACK_BOT_TOKEN was refused by Slack ({error.response.get('error')}):"
                            " copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & "
                            "Permissions page") from None
    except OSError as error:
        raise SettingsError(f"cannot reach Slack at SLACK_API_URL {settings.api_url} "
                            f"({type(error).__name__}): check the URL and the network") from None


def start_background(ctx: BotContext, args: argparse.Namespace) -> Stop:
    """The seam for work beside request handling; returns what stops it.

    The scheduler (outbox retries, reminders, the digest) starts here, once per `serve`
    process: `start_scheduler(ctx)` unless `args.no_scheduler` (an option `add_parser` gains
    with it). In HTTP mode this runs in the gunicorn master (`when_ready`), so several worker
    processes never run it twice; `serve_http` makes each forked worker drop the master's
    database connections.
    """
    return lambda: None


def socket_mode_handler(ctx: BotContext) -> SocketModeHandler:
    """bolt's built-in Socket Mode client; it reaches Slack through `ctx.client` (SLACK_API_URL)."""
    return SocketModeHandler(build_app(ctx), app_token=ctx.settings.app_token,
                             web_client=ctx.client)


def serve_socket_mode(ctx: BotContext, background: Callable[[], Stop]) -> int:
    handler = socket_mode_handler(ctx)
    try:
        handler.connect()
    except SlackApiError as error:
        raise SettingsError(f"SLACK_APP_TOKEN was refused by Slack ({error.response.get('error')}):"
                            " create an app-level token (xapp-…) with connections:write under "
                            "Basic Information") from None
    stop_background = background()
    log.info("Socket Mode connected; waiting for events (Ctrl+C or SIGTERM stops)")
    try:
        _wait_for_termination()
    finally:
        stop_background()
        handler.close()
        ctx.db.dispose()
    return 0


def _wait_for_termination() -> None:
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()


def serve_http(master: BotContext, *, host: str, workers: int, threads: int, log_level: str,
               background: Callable[[], Stop]) -> int:
    """gunicorn with gthread workers; each worker builds its own context after the fork.

    The master keeps `master` for the background work. A forked worker inherits its open
    database connections and must leave them alone (`dispose(close=False)`): closing them
    there would cut the master's.
    """
    stops: list[Stop] = []
    master.db.dispose()  # nothing open to inherit at the first fork

    def load():
        ctx = make_context(master.settings, master.rules)
        return make_wsgi_app(build_app(ctx), ctx.db, serving=ctx.after_ack.serving)

    options = gunicorn_options(
        bind=f"{host}:{master.settings.port}", workers=workers, threads=threads,
        log_level=log_level,
        when_ready=lambda _server: stops.append(background()),
        post_fork=lambda _server, _worker: master.db.engine.dispose(close=False),
        on_exit=lambda _server: [stop() for stop in stops])
    log.info("serving HTTP on %s:%s (%d worker(s) × %d threads)", host, master.settings.port,
             workers, threads)
    GunicornServer(load, options).run()
    return 0
