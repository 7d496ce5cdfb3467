"""The overlay's three tables: leaf set, routing table, neighbourhood set, and ``consider``."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from reference.overlay import leafset, neighbourhood, routing_table
from reference.overlay.leafset import LeafSet
from reference.overlay.ring import Ref, clockwise, digit, make_ref, proximity, shl
from reference.overlay.tables import Tables, consider, empty, forget, known, refill
from spec.v1.overlay.constants import COLUMNS, LEAF_HALF, NEIGHBOURHOOD_SIZE, RING, ROWS

ME = make_ref((RING // 2).to_bytes(16, "big"), 500, 500)


def ref(position: int, x: int = 0, y: int = 0) -> Ref:
    return make_ref((position % RING).to_bytes(16, "big"), x, y)


refs = st.builds(ref, st.integers(0, RING - 1), st.integers(0, 1000), st.integers(0, 1000)).filter(
    lambda r: r[0] != ME[0]
)


def composed(tables: Tables, r: Ref) -> Tables:
    """``consider`` as the three table rules one after the other (the readable version)."""
    me = tables.me
    return Tables(
        me,
        leafset.insert(tables.leaf, me[0], r),
        routing_table.insert(tables.table, me, r),
        neighbourhood.insert(tables.neighbours, me, r),
    )


# -- leaf set ---------------------------------------------------------------------------------


def test_leaf_sides_keep_the_nearest_eight_each_way() -> None:
    leaf = leafset.EMPTY
    origin = ME[0]
    for k in range(1, 21):
        leaf = leafset.insert(leaf, origin, ref(origin + k * 1000))
        leaf = leafset.insert(leaf, origin, ref(origin - k * 1000))
    assert [r[0] - origin for r in leaf.larger] == [k * 1000 for k in range(1, 9)]
    assert [origin - r[0] for r in leaf.smaller] == [k * 1000 for k in range(1, 9)]
    assert leafset.covers(leaf, origin, origin + 8000)
    assert not leafset.covers(leaf, origin, origin + 8001)
    assert leafset.covers(leaf, origin, origin - 8000)
    assert not leafset.covers(leaf, origin, origin - 8001)


def test_leaf_sides_wrap_around_zero() -> None:
    origin = 5
    leaf = leafset.EMPTY
    for position in (RING - 3, RING - 1, 7, 9, 2):
        leaf = leafset.insert(leaf, origin, ref(position))
    assert [r[0] for r in leaf.larger] == [7, 9, RING - 3, RING - 1, 2]
    assert [r[0] for r in leaf.smaller] == [2, RING - 1, RING - 3, 9, 7]


def test_a_small_ring_puts_every_node_on_both_sides_and_covers_everything() -> None:
    leaf = leafset.EMPTY
    for position in (10, 20, 30):
        leaf = leafset.insert(leaf, ME[0], ref(position))
    assert {r[0] for r in leaf.larger} == {r[0] for r in leaf.smaller} == {10, 20, 30}
    assert leafset.covers(leaf, ME[0], 12345)
    assert len(leafset.members(leaf)) == 3


def test_the_first_reference_of_an_id_is_kept() -> None:
    leaf = leafset.insert(leafset.EMPTY, ME[0], ref(ME[0] + 1, 1, 1))
    again = leafset.insert(leaf, ME[0], ref(ME[0] + 1, 9, 9))
    assert again is leaf
    assert leaf.larger[0][1:3] == (1, 1)


def test_closest_includes_the_node_and_breaks_ties_to_the_smaller_id() -> None:
    origin = ME[0]
    leaf = LeafSet((ref(origin - 10),), (ref(origin + 10),))
    assert leafset.closest(leaf, ME, origin + 4) is ME
    assert leafset.closest(leaf, ME, origin + 6)[0] == origin + 10
    # origin + 5 is equally far from the node and its successor: the node's id is smaller
    assert leafset.closest(leaf, ME, origin + 5) is ME
    assert leafset.closest(leaf, ME, origin - 5)[0] == origin - 10


# -- routing table ----------------------------------------------------------------------------


def test_a_reference_lands_in_its_prefix_row_and_digit_column() -> None:
    table = routing_table.insert(routing_table.EMPTY, ME, ref(0x3 << 124))
    assert routing_table.entries(table) == ((0, 3, ref(0x3 << 124)),)
    deeper = ME[0] ^ (1 << 100)
    table = routing_table.insert(table, ME, ref(deeper))
    row, column = routing_table.slot(ME[0], deeper)
    assert row == shl(ME[0], deeper) == (128 - 101) // 4
    assert column == digit(deeper, row) != digit(ME[0], row)
    assert routing_table.count(table) == 2


def test_a_slot_goes_to_the_nearer_node_then_the_smaller_id() -> None:
    far = ref(0x31 << 120, 900, 900)
    near = ref(0x32 << 120, 510, 510)
    twin = ref(0x30 << 120, 490, 490)  # as near as ``near``, smaller id
    table = routing_table.insert(routing_table.EMPTY, ME, far)
    table = routing_table.insert(table, ME, near)
    assert table[0][3] == near
    table = routing_table.insert(table, ME, twin)
    assert proximity(ME, twin) == proximity(ME, near)
    assert table[0][3] == twin
    assert routing_table.insert(table, ME, far) is table


def test_removal_reports_the_vacated_slot() -> None:
    entry = ref(0x3 << 124)
    table = routing_table.insert(routing_table.EMPTY, ME, entry)
    emptied, slot = routing_table.remove(table, ME[0], entry[0])
    assert slot == (0, 3) and emptied == routing_table.EMPTY
    assert routing_table.remove(emptied, ME[0], entry[0]) == (emptied, None)


# -- neighbourhood set ------------------------------------------------------------------------


def test_the_neighbourhood_keeps_the_nearest_32_by_proximity() -> None:
    rng = random.Random(4)
    offered = [
        ref(rng.getrandbits(128), rng.randrange(1000), rng.randrange(1000)) for _ in range(80)
    ]
    m = neighbourhood.EMPTY
    for r in offered:
        m = neighbourhood.insert(m, ME, r)
    best = sorted(offered, key=lambda r: (proximity(ME, r), r[0]))[:NEIGHBOURHOOD_SIZE]
    assert list(m.refs) == best
    assert neighbourhood.remove(m, best[0][0]).refs == tuple(best[1:])


# -- consider and forget ----------------------------------------------------------------------


@settings(max_examples=60)
@given(st.lists(refs, max_size=60))
def test_consider_is_the_three_rules_in_turn(offered: list[Ref]) -> None:
    fast = slow = empty(ME)
    for r in offered:
        before = fast
        fast = consider(fast, r)
        slow = composed(slow, r)
        assert fast == slow
        if fast == before:
            assert fast is before


@settings(max_examples=40)
@given(st.lists(refs, max_size=50, unique_by=lambda r: r[0]), st.randoms(use_true_random=False))
def test_the_order_of_references_does_not_matter(offered: list[Ref], rng: random.Random) -> None:
    shuffled = list(offered)
    rng.shuffle(shuffled)
    a = b = empty(ME)
    for r in offered:
        a = consider(a, r)
    for r in shuffled:
        b = consider(b, r)
    assert a == b


@settings(max_examples=40)
@given(st.lists(refs, min_size=1, max_size=60, unique_by=lambda r: r[0]))
def test_tables_hold_only_what_their_rules_allow(offered: list[Ref]) -> None:
    tables = empty(ME)
    for r in offered:
        tables = consider(tables, r)
    origin = ME[0]
    for side, gap in ((tables.leaf.larger, 1), (tables.leaf.smaller, -1)):
        assert len(side) <= LEAF_HALF
        distances = [clockwise(origin, r[0]) if gap > 0 else clockwise(r[0], origin) for r in side]
        assert distances == sorted(distances)
    assert all(r[0] != origin for r in known(tables))  # LSetInv and more
    for row, column, entry in routing_table.entries(tables.table):
        assert shl(origin, entry[0]) == row and digit(entry[0], row) == column
    assert len(tables.table) == ROWS and all(len(r) == COLUMNS for r in tables.table)
    assert len(tables.neighbours.refs) <= NEIGHBOURHOOD_SIZE


@settings(max_examples=40)
@given(st.lists(refs, min_size=2, max_size=40, unique_by=lambda r: r[0]), st.data())
def test_forget_removes_everywhere_and_refills_the_leaf_set(
    offered: list[Ref], data: st.DataObject
) -> None:
    tables = empty(ME)
    for r in offered:
        tables = consider(tables, r)
    gone = data.draw(st.sampled_from(offered))
    after, where = forget(tables, gone[0])
    after = refill(after)
    assert all(r[0] != gone[0] for r in known(after))
    assert where.anywhere == (gone[0] in {r[0] for r in known(tables)})
    # the leaf set is what considering every node still known would give
    rebuilt = empty(ME)
    for r in known(after):
        rebuilt = consider(rebuilt, r)
    assert after.leaf == rebuilt.leaf


def test_forgetting_an_unknown_node_changes_nothing() -> None:
    tables = consider(empty(ME), ref(7))
    assert forget(tables, 8) == (tables, forget(tables, 8)[1])
    assert forget(tables, 8)[0] is tables


def test_a_node_never_considers_itself() -> None:
    assert consider(empty(ME), ref(ME[0], 1, 1)) == empty(ME)
