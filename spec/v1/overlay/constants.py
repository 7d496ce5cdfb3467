"""The overlay's fixed numbers: id geometry, table sizes, bounds and timers.

Every constant is normative for spec version 1: two implementations with
different values would build different tables or declare different nodes
failed. Each says why it has its value. Ticks are logical time; the timers
assume the convention of the simulator and the examples, one tick = one
millisecond, and a one-way latency below 150 ticks (the default 1000 x 1000
plane gives at most 143).
"""

from typing import Final

PROTOCOL: Final = "overlay"

# -- ids and digits --

ID_BITS: Final = 128
"""Ids are the 128-bit node ids of the envelope layer (Pastry's id space)."""
RING: Final = 1 << ID_BITS
"""Size of the circular id space: ids are integers modulo 2^128, read big-endian."""
DIGIT_BITS: Final = 4
"""Pastry's b: ids are read as digits of b bits (b = 4, the paper's and FreePastry's default)."""
BASE: Final = 1 << DIGIT_BITS
"""2^b = 16 values per digit."""
DIGITS: Final = ID_BITS // DIGIT_BITS
"""32 digits per id; digit 0 is the most significant nibble."""

# -- table sizes (the paper's b = 4, |L| = 16, |M| = 32) --

LEAF_HALF: Final = 8
"""Leaf-set members on each side of the node: |L| / 2."""
LEAF_SIZE: Final = 2 * LEAF_HALF
"""|L| = 16: the size the paper's experiments use (2 x 2^b)."""
NEIGHBOURHOOD_SIZE: Final = 32
"""|M| = 32: the size the paper's experiments use."""
ROWS: Final = DIGITS
"""Routing-table rows: one per digit position (32)."""
COLUMNS: Final = BASE
"""Routing-table columns: one per digit value (16); the node's own digit's column stays empty."""
ROUTING_ENTRIES: Final = ROWS * (COLUMNS - 1)
"""Most routing-table entries a node can hold (480)."""

# -- bounds --

MAX_HOPS: Final = 2 * ROWS
"""Most times a routed message may be forwarded (64). A consistent network needs about
log16 N hops (5 at N = 10^5); each hop lengthens the shared prefix or gets numerically
closer, so 64 is reached only when tables disagree, and the bound stops a loop."""
MAX_ROUTED_FRAME: Final = 8192
"""Largest routed (inner) frame. A join request or a lookup is under 300 bytes; the
bound leaves room for later protocols that route signed payloads to a key."""
MAX_PENDING_HOPS: Final = 256
"""Most forwarded messages a node tracks until their next hop acknowledges them; beyond
it a node still forwards, without a retry (see the prose)."""
MAX_PENDING_LOOKUPS: Final = 64
"""Most unanswered lookups a node's application may have; the ``lookup`` command is
refused beyond it (as the wire protocol bounds pings)."""
MAX_ANSWERS: Final = 16
"""Lookup answers a node keeps for its application, most recent last; older ones drop."""
MAX_FAILED: Final = 64
"""Most recently failed nodes a node remembers; the entry that expires first drops."""
MAX_MENDING: Final = 32
"""Most routing-table slots a node remembers having asked about (lazy repair on use);
the entry that expires first drops."""

REPAIR_FANOUT: Final = 3
"""How many nodes a routing-table repair asks for an emptied slot: the nearest (by
proximity) other entries of the slot's row, topped up from the next row. Each asked
node holds a fitting entry whenever its own slot is filled, so three answers almost
always bring one; with the 16 leaf-set neighbours that notice a failure this costs
about 16 x (1 + 3) requests per failed node, the paper's 57 RPCs at N = 5,000."""

# -- timers (ticks) --

PROBE_PERIOD: Final = 20_000
"""An active node pings every leaf-set member once per period. FreePastry pings its
leaf-set neighbours every 20 s; with one tick per millisecond this is the same rate."""
PROBE_TIMEOUT: Final = 1_000
"""A probed member that has not answered within this many ticks is declared failed:
3.5 times the largest round trip (2 x 143 ticks) of the default plane."""
HOP_TIMEOUT: Final = 500
"""A forwarded message whose next hop has not acknowledged it within this many ticks is
re-routed and the next hop declared failed: above the largest round trip (286 ticks),
and short, because a lookup waits for it at every failed hop."""
LOOKUP_TIMEOUT: Final = 10_000
"""A lookup unanswered after this many ticks is reported failed to the application:
room for a long route that meets several failed hops (each costs HOP_TIMEOUT)."""
JOIN_TIMEOUT: Final = 10_000
"""A joining node that has not heard from every node on its join route by then finishes
with what it has if the root answered, else gives up and returns to ``idle``."""
FAILED_MEMORY: Final = 3 * PROBE_PERIOD
"""How long a node declared failed is kept out of every table (60,000 ticks): other
nodes' leaf sets and replies may still name it until each of its neighbours has probed
it, which takes at most PROBE_PERIOD + PROBE_TIMEOUT; three periods leave margin."""

MAINTENANCE_PERIOD: Final = 900_000
"""An active node runs routing-table maintenance once per period (900,000 ticks):
FreePastry's route-set maintenance runs every 900 s, and at one tick per millisecond
this is the same rate. Joins alone leave holes in the tables of nodes that joined
early (a later node announces itself only to the nodes in its own tables)."""

MENDING_MEMORY: Final = FAILED_MEMORY
"""How long a node waits before asking again about the same empty routing-table slot
(60,000 ticks): a slot that no node can fill is not asked about on every use."""

# -- timer names (fixed: the table's triggers name them) --

TIMER_PROBE: Final = "probe"
TIMER_PROBE_TIMEOUT: Final = "probe_timeout"
TIMER_HOP_TIMEOUT: Final = "hop_timeout"
TIMER_LOOKUP_TIMEOUT: Final = "lookup_timeout"
TIMER_JOIN: Final = "join"
TIMER_MAINTAIN: Final = "maintain"
