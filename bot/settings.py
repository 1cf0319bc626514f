"""Settings from the environment: validated once at start-up, each failure one clear line.

Secrets are kept out of `repr()` so that a logged Settings object cannot leak them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SLACK_API_DEFAULT = "https://slack.com/api/"
DATABASE_DEFAULT = "sqlite:///pmo-bot.sqlite3"


class SettingsError(Exception):
    """A missing or invalid environment variable; str() is the one line to print."""


@dataclass(frozen=True)
class Settings:
    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)
    app_token: str | None = field(default=None, repr=False)
    api_url: str = SLACK_API_DEFAULT
    database_url: str = DATABASE_DEFAULT
    rules_path: str | None = None
    port: int = 3000

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


SECRETS = frozenset({"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"})


def load_settings(environ: Mapping[str, str] | None = None, *,
                  needs: frozenset[str] = SECRETS) -> Settings:
    """Read and check every setting; raise SettingsError naming the first bad one.

    `needs`: the secrets this command uses (a one-shot command that never receives a request
    does not need the signing secret; a dry run needs neither). One it does not need is left
    empty ("") and never read."""
    env = os.environ if environ is None else environ
    return Settings(
        bot_token=(_token(env, "SLACK_BOT_TOKEN", "xoxb-", required=True)
                   if "SLACK_BOT_TOKEN" in needs else ""),
        signing_secret=(_required(env, "SLACK_SIGNING_SECRET")
                        if "SLACK_SIGNING_SECRET" in needs else ""),
        app_token=_token(env, "SLACK_APP_TOKEN", "xapp-", required=False),
        api_url=_api_url(env.get("SLACK_API_URL") or SLACK_API_DEFAULT),
        database_url=database_url(env.get("DATABASE_URL") or DATABASE_DEFAULT),
        rules_path=_rules_path(env.get("PMO_RULES")),
        port=_port(env.get("PORT") or "3000"),
    )


def _required(env: Mapping[str, str], name: str) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        raise SettingsError(f"{name} is not set: copy it from your Slack app's settings page")
    return value


def _token(env: Mapping[str, str], name: str, prefix: str, *, required: bool) -> str | None:
    value = (env.get(name) or "").strip()
    if not value and not required:
        return None
    value = _required(env, name)
    if not value.startswith(prefix):
        raise SettingsError(f"{name} must start with {prefix!r} (it does not; value hidden)")
    return value


def _api_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL (got {value!r})")
    return value if value.endswith("/") else value + "/"


def database_url(value: str) -> str:
    if not value.startswith(("sqlite:", "postgresql")):
        raise SettingsError("DATABASE_URL must be sqlite:///… or postgresql+psycopg://… "
                            "(other databases are not supported)")
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def _rules_path(value: str | None) -> str | None:
    if not value:
        return None
    if not Path(value).is_file():
        raise SettingsError(f"PMO_RULES points to {value!r}, which is not a readable file")
    return value


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"PORT must be a whole number from 1 to 65535 (got {value!r})")
    return int(value)


def redact_url(url: str) -> str:
    """A database URL with any password replaced, for log lines."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
