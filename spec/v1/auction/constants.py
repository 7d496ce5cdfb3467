"""The auction's sizes, bounds and timer names."""

from typing import Final

from spec.v1.overlay.constants import LEAF_HALF, LEAF_SIZE, MAX_HOPS

PROTOCOL: Final = "auction"

MAX_BROKERS: Final = LEAF_HALF
"""Largest broker set n (even, n/2 on each side of the service id): 8, half the leaf set, so
that every member's own leaf set holds the whole set and every broker derives the same set
from its view (with n = 16 a member at the set's edge sees only half of it)."""

MAX_TABLE: Final = 128
"""Largest auction table m: at most m/2 bids and m/2 asks per service and broker. It bounds
a ``candidates`` message to m inner frames (about 30 KB), well inside one frame."""

MAX_VIEW: Final = LEAF_SIZE
"""Most leaf-set members an auction node knows of (its view, from ``update`` upcalls)."""

MAX_SERVICES: Final = 256
"""Most services one node trades or brokers at once; a new one beyond it is refused."""

MAX_QUOTES: Final = MAX_BROKERS
"""Most price replies a trader keeps for its latest price request (one per broker asked)."""

MAX_OWN_OFFERS: Final = 64
"""Most offers a trader keeps per service (open or settled, until they expire)."""

MAX_NOTICES: Final = MAX_BROKERS
"""Most match notices a trader keeps per offer (one per broker it sent the offer to)."""

MAX_SENDERS: Final = 1 << 16
"""Most traders whose newest agreed offer a broker's observable state lists per service (the
entries last until the traders' offers expire; see ``auction.md``, open items)."""

MAX_PATH: Final = MAX_HOPS
"""Most hops a trader records from the ``path_hop`` reports of one fallback locate: a route
takes at most ``MAX_HOPS`` (64) forwards, so an honest path never reports more."""

TIMER_LOCATE: Final = "locate"
"""``locate.<service hex>``: a trader's wait for the broker set (each attempt: the locate, the
fallback locate, the takeover)."""

TIMER_SLOT: Final = "slot"
"""``slot.<service hex>``: the end of a broker's current slot."""

PICK_CONTEXT: Final = b"peermarket/auction/pick"
"""Domain separator of the hash that picks f of the n brokers."""
