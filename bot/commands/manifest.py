"""`pmo-bot manifest --socket-mode | --url https://host[/base]`: the Slack app manifest, as YAML.

An admin pastes it at api.slack.com/apps → Create New App → From a manifest, and gets the app
this code expects: every slash command (with `should_escape: true`, so mentions arrive as ids),
interactivity, the App Home tab, the `app_home_opened` event, and exactly the bot scopes the code
needs. The words (command descriptions, usage hints) come from the catalogue in the rules file's
language. `--without-top-level` leaves out the top-level commands that also work as `/pmo`
sub-commands (pmo_rules.pmo_commands.ALSO_UNDER_PMO), and the `/pmo` usage hint names them.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

import yaml

from bot.rules_file import load_rules
from bot.wsgi import EVENTS_PATH
from pmo_rules.pmo_commands import ALSO_UNDER_PMO
from templates.render import Renderer

# Every Web API method the bot calls, and the bot scopes it needs (None: no scope). A test scans
# the code for Web API calls and fails when one is missing here, so the manifest cannot drift.
_HISTORY = ("channels:history", "groups:history", "im:history")
WEB_API_SCOPES: dict[str, str | tuple[str, ...] | None] = {
    "auth.test": None,
    "conversations.info": ("channels:read", "groups:read"),  # public, private (pmo-bot doctor)
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    # Before posting a message again, the outbox checks whether an earlier attempt posted it
    # (bot/sent_lookup.py): history in public and private channels and DMs, and a DM's id.
    "conversations.history": _HISTORY,
    "conversations.replies": _HISTORY,
    "conversations.open": "im:write",
    "views.open": None,
    "views.publish": None,
    "users.info": "users:read",
    # Who may see what (README: Who sees what): everyone's kind, and the members of the
    # channels that decide who may see a confidential project.
    "users.list": "users:read",
    "conversations.members": ("channels:read", "groups:read"),
    # Charts (services/charts.py) go up with files_upload_v2: these two calls, with the bytes
    # POSTed to the upload URL between them.
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
SLASH_COMMANDS = ("status", "pmo", "risk", "gate", "milestone", "issue", "action", "decision",
                  "change", "lesson")
BOT_EVENTS = ("app_home_opened",)
_URL = re.compile(r"^https://[^\s/]+(/[^\s]*)?$")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("manifest", help="print the Slack app manifest (YAML)")
    parser.add_argument("--url", type=_base_url, default=None,
                        help="the bot's public base URL, e.g. https://pmo.example.com (HTTP mode)")
    parser.add_argument("--socket-mode", action="store_true",
                        help="for Socket Mode (no public URL needed)")
    parser.add_argument("--without-top-level", action="store_true",
                        help="leave out the commands that also work after /pmo ("
                             + ", ".join(f"/{name}" for name in ALSO_UNDER_PMO)
                             + "): they are typed as /pmo milestone …, /pmo action …")
    parser.set_defaults(func=run)


def _base_url(value: str) -> str:
    if not _URL.match(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an https:// URL (Slack only calls https request URLs)")
    if "?" in value or "#" in value:
        raise argparse.ArgumentTypeError(
            f"{value!r} has a query or fragment (?… or #…): give the base URL only, such as "
            f"https://pmo.example.com/base (the manifest appends {EVENTS_PATH} to it)")
    return value.rstrip("/")


def run(args: argparse.Namespace) -> int:
    if args.socket_mode and args.url is not None:
        print("pmo-bot manifest: give --url (HTTP) or --socket-mode, not both: in Socket Mode "
              "Slack calls no URL, so --url would be left out", file=sys.stderr)
        return 2
    if not args.socket_mode and args.url is None:
        print("pmo-bot manifest: give --url https://your.host (HTTP) or --socket-mode",
              file=sys.stderr)
        return 2
    rules = load_rules(os.environ.get("PMO_RULES") or None)
    manifest = build_manifest(Renderer(rules.pmo.locale), url=args.url,
                              socket_mode=args.socket_mode, risk_scale=rules.risk.scale,
                              without_top_level=args.without_top_level)
    print(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100), end="")
    return 0


def bot_scopes() -> list[str]:
    """`commands` for the slash commands, plus what the Web API calls need."""
    needed = {"commands"}
    for scopes in WEB_API_SCOPES.values():
        needed |= {scopes} if isinstance(scopes, str) else set(scopes or ())
    return sorted(needed)


def build_manifest(renderer: Renderer, *, url: str | None, socket_mode: bool,
                   risk_scale: int = 5, without_top_level: bool = False) -> dict[str, Any]:
    request_url = None if socket_mode else f"{url}{EVENTS_PATH}"
    t = renderer.t
    left_out = ALSO_UNDER_PMO if without_top_level else ()
    commands = []
    for name in SLASH_COMMANDS:
        if name in left_out:
            continue
        usage = t(f"manifest.{name}.usage", scale=risk_scale)
        if name == "pmo" and left_out:
            usage += " · " + t("manifest.pmo.also",
                       commands=" · ".join(f"/pmo {other} …" for other in left_out))
        command = {"command": f"/{name}", "description": t(f"manifest.{name}.description"),
                   "usage_hint": usage, "should_escape": True}
        if request_url:
            command = {"command": command.pop("command"), "url": request_url, **command}
        commands.append(command)
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if request_url:
        events = {"request_url": request_url, **events}
        interactivity["request_url"] = request_url
    return {
        "display_information": {"name": t("manifest.name"),
                                "description": t("manifest.description")},
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": t("manifest.name"), "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": bot_scopes()}},
        "settings": {"event_subscriptions": events, "interactivity": interactivity,
                     "org_deploy_enabled": False, "socket_mode_enabled": socket_mode,
                     "token_rotation_enabled": False},
    }
