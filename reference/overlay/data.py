"""The overlay node's protocol data: its tables and everything it is waiting for.

Immutable named tuples of ints, bytes and tuples. Collections are kept in the
order the observable state lists them, so observing a node only converts.
"""

from typing import NamedTuple

from reference.overlay.carrier import Carrier, Inner
from reference.overlay.ring import Ref
from reference.overlay.tables import Tables


class Join(NamedTuple):
    """A join under way."""

    nonce: bytes
    answered: tuple[int, ...]
    """Hop positions whose state has arrived, ascending."""
    root_hop: int | None


class Probe(NamedTuple):
    """A leaf-set member pinged and not yet answered."""

    node: int
    nonce: bytes
    due: int


class Hop(NamedTuple):
    """A forward not yet acknowledged; ``inner`` is kept to re-route it."""

    token: int
    to: Ref
    key: int
    hops: int
    due: int
    inner: Inner


class PendingLookup(NamedTuple):
    nonce: bytes
    key: int
    due: int


class Answer(NamedTuple):
    """A lookup's outcome: ``root`` is ``None`` when it timed out."""

    key: int
    nonce: bytes
    root: int | None
    hops: int


class Failed(NamedTuple):
    """A node kept out of the tables until ``until``."""

    node: int
    until: int


class Mending(NamedTuple):
    """A routing-table slot asked about, not to be asked about again before ``until``."""

    row: int
    column: int
    until: int


class OverlayData(NamedTuple):
    """Everything an overlay node holds besides the envelope layer's state."""

    tables: Tables
    carrier: Carrier
    bootstrap: Ref | None
    join: Join | None = None
    probes: tuple[Probe, ...] = ()
    """Sorted by node."""
    hops: tuple[Hop, ...] = ()
    """Sorted by token (tokens only grow, so in sending order)."""
    lookups: tuple[PendingLookup, ...] = ()
    """Sorted by nonce."""
    answers: tuple[Answer, ...] = ()
    """Oldest first."""
    failed: tuple[Failed, ...] = ()
    """Sorted by node."""
    mending: tuple[Mending, ...] = ()
    """Sorted by (row, column)."""
    next_token: int = 0


def with_tables(data: OverlayData, tables: Tables) -> OverlayData:
    """``data._replace(tables=tables)``, about five times faster: nearly every input
    changes a node's tables, and ``_replace`` is slow for an eleven-field tuple."""
    if tables is data.tables:
        return data
    return OverlayData(tables, *data[1:])
