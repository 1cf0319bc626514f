"""Reading the whole portfolio at once without the cycle collector's full passes.

An export of 10,000 projects builds a few hundred thousand small objects (rows, named tuples,
dicts) that live until the export ends and hold no reference cycles. While they pile up,
CPython's cycle collector runs its oldest generation again and again, each time walking every
object alive: 20–25% of an indicators export's time (bench/indicators.py: 415 → 330 ms on
SQLite for the figures alone). `cycles_paused` switches the collector off for such a read and
back on after it; reference counting still frees everything as usual.

The switch is the process's: another thread's garbage waits for the next collection in that
time (under a second), which costs nothing but memory. Nested or overlapping pauses end with
the collector on once the outermost pause that found it on ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycles_paused() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
