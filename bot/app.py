"""The one place a bolt `App` is built: from a context, with every listener registered.

Production, the tests and the offline console all call `build_app`, so they run the same code.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from bot import failures
from bot.access import Access
from bot.context import BotContext
from bot.observe import ObservedApp
from handlers import (
    action,
    change,
    decision,
    gate,
    home,
    issue,
    lesson,
    meeting,
    milestone,
    plan_form,
    pmo,
    proposal,
    reminders,
    risk,
    status,
    status_form,
)

log = logging.getLogger(__name__)
BOLT_LOG = logging.getLogger("slack_bolt")


class _NotTheUnusedToken(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment itself and, since the bot hands it a
    client built from that same token, warns "`token` will be unused" on every app it builds
    (once per worker process). Nothing is wrong; the line is dropped."""

    message = warning_client_prioritized_and_token_skipped()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


if not any(isinstance(f, _NotTheUnusedToken) for f in BOLT_LOG.filters):
    BOLT_LOG.addFilter(_NotTheUnusedToken())

HANDLER_MODULES = (status, status_form, pmo, home, risk, gate, milestone, issue, action, decision,
                   change, lesson, meeting, plan_form, proposal, reminders)


def build_app(ctx: BotContext, *, listener_executor: Executor | None = None,
              inline: bool = False) -> App:
    """A fully wired bolt App; `ack()` returns the HTTP response before slow work starts.

    The token is verified (one `auth.test`) here, when the app is built: otherwise bolt makes
    that call inside the first request and that request's ack waits on Slack.
    `listener_executor` runs bolt's listeners (bolt's own thread pool by default); the offline
    console passes one that tells it when the bot has finished, so it prints in order.
    `inline` runs each listener whole in the dispatching thread (bot/access.py's replays).
    """
    app = ObservedApp(client=ctx.client, signing_secret=ctx.settings.signing_secret,
              listener_executor=listener_executor,
              process_before_response=inline, token_verification_enabled=True,
              request_verification_enabled=True, raise_error_for_unhandled_request=False,
              logger=BOLT_LOG)
    app.use(failures.KeepAcks())
    app.use(Access(ctx))
    for module in HANDLER_MODULES:
        module.register(app, ctx)
    app.error(_error_handler(ctx))
    return app


def _error_handler(ctx: BotContext):
    """An exception in a listener or middleware: log it for the admins, answer the person
    plainly (bot/failures.py), never a trace and never bolt's HTTP 500.

    A database that cannot be reached is logged as one line with the error's type: its message
    carries the SQL and its parameters, which may hold what the person typed.
    """

    def on_error(error: Exception, body: dict, request: BoltRequest,
                 response: BoltResponse | None, respond, client) -> BoltResponse | None:
        ack = request.context.ack
        acked = response is None or (ack is not None and ack.response is not None)
        if failures.database_down(error):
            log.error("listener failed, database unreachable: %s", type(error).__name__)
        else:
            log.exception("listener failed: %s", type(error).__name__, exc_info=error)
        try:
            answer = failures.answer(ctx.renderer, error, body if isinstance(body, dict) else {},
                                     acked=acked, respond=respond, client=client)
        except Exception:  # noqa: BLE001 - the reply is best effort; the log has the cause
            log.warning("could not tell the user about the failure")
            answer = None if acked else BoltResponse(status=200, body="")
        # bolt refuses a returned response when there is none left to fill (already acked).
        return answer if response is not None else None

    return on_error
