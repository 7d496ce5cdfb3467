"""Keeping the tables right: announcements, leaf-set updates, probes.

- ``announce`` from X: consider X for every table. If X enters the leaf set,
  also consider the members of X's leaf set for the leaf set; then tell X
  (``leaf_update``) when this node or a member of its leaf set would enter X's
  announced leaf set but is missing from it (concurrent joins), and tell every
  member newly learned from X's list about this node.
- ``leaf_update`` from S: consider S for every table and the members of its leaf
  set for the leaf set; tell every member newly learned from S's list about this
  node; and if S has just entered the leaf set, tell S about the nodes it misses,
  as for an announcement. (Only then: two nodes that disagree about a failed
  node would otherwise answer each other for ever.)
- in both cases, every node that entered the leaf set from the list is pinged
  at once (:func:`~reference.overlay.probing.probe_newcomers`).
"""

from reference.effects import Effect, Emit
from reference.overlay import leafset
from reference.overlay.data import OverlayData, with_tables
from reference.overlay.leafset import LeafSet
from reference.overlay.pending import learn, learn_leaf
from reference.overlay.probing import probe_newcomers
from reference.overlay.ring import Ref
from reference.overlay.tables import Tables
from reference.overlay.wiremsg import leaf_update
from spec.v1.overlay.constants import (
    LEAF_HALF,
    RING,
)
from spec.v1.overlay.messages import Announce, LeafUpdate

_MASK = RING - 1


def _leaf_ids(leaf: LeafSet) -> set[int]:
    return {r[0] for r in leaf.smaller} | {r[0] for r in leaf.larger}


def _tell_new_members(
    before: LeafSet, after: Tables, sender: int, also: tuple[Ref, ...] = ()
) -> tuple[Effect, ...]:
    """``leaf_update`` to every leaf member learned from a third party, and to ``also``."""
    known = _leaf_ids(before)
    targets = {
        r[0]: r
        for side in (after.leaf.smaller, after.leaf.larger)
        for r in side
        if r[0] not in known and r[0] != sender
    }
    for r in also:
        targets.setdefault(r[0], r)
    if not targets:
        return ()
    message = leaf_update(after)
    return tuple(Emit("leaf_update", targets[k][3].id, message) for k in sorted(targets))


def _misses(origin: int, listed: list[int], candidates: tuple[Ref, ...]) -> bool:
    """Whether a node whose leaf set is ``listed`` would admit one of ``candidates`` it
    does not list (the leaf-set rule of :mod:`~reference.overlay.leafset`, computed
    from the list's distances without building the set)."""
    ids = set(listed)
    ids.add(origin)
    clockwise = sorted((node - origin) & _MASK for node in ids if node != origin)
    counter = sorted((origin - node) & _MASK for node in ids if node != origin)
    cw_far = clockwise[LEAF_HALF - 1] if len(clockwise) >= LEAF_HALF else None
    ccw_far = counter[LEAF_HALF - 1] if len(counter) >= LEAF_HALF else None
    for r in candidates:
        node = r[0]
        if node in ids:
            continue
        if cw_far is None or ccw_far is None:
            return True
        if (node - origin) & _MASK < cw_far or (origin - node) & _MASK < ccw_far:
            return True
    return False


def absorb_announce(
    data: OverlayData, message: Announce, now: int
) -> tuple[OverlayData, tuple[Effect, ...]]:
    newcomer = data.carrier.ref(message.node)
    before = data.tables.leaf
    tables = learn(data, (newcomer,), now)
    # (the common case, cheaply: the newcomer is far away on the ring)
    if not leafset.may_hold(tables.leaf, tables.me[0], newcomer[0]) or not leafset.contains(
        tables.leaf, newcomer[0]
    ):
        return with_tables(data, tables), ()
    listed = [(int.from_bytes(r.id, "big"), r) for r in message.leaf]
    tables = learn_leaf(data, tables, listed, now)
    mine = (tables.me, *tables.leaf.smaller, *tables.leaf.larger)
    missing = _misses(newcomer[0], [node for node, _ in listed], mine)
    effects = _tell_new_members(before, tables, newcomer[0], (newcomer,) if missing else ())
    data, pings = probe_newcomers(before, with_tables(data, tables), newcomer[0], now)
    return data, effects + pings


def absorb_leaf_update(
    data: OverlayData, message: LeafUpdate, now: int
) -> tuple[OverlayData, tuple[Effect, ...]]:
    sender = data.carrier.ref(message.node)
    before = data.tables.leaf
    tables = learn(data, (sender,), now)
    listed = [(int.from_bytes(r.id, "big"), r) for r in message.leaf]
    tables = learn_leaf(data, tables, listed, now)
    missing = False
    if leafset.contains(tables.leaf, sender[0]) and not leafset.contains(before, sender[0]):
        mine = (tables.me, *tables.leaf.smaller, *tables.leaf.larger)
        missing = _misses(sender[0], [node for node, _ in listed], mine)
    effects = _tell_new_members(before, tables, sender[0], (sender,) if missing else ())
    data, pings = probe_newcomers(before, with_tables(data, tables), sender[0], now)
    return data, effects + pings
