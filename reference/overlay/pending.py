"""The single timers that watch many pending things, and learning while some are failed.

A node has one ``probe_timeout``, one ``hop_timeout`` and one ``lookup_timeout``
timer, each set to the earliest deadline among its pending probes, forwards or
lookups (cancelled when none is pending). Setting a running timer to the deadline it already has
changes nothing, so every action that touches a pending list just resyncs.
"""

from collections.abc import Iterable

from reference.effects import CancelTimer, Effect, StartTimer
from reference.overlay import leafset
from reference.overlay.data import Failed, OverlayData
from reference.overlay.ring import Ref
from reference.overlay.tables import Tables, consider
from spec.v1.overlay.constants import (
    TIMER_HOP_TIMEOUT,
    TIMER_LOOKUP_TIMEOUT,
    TIMER_PROBE_TIMEOUT,
)
from spec.v1.overlay.refs import NodeRef


def hop_timer(data: OverlayData) -> Effect:
    if data.hops:
        return StartTimer(TIMER_HOP_TIMEOUT, min(h.due for h in data.hops))
    return CancelTimer(TIMER_HOP_TIMEOUT)


def probe_timer(data: OverlayData) -> Effect:
    if data.probes:
        return StartTimer(TIMER_PROBE_TIMEOUT, min(p.due for p in data.probes))
    return CancelTimer(TIMER_PROBE_TIMEOUT)


def lookup_timer(data: OverlayData) -> Effect:
    if data.lookups:
        return StartTimer(TIMER_LOOKUP_TIMEOUT, min(p.due for p in data.lookups))
    return CancelTimer(TIMER_LOOKUP_TIMEOUT)


def blocked(failed: tuple[Failed, ...], now: int) -> frozenset[int]:
    """Ids that may not enter any table at ``now``."""
    return frozenset(f.node for f in failed if f.until > now)


def learn(data: OverlayData, refs: Iterable[Ref], now: int) -> Tables:
    """The tables after considering ``refs``, skipping nodes declared failed."""
    tables = data.tables
    if data.failed:
        stop = blocked(data.failed, now)
        for ref in refs:
            if ref[0] not in stop:
                tables = consider(tables, ref)
        return tables
    for ref in refs:
        tables = consider(tables, ref)
    return tables


def learn_leaf(
    data: OverlayData, tables: Tables, listed: Iterable[tuple[int, NodeRef]], now: int
) -> Tables:
    """``tables`` after considering the members of a leaf list, ``(id, wire)`` pairs, for
    the leaf set only, skipping nodes declared failed.

    Each side is offered every listed node it does not hold: a node on one side only
    may still belong on the other (in a ring of at most 17 nodes it does)."""
    origin = tables.me[0]
    leaf = tables.leaf
    skip = {origin}
    if data.failed:
        skip.update(blocked(data.failed, now))
    ref = data.carrier.ref
    for node, wire in listed:
        if node not in skip and leafset.eligible(leaf, origin, node):
            leaf = leafset.insert(leaf, origin, ref(wire))
            skip.add(node)
    return tables if leaf is tables.leaf else tables._replace(leaf=leaf)


def prune(failed: tuple[Failed, ...], now: int) -> tuple[Failed, ...]:
    """Drop entries that have expired."""
    if all(f.until > now for f in failed):
        return failed
    return tuple(f for f in failed if f.until > now)
