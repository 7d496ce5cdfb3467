"""Broken IUT: Ed25519 verified as OpenSSL does it, otherwise the reference.

OpenSSL's ``ossl_ed25519_verify`` (which Node's ``crypto.verify`` and Python's
``cryptography`` run) checks ``S < L`` and the cofactorless equation byte for
byte, but accepts a public key of small order, reduces a key's ``y`` modulo p,
ignores a sign bit on ``x = 0``, and accepts an ``R`` of small order: the model
is :func:`reference.corpus.edwards25519.lenient_verify`. Options widen the
leniency to other relaxations seen in the wild, so that each strict-signature
case of the corpus can be shown to catch something:

- ``--top-bits``: check only that the top three bits of ``S`` are clear (ref10,
  libsodium's ``ED25519_COMPAT`` build) instead of ``S < L``;
- ``--decode-r``: decode ``R`` (reducing ``y``) and compare points, not bytes;
- ``--cofactored``: accept when ``R`` and ``[S]B - [k]A`` differ by a point of small
  order (the cofactored equation; implies ``--decode-r``).

Every signature the reference accepts is accepted too, so only the cases about
strictness tell this IUT apart from the reference.
"""

import sys

from _common import main

import reference.envelope
from reference.corpus import edwards25519 as ed
from reference.identity import verify as strict_verify

OPTIONS = {"--top-bits", "--decode-r", "--cofactored"}
CHOSEN = {arg for arg in sys.argv[1:] if arg in OPTIONS}
sys.argv[1:] = [arg for arg in sys.argv[1:] if arg not in OPTIONS]


def lenient_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if strict_verify(public_key, message, signature):
        return True  # fast path: strict acceptance implies lenient acceptance
    if not CHOSEN:
        return ed.lenient_verify(public_key, message, signature)
    if len(public_key) != 32 or len(signature) != 64:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= (1 << 253 if "--top-bits" in CHOSEN else ed.L):
        return False
    public = ed.decode(public_key)
    if public is None:
        return False
    k = ed.challenge(signature[:32], public_key, message)
    point = ed.multiply(s, ed.BASE) - ed.multiply(k, public)
    if "--decode-r" not in CHOSEN and "--cofactored" not in CHOSEN:
        return ed.encode(point) == signature[:32]
    r = ed.decode(signature[:32])
    if r is None:
        return False
    if "--cofactored" in CHOSEN:
        return ed.order_divides_8(r - point)
    return r == point


def defect(handle, triggered):
    reference.envelope.verify = lenient_verify
    return handle


if __name__ == "__main__":
    main(defect)
