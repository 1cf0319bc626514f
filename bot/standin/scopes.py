"""Which bot scope each Web API method needs, as Slack checks it, and what the stand-in grants.

Slack answers a call the token lacks the scope for with `missing_scope` (naming the scope
needed) and tells every caller its token's scopes in the `x-oauth-scopes` response header. The
stand-in does both: by default it grants every scope listed here, so a test that narrows the
grant (`SlackStandIn.set_scopes`) sees exactly what a misconfigured app would.
"""

from __future__ import annotations

from collections.abc import Callable

# Methods whose scope does not depend on the arguments (None: no scope needed).
_FIXED: dict[str, str | None] = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "chat.getPermalink": None,
    "conversations.open": "im:write",
    "users.info": "users:read",
    "users.list": "users:read",
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
    "apps.connections.open": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
# conversations.info/list/members: the scope follows the kind of conversation.
_BY_KIND = {"public_channel": "channels:read", "private_channel": "groups:read",
            "im": "im:read", "mpim": "mpim:read"}
# conversations.history/replies: the same, for reading messages.
_HISTORY_BY_KIND = {"public_channel": "channels:history", "private_channel": "groups:history",
                    "im": "im:history", "mpim": "mpim:history"}
ALL_SCOPES = frozenset({"commands", *(s for s in _FIXED.values() if s), *_BY_KIND.values(),
                        *_HISTORY_BY_KIND.values()})


def needed(method: str, args: dict, private: Callable[[str], bool | None]) -> str | None:
    """The scope `method` needs with these `args`; `private(channel_id)` says whether a channel
    is private (None when unknown: Slack checks the public scope first)."""
    if method in ("conversations.info", "conversations.members"):
        channel = str(args.get("channel") or "")
        if channel.startswith("D"):
            return _BY_KIND["im"]
        return _BY_KIND["private_channel" if private(channel) else "public_channel"]
    if method in ("conversations.history", "conversations.replies"):
        channel = str(args.get("channel") or "")
        if channel.startswith("D"):
            return _HISTORY_BY_KIND["im"]
        return _HISTORY_BY_KIND["private_channel" if private(channel) else "public_channel"]
    if method == "conversations.list":
        kinds = str(args.get("types") or "public_channel").split(",")
        return next((_BY_KIND[k] for k in kinds if k in _BY_KIND), _BY_KIND["public_channel"])
    return _FIXED.get(method)
