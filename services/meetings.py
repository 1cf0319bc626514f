"""Meeting minutes (issue 12, item 4): every decision and action of a meeting recorded in one
transaction (numbered as `/decision` and `/action` number them), the minutes posted to the
project channel in one message, one DM to each action owner listing their actions, and the
`meeting.recorded` audit entry — all in the outbox of that same transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pmo_rules import meetings as rules
from pmo_rules.errors import UserError
from services import actions, decisions, directory
from services.context import BotContext
from storage import audit, outbox
from storage.projects import Project
from templates.errors import error_text
from templates.render import escape_mrkdwn


def form_project(ctx: BotContext, key: str) -> tuple[str, str]:
    """The project the form is for (its key as stored and its name), refused when unknown or
    out of the portfolio; who may: anyone who may add an action (everyone, as risks)."""
    with ctx.db.read() as session:
        project = _project(session, key)
        return project.key, project.name


def _project(session: Session, key: str) -> Project:
    """The project, or the refusal in the meeting's words (it checks as adding an action)."""
    try:
        return actions.project_for_change(session, key)
    except UserError as error:
        if error.key == "action.project_ended":
            raise UserError("meeting.project_ended", **error.params) from None
        raise


def record(ctx: BotContext, user: str, minutes: rules.Minutes) -> str:
    """Record the minutes; the answer for the person who submitted them."""
    now = ctx.now()
    try:
        note = directory.checked(ctx, role="action_owner",
                                 people=[a.owner for a in minutes.actions])
        note += directory.checked(ctx, role="decider",
                                  people=[d.decided_by for d in minutes.decisions
                                          if d.decided_by])
        with ctx.db.write() as session:
            project = _project(session, minutes.key)
            decided = [decisions.record(ctx, session, project=project, title=d.title, note=None,
                                        decided_by=d.decided_by or user, supersedes=None,
                                        actor=user, now=now, announce=False)[0]
                       for d in minutes.decisions]
            done = [actions.record(ctx, session, project=project, title=a.title, due=a.due,
                                   owner=a.owner, actor=user, now=now, tell_owner=False)[0]
                    for a in minutes.actions]
            message = ctx.renderer.message(
                "meeting_minutes", "meeting.minutes_text", m=minutes, key=project.key,
                name=project.name, decisions=decided, actions=done, by=user,
                notes=rules.split_notes(escape_mrkdwn(minutes.notes)) if minutes.notes else [])
            sent = [outbox.enqueue(session, kind="meeting_minutes", channel=project.channel_id,
                                   payload=message.as_payload(), now=now,
                                   requested_by=user).id]
            owners = dict.fromkeys(a.owner_id for a in done)
            for owner in owners:
                dm = ctx.renderer.text("meeting.dm_owner", key=project.key, m=minutes, by=user,
                                       actions=[a for a in done if a.owner_id == owner])
                sent.append(outbox.enqueue(session, kind="action_dm", channel=owner,
                                           payload=dm.as_payload(), now=now,
                                           requested_by=user).id)
            audit.record(session, at=now, actor=user, action="meeting.recorded",
                         subject_type="project", subject_id=project.key,
                         project_id=project.id,
                         after={"title": minutes.title, "date": minutes.day.isoformat(),
                                "attendees": list(minutes.attendees),
                                "decisions": [d.ref for d in decided],
                                "actions": [a.ref for a in done]})
            channel = project.channel_id
    except UserError as error:
        return error_text(ctx.renderer, error)
    ctx.sender.send(sent)
    return ctx.renderer.t("meeting.recorded", key=minutes.key, m=minutes, channel=channel,
                          decisions=decided, actions=done, owners=len(owners)) + note
