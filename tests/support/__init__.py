"""What tests share besides fixtures: the sample people and channels, a clock, a bot builder."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from slack_bolt import App

from bot.app import build_app
from bot.context import BotContext, make_context
from bot.settings import Settings
from bot.standin import Directory, SlackStandIn
from bot.standin.driver import SlackDriver
from bot.wsgi import make_wsgi_app
from pmo_rules.config import DEFAULT_RULES, Rules
from services import access

SIGNING_SECRET = "test-signing-secret"
ADMIN, ALICE, BOB, CAROL = "UADMIN1", "UALICE1", "UBOB001", "UCAROL1"
APOLLO_CHANNEL, GENERAL = "CAPOLLO1", "CGENERAL"
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Asia/Shanghai


@dataclass
class FakeClock:
    """The bot's clock in tests: fixed until a test moves it."""

    at: datetime = START

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def sample_directory() -> Directory:
    directory = Directory()
    for uid, name, tz in ((ADMIN, "pat", "Asia/Shanghai"), (ALICE, "alice", "Asia/Shanghai"),
                          (BOB, "bob", "Europe/Berlin"), (CAROL, "carol", "America/New_York")):
        directory.add_user(uid, name, real_name=name.title(), tz=tz)
    directory.add_channel(APOLLO_CHANNEL, "apollo")
    directory.add_channel(GENERAL, "general")
    return directory


@dataclass
class Bot:
    """The running bot as a test sees it: the app, its context, and Slack's side of the wire."""

    ctx: BotContext
    slack: SlackStandIn
    driver: SlackDriver
    clock: FakeClock
    wsgi: object = field(repr=False, default=None)
    app: App | None = field(repr=False, default=None)

    def close(self) -> None:
        """Let listeners still working after their ack finish, then close the database.

        Without the wait, a reply still on its way would land in the next test's stand-in.
        """
        if self.app is not None:
            self.app.listener_runner.listener_executor.shutdown(wait=True)
        self.ctx.after_ack.drain()
        self.ctx.close()

    def command(self, command: str, text: str = "", *, user: str = ALICE,
                channel: str = APOLLO_CHANNEL):
        return self.driver.command(command, text, user=user, channel=channel)

    def seen(self, response, replies_before: int) -> dict:
        """What the person sees for a request already sent: the ack's message (its JSON, or
        its text), or else the reply posted to its response_url after it (`replies_before`:
        how many replies the stand-in had when it was sent)."""
        assert response.status == 200, response.body
        if response.body:
            try:
                return response.json
            except ValueError:
                return {"text": response.body.decode()}
        return self.slack.wait_for_response(replies_before + 1)[-1]["body"]

    def reply(self, timeout: float = 15.0) -> str:
        """The text of the newest response_url post (the ephemeral reply after an ack)."""
        return self.slack.wait_for_response(1, timeout=timeout)[-1]["body"].get("text", "")


def rules_with(**sections) -> Rules:
    """Default rules with a PMO admin, and any section replaced."""
    rules = replace(DEFAULT_RULES, pmo=replace(DEFAULT_RULES.pmo, admins=(ADMIN,)))
    return replace(rules, **sections)


def make_bot(database_url: str, slack: SlackStandIn, rules: Rules | None = None, *,
             bot_token: str = "xoxb-test", signing_secret: str = SIGNING_SECRET,
             app_token: str | None = None) -> Bot:
    settings = Settings(bot_token=bot_token, signing_secret=signing_secret, app_token=app_token,
                        api_url=slack.base_url, database_url=database_url)
    clock = FakeClock()
    ctx = make_context(settings, rules or rules_with(), clock=clock)
    app = build_app(ctx)
    access.sync_people(ctx)  # as `pmo-bot serve` does when it starts
    wsgi = make_wsgi_app(app, ctx.db, signing_secret=signing_secret,
                          serving=ctx.after_ack.serving, clock=ctx.now)
    driver = SlackDriver(wsgi, signing_secret, slack.new_response_url,
                         new_trigger_id=slack.new_trigger_id)
    return Bot(ctx=ctx, slack=slack, driver=driver, clock=clock, wsgi=wsgi, app=app)
