"""The event queue: ordered by (tick, sequence number), so ties pop in insertion order.

The sequence number is unique, so two events never compare beyond it and
their payloads need not be orderable. Events are plain named tuples: cheap
to build by the million and easy to read in a debugger.
"""

import heapq
from enum import IntEnum
from typing import Any, NamedTuple


class Kind(IntEnum):
    """What an event does when it pops."""

    JOIN = 0
    """Create the node ``node``."""
    DELIVER = 1
    """A message reaches ``node`` from ``peer``; ``data`` is ``(message, sent_at, label)``."""
    TIMER = 2
    """The node's timer fires if it still runs with this due tick; ``data`` is ``(name, due)``."""
    COMMAND = 3
    """A local command for ``node``; ``data`` is the :class:`spec.v1.trace.Command`."""
    SEND = 4
    """A message a behaviour held back now leaves ``node``; ``data`` is ``(to, message)``."""
    CRASH = 5
    """``node`` stops: it processes nothing more and messages to it are dropped."""
    LEAVE = 6
    """``node`` leaves gracefully: it is removed from the network."""


class Event(NamedTuple):
    tick: int
    seq: int
    kind: Kind
    node: int
    """Index of the node the event happens at."""
    peer: int
    """Index of the other node involved (the sender of a delivery), or -1."""
    data: Any


class EventQueue:
    """A binary heap of events; :meth:`pop` gives the least (tick, seq)."""

    __slots__ = ("_heap", "_seq")

    def __init__(self) -> None:
        self._heap: list[Event] = []
        self._seq = 0

    def push(self, tick: int, kind: Kind, node: int, peer: int = -1, data: Any = None) -> None:
        heapq.heappush(self._heap, Event(tick, self._seq, kind, node, peer, data))
        self._seq += 1

    def pop(self) -> Event:
        return heapq.heappop(self._heap)

    def pop_due(self, until: int | None) -> Event | None:
        """The least event if it is due by ``until`` (any, if None), else None."""
        heap = self._heap
        if not heap or (until is not None and heap[0].tick > until):
            return None
        return heapq.heappop(heap)

    def next_tick(self) -> int | None:
        """Tick of the next event, or None when the queue is empty."""
        return self._heap[0].tick if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
