"""Driving the console in tests: a session fed with lines, and surfaces with buttons and forms.

The bot's own buttons and modals arrive with the risk and gate features; until then these
listeners (added to the console's real app, through the real signed HTTP path) give the console's
`:click` and forms something to operate: a card with buttons and a menu, a form with every
kind of input, and answers of every `response_action`.
"""

from __future__ import annotations

import io
import json

from bot.console.clock import CONSOLE_START, ConsoleClock, run_clock
from bot.console.demo import seed_demo
from bot.console.engine import ConsoleBot
from bot.console.session import Session
from bot.console.terminal import Printer, ScriptReader
from bot.console.workspace import sample_directory, sample_rules
from bot.standin import SlackStandIn


class Console:
    """A console session whose input is given line by line and whose output is returned."""

    def __init__(self, bot: ConsoleBot) -> None:
        self.bot = bot
        self.out = io.StringIO()
        self.printer = Printer(self.out)
        self.session = Session(bot, self.printer, ScriptReader([], self.printer))

    def type(self, *lines: str) -> str:
        """Run these lines (as a script) and return what the console printed for them."""
        self.out.seek(0)
        self.out.truncate()
        self.session.reader = ScriptReader(lines, self.printer)
        self.session.run()
        return self.out.getvalue()


def start_console(database_url: str, *, demo: bool = False) -> Console:
    """The console as `pmo-bot console [--demo]` starts it, with the test surfaces added."""
    bot = ConsoleBot.start(database_url, sample_rules(), ConsoleClock(CONSOLE_START),
                           SlackStandIn(sample_directory()))
    install_test_surfaces(bot.app)
    if demo:
        seed_demo(bot.ctx.db, bot.ctx.rules)
        run_clock(bot.ctx)  # what the console's start sends: the demo's gate cards
    return Console(bot)


def _text(words: str) -> dict:
    return {"type": "plain_text", "text": words}


def _option(words: str, value: str) -> dict:
    return {"text": _text(words), "value": value}


RAG_OPTIONS = [_option(":large_green_circle: Green", "green"),
               _option(":large_yellow_circle: Amber", "amber"), _option(":red_circle: Red", "red")]

FORM = {
    "type": "modal", "callback_id": "t_form", "title": _text("Log a risk"), "submit": _text("Log"),
    "notify_on_close": True,
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Describe the *risk*."}},
        {"type": "input", "block_id": "level", "label": _text("Level"),
         "element": {"type": "static_select", "action_id": "v", "options": RAG_OPTIONS}},
        {"type": "input", "block_id": "title", "label": _text("Title"),
         "hint": _text("One line"),
         "element": {"type": "plain_text_input", "action_id": "v", "max_length": 30}},
        {"type": "input", "block_id": "score", "optional": True, "label": _text("Score"),
         "element": {"type": "number_input", "action_id": "v", "is_decimal_allowed": False,
                     "min_value": "1", "max_value": "25"}},
        {"type": "input", "block_id": "owner", "optional": True, "label": _text("Owner"),
         "element": {"type": "users_select", "action_id": "v"}},
        {"type": "input", "block_id": "due", "optional": True, "label": _text("Review by"),
         "element": {"type": "datepicker", "action_id": "v", "initial_date": "2026-12-01"}},
        {"type": "input", "block_id": "checks", "optional": True, "label": _text("Checked"),
         "element": {"type": "checkboxes", "action_id": "v",
                     "options": [_option("Impact", "impact"), _option("Owner told", "told")]}},
    ],
}


NOTE_FORM = {
    "type": "modal", "callback_id": "t_note", "title": _text("Add a note"), "submit": _text("Add"),
    "blocks": [{"type": "input", "block_id": "note", "label": _text("Note"),
                "element": {"type": "plain_text_input", "action_id": "v", "multiline": True}}],
}


NOTICE = {  # no submit button: Slack shows it until the person presses Close
    "type": "modal", "callback_id": "t_form", "title": _text("Risk logged"),
    "close": _text("Done"), "notify_on_close": True,
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Logged.* Thank you."}}],
}


def card_blocks(note: str) -> list[dict]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Gate request* {note}"}},
        {"type": "actions", "block_id": "vote", "elements": [
            {"type": "button", "action_id": "t_approve", "text": _text("Approve"),
             "value": json.dumps({"r": 7}), "style": "primary"},
            {"type": "button", "action_id": "t_reject", "text": _text("Reject"), "value": "no",
             "style": "danger",
             "confirm": {"title": _text("Reject?"), "text": _text("The PM is told."),
                         "confirm": _text("Reject it"), "deny": _text("Keep it")}},
            {"type": "static_select", "action_id": "t_pick", "placeholder": _text("Delegate"),
             "options": [_option("Grace", "grace"), _option("Henry", "henry")]}]},
    ]


def install_test_surfaces(app) -> None:
    """`/t-card [dm|@user|ephemeral]` posts a card; `/t-form` opens FORM."""

    @app.command("/t-card")
    def card(ack, command, client, respond):
        ack()
        where = command["text"] or "channel"
        if where == "ephemeral":
            respond(text="card", blocks=card_blocks("(ephemeral)"))
            return
        if where == "thread":
            parent = client.chat_postMessage(channel=command["channel_id"], text="Digest 1/2")
            client.chat_postMessage(channel=command["channel_id"], text="Digest 2/2",
                                    thread_ts=parent["ts"])
            return
        target = {"channel": command["channel_id"], "dm": command["user_id"]}.get(where)
        target = target or where.removeprefix("<@").split("|")[0]
        client.chat_postMessage(channel=target, text="card", blocks=card_blocks(f"({where})"))

    @app.action("t_approve")
    def approve(ack, body, client, respond):
        ack()
        value = json.loads(body["actions"][0]["value"])
        respond(text=f"Approved request {value['r']} by <@{body['user']['id']}>",
                replace_original=False)
        if body.get("message"):
            client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"],
                               text="decided", blocks=[{"type": "section", "text": {
                                   "type": "mrkdwn", "text": ":white_check_mark: Approved"}}])

    @app.action("t_reject")
    def reject(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=FORM)

    @app.action("t_pick")
    def pick(ack, body, respond):
        ack()
        respond(text=f"Delegated to {body['actions'][0]['selected_option']['value']}",
                replace_original=True)

    @app.command("/t-form")
    def form(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=FORM)

    @app.view("t_form")
    def submitted(ack, body, view, client):
        values = {block: next(iter(actions.values()))
                  for block, actions in view["state"]["values"].items()}
        title = values["title"]["value"]
        if title == "bad":
            ack(response_action="errors", errors={"title": "That title is taken."})
        elif title == "more":
            ack(response_action="update", view=dict(FORM, title=_text("Log a risk (2)")))
        elif title == "push":
            ack(response_action="push", view=NOTE_FORM)
        elif title == "notice":  # what the bot's gate forms do: the form becomes a notice
            ack(response_action="update", view=NOTICE)
        elif title == "ghost":
            ack(response_action="errors", errors={"nowhere": "No such field."})
        else:
            ack()
            client.chat_postMessage(channel=body["user"]["id"],
                                    text="logged " + json.dumps(values, sort_keys=True))

    @app.view("t_note")
    def noted(ack, body, view, client):
        note = view["state"]["values"]["note"]["v"]["value"]
        if note == "clear":
            ack(response_action="clear")
        else:
            ack()
        client.chat_postMessage(channel=body["user"]["id"], text=f"noted: {note}")

    @app.view_closed("t_form")
    def closed(ack, body, client):
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text="You closed the form.")
