"""The production HTTP server: gunicorn, driven from code, serving a WSGI app we build.

gunicorn's gthread worker keeps a pool of threads per process, which suits a bot whose requests
mostly wait on the database and Slack. `pmo-bot serve` and `bench/ack.py` both start it through
`GunicornServer`, so the benchmark measures exactly what production runs. Each worker process
builds its own app (and so its own database pool) after the fork: `load_app` runs in the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from bot.observe import JsonFormatter
from bot.settings import SettingsError

WSGIApp = Callable[..., Any]
DEFAULT_THREADS = 8
DEFAULT_POSTGRES_WORKERS = 2


class GunicornServer(BaseApplication):
    """gunicorn with its options given as a dict instead of a command line or config file."""

    def __init__(self, load_app: Callable[[], WSGIApp], options: dict[str, Any]) -> None:
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn ≥ 25 opens a control socket at one shared path per user; two bots (or a
            # bot and a benchmark) on one machine would fight over it, and we do not use it.
            self.cfg.set("control_socket_disable", True)

    def load(self) -> WSGIApp:
        return self._load_app()


class JsonLogger(Logger):
    """gunicorn's own lines (booting, worker exits) as JSON too, for `--log-format json`."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())


def worker_count(database_url: str, requested: int | None) -> int:
    """Worker processes: exactly one on SQLite (one writer file, one scheduler), more on PostgreSQL.

    Threads give SQLite all the concurrency it can use; several processes would only contend
    for its single write lock.
    """
    if database_url.startswith("sqlite"):
        if requested not in (None, 1):
            raise SettingsError(f"--workers {requested} needs PostgreSQL: with SQLite the bot runs "
                                "one worker process (raise --threads instead)")
        return 1
    return requested or DEFAULT_POSTGRES_WORKERS


def gunicorn_options(*, bind: str, workers: int, threads: int, log_level: str = "info",
                     json_logs: bool = False, **hooks: Callable[..., None]) -> dict[str, Any]:
    """gthread workers, no access log (the bot logs one line per Slack request itself, see
    bot/observe.py; errors go to the error log)."""
    if json_logs:
        hooks["logger_class"] = JsonLogger
    return {"bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
            "loglevel": log_level.lower(), "accesslog": None, "errorlog": "-",
            "timeout": 30, "graceful_timeout": 10, "keepalive": 5, "proc_name": "pmo-bot",
            **hooks}
