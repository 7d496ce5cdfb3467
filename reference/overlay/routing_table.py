"""The routing table: ROWS rows by COLUMNS columns of node references.

Row ``l`` holds nodes that share the first ``l`` digits with the node and
differ in digit ``l``; the column is that digit's value. The node's own
digit's column stays empty. Among candidates for a slot the nearer (smaller
:func:`~reference.overlay.ring.proximity`) wins, ties to the smaller id; a
node already in its slot stays (the first-known reference of an id is kept).

Stored as a tuple of rows, each a tuple of COLUMNS entries (``None`` for an
empty slot); all empty rows share one tuple, so a table costs memory only for
its populated rows (about log16 N of them).
"""

from typing import Final

from reference.overlay.ring import Ref, digit, proximity, shl
from spec.v1.overlay.constants import COLUMNS, ROWS

Row = tuple[Ref | None, ...]
Table = tuple[Row, ...]

EMPTY_ROW: Final[Row] = (None,) * COLUMNS
EMPTY: Final[Table] = (EMPTY_ROW,) * ROWS


def slot(origin: int, node: int) -> tuple[int, int]:
    """The (row, column) where ``node`` belongs in the table of ``origin`` (they differ)."""
    row = shl(origin, node)
    return row, digit(node, row)


def better(me: Ref, candidate: Ref, current: Ref) -> bool:
    """Whether ``candidate`` should replace ``current`` in a slot of ``me``'s table."""
    pc = proximity(me, candidate)
    pe = proximity(me, current)
    return pc < pe or (pc == pe and candidate[0] < current[0])


def insert(table: Table, me: Ref, ref: Ref) -> Table:
    """The table of ``me`` after learning of ``ref`` (itself when unchanged)."""
    rid = ref[0]
    if rid == me[0]:
        return table
    row_index, column = slot(me[0], rid)
    row = table[row_index]
    current = row[column]
    if current is not None and (current[0] == rid or not better(me, ref, current)):
        return table
    new_row = (*row[:column], ref, *row[column + 1 :])
    return (*table[:row_index], new_row, *table[row_index + 1 :])


def remove(table: Table, origin: int, node: int) -> tuple[Table, tuple[int, int] | None]:
    """The table without ``node``, and the slot it vacated (``None`` if it was absent)."""
    if node == origin:
        return table, None
    row_index, column = slot(origin, node)
    row = table[row_index]
    current = row[column]
    if current is None or current[0] != node:
        return table, None
    new_row = (*row[:column], None, *row[column + 1 :])
    if new_row == EMPTY_ROW:
        new_row = EMPTY_ROW
    return (*table[:row_index], new_row, *table[row_index + 1 :]), (row_index, column)


def entries(table: Table) -> tuple[tuple[int, int, Ref], ...]:
    """Every filled slot as ``(row, column, ref)``, sorted by row then column."""
    return tuple(
        (r, c, ref)
        for r, row in enumerate(table)
        if row is not EMPTY_ROW
        for c, ref in enumerate(row)
        if ref is not None
    )


def row_refs(table: Table, row: int) -> tuple[Ref, ...]:
    """The filled entries of one row, by column."""
    return tuple(ref for ref in table[row] if ref is not None)


def count(table: Table) -> int:
    """How many slots are filled."""
    return sum(COLUMNS - row.count(None) for row in table if row is not EMPTY_ROW)
