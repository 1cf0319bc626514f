"""Global middleware: who is asking, and may they — before any listener reads anything.

One job, in the order Slack's request meets it:
1. A request signed for another workspace or enterprise than the installation's (the rules
   file's `[access] team_id` / `enterprise_id`, else what `auth.test` said) is refused with a
   plain sentence and one log line; nothing is read.
2. A slash command is held against the visibility rule (pmo_rules/visibility.py): what it is
   about (the portfolio, one project, the person's own items) and who typed it (member, guest,
   external, PMO admin). A refusal is the ack; the listener never runs.
3. Someone the bot does not know yet (no kind in the users.info cache) is not asked about
   before the ack — Slack look-ups go after it: the command is acked at once, users.info is
   asked, and the same signed request is dispatched again with the answer, its reply going
   through the response_url. When Slack will not say, the person is told to try again
   (fail closed), not let through.
Clicks and forms pass step 1 only: buttons reach the people whose messages carry them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.webhook import WebhookClient

from bot import failures
from pmo_rules import visibility
from pmo_rules.visibility import UNKNOWN, Viewer
from services import access
from services.context import BotContext

log = logging.getLogger(__name__)
ASKED = "pmo_viewer_kind"
"""The context key a replayed request carries: the kind users.info gave after the ack."""


class Access(Middleware):
    def __init__(self, ctx: BotContext, dispatch: Callable[[BoltRequest], BoltResponse]) -> None:
        self.ctx = ctx
        self.dispatch = dispatch

    def process(self, *, req: BoltRequest, resp: BoltResponse, next):  # noqa: A002 - bolt's name
        ctx = self.ctx
        if not ctx.home:
            found = req.context.authorize_result
            ctx.home.update(team=found.team_id if found else None,
                            enterprise=found.enterprise_id if found else None)
        if visibility.foreign(req.context.team_id, req.context.enterprise_id,
                              home_team=ctx.rules.access.team_id or ctx.home.get("team"),
                              home_enterprise=(ctx.rules.access.enterprise_id
                                               or ctx.home.get("enterprise"))):
            log.warning("refused a request signed for another workspace (team %s, enterprise "
                        "%s)", req.context.team_id, req.context.enterprise_id)
            return _answer(req, ctx.renderer.t("access.foreign"))
        body = req.body
        if not isinstance(body, dict) or "command" not in body:
            return next()
        try:
            return self._command(req, body, next)
        except Exception as error:  # noqa: BLE001 - never bolt's HTTP 500: answer plainly
            if failures.database_down(error):
                log.error("access check failed, database unreachable: %s", type(error).__name__)
            else:
                log.exception("access check failed: %s", type(error).__name__)
            down = failures.database_down(error)
            return _answer(req, ctx.renderer.t("errors.database_down" if down
                                               else "errors.internal"))

    def _command(self, req: BoltRequest, body: dict, next):  # noqa: A002 - bolt's name
        ctx = self.ctx
        user = str(body.get("user_id") or "")
        asked = req.context.get(ASKED)
        viewer = Viewer(user, asked) if asked else access.known_viewer(ctx, user)
        if viewer is None:
            self._ask_then_replay(req, user)
            return BoltResponse(status=200, body="")
        subject = visibility.subject_of(str(body.get("command") or ""),
                                        str(body.get("text") or ""))
        refused = access.refusal(ctx, viewer, subject, body.get("channel_id"))
        if refused is None:
            return next()
        key, values = refused
        log.info("refused %s (%s) for a %s: %s", body.get("command"), subject.kind,
                 viewer.kind, key)
        return _answer(req, ctx.renderer.t(key, **values))

    def _ask_then_replay(self, req: BoltRequest, user: str) -> None:
        """After the ack: ask Slack who `user` is, then dispatch the request again with the
        answer, and send whatever its ack says through the response_url."""
        ctx = self.ctx
        raw, headers = req.raw_body, req.headers
        response_url = req.body.get("response_url")

        def replay() -> None:
            viewer = access.asked_viewer(ctx, user)
            again = BoltRequest(body=raw, headers=headers,
                                context={ASKED: viewer.kind or UNKNOWN})
            answered = self.dispatch(again)
            _forward(response_url, answered)

        def apologise() -> None:
            _forward(response_url, BoltResponse(status=200, body=json.dumps(
                {"text": ctx.renderer.t("errors.internal")})))

        ctx.after_ack.run(replay, on_error=apologise)


def _answer(req: BoltRequest, text: str) -> BoltResponse:
    """The refusal as the ack: a command's ephemeral reply; a click or a form is only
    acknowledged (Slack shows nothing for it), an event likewise."""
    if isinstance(req.body, dict) and "command" in req.body:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body="")


def _forward(response_url: str | None, answered: BoltResponse) -> None:
    """A replayed command's ack, sent where the first ack could not carry it."""
    if not response_url or not answered.body:
        return
    try:
        message = json.loads(answered.body)
    except ValueError:
        message = {"text": answered.body}
    if not isinstance(message, dict) or not (message.get("text") or message.get("blocks")):
        return
    message.setdefault("response_type", "ephemeral")
    try:
        WebhookClient(response_url, timeout=10).send_dict(message)
    except Exception as error:  # noqa: BLE001 - the person can type the command again
        log.info("response_url post failed (%s)", type(error).__name__)
