"""The Pastry paper's figures the overlay experiment is compared with.

Rowstron & Druschel, "Pastry: Scalable, decentralized object location and
routing for large-scale peer-to-peer systems" (Middleware 2001), section 3,
all with b = 4, |L| = 16, |M| = 32 (the spec's defaults). Numbers are as
printed in the paper; the mean of the hop distribution is computed from it.
"""

import math
from typing import Final

from spec.v1.overlay.constants import BASE

HOP_SIZE: Final = 100_000
"""The network size of the paper's hop distribution (Fig. 5)."""

HOP_DISTRIBUTION: Final[dict[int, float]] = {
    0: 0.0,
    1: 0.0006,
    2: 0.0156,
    3: 0.1643,
    4: 0.6449,
    5: 0.1745,
    6: 0.0,
}
"""Share of lookups per hop count at N = 100,000 (Fig. 5, 200,000 lookups)."""

MEAN_HOPS: Final = sum(h * p for h, p in HOP_DISTRIBUTION.items())
"""The distribution's mean, about 3.98 (the paper plots it; this is its arithmetic)."""

MAX_HOPS: Final = 5
"""No lookup took more than ceil(log16 100,000) = 5 hops."""

ROUTING_ENTRIES: Final = 75
"""Routing-table entries per node at N = 100,000: (2^b - 1) x ceil(log16 N) (section 3)."""

FAILURE_SIZE: Final = 5_000
FAILURE_SHARE_PPM: Final = 100_000
"""The failure experiment: 5,000 nodes, 10% of them fail silently."""

HOPS_BEFORE_FAILURE: Final = 2.73
HOPS_AFTER_FAILURE: Final = 2.96
"""After the failures, before the routing tables were repaired."""
HOPS_AFTER_REPAIR: Final = 2.74
REPAIR_PER_FAILED: Final = 57
"""Repair RPCs per failed node."""

JOIN_MESSAGE_FACTOR: Final = 3 * BASE
"""Section 2.4: a join costs O(log16 N) messages "with a constant of about 3 x 2^b"."""


def bound(size: int) -> int:
    """ceil(log16 N), exactly (integers only): the paper's expected hop bound."""
    hops = 0
    reach = 1
    while reach < size:
        reach *= BASE
        hops += 1
    return hops


def routing_entries_estimate(size: int) -> int:
    """The paper's state estimate (2^b - 1) x ceil(log16 N) routing-table entries."""
    return (BASE - 1) * bound(size)


def join_messages_estimate(size: int) -> float:
    """The paper's join cost estimate, 3 x 2^b x log16 N messages (an order of magnitude)."""
    return JOIN_MESSAGE_FACTOR * math.log(size) / math.log(BASE)
