"""The App Home tab: the person's own projects, where each stands, and what they can do next.

Published on every `app_home_opened`, so it is always as fresh as the moment it is looked at.
Each project's "Post update" button opens the status form pre-filled from its latest update.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers.gate_views import pending_row
from handlers.portfolio_views import ENDED_SHOWN, project_standing
from handlers.slack_io import error_text, open_modal, publish_home
from handlers.status_form import notice_view, open_status_modal
from pmo_rules import permissions
from pmo_rules.clock import days_ago
from pmo_rules.errors import UserError
from pmo_rules.ids import Action
from pmo_rules.issues import ListIssues
from pmo_rules.values import ChangeButton, ProjectButton
from services import actions as actions_service
from services import changes as change_flow
from services import issue_cards as issue_views
from services import plans as plans_service
from services.context import BotContext
from services.gates import waiting_for
from services.projects import managed_by

MAX_PROJECTS = 40  # one block each, well inside the Home tab's 100
MAX_VOTES = 10  # two blocks each (the request, its buttons): 40 + 20 + the rest stays under 100
MAX_ISSUES = 10  # lines of one section block
MAX_ACTIONS = 10  # lines of one section block


def register(app: App, ctx: BotContext) -> None:
    app.event("app_home_opened")(lambda event, client: on_home_opened(ctx, event, client))
    app.action(Action.HOME_POST_UPDATE)(
        lambda ack, body, client: on_post_update(ctx, ack, body, client))


def on_home_opened(ctx: BotContext, event: dict, client) -> None:
    if event.get("tab", "home") != "home":  # the Messages tab opened: nothing to draw
        return
    user = event["user"]
    ctx.after_ack.run(lambda: publish_home(client, user, home_view(ctx, user)))


def home_view(ctx: BotContext, user: str) -> dict[str, Any]:
    """The approvals waiting for `user`'s vote (gates and change requests), with Approve and
    Reject; the open issues `user` owns; `user`'s open actions (soonest due first); then the
    projects `user` manages (two queries), each with its standing and a button."""
    now = ctx.now()
    waiting = approvals_waiting(ctx, user, now)
    votes = waiting[:MAX_VOTES]
    projects, latest, ended = managed_by(ctx, user, MAX_PROJECTS + 1)
    shown = projects[:MAX_PROJECTS]
    flags = plans_service.flags_of(ctx, [p.id for p in shown]) if shown else {}
    rows = [(project, project_standing(ctx, project, latest.get(project.id), now),
             ProjectButton(project.key).encode(), flags.get(project.id)) for project in shown]
    _project, issues, issues_total = issue_views.listing(ctx, user, ListIssues(None), MAX_ISSUES)
    mine = actions_service.owned_by(ctx, user, limit=MAX_ACTIONS + 1)
    ended_line = {"keys": [p.key for p in ended[:ENDED_SHOWN]], "count": len(ended),
                  "more": max(0, len(ended) - ENDED_SHOWN)} if ended else None
    return ctx.renderer.view("home", votes=votes, votes_more=len(waiting) - len(votes),
                             rows=rows, more=len(projects) > MAX_PROJECTS, ended=ended_line,
                             issues=issues, issues_more=issues_total - len(issues),
                             my_actions=mine[:MAX_ACTIONS], actions_more=len(mine) > MAX_ACTIONS,
                             is_admin=permissions.is_admin(user, ctx.rules),
                             pm_may_post=permissions.may_post_as_pm(ctx.rules), action=Action)


def approvals_waiting(ctx: BotContext, user: str, now) -> list[dict[str, Any]]:
    """Gate reviews and change requests waiting for `user`'s vote together (one approvals
    engine), oldest first, each with its own Approve and Reject buttons."""
    tz = ctx.renderer.tz
    gates = [(pending.request.requested_at,
              {**pending_row(pending, now, tz), "kind": "gate",
               "approve": Action.GATE_APPROVE, "reject": Action.GATE_REJECT})
             for pending in waiting_for(ctx, user)]
    changes = [(pending.request.requested_at,
                {"kind": "change", "key": pending.project.key,
                 "ref": pending.request.ref(pending.project.key),
                 "title": pending.request.title, "requester": pending.request.requested_by,
                 "age_days": days_ago(pending.request.requested_at, now, tz),
                 "approvals": sum(1 for v in pending.votes if v.vote == "approve"),
                 "required": pending.request.required,
                 "value": ChangeButton(pending.request.id).encode(),
                 "approve": Action.CHANGE_APPROVE, "reject": Action.CHANGE_REJECT})
               for pending in change_flow.waiting_for(ctx, user)]
    return [row for _at, row in sorted(gates + changes, key=lambda pair: pair[0])]


def on_post_update(ctx: BotContext, ack, body: dict, client) -> None:
    ack()
    user, trigger_id = body["user"]["id"], body["trigger_id"]
    try:
        key = ProjectButton.decode((body.get("actions") or [{}])[0].get("value")).key
    except UserError as error:
        open_modal(client, trigger_id, notice_view(ctx, error_text(ctx.renderer, error)))
        return
    open_status_modal(ctx, client, trigger_id, user, key=key, prefill_from_latest=True)
