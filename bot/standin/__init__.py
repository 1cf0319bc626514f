"""A recording Slack Web API (and Socket Mode) stand-in for tests and the offline console."""

from .directory import BOT_ID, BOT_USER_ID, TEAM_ID, Directory
from .limits import message_problems, message_warnings, view_problems
from .server import SlackStandIn
from .socket_mode import SocketModeLink
from .state import Call

__all__ = [
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_ID",
    "Call",
    "Directory",
    "SlackStandIn",
    "SocketModeLink",
    "message_problems",
    "message_warnings",
    "view_problems",
]
