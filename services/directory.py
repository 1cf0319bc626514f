"""Who and where: is this id a person who can own, manage or approve, is this a channel the
bot can post in? Asked of Slack after the ack, cached, and answered with the fix.

One users.info look-up serves everything the bot wants to know about a person: their time zone
(services/zones.py, for nudges), their standing and their name. The answer is one row per person
in `user_timezones` (storage/reminders.py). A person known to be a person is trusted for
`MAX_AGE`; anything else (a bot, a deactivated account, an id Slack does not know, an old row)
is asked again, so a refusal is always Slack's answer of the moment. Channels are asked with
conversations.info; a channel that passed is remembered for a minute per process
(bot/lookup_cache.py), a refusal never is (the fix — `/invite` — should work at once).

The checks run in the work after the ack, before the write: a bad id refuses the whole command
(nothing saved) with the sentence that says what is wrong and how to fix it. When Slack does not
answer (an outage, a rate limit, a missing scope) the command is not blocked: it is saved as
typed and the reply says what could not be checked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from pmo_rules import visibility
from pmo_rules.errors import UserError
from services.context import BotContext
from storage import access as access_store
from storage import reminders as store

log = logging.getLogger(__name__)

PERSON, BOT, DEACTIVATED, UNKNOWN = "person", "bot", "deactivated", "unknown"
MAX_AGE = timedelta(days=1)
NO_SUCH_USER = frozenset({"user_not_found", "users_not_found"})
NO_SUCH_CHANNEL = frozenset({"channel_not_found"})
SLACKBOT = "USLACKBOT"  # a bot that users.info describes with is_bot false


@dataclass(frozen=True)
class Looked:
    """users.info's answer, as stored: `standing` None when Slack would not say."""

    standing: str | None
    tz: str | None
    kind: str | None = None
    """member, guest or external (pmo_rules/visibility.py); None when Slack would not say."""


def standing_of(user: dict) -> str:
    if user.get("deleted"):
        return DEACTIVATED
    if user.get("is_bot") or user.get("id") == SLACKBOT:
        return BOT
    return PERSON


def fetch_person(ctx: BotContext, user: str, now: datetime) -> Looked | None:
    """Ask users.info about `user` and store the answer; None when Slack did not answer (nothing
    stored: ask again later)."""
    try:
        found = ctx.client.users_info(user=user)["user"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in NO_SUCH_USER:
            looked = Looked(UNKNOWN, None)
        elif error == "account_inactive":  # Slack will not say: no zone, standing unknown
            looked = Looked(None, None)
        else:
            log.warning("users.info for %s failed: %s", user, error)
            return None
        name = None
    except Exception as exc:  # noqa: BLE001 - network trouble: ask again next time
        log.warning("users.info for %s failed: %s", user, type(exc).__name__)
        return None
    else:
        looked = Looked(standing_of(found), found.get("tz"),
                        visibility.kind_of(found, home_team(ctx)))
        name = found.get("real_name") or (found.get("profile") or {}).get("real_name")
    with ctx.db.write() as session:
        store.save_zone(session, user, looked.tz, now, standing=looked.standing,
                        name=name[:255] if isinstance(name, str) else None, kind=looked.kind)
    return looked


def home_team(ctx: BotContext) -> str | None:
    """The installation's workspace: the rules file's, else what auth.test said."""
    return ctx.rules.access.team_id or ctx.home.get("team")


def person_standing(ctx: BotContext, user: str) -> str | None:
    """PERSON, BOT, DEACTIVATED or UNKNOWN; None when Slack could not be asked and nothing is
    known. A recent PERSON comes from the cache; any other answer is asked again."""
    now = ctx.now()
    with ctx.db.read() as session:
        cached = store.cached_person(session, user)
    if cached and cached.standing == PERSON and now - cached.fetched_at <= MAX_AGE:
        return PERSON
    looked = fetch_person(ctx, user, now)
    if looked is not None and looked.standing is not None:
        return looked.standing
    return cached.standing if cached else None


def check_people(ctx: BotContext, users: Iterable[str], *, role: str) -> list[str]:
    """Refuse (UserError, naming the fix) the first id that is not an active person; returns
    the ids Slack could not be asked about (saved as typed: say so)."""
    unchecked: list[str] = []
    for user in dict.fromkeys(users):
        standing = person_standing(ctx, user)
        if standing is None:
            unchecked.append(user)
        elif standing != PERSON:
            raise UserError(f"directory.{standing}", user=user, role=role)
    return unchecked


def check_channel(ctx: BotContext, channel: str) -> bool:
    """Refuse (UserError, naming the fix) a channel that does not exist, is archived, or that
    the bot is not a member of; False when Slack could not be asked (go ahead, and say so).
    Only channel ids (C…, G…) are asked about: a DM is always reachable."""
    if not channel or channel[0] not in "CG":
        return True
    key = ("conversations.info", channel)
    if ctx.lookups.get(key):
        return True
    try:
        found = ctx.client.conversations_info(channel=channel)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in NO_SUCH_CHANNEL:
            raise UserError("directory.channel_unknown", channel=channel) from None
        log.warning("conversations.info for %s failed: %s", channel, error)
        return False
    except Exception as exc:  # noqa: BLE001 - network trouble: do not block the command
        log.warning("conversations.info for %s failed: %s", channel, type(exc).__name__)
        return False
    ctx.lookups.put(("private", channel), bool(found.get("is_private")))
    if found.get("is_archived"):
        raise UserError("directory.channel_archived", channel=channel)
    if not found.get("is_member") and not found.get("is_im"):
        raise UserError("directory.channel_not_member", channel=channel)
    ctx.lookups.put(key, True)
    return True


def channel_private(ctx: BotContext, channel: str) -> bool:
    """Whether conversations.info calls `channel` private (False when Slack cannot say)."""
    if not channel or channel[0] not in "CG":
        return False
    known = ctx.lookups.get(("private", channel))  # check_channel asked a moment ago
    if known is not None:
        return bool(known)
    try:
        found = ctx.client.conversations_info(channel=channel)["channel"]
    except Exception as exc:  # noqa: BLE001 - only an offer depends on it: leave it out
        log.info("conversations.info for %s failed: %s", channel, type(exc).__name__)
        return False
    ctx.lookups.put(("private", channel), bool(found.get("is_private")))
    return bool(found.get("is_private"))


def checked(ctx: BotContext, *, role: str, people: Iterable[str] = (),
            channels: Iterable[str] = ()) -> str:
    """Check these people (for `role`) and channels, refusing a bad one; returns the line to
    add to the reply when Slack could not be asked ("" when everything was checked)."""
    people = list(dict.fromkeys(people))
    users = check_people(ctx, people, role=role)
    unreached = [channel for channel in dict.fromkeys(channels)
                 if not check_channel(ctx, channel)]
    note = _outsiders_note(ctx, [user for user in people if user not in users], role)
    if not users and not unreached:
        return note
    return "\n" + ctx.renderer.t("directory.unchecked", users=users, channels=unreached) + note


def _outsiders_note(ctx: BotContext, people: list[str], role: str) -> str:
    """Naming a guest or a person of another organisation is allowed; the one naming them is
    told what that person will (not) see (README: Who sees what)."""
    if not people:
        return ""
    with ctx.db.read() as session:
        kinds = access_store.kinds_of(session, people)
    outsiders = [(user, kind) for user, kind in kinds.items()
                 if kind in (visibility.GUEST, visibility.EXTERNAL)]
    return "".join("\n" + ctx.renderer.t("access.named_outsider", user=user, kind=kind,
                                          role=role) for user, kind in outsiders)
