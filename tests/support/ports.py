"""Free TCP ports for servers a test starts as another process (`pmo-bot serve`, `standin`).

The port is probed here and bound by the other process a moment later. A port the kernel picks
(`bind(0)`) comes from the ephemeral range, which every outgoing connection of every parallel
test draws from too, so one of them could take it in between. These ports come from below that
range (20000–32767, where the kernel never hands out ports by itself), from a block of its own
for each pytest-xdist worker (`gw0`, `gw1`, …), starting at a place of the process's own in its
block so that two runs on one machine are unlikely to meet.
"""

from __future__ import annotations

import itertools
import os
import socket

FIRST, LAST = 20000, 32767
BLOCKS = 8


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = worker.removeprefix("gw")
    return int(digits) if digits.isdigit() else 0


def _candidates():
    size = (LAST - FIRST + 1) // BLOCKS
    start = FIRST + (_worker_index() % BLOCKS) * size
    offset = os.getpid() % size
    return itertools.cycle([start + (offset + n) % size for n in range(size)])


_next = _candidates()


def _bindable(port: int) -> bool:
    for host in ("127.0.0.1", "0.0.0.0"):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                return False
    return True


def free_port() -> int:
    """A port nothing listens on, outside the kernel's ephemeral range, distinct per worker."""
    for _ in range(1000):
        port = next(_next)
        if _bindable(port):
            return port
    raise RuntimeError("no free port found in this worker's block")
