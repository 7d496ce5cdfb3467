"""Overlay networks in the simulator: delivery, hop counts, repair, and the safety invariants.

Networks are built by joins with :class:`reference.sim.overlay.OverlayNet` on
the body runtime (the same machine and code as the frame runtime; one test
checks the two give the same run). The properties are the spec's
(``prose/overlay.md``, "Safety invariants"), checked over runs in which joins
and failures do not overlap and no message is lost:

- every lookup is delivered, exactly once, by the running active node
  numerically closest to its key (MSPastry's CorrectDelivery);
- at least 99% of lookups take at most ceil(log16 N) + 1 hops;
- after 10% of the nodes fail and repair runs for REPAIR_TICKS, every lookup
  is delivered again, correctly;
- once settled, every active node's leaf set is exactly its 8 nearest active
  nodes on each side (LSetInv and NeighborClosest, and more).
"""

import math
import random
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference.sim.overlay import Delivery, OverlayNet
from spec.v1.overlay.constants import LEAF_HALF, LOOKUP_TIMEOUT, PROBE_PERIOD, PROBE_TIMEOUT

REPAIR_TICKS = 2 * (PROBE_PERIOD + PROBE_TIMEOUT)
"""How long repair runs after a failure: two probe rounds and their timeouts (the first
round may start just before the failure)."""

NETWORK = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def lookups(
    net: OverlayNet, count: int, rng: random.Random, tag: str, per_tick: int = 4
) -> list[tuple[int, int, bytes]]:
    """Issue ``count`` lookups from random active nodes, ``per_tick`` per tick; run until
    all can have been answered. Returns (origin id, key, nonce) of each."""
    sim = net.sim
    live = net.live_active()
    start = sim.now + 1
    issued = []
    for n in range(count):
        origin = rng.choice(live)
        key = rng.getrandbits(128)
        nonce = f"{tag[:3]}{n:05d}".encode()
        net.lookup(start + n // per_tick, origin, key, nonce)
        issued.append((net.ids[origin], key, nonce))
    sim.run(until=start + count // per_tick + LOOKUP_TIMEOUT)
    return issued


def check_deliveries(
    net: OverlayNet, issued: list[tuple[int, int, bytes]], since: int
) -> list[Delivery]:
    """Every issued lookup delivered once, by the closest live active node (all still live)."""
    found = net.log.deliveries[since:]
    counted = Counter((d.origin, d.nonce) for d in found)
    assert all(v == 1 for v in counted.values()), "a lookup was delivered twice"
    assert set(counted) == {(o, n) for o, _, n in issued}, "a lookup was not delivered"
    live = net.live_active()
    for d in found:
        assert d.root == net.ids[net.root_of(d.key, live)], f"wrong root for {d}"
    return found


def check_leaf_sets(net: OverlayNet) -> None:
    live = net.live_active()
    ring = sorted(net.ids[i] for i in live)
    where = {node: k for k, node in enumerate(ring)}
    n = len(ring)
    for i in live:
        tables = net.tables(i)
        me = net.ids[i]
        p = where[me]
        reach = min(LEAF_HALF, n - 1)
        assert [r[0] for r in tables.leaf.larger] == [
            ring[(p + k) % n] for k in range(1, reach + 1)
        ]
        assert [r[0] for r in tables.leaf.smaller] == [
            ring[(p - k) % n] for k in range(1, reach + 1)
        ]
        assert me not in {r[0] for r in (*tables.leaf.larger, *tables.leaf.smaller)}


def within_bound(found: list[Delivery], size: int) -> float:
    bound = math.ceil(math.log(size, 16)) + 1
    return sum(1 for d in found if d.hops <= bound) / len(found)


SEQUENTIAL = 1000
"""Ticks between joins so that no two joins overlap (a join takes at most about six
one-way latencies of at most 143 ticks)."""


@NETWORK
@given(size=st.integers(20, 250), seed=st.integers(0, 99))
def test_a_stable_network_delivers_every_key_to_the_closest_node(size: int, seed: int) -> None:
    net = OverlayNet(size, label=f"stable/{size}/{seed}", join_every=SEQUENTIAL, probing=False)
    net.build()
    assert len(net.live_active()) == size
    check_leaf_sets(net)
    issued = lookups(net, 400, random.Random(seed), "stable")
    found = check_deliveries(net, issued, 0)
    assert within_bound(found, size) >= 0.99
    assert not net.sim.stats.rejected


@NETWORK
@given(size=st.integers(40, 200), seed=st.integers(0, 99))
def test_after_ten_percent_fail_repair_restores_correct_delivery(size: int, seed: int) -> None:
    rng = random.Random(seed)
    net = OverlayNet(size, label=f"repair/{size}/{seed}", join_every=SEQUENTIAL, probing=True)
    net.build()
    before = len(net.log.deliveries)
    check_deliveries(net, lookups(net, 200, rng, "before"), before)
    failed = rng.sample(range(size), size // 10)
    net.crash(net.sim.now + 1, failed)
    net.sim.run(until=net.sim.now + 1)
    # right after the failures (no repair yet): hops time out and are re-routed, and
    # every delivery is still made by the closest live node
    mark = len(net.log.deliveries)
    check_deliveries(net, lookups(net, 200, rng, "during"), mark)
    net.sim.run(until=net.sim.now + REPAIR_TICKS)
    check_leaf_sets(net)
    mark = len(net.log.deliveries)
    found = check_deliveries(net, lookups(net, 200, rng, "after"), mark)
    assert within_bound(found, size - len(failed)) >= 0.99


@NETWORK
@given(size=st.integers(20, 120), seed=st.integers(0, 99))
def test_departures_are_repaired(size: int, seed: int) -> None:
    from reference.sim.bodies import ModelCommand
    from spec.v1.overlay.commands import LeaveCommand

    rng = random.Random(seed)
    net = OverlayNet(size, label=f"leave/{size}/{seed}", join_every=SEQUENTIAL, probing=True)
    net.build()
    leaving = rng.sample(range(1, size), max(1, size // 10))
    at = net.sim.now + 1
    for index in leaving:
        net.sim.command(at, net.names[index], ModelCommand("leave", LeaveCommand()))
        net.sim.leave(at + 1, net.names[index])
    net.sim.run(until=at + 1000)
    mark = len(net.log.deliveries)
    check_deliveries(net, lookups(net, 100, rng, "soon"), mark)
    # a node that refilled its leaf set with another leaving node learns of it by a probe
    net.sim.run(until=net.sim.now + REPAIR_TICKS)
    check_leaf_sets(net)
    mark = len(net.log.deliveries)
    check_deliveries(net, lookups(net, 200, rng, "left"), mark)


def test_frames_and_bodies_give_the_same_run() -> None:
    """The body runtime is the frame runtime without encoding and signatures: same sends,
    same deliveries, same tables."""
    runs = []
    for frames in (False, True):
        net = OverlayNet(14, label="same-run", join_every=30, frames=frames)
        net.build()
        rng = random.Random(1)
        lookups(net, 30, rng, "one")
        net.crash(net.sim.now + 1, [3, 8])
        lookups(net, 30, rng, "two")
        net.sim.run(until=net.sim.now + REPAIR_TICKS)
        runs.append(
            (
                net.sim.stats.sent,
                net.log.deliveries,
                [net.tables(i) for i in net.live_active()],
                [net.sim.observe(n) for n in net.names if net.sim.status(n) == "alive"],
            )
        )
    bodies, frames = runs
    assert bodies[0] == frames[0] and bodies[1] == frames[1] and bodies[2] == frames[2]
    # observable states agree except for the envelope layer's counters
    assert len(bodies[3]) == len(frames[3])


def test_two_thousand_nodes_route_within_the_bound() -> None:
    """A larger ring (about 12 s). Its joins, one every 2 ticks, overlap heavily, which the
    invariants do not cover; in this run (a regression check, not a property) the leaf
    sets still settle exactly, and lookups take at most ceil(log16 N) + 1 hops."""
    size = 2000
    net = OverlayNet(size, label="large", join_every=2, probing=False)
    net.build()
    check_leaf_sets(net)
    found = check_deliveries(net, lookups(net, 2000, random.Random(7), "large", 20), 0)
    assert within_bound(found, size) >= 0.99
    mean = sum(d.hops for d in found) / len(found)
    assert mean < math.log(size, 16) + 0.5
