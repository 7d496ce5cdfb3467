"""The SLA protocol's sizes, bounds and timer names."""

from typing import Final

PROTOCOL: Final = "sla"

NONCE_BYTES: Final = 8
"""A consumer's nonce for one negotiation; with its node id it makes the negotiation id."""

MAX_ROUNDS: Final = 16
"""Largest ``max_rounds`` a market may set: a negotiation is at most this many cfps."""

MAX_OPEN: Final = 1024
"""Largest ``max_open`` a market may set: the negotiations and agreements one node holds."""

MAX_SERVICES: Final = 64
"""Most services one provider offers at once (``offer_service``)."""

MAX_GUARANTEES: Final = 8
"""Most QoS guarantees of one request, offer or SLA (one per metric)."""

MAX_WINDOW: Final = 64
"""Largest breach window k of a guarantee (consecutive reports out of bound)."""

MAX_UNITS: Final = 1 << 32
"""Most units of a service one agreement may cover."""

TIMER_DEADLINE: Final = "deadline"
"""``deadline.<negotiation id hex>``: due one tick after the negotiation's deadline; firing, it
forgets a negotiation that has not reached an agreement."""

TIMER_END: Final = "end"
"""``end.<negotiation id hex>``: due one tick after an agreement's end tick; firing, it closes
an agreement still held: completed if it had a usage report, violated if none."""

MAX_RECORDS: Final = 256
"""Largest ``max_records`` a market may set: the closed agreements a node keeps a record of."""

MAX_MEASURES: Final = MAX_GUARANTEES
"""Most measured values of one usage report (one per metric)."""

MAX_RULES: Final = 256
"""Most access rules (allow or deny) one node keeps."""

MAX_INDEX: Final = 256
"""Most service descriptions one node keeps in its index (as a key's root or replica)."""

MAX_SEARCHES: Final = 16
"""Most searches one node has open at once."""

MAX_RESULTS: Final = 16
"""Most descriptions one ``results`` message carries."""

MAX_NAMES: Final = 8
"""Most functionality or interface names one description lists."""

MAX_REPLICAS: Final = 8
"""Largest ``replicas`` a market may set: the leaf-set members a root copies a description to."""

MAX_VIEW: Final = 16
"""Most leaf-set members an SLA node knows of (its view, from ``update`` upcalls)."""

TIMER_SEARCH: Final = "search"
"""``search.<16 hex digits>``: the search's number; firing, it forgets the search and what it
found."""

INDEX_PREFIX: Final = b"peermarket/sla/index/"
"""The key of a service type's index: the first 16 bytes of SHA-256(this || the type)."""
