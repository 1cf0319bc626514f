"""The Slack stand-in answers a real slack_sdk client the way Slack does, and enforces its limits.

Everything here goes over loopback HTTP / WebSocket with slack_sdk's own clients, so what passes
here is what the bot's code will meet in its tests and in the offline console.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from bot.standin import Directory, SlackStandIn, message_problems, message_warnings, view_problems


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # slack_sdk honours HTTPS_PROXY even for 127.0.0.1 (it ignores NO_PROXY).
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def directory():
    d = Directory()
    d.add_user("U1", "alice", "Alice Wang", tz="Asia/Shanghai", display_name="alice.w")
    d.add_user("U2", "bob", "Bob Li", tz="Europe/London")
    d.add_channel("C1", "pmo")
    d.add_channel("C2", "secret", is_member=False, is_private=True)
    return d


@pytest.fixture
def standin(directory):
    with SlackStandIn(directory) as s:
        yield s


@pytest.fixture
def client(standin):
    return WebClient(token="xoxb-test", base_url=standin.base_url)


def section(text: str, **extra) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def modal(*blocks, title="Status", **extra) -> dict:
    return {"type": "modal", "title": plain(title), "blocks": list(blocks), **extra}


def raw_post(url: str, body: bytes, content_type: str, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# -- Web API round trips -------------------------------------------------------------------------


def test_auth_test_names_the_bot(client):
    response = client.auth_test()
    assert response["user_id"] == "UPMOBOT" and response["bot_id"] and response["team_id"]


def test_post_then_update_shows_the_current_message(standin, client):
    first = client.chat_postMessage(channel="C1", text="v1", blocks=[section("v1")])
    second = client.chat_postMessage(channel="C1", text="next", thread_ts=first["ts"])
    assert first["channel"] == "C1" and first["message"]["text"] == "v1"
    assert float(second["ts"]) > float(first["ts"])

    updated = client.chat_update(channel="C1", ts=first["ts"], text="v2", blocks=[section("v2")])
    assert updated["ts"] == first["ts"] and updated["message"]["blocks"] == [section("v2")]

    messages = standin.messages("C1")
    assert [m["text"] for m in messages] == ["v2", "next"]
    assert messages[0]["blocks"] == [section("v2")] and messages[0]["user"] == "UPMOBOT"
    assert messages[1]["thread_ts"] == first["ts"]
    assert [e["kind"] for e in standin.timeline()] == ["message", "message", "update"]
    assert [c.method for c in standin.calls()] == ["chat.postMessage"] * 2 + ["chat.update"]


def test_update_keeps_fields_it_does_not_send(standin, client):
    ts = client.chat_postMessage(channel="C1", text="t", blocks=[section("b")])["ts"]
    client.chat_update(channel="C1", ts=ts, text="t2")
    assert standin.messages("C1")[0]["blocks"] == [section("b")]


def test_update_needs_an_existing_message_in_that_channel(client):
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    with pytest.raises(SlackApiError) as wrong_ts:
        client.chat_update(channel="C1", ts="1.000001", text="y")
    assert wrong_ts.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as wrong_channel:
        client.chat_update(channel="C9", ts=ts, text="y")
    assert wrong_channel.value.response["error"] == "message_not_found"


def test_a_restarted_stand_in_never_reissues_an_earlier_ts(directory, client):
    """A console restarted on the same database keeps its cards' ts: the new stand-in must not
    hand one of them to a new message, or the bot's chat.update would rewrite that one."""
    earlier = client.chat_postMessage(channel="C1", text="card from an earlier session")["ts"]
    with SlackStandIn(directory) as restarted:
        later = WebClient(token="xoxb-test", base_url=restarted.base_url)
        fresh = later.chat_postMessage(channel="C1", text="new session")["ts"]
        with pytest.raises(SlackApiError) as stale:
            later.chat_update(channel="C1", ts=earlier, text="edited")
    assert float(fresh) > float(earlier)
    assert stale.value.response["error"] == "message_not_found"


def test_delete_and_permalink(standin, client):
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link.endswith(f"/archives/C1/p{ts.replace('.', '')}")
    client.chat_delete(channel="C1", ts=ts)
    assert standin.messages("C1") == []
    assert standin.timeline()[-1]["kind"] == "delete"


def test_posting_to_a_user_id_lands_in_their_dm(standin, client):
    response = client.chat_postMessage(channel="U1", text="nudge")
    assert response["channel"] == "DU1"
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"
    assert [m["text"] for m in standin.dm_messages("U1")] == ["nudge"]
    assert standin.messages("U1") == standin.messages("DU1")
    client.chat_update(channel="DU1", ts=response["ts"], text="nudge 2")
    assert standin.dm_messages("U1")[0]["text"] == "nudge 2"


def test_ephemeral_needs_a_user_and_is_kept_per_user(standin, client):
    with pytest.raises(SlackApiError) as missing:
        client.api_call("chat.postEphemeral", json={"channel": "C1", "text": "x"})
    assert missing.value.response["error"] == "invalid_arguments"
    assert client.chat_postEphemeral(channel="C1", user="U1", text="only you")["message_ts"]
    assert [e["text"] for e in standin.ephemerals("U1")] == ["only you"]
    assert standin.ephemerals("U2") == [] and len(standin.ephemerals()) == 1
    assert standin.messages("C1") == []


def test_users_and_conversations_come_from_the_directory(client):
    alice = client.users_info(user="U1")["user"]
    assert alice["tz"] == "Asia/Shanghai" and alice["tz_offset"] == 8 * 3600
    assert alice["tz_label"] and alice["real_name"] == "Alice Wang"
    assert alice["profile"]["display_name"] == "alice.w"
    with pytest.raises(SlackApiError) as unknown:
        client.users_info(user="U404")
    assert unknown.value.response["error"] == "user_not_found"
    assert {m["id"] for m in client.users_list()["members"]} == {"U1", "U2"}
    assert client.conversations_info(channel="C1")["channel"]["name"] == "pmo"
    with pytest.raises(SlackApiError) as hidden:  # private, and the bot is not in it
        client.conversations_info(channel="C2")
    assert hidden.value.response["error"] == "channel_not_found"
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert {c["id"] for c in listed} == {"C1", "C2"}


def test_every_answer_lists_the_tokens_scopes_and_a_missing_one_is_refused(standin, client):
    granted = client.auth_test().headers["x-oauth-scopes"].split(",")
    assert {"chat:write", "users:read", "channels:read", "groups:read"} <= set(granted)
    standin.set_scopes({"chat:write", "channels:read"})
    assert client.auth_test().headers["x-oauth-scopes"] == "channels:read,chat:write"
    assert client.conversations_info(channel="C1")["channel"]["is_member"] is True
    for call, needed in ((lambda: client.users_info(user="U1"), "users:read"),
                         (lambda: client.conversations_info(channel="C2"), "groups:read")):
        with pytest.raises(SlackApiError) as refused:
            call()
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == needed
    standin.reset()
    assert client.users_info(user="U1")["user"]["id"] == "U1"


def test_directory_lookups():
    d = Directory()
    with SlackStandIn(d) as s:
        client = WebClient(token="xoxb-test", base_url=s.base_url)
        with pytest.raises(SlackApiError) as empty:
            client.users_info(user="U1")
        assert empty.value.response["error"] == "user_not_found"
    d.add_user("U7", "carol", tz="America/New_York", is_bot=True)
    d.add_channel("C7", "#gates")
    assert d.user_by_name("@carol")["id"] == "U7" and d.user("U7")["is_bot"]
    assert d.channel_by_name("#gates")["id"] == "C7" and d.channel("C7")["is_member"]
    assert d.user("nope") is None and d.channel_by_name("nope") is None


def test_form_encoded_json_fields_and_token_argument_are_understood(standin):
    blocks = [section("from a form")]
    body = urlencode(
        {"token": "xoxb-form", "channel": "C1", "text": "f", "blocks": json.dumps(blocks)}
    )
    status, response = raw_post(
        standin.base_url + "chat.postMessage", body.encode(), "application/x-www-form-urlencoded"
    )
    assert status == 200 and response["ok"]
    call = standin.calls("chat.postMessage")[0]
    assert call.token == "xoxb-form" and call.args["blocks"] == blocks and "token" not in call.args
    assert standin.messages("C1")[0]["blocks"] == blocks


def test_missing_token_and_unknown_method(standin):
    _, response = raw_post(standin.base_url + "auth.test", b"{}", "application/json")
    assert response == {"ok": False, "error": "not_authed"}
    client = WebClient(token="xoxb-test", base_url=standin.base_url)
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("reactions.frobnicate")
    assert unknown.value.response["error"] == "unknown_method"


def test_concurrent_posts_get_distinct_increasing_ts(standin, client):
    threads = [
        threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C1", "text": str(i)})
        for i in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps = [m["ts"] for m in standin.messages("C1")]
    assert len(set(stamps)) == 12 and stamps == sorted(stamps, key=float)


# -- limits enforced over the wire ---------------------------------------------------------------


def test_invalid_blocks_are_rejected_and_not_posted(standin, client):
    too_long = [section("x" * 3001)]
    with pytest.raises(SlackApiError) as rejected:
        client.chat_postMessage(channel="C1", text="t", blocks=too_long)
    response = rejected.value.response
    assert response["error"] == "invalid_blocks"
    assert response["errors"] == [
        "/blocks/0/text/text: 3001 characters, more than the 3000 allowed"
    ]
    assert response["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert standin.messages("C1") == []
    assert standin.timeline()[-1]["kind"] == "rejected"
    assert not standin.calls("chat.postMessage")[0].ok


def test_ephemeral_and_update_are_checked_too(client):
    ts = client.chat_postMessage(channel="C1", text="ok")["ts"]
    bad = [{"type": "input", "label": plain("x"), "element": {"type": "plain_text_input"}}]
    for call in (
        lambda: client.chat_update(channel="C1", ts=ts, text="t", blocks=bad),
        lambda: client.chat_postEphemeral(channel="C1", user="U1", text="t", blocks=bad),
    ):
        with pytest.raises(SlackApiError) as rejected:
            call()
        assert rejected.value.response["error"] == "invalid_blocks"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_blocks_without_fallback_text_are_posted_with_a_warning(standin, client):
    client.chat_postMessage(channel="C1", blocks=[section("hi")])
    client.chat_postMessage(channel="C1", text="x" * 4001)
    warnings = standin.warnings
    assert len(standin.messages("C1")) == 2 and len(warnings) == 2
    assert "text fallback" in warnings[0] and "4001" in warnings[1]


# -- failure injection ---------------------------------------------------------------------------


def test_rate_limit_is_retried_by_slack_sdk_after_retry_after(standin, monkeypatch):
    slept: list[float] = []  # the handler sleeps Retry-After (+ up to 1 s jitter): record it
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=slept.append))
    standin.fail_next("chat.postMessage", status=429, retry_after=3)
    client = WebClient(
        token="xoxb-test",
        base_url=standin.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel="C1", text="eventually")["ok"]
    assert len(slept) == 1 and 3 <= slept[0] < 4
    attempts = [(c.status, c.response.get("error")) for c in standin.calls("chat.postMessage")]
    assert attempts == [(429, "ratelimited"), (200, None)]
    assert len(standin.messages("C1")) == 1


def test_rate_limit_reaches_a_client_without_retries(standin, client):
    standin.fail_next("chat.postMessage", status=429, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as limited:
            client.chat_postMessage(channel="C1", text="x")
        assert limited.value.response.status_code == 429
        assert limited.value.response.headers["Retry-After"] == "7"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_injected_errors_and_channel_state(standin, client):
    standin.fail_next("users.info", error="fatal_error")
    with pytest.raises(SlackApiError) as failed:
        client.users_info(user="U1")
    assert failed.value.response["error"] == "fatal_error"
    assert client.users_info(user="U1")["ok"]

    standin.set_not_in_channel("C3")
    standin.set_channel_archived("C4")
    for channel, error in (
        ("C3", "not_in_channel"),
        ("C4", "is_archived"),
        ("C2", "not_in_channel"),
    ):
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel=channel, text="x")
        assert refused.value.response["error"] == error
    standin.set_not_in_channel("C3", False)
    assert client.chat_postMessage(channel="C3", text="x")["ok"]


# -- views ---------------------------------------------------------------------------------------


def test_modal_stack_open_push_update_and_close(standin, client):
    opened = client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal(section("a")))
    view = opened["view"]
    assert view["id"].startswith("V") and view["blocks"] == [section("a")]
    pushed = client.views_push(trigger_id=standin.new_trigger_id("U1"), view=modal(section("b")))
    assert pushed["view"]["previous_view_id"] == view["id"]
    client.views_update(view_id=view["id"], hash=view["hash"], view=modal(section("a2")))
    assert [v["blocks"][0]["text"]["text"] for v in standin.modal_stack("U1")] == ["a2", "b"]
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=view["id"], hash=view["hash"], view=modal(section("a3")))
    assert stale.value.response["error"] == "hash_conflict"
    with pytest.raises(SlackApiError) as missing:
        client.views_update(view_id="VNOPE", view=modal(section("x")))
    assert missing.value.response["error"] == "not_found"

    for _ in range(1):
        client.views_push(trigger_id=standin.new_trigger_id("U1"), view=modal(section("c")))
    with pytest.raises(SlackApiError) as full:
        client.views_push(trigger_id=standin.new_trigger_id("U1"), view=modal(section("d")))
    assert full.value.response["error"] == "push_limit_reached"

    standin.close_modal("U1")
    assert len(standin.modal_stack("U1")) == 2
    standin.close_modal("U1", close_all=True)
    assert standin.views["modals"] == {}
    kinds = [e["kind"] for e in standin.timeline()]
    assert kinds[:4] == ["view_open", "view_push", "view_update", "view_push"]


def test_triggers_are_single_use(standin, client):
    trigger = standin.new_trigger_id("U1")
    client.views_open(trigger_id=trigger, view=modal(section("a")))
    with pytest.raises(SlackApiError) as again:
        client.views_open(trigger_id=trigger, view=modal(section("a")))
    assert again.value.response["error"] == "exchanged_trigger_id"


def test_bad_views_are_invalid_arguments(standin, client):
    long_title = modal(section("a"), title="A title far longer than 24")
    with pytest.raises(SlackApiError) as rejected:
        client.views_open(trigger_id=standin.new_trigger_id("U1"), view=long_title)
    assert rejected.value.response["error"] == "invalid_arguments"
    assert (
        "/title/text: 26 characters, more than the 24 allowed" in rejected.value.response["errors"]
    )
    assert standin.views == {"modals": {}, "home": {}}


def test_home_tab_publish(standin, client):
    home = {"type": "home", "blocks": [section("my projects")]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    second = client.views_publish(user_id="U1", view=home)["view"]
    assert first["id"] == second["id"] and standin.home_view("U1")["blocks"] == home["blocks"]
    with pytest.raises(SlackApiError) as wrong_kind:
        client.views_publish(user_id="U1", view=modal(section("a")))
    assert wrong_kind.value.response["error"] == "invalid_arguments"


# -- response_url --------------------------------------------------------------------------------


def test_response_url_takes_five_posts(standin):
    hook = WebhookClient(standin.new_response_url(channel="C1", user="U1"))
    for i in range(5):
        assert hook.send(text=f"reply {i}").status_code == 200
    sixth = hook.send(text="one too many")
    assert sixth.status_code == 404 and json.loads(sixth.body)["error"] == "used_url"
    assert len(standin.wait_for_response(count=5)) == 5
    assert [e["text"] for e in standin.ephemerals("U1")] == [f"reply {i}" for i in range(5)]


def test_response_url_effects(standin, client):
    ts = client.chat_postMessage(channel="C1", text="card")["ts"]
    url = standin.new_response_url(channel="C1", user="U1", message_ts=ts)
    hook = WebhookClient(url)
    hook.send(text="card, approved", replace_original=True)
    assert [m["text"] for m in standin.messages("C1")] == ["card, approved"]
    hook.send(text="for everyone", response_type="in_channel")
    assert [m["text"] for m in standin.messages("C1")] == ["card, approved", "for everyone"]
    hook.send(delete_original=True)
    assert [m["text"] for m in standin.messages("C1")] == ["for everyone"]
    effects = [r["effect"] for r in standin.responses]
    assert effects == ["replace_original", "in_channel", "delete_original"]
    assert standin.responses[0]["url"] == url
    assert [e["kind"] for e in standin.timeline()][-3:] == ["response"] * 3


def test_response_url_rejects_invalid_blocks(standin):
    hook = WebhookClient(standin.new_response_url(user="U1"))
    response = hook.send(text="t", blocks=[{"type": "header", "text": plain("h" * 151)}])
    assert response.status_code == 400 and json.loads(response.body)["error"] == "invalid_blocks"
    assert standin.responses == []


# -- waiting -------------------------------------------------------------------------------------


def test_wait_for_sees_calls_from_other_threads(standin, client):
    timer = threading.Timer(0.05, client.chat_postMessage, kwargs={"channel": "C1", "text": "x"})
    timer.start()
    calls = standin.wait_for("chat.postMessage", channel="C1", timeout=3)
    timer.join()
    assert calls[0].args["text"] == "x"


def test_wait_for_timeout_says_what_did_arrive(standin, client):
    client.chat_postMessage(channel="C1", text="x")
    client.auth_test()
    started = time.monotonic()
    with pytest.raises(TimeoutError) as timeout:
        standin.wait_for("chat.postMessage", count=1, timeout=0.2, channel="C2")
    assert time.monotonic() - started < 1
    message = str(timeout.value)
    assert "chat.postMessage" in message and "channel" in message and "auth.test x1" in message
    with pytest.raises(TimeoutError, match="response_url"):
        standin.wait_for_response(timeout=0.05)


def test_reset_forgets_records_and_injected_failures(standin, client):
    client.chat_postMessage(channel="C1", text="x")
    standin.fail_next("chat.postMessage")
    standin.set_not_in_channel("C3")
    standin.reset()
    assert standin.calls() == [] and standin.messages("C1") == [] and standin.timeline() == []
    assert client.chat_postMessage(channel="C3", text="x")["ok"]


# -- Socket Mode ---------------------------------------------------------------------------------


def test_connections_open_wants_an_app_token(standin, client):
    with pytest.raises(SlackApiError) as bot_token:
        client.apps_connections_open(app_token="xoxb-test")
    assert bot_token.value.response["error"] == "invalid_auth"
    url = client.apps_connections_open(app_token="xapp-1-test")["url"]
    assert url.startswith("ws://127.0.0.1:") and "ticket=" in url


def test_slack_sdk_socket_mode_client_acks_envelopes(standin):
    # Other tests' stand-ins may still run (the suite shares one): look only at threads born here.
    before = set(threading.enumerate()) - {standin._thread}
    web = WebClient(token="xoxb-test", base_url=standin.base_url)
    socket_client = SocketModeClient(app_token="xapp-1-test", web_client=web)
    received = []

    def listener(client, request):
        received.append(request.payload)
        response = SocketModeResponse(envelope_id=request.envelope_id, payload={"text": "on it"})
        client.send_socket_mode_response(response)

    socket_client.socket_mode_request_listeners.append(listener)
    try:
        socket_client.connect()
        envelope_id = standin.socket_send("slash_commands", {"command": "/pmo", "text": "help"})
        ack = standin.wait_for_socket_ack(envelope_id, timeout=3)
        assert ack == {"envelope_id": envelope_id, "payload": {"text": "on it"}}
        assert received == [{"command": "/pmo", "text": "help"}]
        assert standin.socket_acks == [ack]
        assert standin.calls("apps.connections.open")[0].token == "xapp-1-test"
    finally:
        socket_client.close()
    standin.stop()
    leftover = set(threading.enumerate()) - before
    assert not [t for t in leftover if t.name.startswith("slack-standin")]


def test_socket_send_without_a_client_times_out(standin):
    with pytest.raises(TimeoutError, match="no Socket Mode client"):
        standin.socket_send("events_api", {}, connect_timeout=0.05)


# -- limits, directly ----------------------------------------------------------------------------


def button(text="Go", **extra) -> dict:
    return {"type": "button", "text": plain(text), "action_id": "go", **extra}


def options(n: int, text="o", value="v") -> list[dict]:
    return [{"text": plain(text), "value": f"{value}{i}"} for i in range(n)]


MESSAGE_CASES = {
    "blocks": ([section("x")] * 51, "51 blocks, more than the 50"),
    "section text": ([section("x" * 3001)], "/blocks/0/text/text: 3001 characters"),
    "fields count": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
        "/blocks/0/fields: 11 items",
    ),
    "field text": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
        "/blocks/0/fields/0/text: 2001 characters",
    ),
    "header text": ([{"type": "header", "text": plain("h" * 151)}], "151 characters"),
    "header plain": (
        [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
        "/blocks/0/text/type: must be plain_text",
    ),
    "context elements": (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "/blocks/0/elements: 11 items",
    ),
    "actions elements": (
        [{"type": "actions", "elements": [button()] * 26}],
        "/blocks/0/elements: 26 items",
    ),
    "button text": (
        [{"type": "actions", "elements": [button("b" * 76)]}],
        "/blocks/0/elements/0/text/text: 76 characters",
    ),
    "button text plain": (
        [{"type": "actions", "elements": [dict(button(), text={"type": "mrkdwn", "text": "b"})]}],
        "/blocks/0/elements/0/text/type: must be plain_text",
    ),
    "button value": (
        [{"type": "actions", "elements": [button(value="v" * 2001)]}],
        "/blocks/0/elements/0/value: 2001 characters",
    ),
    "button url": (
        [{"type": "actions", "elements": [button(url="u" * 3001)]}],
        "/blocks/0/elements/0/url: 3001 characters",
    ),
    "action_id": (
        [{"type": "actions", "elements": [dict(button(), action_id="a" * 256)]}],
        "/blocks/0/elements/0/action_id: 256 characters",
    ),
    "block_id": ([section("x", block_id="b" * 256)], "/blocks/0/block_id: 256 characters"),
    "block_id unique": (
        [section("x", block_id="same"), section("y", block_id="same")],
        "/blocks/1/block_id: duplicate block_id 'same'",
    ),
    "select options": (
        [section("x", accessory={"type": "static_select", "options": options(101)})],
        "/blocks/0/accessory/options: 101 items",
    ),
    "option text": (
        [section("x", accessory={"type": "static_select", "options": options(1, text="o" * 76)})],
        "/blocks/0/accessory/options/0/text/text: 76 characters",
    ),
    "option value": (
        [section("x", accessory={"type": "static_select", "options": options(1, value="v" * 150)})],
        "/blocks/0/accessory/options/0/value: 151 characters",
    ),
    "option text plain": (
        [
            section(
                "x",
                accessory={
                    "type": "static_select",
                    "options": [{"text": {"type": "mrkdwn", "text": "o"}, "value": "v"}],
                },
            )
        ],
        "/blocks/0/accessory/options/0/text/type: must be plain_text",
    ),
    "input in a message": (
        [{"type": "input", "label": plain("l"), "element": {"type": "plain_text_input"}}],
        "/blocks/0: input blocks are allowed in modals and Home tabs only",
    ),
    "empty text": ([section("")], "/blocks/0/text/text: must not be empty"),
    "section without text": ([{"type": "section"}], "/blocks/0: a section needs text or fields"),
    "unknown block": ([{"type": "sectoin"}], "/blocks/0/type: unknown block type 'sectoin'"),
}


@pytest.mark.parametrize("case", MESSAGE_CASES)
def test_message_limit(case):
    blocks, expected = MESSAGE_CASES[case]
    problems = message_problems(blocks, "fallback")
    assert any(expected in p for p in problems), problems


def test_messages_at_the_limits_pass():
    blocks = [section("x" * 3000, block_id=f"b{i}") for i in range(49)]
    blocks.append(
        {
            "type": "actions",
            "elements": [
                dict(button("b" * 75, value="v" * 2000, url="u" * 3000), action_id=f"a{i}")
                for i in range(25)
            ],
        }
    )
    assert message_problems(blocks, "t") == []
    select = {"type": "static_select", "options": options(100, text="o" * 75, value="v" * 140)}
    assert message_problems([section("x", accessory=select)], None) == []


def test_message_warnings():
    assert message_warnings([section("x")], None) == [
        "blocks sent without a text fallback: notifications and screen readers get nothing"
    ]
    assert message_warnings([section("x")], "x") == []
    assert "truncates" in message_warnings(None, "x" * 40001)[0]
    assert "keep it under 4000" in message_warnings(None, "x" * 4001)[0]


VIEW_CASES = {
    "blocks": (modal(*[section("x")] * 101), "/blocks: 101 blocks, more than the 100"),
    "title": (modal(section("x"), title="t" * 25), "/title/text: 25 characters"),
    "title plain": (
        dict(modal(section("x")), title={"type": "mrkdwn", "text": "t"}),
        "/title/type: must be plain_text",
    ),
    "submit": (modal(section("x"), submit=plain("s" * 25)), "/submit/text: 25 characters"),
    "close": (modal(section("x"), close=plain("c" * 25)), "/close/text: 25 characters"),
    "private_metadata": (
        modal(section("x"), private_metadata="m" * 3001),
        "/private_metadata: 3001 characters",
    ),
    "callback_id": (modal(section("x"), callback_id="c" * 256), "/callback_id: 256 characters"),
    "missing title": ({"type": "modal", "blocks": []}, "/title: missing required field"),
    "input needs submit": (
        modal({"type": "input", "label": plain("l"), "element": {"type": "plain_text_input"}}),
        "/submit: required when the modal has input blocks",
    ),
    "block_id unique": (
        modal(section("x", block_id="b"), section("y", block_id="b")),
        "duplicate block_id",
    ),
    "type": ({"type": "dialog", "blocks": []}, "/type: must be modal or home"),
}


@pytest.mark.parametrize("case", VIEW_CASES)
def test_view_limit(case):
    view, expected = VIEW_CASES[case]
    problems = view_problems(view)
    assert any(expected in p for p in problems), problems


def test_views_at_the_limits_pass():
    form = modal(
        *[section("x")] * 99,
        {"type": "input", "label": plain("l"), "element": {"type": "plain_text_input"}},
        title="t" * 24,
        submit=plain("s" * 24),
        close=plain("c" * 24),
        private_metadata="m" * 3000,
        callback_id="c" * 255,
    )
    assert view_problems(form) == []
    assert view_problems({"type": "home", "blocks": [section("x")] * 100}) == []


_KEYS = st.sampled_from(
    [
        "type",
        "text",
        "blocks",
        "elements",
        "fields",
        "accessory",
        "options",
        "option_groups",
        "label",
        "element",
        "title",
        "submit",
        "close",
        "block_id",
        "action_id",
        "value",
        "url",
        "placeholder",
        "confirm",
        "initial_option",
        "initial_options",
        "hint",
        "private_metadata",
        "callback_id",
        "description",
        "image_url",
    ]
)
_TYPES = st.sampled_from(
    [
        "section",
        "header",
        "context",
        "actions",
        "input",
        "divider",
        "image",
        "button",
        "static_select",
        "overflow",
        "checkboxes",
        "radio_buttons",
        "plain_text",
        "mrkdwn",
        "modal",
        "home",
    ]
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4) | _TYPES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_KEYS | st.text(max_size=3), inner, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=200, deadline=None)
@given(blocks=_JSON, text=_JSON, view=_JSON)
def test_limit_checks_never_raise(blocks, text, view):
    for result in (
        message_problems(blocks, text),
        message_warnings(blocks, text),
        view_problems(view),
        view_problems({"type": "modal", "blocks": blocks, "title": text}),
        message_problems([blocks], text),
    ):
        assert isinstance(result, list) and all(isinstance(p, str) for p in result)
