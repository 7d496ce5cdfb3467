"""How complete the routing tables are: filled slots against the slots that could be filled.

Slot (r, c) of node X's table can be filled when some live node shares X's
first r digits and has digit c next. Those nodes' ids form one contiguous
range of the sorted ids (the ids with that r + 1 digit prefix), so two
bisections tell whether the slot has a candidate. A table that misses an
entry for which a candidate exists forces the routing rule's rare case (or a
longer route) for keys under that slot.
"""

from bisect import bisect_left
from collections.abc import Sequence
from typing import NamedTuple

from reference.overlay.ring import digit
from reference.overlay.routing_table import Table
from spec.v1.overlay.constants import BASE, DIGIT_BITS, ID_BITS


class Completeness(NamedTuple):
    possible: int
    """Slots, over all the nodes, for which a live candidate exists."""
    filled: int
    """Of those, the slots filled (with any node)."""
    missing_by_row: tuple[int, ...]
    """Slots with a candidate but no entry, per row."""


def possible_slots(live: Sequence[int], me: int) -> list[tuple[int, int]]:
    """The slots (row, column) of ``me``'s table that some node of sorted ``live`` fits."""
    slots: list[tuple[int, int]] = []
    for row in range(ID_BITS // DIGIT_BITS):
        shift = ID_BITS - DIGIT_BITS * row
        low = (me >> shift) << shift if row else 0
        block = 1 << shift
        if bisect_left(live, low + block) - bisect_left(live, low) <= 1:
            break  # only ``me`` shares these ``row`` digits: every deeper row is empty
        sub = block >> DIGIT_BITS
        own = digit(me, row)
        for column in range(BASE):
            if column == own:
                continue
            start = low + column * sub
            if bisect_left(live, start + sub) > bisect_left(live, start):
                slots.append((row, column))
    return slots


def measure(live: Sequence[int], tables: Sequence[tuple[int, Table]]) -> Completeness:
    """Completeness of ``tables`` (``(id, table)`` pairs) against sorted ``live`` ids."""
    possible = filled = 0
    missing: list[int] = []
    for me, table in tables:
        for row, column in possible_slots(live, me):
            possible += 1
            if table[row][column] is not None:
                filled += 1
            else:
                while len(missing) <= row:
                    missing.append(0)
                missing[row] += 1
    return Completeness(possible, filled, tuple(missing))
