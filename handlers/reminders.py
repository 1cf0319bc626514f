"""The buttons under a reminder DM ("Snooze", "Post update") and `/pmo digest`'s preview.

A block action is acknowledged at once (Slack shows no text for it); the answer goes to the
person alone through the response_url, and a damaged, outdated or someone else's button gets a
plain explanation and changes nothing.
"""

from __future__ import annotations

from slack_bolt import App

from bot import zones
from bot.context import BotContext
from bot.planner import build_digest
from handlers.replies import error_text
from handlers.status_form import open_status_modal
from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.ids import Action
from pmo_rules.schedule import snooze_end
from pmo_rules.values import PostStatus, Snooze
from storage import audit
from storage import projects as store
from storage import reminders as ledger
from storage.sources import source_of, status_due

MAX_PREVIEW_POSTS = 4
"""A response_url takes five posts: four digest parts and, if needed, a line about the rest."""


def register(app: App, ctx: BotContext) -> None:
    app.action(Action.NUDGE_SNOOZE)(
        lambda ack, body, respond: on_snooze(ctx, ack, body, respond))
    app.action(Action.NUDGE_POST_STATUS)(
        lambda ack, body, respond, client: on_post_status(ctx, ack, body, respond, client))


def _answer(respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def on_snooze(ctx: BotContext, ack, body: dict, respond) -> None:
    ack()
    try:
        text = snooze(ctx, body["user"]["id"], body["actions"][0].get("value"))
    except UserError as error:
        text = error_text(ctx.renderer, error)
    _answer(respond, text)


def snooze(ctx: BotContext, user: str, raw_value: object) -> str:
    """Snooze the clicked item for `[reminders] snooze_days` in the clicker's time zone."""
    clicked = Snooze.decode(raw_value)
    kind, key = clicked.kind, clicked.item_key
    source = source_of(kind)
    if source is None:
        raise UserError("nudge.malformed")
    now = ctx.now()
    with ctx.db.write() as session:
        item = permissions.require_snoozer(
            source.due_items(session, now, ctx.rules, item_ids=[clicked.item_id]), key=key,
            user=user)
        row = ledger.zones(session, [user]).get(user)
        until = snooze_end(now, zones.as_zone(row and row.tz, ctx.rules.pmo.tz),
                           ctx.rules.reminders.snooze_days)
        entry = ledger.ledger_entry(session, key, user)
        if entry is None or entry.snoozed_until != until:  # a double click changes nothing
            ledger.snooze(session, item, until, now)
            audit.record(session, at=now, actor=user, action="reminder.snoozed",
                         subject_type="reminder", subject_id=key,
                         after={"until": until.isoformat()})
    what = ctx.renderer.t(f"snooze.what.{kind}", **item.subject)
    return ctx.renderer.t("snooze.done", what=what, until=ctx.renderer.slack_date(until))


def on_post_status(ctx: BotContext, ack, body: dict, respond, client) -> None:
    """Open the status form on the nudged project, pre-filled from its latest update.

    The form is opened first: the click's `trigger_id` expires three seconds after the click.
    """
    ack()
    try:
        key = PostStatus.decode(body["actions"][0].get("value")).key
    except UserError as error:
        _answer(respond, error_text(ctx.renderer, error))
        return
    if (done := _no_longer_due(ctx, key)) is not None:
        _answer(respond, done)
        return
    open_status_modal(ctx, client, body["trigger_id"], body["user"]["id"], key=key,
                      prefill_from_latest=True)


def _no_longer_due(ctx: BotContext, key: str) -> str | None:
    """Why a "Post update" from an old reminder has nothing to do — the update was posted
    since, or the project no longer reports — or None while it is still due (or the project
    is unknown: the form's notice names it). Like Snooze on a stale item, it changes nothing."""
    with ctx.db.read() as session:
        project = store.project_by_key(session, key)
        if project is None or status_due.SOURCE.due_items(
                session, ctx.now(), ctx.rules, item_ids=[str(project.id)]):
            return None
        return ctx.renderer.t("nudge.post_stale", key=project.key, state=project.state,
                              last=project.last_status_at)


def preview_digest(ctx: BotContext, respond) -> None:
    """`/pmo digest`: the digest as it would read now, to the caller only."""
    messages = build_digest(ctx, ctx.now(), None, note=_preview_note(ctx))
    for message in messages[:MAX_PREVIEW_POSTS]:
        respond(response_type="ephemeral", **message.as_payload())
    if len(messages) > MAX_PREVIEW_POSTS:
        respond(response_type="ephemeral", text=ctx.renderer.t(
            "digest.preview_more", count=len(messages) - MAX_PREVIEW_POSTS))


def _preview_note(ctx: BotContext) -> str:
    t, rules = ctx.renderer.t, ctx.rules
    if not rules.digest.enabled:
        when = t("digest.disabled")
    elif rules.pmo.digest_channel is None:
        when = t("digest.no_channel")
    else:
        when = t("digest.schedule", channel=rules.pmo.digest_channel,
                 day=t(f"digest.weekday.{rules.digest.weekday}"),
                 time=f"{rules.digest.time:%H:%M}", tz=rules.pmo.timezone)
    return f"{t('digest.preview')} {when}"
