"""Fixtures that run the real bot against a Slack stand-in, on SQLite and on PostgreSQL.

PostgreSQL comes from PMO_TEST_POSTGRES_URL (default: the local server with trust auth). When it
cannot be reached the PostgreSQL variants are skipped with a reason — unless
PMO_REQUIRE_POSTGRES=1 (set by .ci/run), where that is a failure, so CI cannot skip them silently.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text

from bot.standin import SlackStandIn
from storage.migrate import upgrade
from storage.models import Base
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, Bot, make_bot, sample_directory

# Parallel runs: pyproject's addopts say `-n auto`, and this says what "auto" is: one worker per
# core. More workers finish no sooner on a busy machine and starve the listeners: bolt gives a
# listener 3 s to ack, and with 4 workers on 2 loaded cores some missed it (README: Development).
# One test file alone runs serially, in this process: starting workers costs more than it saves
# there. PYTEST_XDIST_AUTO_NUM_WORKERS sets the number; `-n 4` asks for four whatever is run,
# and `-n 0` (or `-p no:xdist`, or --pdb) runs serially.
WORKERS_PER_CORE = 1
MAX_WORKERS = 8


@pytest.hookimpl(optionalhook=True)  # optional: pytest-xdist may be absent
def pytest_xdist_auto_num_workers(config) -> int:
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "")
    if chosen.isdigit():
        return int(chosen)
    named = {arg.split("::", 1)[0] for arg in config.args}
    if len(named) == 1 and os.path.isfile(next(iter(named))):
        return 0
    return max(1, min(MAX_WORKERS, WORKERS_PER_CORE * len(os.sched_getaffinity(0))))


def pytest_addoption(parser, pluginmanager) -> None:
    """Without pytest-xdist (`-p no:xdist`, or not installed) addopts' `-n` is accepted and
    ignored: the run is serial."""
    if not pluginmanager.has_plugin("xdist"):
        parser.getgroup("xdist")._addoption(  # _addoption: "-n" is a lowercase short option
            "-n", "--numprocesses", dest="numprocesses", default=None,
            help="ignored: pytest-xdist is not loaded, the run is serial")


PG_ADMIN_URL = os.environ.get("PMO_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("PMO_REQUIRE_POSTGRES") == "1"
# slack_sdk honours HTTPS_PROXY even for 127.0.0.1 (it ignores NO_PROXY): the stand-in is local.
for _proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
    os.environ.pop(_proxy, None)


# --- databases -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def _postgres_url():
    name = f"pmo_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: no server at {PG_ADMIN_URL} ({type(exc).__name__})")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """A migrated, empty database: a copied SQLite file, or the run's PostgreSQL truncated."""
    if request.param == "sqlite":
        path = tmp_path / "pmo.sqlite3"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("_postgres_url")
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


# --- Slack ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def _standin():
    with SlackStandIn(sample_directory()) as server:
        yield server


@pytest.fixture
def slack(_standin) -> SlackStandIn:
    """The shared stand-in, emptied, with every channel postable again (reset() keeps flags)."""
    _standin.reset()
    for channel in _standin.directory.channels():
        _standin.set_not_in_channel(channel["id"], False)
        _standin.set_channel_archived(channel["id"], False)
    return _standin


# --- the bot -------------------------------------------------------------------------------

@pytest.fixture
def bot(database_url, slack):
    made = make_bot(database_url, slack)
    yield made
    made.close()


@pytest.fixture
def apollo(bot) -> Bot:
    """A bot with project APOLLO (PM alice, channel #apollo) registered by the admin."""
    bot.command("/pmo", f"project add APOLLO Apollo data-centre migration pm:<@{ALICE}|alice> "
                        f"channel:<#{APOLLO_CHANNEL}|apollo>", user=ADMIN)
    bot.slack.wait_for_response(1)
    bot.slack.reset()
    return bot
