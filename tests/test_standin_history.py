"""The stand-in reads conversations back as Slack does, and holds calls the way a dying sender
sees them: conversations.history / conversations.replies paging, metadata only on request,
metadata checks on chat.postMessage, and `stall` / `release_stalls`."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.standin import Directory, SlackStandIn

TAG = {"event_type": "pmo_delivery", "event_payload": {"delivery_id": 7}}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def standin():
    directory = Directory()
    directory.add_user("U1", "alice")
    directory.add_channel("C1", "pmo")
    directory.add_channel("C2", "secret", is_member=False, is_private=True)
    with SlackStandIn(directory) as s:
        yield s


@pytest.fixture
def client(standin):
    return WebClient(token="xoxb-test", base_url=standin.base_url, retry_handlers=[])


def _error(call) -> str:
    with pytest.raises(SlackApiError) as refused:
        call()
    return refused.value.response["error"]


def test_history_pages_newest_first_from_oldest_exclusive(client):
    posted = [client.chat_postMessage(channel="C1", text=f"m{n}")["ts"] for n in range(5)]
    first = client.conversations_history(channel="C1", oldest=posted[0], limit=2)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_history(channel="C1", oldest=posted[0], limit=2, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["m2", "m1"]  # m0 is `oldest`: excluded
    assert second["has_more"] is False and second["response_metadata"]["next_cursor"] == ""
    inclusive = client.conversations_history(channel="C1", oldest=posted[0], inclusive=True)
    assert len(inclusive["messages"]) == 5


def test_metadata_comes_back_only_with_include_all_metadata(client):
    client.chat_postMessage(channel="C1", text="card", metadata=TAG)
    [plain] = client.conversations_history(channel="C1")["messages"]
    [tagged] = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert "metadata" not in plain and tagged["metadata"] == TAG


def test_history_wants_a_conversation_the_bot_is_in(client):
    client.chat_postMessage(channel="U1", text="a DM")  # a user id posts in the DM
    assert _error(lambda: client.conversations_history(channel="U1")) == "channel_not_found"
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert [m["text"] for m in client.conversations_history(channel=dm)["messages"]] == ["a DM"]
    assert _error(lambda: client.conversations_history(channel="C2")) == "not_in_channel"
    assert _error(lambda: client.conversations_history(channel="C404")) == "channel_not_found"


def test_replies_hold_a_thread_and_history_only_its_parent(client):
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=parent, metadata=TAG)
    assert [m["text"] for m in client.conversations_history(channel="C1")["messages"]] == [
        "parent"]
    thread = client.conversations_replies(channel="C1", ts=parent, include_all_metadata=True)
    assert [(m["text"], m.get("metadata")) for m in thread["messages"]] == [
        ("parent", None), ("reply", TAG)]
    assert _error(lambda: client.conversations_replies(channel="C1", ts="1.0")) == (
        "thread_not_found")


def test_malformed_metadata_is_refused_and_nothing_is_posted(client, standin):
    assert _error(lambda: client.chat_postMessage(
        channel="C1", text="x", metadata={"event_payload": {}})) == "invalid_metadata_schema"
    assert standin.messages("C1") == []


def test_a_stalled_post_is_in_the_channel_before_its_answer_comes(client, standin):
    standin.stall("chat.postMessage", accept=True)
    answers: list = []
    caller = threading.Thread(
        target=lambda: answers.append(client.chat_postMessage(channel="C1", text="held")))
    caller.start()
    standin.wait_stalled(1)
    assert [m["text"] for m in standin.messages("C1")] == ["held"] and answers == []
    standin.release_stalls()
    caller.join(10)
    assert answers[0]["ts"] == standin.messages("C1")[0]["ts"]


def test_a_dropped_post_never_reaches_the_channel(client, standin):
    standin.stall("chat.postMessage", accept=False)
    failures: list = []

    def call() -> None:
        try:
            client.chat_postMessage(channel="C1", text="lost")
        except Exception as exc:  # noqa: BLE001 - the hang-up is what this test expects
            failures.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    standin.wait_stalled(1)
    standin.release_stalls()
    caller.join(10)
    assert len(failures) == 1 and not isinstance(failures[0], SlackApiError)
    assert standin.messages("C1") == [] and standin.calls("chat.postMessage") == []


def test_a_message_ts_is_the_time_it_was_posted(client):
    first = float(client.chat_postMessage(channel="C1", text="now")["ts"])
    time.sleep(0.3)
    later = float(client.chat_postMessage(channel="C1", text="later")["ts"])
    assert abs(first - time.time()) < 1.0 and later - first >= 0.3  # what `oldest` compares
