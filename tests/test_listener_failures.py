"""A listener that raises before its ack: a 200 the person can read, never bolt's 500.

Which words (the database being unreachable has its own) and which shape (ephemeral text for a
command, a field error or a notice for a form) is decided in bot/failures.py; the errors used
here are real ones (a directory opened as SQLite, a port nobody listens on, a unique key).
"""

from __future__ import annotations

import logging
import socket

import psycopg
import pytest
from sqlalchemy import create_engine, exc, text

from bot import failures
from templates.render import Renderer
from tests.support import ALICE

EN = Renderer("en")


def broken_form(blocks: list) -> dict:
    """A status form whose state Slack would never send (values a list, not an object): the
    listener fails on it with an AttributeError before its ack."""
    return {"type": "modal", "callback_id": "status_modal", "blocks": blocks,
            "private_metadata": "{}", "state": {"values": ["not", "an", "object"]}}


def test_a_form_that_breaks_the_listener_stays_open_with_a_field_error(bot, caplog):
    blocks = [{"type": "section", "block_id": "intro"},
              {"type": "input", "block_id": "overall", "element": {"type": "static_select"}},
              {"type": "input", "block_id": "summary", "element": {"type": "plain_text_input"}}]
    with caplog.at_level(logging.INFO):
        response = bot.driver.interactive({
            "type": "view_submission", "user": {"id": ALICE, "team_id": "T0PMO"},
            "team": {"id": "T0PMO"}, "view": broken_form(blocks)})
    assert response.status == 200
    assert response.json == {"response_action": "errors", "errors": {
        "overall": "⚠️ Something went wrong on our side. Please try again in a minute."}}
    assert "listener failed: AttributeError" in caplog.text


def test_a_form_without_inputs_that_breaks_the_listener_becomes_a_notice(bot):
    response = bot.driver.interactive({
        "type": "view_submission", "user": {"id": ALICE, "team_id": "T0PMO"},
        "team": {"id": "T0PMO"}, "view": broken_form([])})
    assert response.status == 200
    assert response.json["response_action"] == "update"
    view = response.json["view"]
    assert view["title"]["text"] == "PMO Bot" and view["close"]["text"] == "Close"
    assert "Something went wrong on our side" in view["blocks"][0]["text"]["text"]


# --- what counts as "the database is down" ---------------------------------------------------

def sqlite_on_a_directory(tmp_path) -> Exception:
    engine = create_engine(f"sqlite:///{tmp_path}")  # a directory, not a database file
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - the error is what this returns
        return error
    finally:
        engine.dispose()
    raise AssertionError("opening a directory as SQLite worked")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_refused() -> Exception:
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/x")
    try:
        engine.connect()
    except Exception as error:  # noqa: BLE001
        return error
    raise AssertionError("connected to a closed port")


def unique_violation(tmp_path) -> Exception:
    engine = create_engine(f"sqlite:///{tmp_path / 'u.sqlite3'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (k INTEGER PRIMARY KEY)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
    except Exception as error:  # noqa: BLE001
        return error
    finally:
        engine.dispose()
    raise AssertionError("a duplicate key was accepted")


def test_unreachable_databases_are_told_apart_from_bugs(tmp_path):
    on_directory, refused = sqlite_on_a_directory(tmp_path), postgres_refused()
    assert isinstance(on_directory, exc.OperationalError) and failures.database_down(on_directory)
    assert isinstance(refused, exc.OperationalError) and failures.database_down(refused)
    assert isinstance(refused.orig, psycopg.OperationalError)
    assert failures.database_down(refused.orig)  # unwrapped, as a raw connection raises it
    duplicate = unique_violation(tmp_path)
    assert isinstance(duplicate, exc.IntegrityError) and not failures.database_down(duplicate)
    assert not failures.database_down(KeyError("view"))
    try:
        try:
            raise refused
        except exc.OperationalError as cause:
            raise RuntimeError("while saving") from cause
    except RuntimeError as wrapped:
        assert failures.database_down(wrapped)  # raised from one: still the database


@pytest.mark.parametrize("down, words", [(True, "nothing was saved"),
                                         (False, "Something went wrong on our side")])
def test_a_command_gets_an_ephemeral_answer_and_nothing_once_acked(tmp_path, down, words):
    error = postgres_refused() if down else KeyError("text")
    command = {"command": "/status", "user_id": ALICE, "text": "APOLLO green"}
    response = failures.answer(EN, error, command, acked=False, respond=None, client=None)
    assert response.status == 200 and words in response.body
    assert '"response_type": "ephemeral"' in response.body
    assert failures.answer(EN, error, command, acked=True, respond=None, client=None) is None


def test_the_chinese_words_for_a_database_that_is_down():
    assert "未保存任何内容" in Renderer("zh").t("errors.database_down")
