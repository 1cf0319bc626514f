"""The real bot, wired for the console: same app, same WSGI path, Slack played in-process.

Nothing here re-implements the bot. `build_app` + `make_wsgi_app` are the production ones; the
console signs each request with a secret generated for the session and posts it into the WSGI
callable (`SlackDriver`), and the bot's Web API calls go over loopback to the `SlackStandIn`,
whose timeline the console renders. The only console-specific parts are the clock and the
counting of the bot's work in flight, which tells the console when the bot has finished.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from bot.after_ack import AfterAck
from bot.app import build_app
from bot.console.clock import ConsoleClock
from bot.context import make_context
from bot.settings import Settings
from bot.standin import SlackStandIn
from bot.standin.driver import TEAM, HttpResponse, SlackDriver
from bot.wsgi import make_wsgi_app
from pmo_rules.config import Rules
from services import access
from storage.migrate import upgrade

QUIET_TIMEOUT = 30.0  # seconds; a listener busier than this is reported, not waited for
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


class Unfinished:
    """Counts the bot's work in flight, so the console knows when the bot has finished.

    With `process_before_response=False` bolt answers Slack at `ack()` and finishes the listener
    on its listener pool, and the listener hands the rest of its job to the after-ack pool
    (bot/after_ack.py) before it returns. Counting both pools' unfinished tasks, the count only
    reaches zero when all of it is done: the console then prints, complete and in order, with
    no sleeps.
    """

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def track(self, submit: Callable[[], Future]) -> Future:
        with self._changed:
            self._count += 1
        try:
            future = submit()
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future | None) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        """True once nothing is left; False if something is still running at `timeout`."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout)


class TrackedListeners(ThreadPoolExecutor):
    """bolt's listener pool, counted."""

    def __init__(self, unfinished: Unfinished) -> None:
        super().__init__(max_workers=5, thread_name_prefix="console-listener")
        self.unfinished = unfinished

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self.unfinished.track(lambda: super(TrackedListeners, self).submit(
            fn, *args, **kwargs))


class TrackedAfterAck(AfterAck):
    """The after-ack pool, counted."""

    def __init__(self, unfinished: Unfinished) -> None:
        super().__init__()
        self.unfinished = unfinished

    def run(self, job, *, on_error=None) -> Future:
        return self.unfinished.track(lambda: super(TrackedAfterAck, self).run(
            job, on_error=on_error))


class ConsoleBot:
    """One running bot for one console session; `close()` stops its threads."""

    def __init__(self, database_url: str, rules: Rules, clock: ConsoleClock,
                 slack: SlackStandIn) -> None:
        secret = secrets.token_hex(16)
        settings = Settings(bot_token="xoxb-console", signing_secret=secret,
                            api_url=slack.base_url, database_url=database_url)
        self.slack = slack
        self.clock = clock
        self.ctx = make_context(settings, rules, clock=clock)
        self.unfinished = Unfinished()
        self.ctx.after_ack = TrackedAfterAck(self.unfinished)  # in place of the default pool
        self.listeners = TrackedListeners(self.unfinished)
        self.app = build_app(self.ctx, listener_executor=self.listeners)
        access.sync_people(self.ctx)  # as `pmo-bot serve` does when it starts
        wsgi = make_wsgi_app(self.app, self.ctx.db, signing_secret=self.ctx.settings.signing_secret,
                             serving=self.ctx.after_ack.serving)
        self.driver = SlackDriver(wsgi, secret, self._response_url,
                                  new_trigger_id=slack.new_trigger_id)
        self._clicked_ts: str | None = None

    def _response_url(self, channel: str | None = None, user: str | None = None) -> str:
        """A response_url that knows the clicked message, so replace_original can act on it."""
        return self.slack.new_response_url(channel, user, self._clicked_ts)

    @classmethod
    def start(cls, database_url: str, rules: Rules, clock: ConsoleClock,
              slack: SlackStandIn) -> ConsoleBot:
        """Migrate the database to the newest schema, then wire the bot."""
        _no_proxy_for_loopback()
        upgrade(database_url)
        return cls(database_url, rules, clock, slack.start())

    def command(self, command: str, text: str, *, user: str, channel: str,
                user_name: str, channel_name: str) -> HttpResponse:
        self._clicked_ts = None
        return self.driver.command(command, text, user=user, channel=channel,
                                   user_name=user_name, channel_name=channel_name)

    def block_action(self, *, user: str, action: dict, channel: str | None = None,
                     message: dict | None = None, message_ts: str | None = None,
                     view: dict | None = None) -> HttpResponse:
        self._clicked_ts = message_ts
        return self.driver.block_action(user=user, action=action, channel=channel,
                                        message=message, view=view)

    def home_opened(self, *, user: str) -> HttpResponse:
        """The person opens the app's Home tab: Slack sends `app_home_opened`."""
        self._clicked_ts = None
        return self.driver.event({"type": "app_home_opened", "user": user, "tab": "home",
                                  "channel": f"D{user}"})

    def view_submission(self, *, user: str, view: dict, values: dict) -> HttpResponse:
        return self.driver.view_submission(user=user, view=view, values=values)

    def view_closed(self, *, user: str, view: dict) -> HttpResponse:
        return self.driver.interactive({"type": "view_closed", "team": TEAM,
                                        "user": {"id": user}, "api_app_id": "A0PMO",
                                        "view": view, "is_cleared": False})

    def quiet(self) -> bool:
        """Wait until the bot has finished what the last request started."""
        return self.unfinished.wait(QUIET_TIMEOUT)

    def close(self) -> None:
        self.listeners.shutdown(wait=True)
        self.ctx.after_ack.drain()
        self.slack.stop()
        self.ctx.db.dispose()


def ack_body(response: HttpResponse) -> dict:
    """What the app put in its ack: a JSON object, or plain text as `{"text": …}`."""
    if not response.body:
        return {}
    try:
        body = response.json
    except ValueError:
        return {"text": response.body.decode("utf-8", "replace")}
    return body if isinstance(body, dict) else {"text": str(body)}


def _no_proxy_for_loopback() -> None:
    """Forget proxy settings in this process: every call the console's bot makes goes to the
    stand-in on 127.0.0.1, and slack_sdk (the Web API client bolt makes per request, and the
    response_url client) would send even those through HTTPS_PROXY, ignoring NO_PROXY."""
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
