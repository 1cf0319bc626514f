"""One record per Slack request: what it was, who sent it, how long its ack took, how it ended.

`ObservedApp` is bolt's `App` with `dispatch` timed: dispatch is the single door every request
goes through (the WSGI adapter and the Socket Mode client both call it), and with
`process_before_response=False` it returns as soon as the listener has called `ack()`. A bolt
global middleware cannot do this: in bolt-python's `App.dispatch`, a middleware's `next()` only
marks the request as passed on; the listener runs after every middleware has returned.

Each request becomes a metric (bot/metrics.py) and one log line on the `pmo_bot.requests`
logger. The line names the request (command, action id, callback id, event type), the user and
team ids, the latency and the outcome: never a token, never message text or form values.
`--log-format json` (bot/commands/serve.py) writes every log record as one JSON object.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from slack_bolt import App, BoltRequest, BoltResponse

from bot import metrics

request_log = logging.getLogger("pmo_bot.requests")


class ObservedApp(App):
    """bolt's App, counting and logging each request it answers."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # bolt logs a refused request's body at INFO (message text, form values): our own line
        # says it was refused, without the body.
        logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        outcome = "error"
        response = None
        try:
            response = super().dispatch(req)
            outcome = _outcome(response.status)
            return response
        finally:
            seconds = time.perf_counter() - started
            try:
                _record(req, response, outcome, seconds)
            except Exception:  # noqa: BLE001 - observing must never cost a request its answer
                request_log.warning("could not record a request", exc_info=True)


def _outcome(status: int) -> str:
    if status < 300:
        return "acked"
    if status in (401, 403):
        return "refused"
    return "error" if status >= 500 else f"http_{status}"


def _record(req: BoltRequest, response: BoltResponse | None, outcome: str,
            seconds: float) -> None:
    # A refused request was not signed by Slack: its body names nothing worth a label.
    kind, name = describe(req.body) if outcome != "refused" else ("unknown", "")
    context = req.context if outcome != "refused" else {}
    _count_and_log(kind, name, outcome, response.status if response else 500, seconds,
                   user=context.get("user_id"), team=context.get("team_id"))


def refused_before_bolt(status: int, seconds: float) -> None:
    """A Slack request bot/wsgi.py refused before bolt saw it (413 too large, 401 unsigned, 400
    not what Slack sends): counted and logged like the others, naming nothing (its body is
    neither trusted nor read for labels)."""
    try:
        _count_and_log("unknown", "", _outcome(status), status, seconds, user=None, team=None)
    except Exception:  # noqa: BLE001 - observing must never cost a request its answer
        request_log.warning("could not record a request", exc_info=True)


def _count_and_log(kind: str, name: str, outcome: str, status: int, seconds: float, *,
                   user: str | None, team: str | None) -> None:
    metrics.slack_request(kind, name, outcome, seconds)
    if request_log.isEnabledFor(logging.INFO):
        request_log.info(
            "%s %s %s by %s in %s: %.1f ms", outcome, kind, name or "-", user or "-",
            team or "-", seconds * 1000,
            extra={"request": {"kind": kind, "id": name, "user": user, "team": team,
                               "latency_ms": round(seconds * 1000, 2), "outcome": outcome,
                               "status": status}})


def describe(body: dict) -> tuple[str, str]:
    """(kind, name) of a request body: ("command", "/status"), ("action", action_id),
    ("view", callback_id), ("event", event type), ("options", action_id)…"""
    if not isinstance(body, dict):
        return "unknown", ""
    if "command" in body:
        return "command", str(body["command"])
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return "action", str(actions[0].get("action_id", ""))
    if kind in ("view_submission", "view_closed"):
        return "view", str((body.get("view") or {}).get("callback_id", ""))
    if kind == "event_callback":
        return "event", str((body.get("event") or {}).get("type", ""))
    if kind == "block_suggestion":
        return "options", str(body.get("action_id", ""))
    if kind in ("shortcut", "message_action"):
        return "shortcut", str(body.get("callback_id", ""))
    return "unknown", str(kind or "")


class JsonFormatter(logging.Formatter):
    """Each record as one JSON line: time, level, logger, pid, message, and a request line's
    fields (kind, id, user, team, latency_ms, outcome, status; none when unknown)."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        line = {"time": moment.isoformat(timespec="milliseconds"), "level": record.levelname,
                "logger": record.name, "pid": record.process, "message": record.getMessage()}
        request = getattr(record, "request", None)
        if isinstance(request, dict):
            line.update((key, value) for key, value in request.items() if value is not None)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def use_json_logs() -> None:
    """Every handler of the root logger writes JSON lines from now on (and the workers it forks)."""
    root = logging.getLogger()
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
