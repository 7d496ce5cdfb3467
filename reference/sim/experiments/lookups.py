"""Lookups for the experiment: planning them (seeded) and judging their deliveries.

A lookup is a ``lookup`` command given to a node at a tick; its outcome is
what :class:`~reference.sim.overlay.DeliveryLog` saw: which node delivered
it (sent the ``lookup_reply``, or answered its own lookup), when, and after
how many hops. A delivery is *correct* when the delivering node was, at that
tick, the live, active node numerically closest to the key (ring distance,
ties to the smaller id: the spec's rule). The live, active set changes as
nodes finish joining (the tick :class:`~reference.sim.experiments.watch.Watch`
saw them become active) and crash (the ticks the scenario scheduled), so
deliveries are judged by a sweep over time, at tick granularity.
"""

import random
from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from reference.overlay.ring import distance
from reference.sim.overlay import Delivery
from reference.sim.streams import below
from spec.v1.overlay.constants import ID_BITS


class Planned(NamedTuple):
    """One lookup to issue: node ``origin`` (an index) looks ``key`` up at ``tick``."""

    tick: int
    origin: int
    key: int
    nonce: bytes


class Nonces:
    """Unique 8-byte lookup nonces for one network (a counter)."""

    def __init__(self) -> None:
        self._next = 1

    def take(self) -> bytes:
        nonce = self._next.to_bytes(8, "big")
        self._next += 1
        return nonce


def plan(
    rng: random.Random,
    count: int,
    ticks: Sequence[int],
    origins: Sequence[int],
    nonces: Nonces,
) -> list[Planned]:
    """``count`` lookups at ``ticks[k]``: a random key from a random node of ``origins``."""
    if not origins:
        return []
    planned = []
    for k in range(count):
        origin = origins[below(rng, len(origins))]
        key = rng.getrandbits(ID_BITS)
        planned.append(Planned(ticks[k], origin, key, nonces.take()))
    return planned


def spread(first: int, span: int, count: int) -> list[int]:
    """``count`` ticks spread evenly over ``[first, first + span)`` (at least one apart
    only if ``span >= count``; several lookups may share a tick)."""
    return [first + (k * span) // max(1, count) for k in range(count)]


class Judged(NamedTuple):
    """What became of a batch of lookups."""

    issued: int
    answered: int
    """Lookups delivered at least once."""
    hops: tuple[int, ...]
    """Count of answered lookups per hop count (index = hops), by each one's first delivery."""
    correct: int
    """Answered lookups every delivery of which was made by the closest live, active node."""
    misdelivered: int
    """Answered lookups delivered (at least once) by a node that was not the closest one."""
    doubled: int
    """Lookups delivered by two or more distinct nodes."""

    @property
    def inconsistent(self) -> int:
        """Lookups misdelivered or delivered by two nodes (counted once)."""
        return self.answered - self.correct

    @property
    def mean_hops(self) -> float:
        total = sum(self.hops)
        return sum(h * n for h, n in enumerate(self.hops)) / total if total else 0.0

    @property
    def max_hops(self) -> int:
        return max((h for h, n in enumerate(self.hops) if n), default=0)


def judge(
    planned: Sequence[Planned],
    deliveries: Iterable[Delivery],
    ids: Sequence[int],
    activated: Mapping[int, int],
    crashed: Mapping[int, int],
) -> Judged:
    """Judge the deliveries of ``planned`` lookups (other deliveries are ignored).

    ``ids[i]`` is node ``i``'s id; ``activated`` and ``crashed`` map a node index
    to the tick it became active and the tick it crashed (a node crashed at
    tick t delivers nothing from t on: the simulator runs a crash first).
    """
    wanted = {(ids[p.origin], p.nonce) for p in planned}
    mine = sorted(
        (d for d in deliveries if (d.origin, d.nonce) in wanted),
        key=lambda d: d.tick,
    )
    changes = sorted(
        [(tick, 1, i) for i, tick in activated.items()]
        + [(tick, 0, i) for i, tick in crashed.items()]
    )
    live: list[int] = []
    dead: set[int] = set()
    at = 0
    first: dict[tuple[int, bytes], Delivery] = {}
    roots: dict[tuple[int, bytes], set[int]] = {}
    wrong: set[tuple[int, bytes]] = set()
    for d in mine:
        while at < len(changes) and changes[at][0] <= d.tick:
            _, kind, index = changes[at]
            at += 1
            node = ids[index]
            if kind == 0:
                dead.add(index)
                spot = bisect_left(live, node)
                if spot < len(live) and live[spot] == node:
                    live.pop(spot)
            elif index not in dead:
                insort(live, node)
        lookup = (d.origin, d.nonce)
        first.setdefault(lookup, d)
        roots.setdefault(lookup, set()).add(d.root)
        if closest(live, d.key) != d.root:
            wrong.add(lookup)
    hops: list[int] = []
    for d in first.values():
        while len(hops) <= d.hops:
            hops.append(0)
        hops[d.hops] += 1
    doubled = {lookup for lookup, nodes in roots.items() if len(nodes) > 1}
    return Judged(
        issued=len(planned),
        answered=len(first),
        hops=tuple(hops),
        correct=len(first) - len(wrong | doubled),
        misdelivered=len(wrong),
        doubled=len(doubled),
    )


def closest(live: Sequence[int], key: int) -> int | None:
    """The id in sorted ``live`` numerically closest to ``key`` on the ring (ties to the
    smaller id), or ``None`` when there is none. Only the two ring neighbours of the key
    can be closest."""
    if not live:
        return None
    spot = bisect_left(live, key)
    a = live[spot % len(live)]
    b = live[spot - 1]
    da = distance(a, key)
    db = distance(b, key)
    if da < db or (da == db and a < b):
        return a
    return b


def k_closest(live: Sequence[int], key: int, k: int) -> set[int]:
    """The ``k`` ids of sorted ``live`` numerically closest to ``key`` (ring distance, ties
    to the smaller id): the nodes that would hold a key's ``k`` replicas."""
    n = len(live)
    if k >= n:
        return set(live)
    spot = bisect_left(live, key)
    up, down = spot, spot - 1
    chosen: set[int] = set()
    while len(chosen) < k:
        a = live[up % n]
        b = live[down % n]
        da = distance(a, key)
        db = distance(b, key)
        if da < db or (da == db and a < b):
            chosen.add(a)
            up += 1
        else:
            chosen.add(b)
            down -= 1
    return chosen


def replica_hops(
    paths: Iterable[tuple[int, tuple[int, ...]]], live: Sequence[int], k: int
) -> tuple[int, ...]:
    """Per hop count, how many of ``paths`` (key, path of node ids) first reach one of the
    key's ``k`` closest live nodes after that many hops (Pastry's replica routing ends
    there)."""
    counts: list[int] = []
    for key, path in paths:
        holders = k_closest(live, key, k)
        hops = next((i for i, node in enumerate(path) if node in holders), len(path) - 1)
        while len(counts) <= hops:
            counts.append(0)
        counts[hops] += 1
    return tuple(counts)
