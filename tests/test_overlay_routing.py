"""Pastry's routing rule, ``next_hop``: leaf-set delivery, prefix routing, the rare case."""

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from reference.overlay import leafset, neighbourhood, routing_table
from reference.overlay.ring import Ref, distance, make_ref, shl
from reference.overlay.routing import next_hop, rare_case, route
from reference.overlay.tables import Tables, consider, empty
from spec.v1.overlay.constants import RING


def ref(position: int, x: int = 0, y: int = 0) -> Ref:
    return make_ref((position % RING).to_bytes(16, "big"), x, y)


def hexref(text: str, x: int = 0, y: int = 0) -> Ref:
    return ref(int(text.ljust(32, "0"), 16), x, y)


def key(text: str) -> int:
    return int(text.ljust(32, "0"), 16)


def tables_of(me: Ref, others: list[Ref]) -> Tables:
    tables = empty(me)
    for r in others:
        tables = consider(tables, r)
    return tables


def test_a_key_equal_to_the_node_is_delivered_here() -> None:
    me = hexref("5")
    assert next_hop(tables_of(me, [hexref("6")]), me[0]) is None


def test_a_lonely_node_delivers_everything() -> None:
    assert next_hop(empty(hexref("5")), key("f")) is None


def test_within_a_small_leaf_set_the_closest_of_all_is_chosen() -> None:
    me = hexref("50")
    t = tables_of(me, [hexref("10"), hexref("90"), hexref("e0")])
    assert next_hop(t, key("55")) is None
    assert next_hop(t, key("8")) == hexref("90")
    assert next_hop(t, key("f0")) == hexref("e0")
    assert next_hop(t, key("f8")) == hexref("10")  # 0x18 from both: the smaller id wins
    assert next_hop(t, key("02")) == hexref("10")  # across zero: e0 is 0x22 away, 10 is 0x0e


def test_wrap_around_leaf_set_range() -> None:
    me = ref(RING - 30)
    near = [ref(RING - 30 + k * 10) for k in range(1, 9)] + [
        ref(RING - 30 - k * 10) for k in range(1, 9)
    ]
    t = tables_of(me, near)
    assert [r[0] for r in t.leaf.larger] == [RING - 20, RING - 10, 0, 10, 20, 30, 40, 50]
    assert leafset.covers(t.leaf, me[0], 45)
    assert not leafset.covers(t.leaf, me[0], 51)
    assert next_hop(t, 4) == ref(0)
    assert next_hop(t, 5) == ref(0)  # 5 from 0 and from 10: the smaller id
    assert next_hop(t, 6) == ref(10)
    assert next_hop(t, RING - 27) is None  # the node itself is closest


def test_outside_the_leaf_set_the_prefix_entry_is_used() -> None:
    me = hexref("5000")
    leaf_nodes = [hexref(f"50{k:02x}") for k in range(1, 9)] + [
        hexref(f"4f{255 - k:02x}") for k in range(0, 8)
    ]
    entry = hexref("c3", 1, 1)
    t = tables_of(me, [*leaf_nodes, entry])
    assert next_hop(t, key("c7")) == entry  # row 0, column c
    deeper = hexref("5a", 2, 2)
    t = consider(t, deeper)
    assert next_hop(t, key("5a77")) == deeper  # row 1, column a


def test_the_rare_case_takes_the_deepest_then_closest_known_node() -> None:
    me = hexref("5000")
    leaf = [hexref(f"50{k:02x}") for k in range(1, 9)] + [
        hexref(f"4f{255 - k:02x}") for k in range(0, 8)
    ]
    t = tables_of(me, leaf)
    target = key("b4")  # row 0 column b is empty
    assert t.table[0][0xB] is None
    # only nodes in M offer themselves: put candidates in M by hand
    candidates = [hexref("a0"), hexref("b9"), hexref("c0")]
    m = t.neighbours
    for c in candidates:
        m = neighbourhood.insert(m, me, c)
    t2 = Tables(t.me, t.leaf, routing_table.EMPTY, m)
    hop = next_hop(t2, target)
    # shl(b9, b4) = 1 beats a0 and c0 (0); b9 is numerically closer than me
    assert hop == hexref("b9")
    assert rare_case(t2, target, shl(me[0], target)) == hexref("b9")


def test_the_rare_case_delivers_here_when_no_node_is_closer() -> None:
    me = hexref("5000")
    m = neighbourhood.insert(neighbourhood.EMPTY, me, hexref("a0"))
    t = Tables(me, leafset.EMPTY, routing_table.EMPTY, m)
    assert rare_case(t, key("52"), shl(me[0], key("52"))) is None  # a0: shorter prefix


def _full_tables(positions: list[int]) -> dict[int, Tables]:
    nodes = [ref(p, p % 997, p % 991) for p in positions]
    return {n[0]: tables_of(n, [o for o in nodes if o is not n]) for n in nodes}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, RING - 1), min_size=2, max_size=60, unique=True), st.data())
def test_full_knowledge_routes_every_key_to_the_closest_node(
    positions: list[int], data: st.DataObject
) -> None:
    """Whatever the ids (clustered, adjacent, wrapping), routing reaches the closest node."""
    tables = _full_tables(positions)
    for _ in range(10):
        k = data.draw(st.integers(0, RING - 1))
        start = data.draw(st.sampled_from(positions))
        path = route(tables, start, k)
        assert path[-1] == min(positions, key=lambda p: (distance(p, k), p))


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 120), st.integers(0, 2**32))
def test_random_ids_route_within_log16_n_plus_one_hops(size: int, seed: int) -> None:
    """With uniformly random ids (Pastry's assumption), routes are short."""
    rng = random.Random(seed)
    positions = list({rng.getrandbits(128) for _ in range(size)})
    tables = _full_tables(positions)
    bound = math.ceil(math.log(len(positions), 16)) + 1
    for _ in range(20):
        path = route(tables, rng.choice(positions), rng.getrandbits(128))
        assert len(path) - 1 <= bound
