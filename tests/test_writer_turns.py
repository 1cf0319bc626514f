"""SQLite's writers of one process take turns (storage/db.py `WriterTurns`): real threads race
for the turn; each is handed it in the order it asked, writes before an ack first. Handed out
by a race instead (a condition's notify_all), some acks of a burst waited 2–3 s, past Slack's
limit."""

from __future__ import annotations

import threading
import time

from storage.db import WriterTurns


def _queue_behind(turns: WriterTurns, kinds: list[bool],
                  order: list[str]) -> list[threading.Thread]:
    """While another thread holds the turn, start one thread per kind (urgent or not), each
    asking only once the one before is waiting; each notes its name when it gets the turn."""
    threads = []
    for n, urgent in enumerate(kinds):
        name = f"{'urgent' if urgent else 'other'}-{n}"

        def write(name=name, urgent=urgent) -> None:
            with turns.turn(urgent=urgent):
                order.append(name)
                time.sleep(0.001)

        thread = threading.Thread(target=write, name=name)
        waiting = len(turns._urgent) + len(turns._others)
        thread.start()
        deadline = time.monotonic() + 5
        while len(turns._urgent) + len(turns._others) == waiting:  # until it queued
            assert time.monotonic() < deadline, "a writer never queued"
            time.sleep(0.001)
        threads.append(thread)
    return threads


def test_turns_go_in_the_order_asked_writes_before_an_ack_first():
    turns = WriterTurns()
    order: list[str] = []
    released = threading.Event()
    held = threading.Event()

    def holder() -> None:
        with turns.turn():
            held.set()
            released.wait(5)

    first = threading.Thread(target=holder)
    first.start()
    held.wait(5)
    kinds = [False, True, True, False, True, True, True, False]
    threads = _queue_behind(turns, kinds, order)
    released.set()
    for thread in [first, *threads]:
        thread.join(5)
    assert order == ["urgent-1", "urgent-2", "urgent-4", "urgent-5", "urgent-6",
                     "other-0", "other-3", "other-7"]


def test_a_turn_is_reentrant_and_free_again_after():
    turns = WriterTurns()
    with turns.turn(), turns.turn(urgent=True):
        assert turns._holder == threading.get_ident()
    assert turns._holder is None
    got = []
    thread = threading.Thread(target=lambda: got.append(turns.turn().__enter__() is None))
    thread.start()
    thread.join(5)
    assert got == [True]
