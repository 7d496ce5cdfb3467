"""Who brokers a service, and which f of them a request goes to.

Both are deterministic functions of ids and hashes (``auction.md``, "Broker
sets" and "Picking f of n"), so every implementation sends the same message
to the same brokers.
"""

import hashlib
from collections.abc import Iterable

from spec.v1.auction.constants import PICK_CONTEXT

_RING = 1 << 128


def _int(node: bytes) -> int:
    return int.from_bytes(node, "big")


def broker_set(known: Iterable[bytes], service: bytes, n: int) -> tuple[bytes, ...]:
    """The n/2 nearest larger and n/2 nearest smaller ids around ``service`` (ascending).

    "Larger" means clockwise: the distance (id - service) mod 2^128 is below
    2^127 (an id equal to the service is larger, at distance 0). A side with
    fewer than n/2 nodes leaves its places to the other side's next nearest.
    """
    key = _int(service)
    larger: list[tuple[int, bytes]] = []
    smaller: list[tuple[int, bytes]] = []
    for node in set(known):
        clockwise = (_int(node) - key) % _RING
        if clockwise < _RING // 2:
            larger.append((clockwise, node))
        else:
            smaller.append(((key - _int(node)) % _RING, node))
    larger.sort()
    smaller.sort()
    half = n // 2
    take_larger = min(len(larger), max(half, n - len(smaller)))
    take_smaller = min(len(smaller), n - take_larger)
    chosen = [node for _, node in larger[:take_larger]] + [
        node for _, node in smaller[:take_smaller]
    ]
    return tuple(sorted(chosen))


def pick(
    brokers: Iterable[bytes], trader: bytes, service: bytes, salt: bytes, f: int
) -> tuple[bytes, ...]:
    """The f brokers with the smallest SHA-256(context | trader | service | salt | broker),
    ascending by id. ``salt`` is an offer's number (8 bytes, big-endian) or a request's nonce."""
    ranked = sorted(
        brokers,
        key=lambda broker: hashlib.sha256(PICK_CONTEXT + trader + service + salt + broker).digest(),
    )
    return tuple(sorted(ranked[:f]))


def offer_salt(seq: int) -> bytes:
    """An offer number as the 8 bytes the pick hashes."""
    return seq.to_bytes(8, "big")
