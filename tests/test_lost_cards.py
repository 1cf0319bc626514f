"""A card that is gone from Slack (deleted, or a database restored from before it) is posted
again once, however many updates fail at the same moment, and its requester is told once per
card per day, in words that say what happened. Raced with real threads on both databases."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from bot.outbox_sender import OutboxSender
from bot.sent_lookup import EVENT_TYPE
from storage import outbox
from storage.gates import GateRequest
from storage.outbox import Delivery
from tests.gates.conftest import gate_bot  # noqa: F401 - the gate tests' fixture
from tests.gates.test_concurrency import fire_together
from tests.support import ALICE, APOLLO_CHANNEL, BOB, CAROL
from tests.support.gates import card, quiesce, request_gate, wait_until

THREADS = 10


def _card_posts(bot, card_ids) -> list:
    """chat.postMessage calls that posted one of these cards (they carry their delivery id)."""
    return [c for c in bot.slack.calls("chat.postMessage")
            if (c.args.get("metadata") or {}).get("event_type") == EVENT_TYPE
            and c.args["metadata"]["event_payload"]["delivery_id"] in card_ids]


def _notices(bot, user: str) -> list[str]:
    return [m["text"] for m in bot.slack.messages(user)]


def _rows(bot, ids) -> dict[int, Delivery]:
    with bot.ctx.db.read() as session:
        return {row.id: row for row in session.scalars(select(Delivery)
                                                        .where(Delivery.id.in_(ids)))}


def test_concurrent_updates_of_a_lost_card_post_one_fresh_card_and_one_notice(bot):
    """Ten senders (threads, each its own lease owner) update a card whose message is gone."""
    ctx = bot.ctx
    with ctx.db.write() as session:
        card_row = outbox.enqueue(session, kind="status_card", channel=APOLLO_CHANNEL,
                                  payload={"text": "v0"}, now=ctx.now(), requested_by=ALICE)
        card_id = card_row.id
    [sent] = ctx.sender.send([card_id])
    assert sent.ok
    [message] = bot.slack.messages(APOLLO_CHANNEL)
    ctx.client.chat_delete(channel=APOLLO_CHANNEL, ts=message["ts"])  # someone deleted it
    with ctx.db.write() as session:
        updates = [outbox.enqueue_card_update(session, card_id, {"text": f"v{n}"}, ctx.now()).id
                   for n in range(1, THREADS + 1)]
    bot.slack.reset()

    start = threading.Barrier(THREADS)

    def send(number: int, delivery_id: int):
        sender = OutboxSender(ctx, owner=f"thread-{number}")
        start.wait()
        try:
            return sender.send([delivery_id])
        finally:
            sender.close()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(send, range(THREADS), updates))
    ctx.sender.send_due()

    assert len(_card_posts(bot, {card_id})) == 1
    [fresh] = bot.slack.messages(APOLLO_CHANNEL)
    assert fresh["text"] == f"v{THREADS}"  # the newest picture
    rows = _rows(bot, [card_id, *updates])
    assert (rows[card_id].state, rows[card_id].slack_ts) == ("sent", fresh["ts"])
    assert {rows[i].state for i in updates} == {"sent"}
    [notice] = _notices(bot, ALICE)
    assert f"A card I keep up to date in <#{APOLLO_CHANNEL}> was no longer in Slack" in notice
    assert "posted it again" in notice and "Slack refused" not in notice

    # The next change updates the fresh card in place; the same day brings no second notice.
    with ctx.db.write() as session:
        again = outbox.enqueue_card_update(session, card_id, {"text": "later"}, ctx.now()).id
    assert ctx.sender.send([again])[0].ok
    assert [m["text"] for m in bot.slack.messages(APOLLO_CHANNEL)] == ["later"]
    assert len(_notices(bot, ALICE)) == 1

    # Lost again the same day: posted again, but the requester is not told twice.
    [later] = bot.slack.messages(APOLLO_CHANNEL)
    ctx.client.chat_delete(channel=APOLLO_CHANNEL, ts=later["ts"])
    with ctx.db.write() as session:
        third = outbox.enqueue_card_update(session, card_id, {"text": "third"}, ctx.now()).id
    assert ctx.sender.send([third])[0].ok
    assert [m["text"] for m in bot.slack.messages(APOLLO_CHANNEL)] == ["third"]
    assert len(_notices(bot, ALICE)) == 1
    bot.clock.advance(days=1)  # a new day: told again
    [lost] = bot.slack.messages(APOLLO_CHANNEL)
    ctx.client.chat_delete(channel=APOLLO_CHANNEL, ts=lost["ts"])
    with ctx.db.write() as session:
        fourth = outbox.enqueue_card_update(session, card_id, {"text": "fourth"}, ctx.now()).id
    assert ctx.sender.send([fourth])[0].ok
    assert len(_notices(bot, ALICE)) == 2


def test_approve_clicks_on_lost_gate_cards_post_each_card_once(gate_bot):  # noqa: F811
    """The audit's case: cards gone (a restored database), ten Approve clicks at once."""
    gated = gate_bot()
    request_gate(gated)
    clicked = card(gated, BOB)
    with gated.ctx.db.read() as session:
        card_ids = session.scalar(select(GateRequest)).card_ids
    gated.slack.reset()  # Slack no longer has any of the three cards

    fire_together(gated, [(BOB, clicked)] * THREADS)
    wait_until(lambda: len(_card_posts(gated, set(card_ids))) == len(card_ids), timeout=15)
    quiesce(gated)

    posts = _card_posts(gated, set(card_ids))
    assert sorted(c.args["metadata"]["event_payload"]["delivery_id"] for c in posts) == \
        sorted(card_ids)
    rows = _rows(gated, card_ids)
    for call in posts:
        row = rows[call.args["metadata"]["event_payload"]["delivery_id"]]
        assert (row.state, row.slack_ts) == ("sent", call.response["ts"])
    assert "Approved" in str(card(gated, BOB)["blocks"]) or "passed" in str(
        card(gated, BOB)["blocks"]).lower()
    notices = [text for text in _notices(gated, ALICE) if "gate of *APOLLO* passed" not in text]
    assert 1 <= len(notices) <= len(card_ids)  # at most once per card (per day)
    assert all("posted it again" in text for text in notices), notices
    assert any(f"in <@{BOB}>'s direct messages" in text for text in notices)
    assert not any(f"<#{BOB}>" in text or f"<#{CAROL}>" in text for text in notices)
    failed = [c for c in gated.slack.calls("chat.update") if not c.response.get("ok")]
    assert len(failed) <= THREADS * len(card_ids)


def test_a_refused_update_of_a_dm_card_says_update_and_names_the_person(bot):
    """The notice for an update Slack refuses says "update", and a DM shows as the person."""
    ctx = bot.ctx
    with ctx.db.write() as session:
        card_id = outbox.enqueue(session, kind="risk_dm", channel=BOB, payload={"text": "v0"},
                                 now=ctx.now(), requested_by=ALICE).id
    assert ctx.sender.send([card_id])[0].ok
    with ctx.db.write() as session:
        update_id = outbox.enqueue_card_update(session, card_id, {"text": "v1"}, ctx.now()).id
    bot.slack.fail_next("chat.update", "cant_update_message")
    assert not ctx.sender.send([update_id])[0].ok
    [notice] = _notices(bot, ALICE)
    assert f"Slack refused a message I tried to update in <@{BOB}>'s direct messages" in notice
    assert f"<#{BOB}>" not in notice


def test_the_console_restarted_without_its_messages_reposts_the_card_without_a_log_line(
        tmp_path):
    """The console keeps what Slack shows beside its database (c.slack.json); with that
    file gone, its Slack no longer has the cards (as after a restored database): updating a
    risk posts its card again and says so in words, not as a raw log line."""
    from tests.test_console_cli import console

    first = ":as pat\n/pmo project add APOLLO Apollo pm:@alice channel:#apollo\n" \
            "/risk add APOLLO Vendor may slip p:2 i:2 owner:@bob\n"
    assert console(tmp_path, "--db", "sqlite:///c.db", stdin=first).returncode == 0
    kept = tmp_path / "c.slack.json"
    assert kept.exists()
    kept.unlink()
    done = console(tmp_path, "--db", "sqlite:///c.db",
                   stdin=":as pat\n/risk update APOLLO-R1 p:3\n")
    assert done.returncode == 0, done.stderr
    shown = done.stdout + done.stderr
    assert "A card I keep up to date in #apollo was no longer in Slack" in shown
    assert "APOLLO-R1 updated" in shown
    assert "message_not_found" not in shown and "WARNING" not in shown
