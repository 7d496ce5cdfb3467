"""Seeded random streams, one per purpose, so one kind of draw never shifts another.

Coordinates, message loss, each misbehaving peer and each scenario workload
draw from their own :class:`random.Random`, seeded from SHA-256 of the
simulation seed and the stream's label. Draws use only ``getrandbits`` and
the rejection sampling below, whose results are fixed by the Mersenne
Twister's definition, not by any particular ``random`` helper.
"""

import hashlib
import random

Seed = int | str | bytes
"""A simulation seed: any int, text or bytes (each kind tagged, so 1 and "1" differ)."""

PPM = 1_000_000
"""Probabilities are integer parts per million."""


def seed_bytes(seed: Seed) -> bytes:
    """The canonical bytes of a seed."""
    if isinstance(seed, bool):
        raise TypeError("a seed is an int, str or bytes, not a bool")
    if isinstance(seed, int):
        return b"i" + str(seed).encode("ascii")
    if isinstance(seed, str):
        return b"s" + seed.encode("utf-8")
    return b"b" + bytes(seed)


def stream(seed: Seed, label: str) -> random.Random:
    """The stream named ``label`` of simulation ``seed``."""
    digest = hashlib.sha256(
        b"peermarket/sim/" + label.encode("utf-8") + b"\x00" + seed_bytes(seed)
    ).digest()
    return random.Random(int.from_bytes(digest, "big"))


def below(rng: random.Random, n: int) -> int:
    """A uniform integer in ``[0, n)``: rejection sampling on ``getrandbits``."""
    if n <= 0:
        raise ValueError("below() needs n >= 1")
    bits = n.bit_length()
    value = rng.getrandbits(bits)
    while value >= n:
        value = rng.getrandbits(bits)
    return value


def chance(rng: random.Random, ppm: int) -> bool:
    """True with probability ``ppm`` / 10^6; draws nothing when the answer is certain."""
    if ppm <= 0:
        return False
    if ppm >= PPM:
        return True
    return below(rng, PPM) < ppm
