"""One console session: who is typing, where, and what they have been shown.

Each line a person types becomes what Slack would send (a signed slash command, a button click,
a modal submission) into the real app. When the bot has finished (`ConsoleBot.quiet`), the
session shows what reached this person, in order: the command's own reply, ephemeral answers,
messages in channels, direct messages to them (and a pointer to DMs others received), edits.
The buttons it shows are numbered across one such screen; `:click N` presses one.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text

from bot.console import commands, modal
from bot.console.engine import ConsoleBot, ack_body
from bot.console.escaping import escape_command_text
from bot.console.render import Control, Drawing, Names, draw_message, mrkdwn
from bot.console.terminal import Printer
from bot.console.workspace import START_CHANNEL, START_USER
from bot.standin.driver import HttpResponse

DM_HISTORY = 10  # `:dm` shows this many of the latest direct messages


class ConsoleFailure(Exception):
    """The console itself cannot go on (not the bot refusing something): exit non-zero."""


@dataclass(frozen=True)
class Clickable:
    """A numbered control and where it lives, for the block_actions payload Slack would send."""

    control: Control
    channel: str | None = None
    message: dict | None = None
    view: dict | None = None


class Session:
    def __init__(self, bot: ConsoleBot, printer: Printer, reader, *, seen: int | None = None,
                 after_line: Callable[[], None] | None = None) -> None:
        """`seen`: how much of the stand-in's timeline was before this session (default: all
        of it; `started_with()` announces the messages after it). `after_line` runs after
        each line (the console keeps what Slack shows, bot/console/kept.py)."""
        self.bot = bot
        self.printer = printer
        self.reader = reader
        self.t = bot.ctx.renderer.t
        self.directory = bot.slack.directory
        self.names = Names(self.directory)
        self.user, self.channel = START_USER, START_CHANNEL
        self.clickables: list[Clickable] = []
        self._screen: list[Clickable] = []
        self._seen = len(bot.slack.timeline()) if seen is None else seen
        self._after_line = after_line
        self._kept_at = self._seen
        self._action_ts = itertools.count(1)
        self._clicked: Clickable | None = None  # what a replace_original answer replaces

    # -- the loop ------------------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        return f"{self.user_name(self.user)}@{self.names.channel(self.channel)}> "

    def run(self) -> None:
        """Read and act on lines until `:quit` or the end of input."""
        while True:
            try:
                line = self.reader.read(self.prompt)
                going = line is not None and self.handle(line)
                if self._after_line is not None and self._seen != self._kept_at:
                    self._kept_at = self._seen  # only when Slack shows something new
                    self._after_line()
                if not going:
                    return
            except KeyboardInterrupt:
                self.printer.stream.write("\n")
                self.note(self.t("console.interrupted"))
            except modal.InputEnded:
                self.note(self.t("console.form_input_ended"))
                return

    def handle(self, line: str) -> bool:
        """Act on one line; False when the session should end."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return commands.run(self, line)
        if line.startswith("/"):
            self.slash(line)
        else:
            self.note(self.t("console.not_a_command"))
        return True

    # -- people and places ---------------------------------------------------------------------

    def user_name(self, user_id: str) -> str:
        return self.names.user(user_id).lstrip("@")

    def note(self, text: str) -> None:
        """A line from the console itself (catalogue words, which use mrkdwn like the bot's)."""
        self.printer.note(mrkdwn(text, self.names))

    def words(self, key: str, style: str | None = None, **params) -> Text:
        """A catalogue sentence as styled text, for lines inside a card or form."""
        text = mrkdwn(self.t(key, **params), self.names)
        if style:
            text.stylize_before(style)
        return text

    # -- talking to the bot --------------------------------------------------------------------

    def slash(self, line: str) -> None:
        self._clicked = None
        command, _, text = line.partition(" ")
        channel = self.directory.channel(self.channel) or {"name": self.channel}
        response = self.bot.command(command, escape_command_text(text.strip(), self.directory),
                                    user=self.user, channel=self.channel,
                                    user_name=self.user_name(self.user),
                                    channel_name=channel["name"])
        self.settle(response, command=command)

    def click(self, clickable: Clickable) -> None:
        """Press a numbered control: ask what a menu or picker needs, then send block_actions."""
        self._clicked = clickable
        element = clickable.control.element
        if element.get("confirm") and not modal.confirmed(self, element["confirm"]):
            return
        if element.get("url"):
            self.note(self.t("console.click_opens", url=element["url"]))
        action = modal.action_for(self, element, clickable.control.block_id,
                                  self._next_action_ts())
        message = clickable.message
        response = self.bot.block_action(user=self.user, action=action,
                                         channel=clickable.channel, message=message,
                                         message_ts=(message or {}).get("ts"),
                                         view=clickable.view)
        self.settle(response, clicked=True)

    def _next_action_ts(self) -> str:
        """Slack's action_ts, from the console's clock so transcripts stay stable."""
        return f"{int(self.bot.clock.at.timestamp())}.{next(self._action_ts):06d}"

    def settle(self, response: HttpResponse, *, command: str | None = None,
               clicked: bool = False) -> list[dict]:
        """After a request: wait for the bot, show its answer and what followed, open forms."""
        finished = self.bot.quiet()
        if response.status == 401:
            raise ConsoleFailure(self.t("console.signature_refused"))
        self.begin_screen()
        if command is not None:
            self.show_command_ack(response, command)
        elif clicked and response.status == 404:
            self.note(self.t("console.click_unhandled"))
        events = self.show_events()
        if not finished:
            self.note(self.t("console.still_working"))
        self.end_screen()
        self.open_forms(events)
        return events

    def show_command_ack(self, response: HttpResponse, command: str) -> None:
        if response.status == 404:
            self.note(self.t("console.command_unknown", command=command))
        elif response.status != 200:
            self.note(self.t("console.command_failed", command=command, status=response.status))
        elif response.body:
            body = ack_body(response)
            in_channel = body.get("response_type") == "in_channel"
            label = (self.label(self.channel) if in_channel
                     else self.t("console.label_only_you"))
            self.show_card(label, body, channel=self.channel)

    def open_forms(self, events: list[dict]) -> None:
        """A modal the bot opened (or changed) for this person becomes a form to fill in."""
        if any(e["kind"] in modal.VIEW_EVENTS and e.get("user") == self.user for e in events):
            stack = self.bot.slack.modal_stack(self.user)
            if stack:
                modal.run_form(self, stack)

    # -- showing what arrived ------------------------------------------------------------------

    def begin_screen(self) -> None:
        self._screen = []

    def end_screen(self) -> None:
        """Controls shown on this screen replace the previous ones; none shown keeps them."""
        if self._screen:
            self.clickables = self._screen

    def show_card(self, label: str, message: dict, *, channel: str | None = None,
                  clickable_message: dict | None = None, view: dict | None = None) -> Drawing:
        """One message (or the Home tab) in a card; its controls get this screen's next numbers."""
        drawing = draw_message(message, self.names, first=len(self._screen) + 1)
        for control in drawing.controls:
            self._screen.append(Clickable(control, channel=channel, message=clickable_message,
                                          view=view))
        self.printer.card(label, drawing.lines)
        return drawing

    def show_events(self) -> list[dict]:
        """Everything the stand-in recorded since last time, as this person sees it."""
        events = self.bot.slack.timeline()[self._seen:]
        self._seen += len(events)
        for event in events:
            self.show_event(event)
        return events

    def show_event(self, event: dict) -> None:
        kind = event["kind"]
        if kind in ("message", "update"):
            self.show_posted(event, edited=kind == "update")
        elif kind == "ephemeral" and event.get("via") != "response_url" and (
                event.get("user") == self.user):  # response_url posts come as "response" too
            self.show_card(self.t("console.label_only_you"), event, channel=event["channel"])
        elif kind == "response":
            self.show_response(event)
        elif kind == "delete":
            self.note(self.t("console.deleted", channel=self.where(event["channel"])))
        elif kind == "rejected":
            errors = event.get("errors") or ["?"]
            self.note(self.t("console.rejected", method=event.get("method"), error=errors[0],
                             more=len(errors) - 1))

    def label(self, channel: str, *, edited: bool = False, thread: bool = False) -> str:
        """The card's heading: where the message is, and whether it was edited or threaded."""
        if channel.startswith("D"):
            return self.t("console.label_dm", edited=edited, thread=thread)
        return self.t("console.label_channel", channel=self.names.channel(channel),
                      edited=edited, thread=thread)

    def where(self, channel: str) -> str:
        return self.t("console.your_dm") if channel == f"D{self.user}" else (
            self.names.channel(channel))

    def show_posted(self, message: dict, *, edited: bool) -> None:
        channel = message["channel"]
        if channel.startswith("D") and channel != f"D{self.user}":
            self.note(self.t("console.dm_for_other", user=self.user_name(channel[1:]),
                             edited=edited))
            return
        label = self.label(channel, edited=edited, thread=bool(message.get("thread_ts")))
        self.show_card(label, message, channel=channel, clickable_message=message)

    def show_response(self, event: dict) -> None:
        """A response_url post: shown where Slack shows it (or noted, for a deleted original)."""
        effect, body, channel = event["effect"], event["body"], event.get("channel")
        if effect == "delete_original":
            self.note(self.t("console.deleted", channel=self.where(channel or "")))
        elif effect == "in_channel":
            self.show_card(self.label(channel or ""), body, channel=channel)
        elif effect == "replace_original" and self._clicked and self._clicked.message:
            # The clicked message itself changed, where everyone in its channel sees it.
            replaced = dict(self._clicked.message, text=body.get("text") or "",
                            blocks=body.get("blocks") or [])
            self.show_card(self.label(self._clicked.channel or "", edited=True), replaced,
                           channel=self._clicked.channel, clickable_message=replaced)
        elif event.get("user") == self.user:
            label = ("console.label_replaced" if effect == "replace_original"
                     else "console.label_only_you")
            self.show_card(self.t(label), body, channel=channel)

    def show_home(self) -> None:
        """Open the Home tab as Slack does (`app_home_opened`) and show what the bot published."""
        self.settle(self.bot.home_opened(user=self.user))
        home = self.bot.slack.home_view(self.user)
        if home is None:
            self.note(self.t("console.home_none"))
            return
        self.begin_screen()
        self.show_card(self.t("console.label_home"), {"blocks": home.get("blocks") or []},
                       view=home)
        self.end_screen()

    def started_with(self) -> str | None:
        """One line on what the bot posted before the first prompt (the week's digest, due
        reminders, the demo's gate cards), which would otherwise wait unseen; None if nothing.
        Those messages stay where they went (`:dm`, `:read #channel`)."""
        events = self.bot.slack.timeline()[self._seen:]
        self._seen += len(events)
        places = Counter(e["channel"] for e in events if e["kind"] == "message")
        if not places:
            return None
        where = [self.t("console.started_place", count=count, place=(
                     self.names.channel(channel) if not channel.startswith("D")
                     else self.t("console.started_dm_own") if channel == f"D{self.user}"
                     else self.t("console.started_dm_other", user=self.user_name(channel[1:]))))
                 for channel, count in sorted(places.items(), key=lambda p: (-p[1], p[0]))]
        return self.t("console.started_with", count=sum(places.values()), places=where)

    def show_channel(self, channel: str) -> None:
        """`:read #channel`: its latest messages, as the channel shows them now."""
        messages = self.bot.slack.messages(channel)
        name = self.names.channel(channel)
        if not messages:
            self.note(self.t("console.read_none", channel=name))
            return
        self.begin_screen()
        shown = messages[-DM_HISTORY:]
        self.note(self.t("console.read_header", shown=len(shown), total=len(messages),
                         channel=name))
        for message in shown:
            self.show_card(self.label(channel, edited="edited" in message,
                                      thread=bool(message.get("thread_ts"))),
                           message, channel=channel, clickable_message=message)
        self.end_screen()

    def show_direct_messages(self) -> None:
        messages = self.bot.slack.dm_messages(self.user)
        if not messages:
            self.note(self.t("console.dm_none"))
            return
        self.begin_screen()
        shown = messages[-DM_HISTORY:]
        self.note(self.t("console.dm_header", shown=len(shown), total=len(messages)))
        for message in shown:
            self.show_card(self.label(f"D{self.user}", edited="edited" in message,
                                      thread=bool(message.get("thread_ts"))),
                           message, channel=f"D{self.user}", clickable_message=message)
        self.end_screen()
