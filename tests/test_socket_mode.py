"""Socket Mode in-process: bolt's SocketModeHandler on the real app, the stand-in as Slack."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.commands.serve import socket_mode_handler
from tests.support import ALICE, APOLLO_CHANNEL, BOB


@pytest.fixture
def connected(apollo):
    """The apollo bot, also connected over Socket Mode (as `pmo-bot serve` with SLACK_APP_TOKEN)."""
    apollo.ctx.settings = replace(apollo.ctx.settings, app_token="xapp-1-test")
    handler = socket_mode_handler(apollo.ctx)
    handler.connect()
    yield apollo
    handler.close()


def envelope_for(slack, text: str, user: str = ALICE) -> dict:
    return {"command": "/status", "text": text, "user_id": user, "channel_id": APOLLO_CHANNEL,
            "team_id": "T0PMO", "response_url": slack.new_response_url(),
            "trigger_id": slack.new_trigger_id(user)}


def test_slash_command_envelope_is_acked_and_the_card_posted(connected):
    slack = connected.slack
    envelope = slack.socket_send("slash_commands", envelope_for(slack, "APOLLO green On track"))
    ack = slack.wait_for_socket_ack(envelope)
    assert not ack.get("payload")  # an empty ack: the reply follows on the response_url
    [card] = slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    assert "On track" in str(card.args["blocks"])
    assert "recorded" in connected.reply()


def test_a_refusal_travels_in_the_ack(connected):
    slack = connected.slack
    envelope = slack.socket_send("slash_commands", envelope_for(slack, "APOLLO green x", BOB))
    ack = slack.wait_for_socket_ack(envelope)
    assert "only its PM" in ack["payload"]["text"]
    assert slack.calls("chat.postMessage") == []
