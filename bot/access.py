"""Global middleware: who is asking, and may they — before any listener reads anything.

One job, in the order Slack's request meets it:
1. A request signed for another workspace or enterprise than the installation's (the rules
   file's `[access] team_id` / `enterprise_id`, else what `auth.test` said) is refused with a
   plain sentence and one log line; nothing is read.
2. A slash command is held against the visibility rule (pmo_rules/visibility.py): what it is
   about (the portfolio, one project, the person's own items) and who typed it (member, guest,
   external, PMO admin). A refusal is the ack; the listener never runs.
3. Someone the bot does not know yet (no kind in the users.info cache) is not asked about
   before the ack — Slack look-ups go after it. Their command is kept in the inbox like any
   change (acked means kept: a crash loses nothing), acked at once, and its work asks
   users.info, then dispatches the same command again with the answer; what that answer's
   ack says reaches them through the response_url (or the DM, later). When Slack will not
   say, they are told to try again (fail closed), not let through.
Clicks and forms pass step 1 only: buttons reach the people whose messages carry them.
"""

from __future__ import annotations

import json
import logging

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot import failures
from handlers.slack_io import Incoming, Reply, request_key, work
from pmo_rules import visibility
from pmo_rules.visibility import UNKNOWN, Viewer
from services import access
from services.context import BotContext
from storage import inbox as inbox_store

log = logging.getLogger(__name__)
ASKED = "pmo_viewer_kind"
"""The context key a replayed request carries: the kind users.info gave after the ack."""


FIRST_REQUEST = "access.first_request"
"""The inbox work of a command from someone the bot did not know yet."""


class Access(Middleware):
    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx

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
            down = failures.database_down(error)
            if down:
                log.error("access check failed, database unreachable: %s", type(error).__name__)
            else:
                log.exception("access check failed: %s", type(error).__name__)
            return _answer(req, ctx.renderer.t("errors.database_down" if down
                                               else "errors.internal"))

    def _command(self, req: BoltRequest, body: dict, next):  # noqa: A002 - bolt's name
        ctx = self.ctx
        user = str(body.get("user_id") or "")
        subject = visibility.subject_of(str(body.get("command") or ""),
                                        str(body.get("text") or ""))
        if subject.kind == visibility.FREE:  # help answers anyone: nothing to ask or read
            return next()
        asked = req.context.get(ASKED)
        viewer = Viewer(user, asked) if asked else access.known_viewer(ctx, user)
        if viewer is None:
            kept = ctx.inbox.accept(work=FIRST_REQUEST,
                                    key=f"{FIRST_REQUEST}:{request_key(body)}", user=user,
                                    channel=body.get("channel_id"),
                                    response_url=body.get("response_url"),
                                    payload={k: v for k, v in body.items() if k != "token"})
            if kept is not None:
                ctx.inbox.apply_later(kept)
            return BoltResponse(status=200, body="")
        refused = access.refusal(ctx, viewer, subject, body.get("channel_id"))
        if refused is None:
            return next()
        key, values = refused
        log.info("refused %s (%s) for a %s: %s", body.get("command"), subject.kind,
                 viewer.kind, key)
        return _answer(req, ctx.renderer.t(key, **values))


@work(FIRST_REQUEST)
def _first_request(ctx: BotContext, incoming: Incoming, reply: Reply) -> None:
    """Ask Slack who sent it, then dispatch the kept command again with the answer, in this
    thread (not counted again by the request metrics); pass on what its ack says, then apply
    what it kept. A crash anywhere leaves this request pending: applied again, the command
    is found kept already (its trigger) and not applied twice."""
    with inbox_store.outside_applying():  # what Slack says of a person is a cache
        viewer = access.asked_viewer(ctx, incoming.user)
    if ctx.replay_app is None:
        from bot.app import build_app  # the app that runs its listeners in this thread

        ctx.replay_app = build_app(ctx, inline=True)
    again = BoltRequest(body=dict(incoming.payload), mode="socket_mode",
                        context={ASKED: viewer.kind or UNKNOWN})
    with ctx.inbox.deferred() as kept:
        answered = App.dispatch(ctx.replay_app, again)
    message = _message(answered)
    if message is not None:
        text = message.pop("text", "") or ""
        message.pop("response_type", None)
        reply.say(text, **message)
    for request in kept:
        ctx.inbox.apply(request)


def _answer(req: BoltRequest, text: str) -> BoltResponse:
    """The refusal as the ack: a command's ephemeral reply; a click or a form is only
    acknowledged (Slack shows nothing for it), an event likewise."""
    if isinstance(req.body, dict) and "command" in req.body:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body="")


def _message(answered: BoltResponse) -> dict | None:
    """What a dispatched command's ack says, as a message (None: it said nothing)."""
    if not answered.body:
        return None
    try:
        message = json.loads(answered.body)
    except ValueError:
        message = {"text": answered.body}
    if not isinstance(message, dict) or not (message.get("text") or message.get("blocks")):
        return None
    return message
