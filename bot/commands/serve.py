"""`pmo-bot serve`: run the bot — Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT.

Start-up checks everything a running bot depends on before it accepts a request, in order: the
settings (environment), the rules file, the database schema (upgraded to the newest migration),
and the bot token (one `auth.test`). A failure stops start-up with one line naming the setting
and exit code 2 (bot/cli.py prints it); a bot that starts is a bot that can work.

HTTP is served by gunicorn (bot/server.py), never bolt's development server: `POST /slack/events`,
`GET /healthz` and `GET /metrics` (its worker processes count into one fresh
PROMETHEUS_MULTIPROC_DIR per start, bot/metrics.py). Socket Mode uses bolt's built-in
`SocketModeHandler`. `--log-format json` writes one JSON object per log line (bot/observe.py).
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from functools import partial

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.app import build_app
from bot.commands.runtime import prepare_database
from bot.context import BotContext, make_context
from bot.observe import use_json_logs
from bot.rules_file import load_rules
from bot.scheduler import start_scheduler
from bot.server import DEFAULT_THREADS, GunicornServer, gunicorn_options, worker_count
from bot.settings import Settings, SettingsError, load_settings
from bot.single_instance import hold_single_instance
from bot.wsgi import make_wsgi_app

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
    parser.add_argument("--no-scheduler", action="store_true",
                        help="do not run the reminder/digest clock in this process (run "
                             "`pmo-bot scheduler` separately)")
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="text (default) or json: one JSON object per line, with a line per "
                             "Slack request (what, who, latency, outcome; never message text)")
    parser.set_defaults(func=run)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1 (got {value!r})")
    return int(value)


def run(args: argparse.Namespace) -> int:
    if args.log_format == "json":
        use_json_logs()
    settings = load_settings()
    rules = load_rules(settings.rules_path)
    workers = None if settings.socket_mode else worker_count(settings.database_url, args.workers)
    if not settings.socket_mode:
        check_port_free(args.host, settings.port)
    prepare_database(settings.database_url)
    lock = hold_single_instance(settings.database_url, "server")
    try:
        return _serve(args, settings, rules, workers, only_process=lock is not None)
    finally:
        if lock is not None:
            lock.release()


def _serve(args: argparse.Namespace, settings: Settings, rules, workers: int | None, *,
           only_process: bool) -> int:
    ctx = make_context(settings, rules)
    team = check_bot_token(ctx.client, settings)
    log.info("connected to Slack workspace %s as %s", team.get("team"), team.get("user"))
    background = partial(start_background, args=args,  # started once the server is up
                         only_process=only_process)
    if settings.socket_mode:
        return serve_socket_mode(ctx, background)
    return serve_http(ctx, host=args.host, workers=workers, threads=args.threads,
                      log_level=args.log_level, background=background,
                      json_logs=args.log_format == "json")


def check_port_free(host: str, port: int) -> None:
    """Bind the address once before anything else starts: a port another process holds would
    otherwise be found only after migrating and calling Slack, by gunicorn retrying for
    seconds. (gunicorn binds with SO_REUSEADDR; so does this probe, so a port left in
    TIME_WAIT by a bot that just stopped is not taken for a busy one.)"""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise SettingsError(f"--host {host!r} is not an address to listen on "
                            f"({error.strerror})") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            reason = ("another process is listening on it" if error.errno == errno.EADDRINUSE
                      else error.strerror or type(error).__name__)
            raise SettingsError(f"PORT {port} on {host} cannot be used: {reason} (stop it, or "
                                f"set PORT to a free port)") from None


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


def start_background(ctx: BotContext, args: argparse.Namespace, only_process: bool = False) -> Stop:
    """Work beside request handling: the scheduler's tick; returns what stops it.

    The clock (outbox retries, reminders, the digest) runs unless `--no-scheduler`. Over HTTP
    it runs in each worker process, after the fork: a process must not fork while a clock
    thread holds a SQLite connection. Several workers (PostgreSQL only) may each tick: their
    claims and the outbox's unique keys make that safe, as with several replicas.
    """
    ctx.inbox.only_process = only_process
    if args.no_scheduler:
        log.info("scheduler not started here (--no-scheduler): run `pmo-bot scheduler`")
        # Its first tick would have finished what a killed process left in the inbox.
        threading.Thread(target=_recover, args=(ctx,), name="inbox-recovery", daemon=True).start()
        return ctx.inbox.close
    scheduler = start_scheduler(ctx)

    def stop() -> None:
        scheduler.shutdown(wait=True)
        ctx.inbox.close()

    return stop


def _recover(ctx: BotContext) -> None:
    try:
        ctx.inbox.recover()
    except Exception:  # noqa: BLE001 - the scheduler (`pmo-bot scheduler`) retries every minute
        log.exception("recovering kept requests at start failed")


def socket_mode_handler(ctx: BotContext) -> SocketModeHandler:
    """bolt's built-in Socket Mode client; it reaches Slack through `ctx.client` (SLACK_API_URL)."""
    return SocketModeHandler(build_app(ctx), app_token=ctx.settings.app_token,
                             web_client=ctx.client)


def serve_socket_mode(ctx: BotContext, background: Callable[[BotContext], Stop]) -> int:
    handler = socket_mode_handler(ctx)
    try:
        handler.connect()
    except SlackApiError as error:
        raise SettingsError(f"SLACK_APP_TOKEN was refused by Slack ({error.response.get('error')}):"
                            " create an app-level token (xapp-…) with connections:write under "
                            "Basic Information") from None
    stop_background = background(ctx)
    log.info("Socket Mode connected; waiting for events (Ctrl+C or SIGTERM stops)")
    try:
        _wait_for_termination()
    finally:
        stop_background()
        handler.close()
        ctx.close()
    return 0


def _wait_for_termination() -> None:
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()


def serve_http(master: BotContext, *, host: str, workers: int, threads: int, log_level: str,
               background: Callable[[BotContext], Stop], json_logs: bool = False) -> int:
    """gunicorn with gthread workers; each worker builds its own context after the fork.

    The master only supervises. A forked worker inherits the master's database connections
    and must leave them alone (`dispose(close=False)`): closing them would cut the master's.
    """
    stops: list[Stop] = []
    master.db.dispose()  # nothing open to inherit at the first fork
    metrics_dir, master_pid = metrics.use_multiprocess_dir(), os.getpid()

    def load():
        ctx = make_context(master.settings, master.rules)
        stops.append(background(ctx))
        stops.append(ctx.sender.close)  # the outbox's lease heartbeat
        return make_wsgi_app(build_app(ctx), ctx.db, signing_secret=ctx.settings.signing_secret,
                             serving=ctx.after_ack.serving, clock=ctx.now)

    options = gunicorn_options(
        bind=f"{host}:{master.settings.port}", workers=workers, threads=threads,
        log_level=log_level, json_logs=json_logs,
        post_fork=lambda _server, _worker: master.db.engine.dispose(close=False),
        worker_exit=lambda _server, _worker: [stop() for stop in stops],
        child_exit=lambda _server, worker: metrics.worker_exited(worker.pid))
    log.info("serving HTTP on %s:%s (%d worker(s) × %d threads)", host, master.settings.port,
             workers, threads)
    try:
        GunicornServer(load, options).run()
    finally:
        metrics.remove_multiprocess_dir(metrics_dir, master_pid)
    return 0
