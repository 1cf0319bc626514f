"""What the long-running and one-shot commands share: a context built from the environment."""

from __future__ import annotations

from bot.context import BotContext, Clock, make_context, system_clock
from bot.rules_file import load_rules
from bot.settings import SettingsError, load_settings, redact_url
from storage.migrate import is_current


def load_context(clock: Clock = system_clock) -> BotContext:
    """Settings, rules and a database at the newest schema, or one clear SettingsError."""
    settings = load_settings()
    ctx = make_context(settings, load_rules(settings.rules_path), clock=clock)
    if not is_current(ctx.db.engine, settings.database_url):
        raise SettingsError(f"the database {redact_url(settings.database_url)} is not at the "
                            f"newest schema: run `pmo-bot db upgrade` first")
    return ctx
