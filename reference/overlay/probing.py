"""Liveness probes: the wire protocol's ping, sent to leaf-set members.

- Every PROBE_PERIOD an active node pings every leaf-set member not already
  being probed (nonce = the tick, 8 bytes big-endian).
- A node that enters the leaf set from a third party's word (a leaf list, a row
  reply, the refill after a failure) is pinged at once: Pastry checks that a
  repair candidate is alive before relying on it, and a chain of failed
  neighbours is then found one PROBE_TIMEOUT after another instead of one
  period after another. The sender of the message being handled is not
  probed: it has just shown that it is alive.
- A member that has not answered PROBE_TIMEOUT after its ping is declared
  failed when ``probe_timeout`` fires (the timer stands at the earliest due
  probe).
"""

from reference.effects import Effect, Emit, StartTimer
from reference.overlay import leafset
from reference.overlay.data import OverlayData, Probe, with_tables
from reference.overlay.leafset import LeafSet
from reference.overlay.pending import learn, probe_timer, prune
from reference.overlay.ring import Ref
from spec.v1.overlay.constants import (
    PROBE_PERIOD,
    PROBE_TIMEOUT,
    TIMER_PROBE,
)
from spec.v1.wire import Ping


def _ping(data: OverlayData, targets: list[Ref], now: int) -> tuple[OverlayData, list[Effect]]:
    nonce = now.to_bytes(8, "big")
    due = now + PROBE_TIMEOUT
    probes = tuple(sorted((*data.probes, *(Probe(r[0], nonce, due) for r in targets))))
    ping = Ping(nonce=nonce, sent_at=now)
    effects: list[Effect] = [Emit("ping", r[3].id, ping) for r in targets]
    data = data._replace(probes=probes)
    if targets:
        effects.append(probe_timer(data))
    return data, effects


def probe_round(data: OverlayData, now: int) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Ping every leaf-set member not already being probed; restart the period."""
    probing = {p.node for p in data.probes}
    fresh = [r for r in leafset.members(data.tables.leaf) if r[0] not in probing]
    data, effects = _ping(data._replace(failed=prune(data.failed, now)), fresh, now)
    effects.insert(len(fresh), StartTimer(TIMER_PROBE, now + PROBE_PERIOD))
    return data, tuple(effects)


def probe_newcomers(
    before: LeafSet, data: OverlayData, sender: int | None, now: int
) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Ping every node that entered the leaf set since ``before``, but ``sender``; drop
    the probes of nodes that have left it."""
    leaf = data.tables.leaf
    if leaf is before:
        return data, ()
    data, dropped = drop_departed_probes(data)
    known = {r[0] for r in before.smaller} | {r[0] for r in before.larger}
    if sender is not None:
        known.add(sender)
    known.update(p.node for p in data.probes)
    fresh = [r for r in leafset.members(leaf) if r[0] not in known]
    if not fresh:
        return data, dropped
    data, effects = _ping(data, fresh, now)
    return data, tuple(effects)


def consider_requester(
    data: OverlayData, requester: Ref, now: int
) -> tuple[OverlayData, tuple[Effect, ...]]:
    """A node that asks for part of our tables is alive and signed its request: consider
    it for every table (it may push a probed member out of the leaf set)."""
    data = with_tables(data, learn(data, (requester,), now))
    return drop_departed_probes(data)


def drop_departed_probes(data: OverlayData) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Forget the probes of nodes no longer in the leaf set (pushed out by nearer nodes):
    only leaf-set members are probed, so at most LEAF_SIZE probes are ever pending."""
    leaf = data.tables.leaf
    if not data.probes:
        return data, ()
    members = {r[0] for r in leaf.smaller} | {r[0] for r in leaf.larger}
    if all(p.node in members for p in data.probes):
        return data, ()
    data = data._replace(probes=tuple(p for p in data.probes if p.node in members))
    return data, (probe_timer(data),)
