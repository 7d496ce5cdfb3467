"""Edwards25519 arithmetic for building signature vectors, and two models of Ed25519 verifiers.

The reference signs and verifies with libsodium (through PyNaCl) and never uses
this module. The corpus needs it to *construct* what no honest signer produces:
keys and ``R`` values of small order, non-canonical point encodings, scalars
not below the group order, and signatures that satisfy the verification
equation only because of them. Two verifiers model the two behaviours that
matter:

- :func:`strict_verify` is the rule of ``spec/v1/prose/envelope.md`` (libsodium's
  ``crypto_sign_verify_detached``, releases 1.0.16 to 1.0.22);
- :func:`lenient_verify` is OpenSSL's ``ossl_ed25519_verify`` (the ref10 code of
  ``crypto/ec/curve25519.c``), which Node's ``crypto.verify`` and Python's
  ``cryptography`` run: ``S`` must be below ``L``, the key is decoded with its
  ``y`` reduced modulo ``p`` and any sign bit, no point is checked for small
  order, and the encoding of ``[S]B - [k]A`` is compared with ``R`` byte for byte.

Everything here is plain integer arithmetic, slow and variable-time: it handles
public data of test vectors only, and MUST NOT be used for secrets.
"""

import hashlib
from dataclasses import dataclass
from typing import Final

P: Final = 2**255 - 19
"""The field prime."""
L: Final = 2**252 + 27742317777372353535851937790883648493
"""The order of the base point: the prime-order subgroup."""
D: Final = -121665 * pow(121666, P - 2, P) % P
"""The curve constant d of -x^2 + y^2 = 1 + d x^2 y^2."""
SQRT_M1: Final = pow(2, (P - 1) // 4, P)
"""A square root of -1 modulo p."""
_Y_MASK: Final = (1 << 255) - 1


@dataclass(frozen=True, slots=True)
class Point:
    """A curve point in affine coordinates (x, y), both reduced modulo p."""

    x: int
    y: int

    def __add__(self, other: "Point") -> "Point":
        x1, y1, x2, y2 = self.x, self.y, other.x, other.y
        t = D * x1 * x2 * y1 * y2 % P
        x3 = (x1 * y2 + y1 * x2) * pow(1 + t, P - 2, P) % P
        y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
        return Point(x3, y3)

    def __neg__(self) -> "Point":
        return Point(-self.x % P, self.y)

    def __sub__(self, other: "Point") -> "Point":
        return self + -other


IDENTITY: Final = Point(0, 1)
BASE: Final = Point(
    15112221349535400772501151409588531511454012693041857206046113283949847762202,
    46316835694926478169428394003475163141307993866256225615783033603165251855960,
)


def _extended(point: Point) -> tuple[int, int, int, int]:
    return point.x, point.y, 1, point.x * point.y % P


def _add_extended(
    a: tuple[int, int, int, int], b: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    """Extended-coordinate addition (add-2008-hwcd-3 for a = -1), complete on this curve."""
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    a_ = (y1 - x1) * (y2 - x2) % P
    b_ = (y1 + x1) * (y2 + x2) % P
    c_ = 2 * D * t1 * t2 % P
    d_ = 2 * z1 * z2 % P
    e, f, g, h = b_ - a_, d_ - c_, d_ + c_, b_ + a_
    return e * f % P, g * h % P, f * g % P, e * h % P


def multiply(scalar: int, point: Point) -> Point:
    """``[scalar]point`` for any integer ``scalar`` (negative scalars negate the point)."""
    if scalar < 0:
        return multiply(-scalar, -point)
    result = (0, 1, 1, 0)
    addend = _extended(point)
    while scalar:
        if scalar & 1:
            result = _add_extended(result, addend)
        addend = _add_extended(addend, addend)
        scalar >>= 1
    x, y, z, _ = result
    inverse = pow(z, P - 2, P)
    return Point(x * inverse % P, y * inverse % P)


def encode(point: Point) -> bytes:
    """The canonical encoding (RFC 8032 5.1.2): ``y`` little-endian, the parity of ``x`` on top."""
    return (point.y | (point.x & 1) << 255).to_bytes(32, "little")


def encoded_y(data: bytes) -> int:
    """The 255-bit ``y`` field of an encoding, not reduced modulo p."""
    return int.from_bytes(data, "little") & _Y_MASK


def sign_bit(data: bytes) -> int:
    """The top bit of an encoding: the claimed parity of ``x``."""
    return data[31] >> 7


def decode(data: bytes) -> Point | None:
    """Decode as ref10 (and so OpenSSL and libsodium) does: ``y`` modulo p, any sign bit.

    ``None`` when no ``x`` satisfies the curve equation. A ``y`` of p or more is
    reduced, and a sign bit of 1 with ``x = 0`` leaves ``x = 0``: both are
    accepted, so this decoder gives some points more than one encoding
    (:func:`is_canonical` says which one is the canonical one).
    """
    if len(data) != 32:
        return None
    y = encoded_y(data) % P
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P != u:
        if v * x * x % P != -u % P:
            return None
        x = x * SQRT_M1 % P
    if x & 1 != sign_bit(data):
        x = -x % P
    return Point(x, y)


def is_canonical(data: bytes) -> bool:
    """A valid point encoding that :func:`encode` gives back byte for byte.

    That excludes exactly two kinds of encoding of a valid point: ``y >= p``, and
    a sign bit of 1 where ``x = 0`` (only ``y = 1`` and ``y = p - 1``, both of
    small order).
    """
    point = decode(data)
    return point is not None and encode(point) == data


def order_divides_8(point: Point) -> bool:
    """Small order: 1, 2, 4 or 8, so that ``[8]point`` is the identity."""
    return multiply(8, point) == IDENTITY


def _torsion_generator() -> Point:
    """A point of order 8: ``[L]Q`` for the first ``y = 2, 3, ...`` whose point ``Q`` gives one."""
    for y in range(2, 1000):
        candidate = decode(y.to_bytes(32, "little"))
        if candidate is None:
            continue
        torsion = multiply(L, candidate)
        if multiply(4, torsion) != IDENTITY:
            return torsion
    raise AssertionError("no point of order 8 found")  # pragma: no cover


T8: Final = _torsion_generator()
"""A point of order 8: ``[i]T8`` for i = 0..7 are the eight points of small order."""
TORSION: Final[tuple[Point, ...]] = tuple(multiply(i, T8) for i in range(8))
"""The eight points of small order; ``TORSION[i]`` is ``[i]T8`` (index 0 the identity)."""


def _small_order_encodings() -> tuple[bytes, ...]:
    """Every 32-byte string that decodes to a small-order point: 14 of them.

    The eight canonical encodings, the identity and the point of order 2 (both with
    ``x = 0``) with their sign bit set, and ``y = p`` (= 0, order 4) and ``y = p + 1``
    (= 1, the identity) with either sign bit. They are the seven entries of
    libsodium's blacklist, each with the top bit clear and set. (``y = p - 1 + p``
    and the order-8 ``y`` values plus p do not fit in 255 bits.)
    """
    found: list[bytes] = []
    for point in TORSION:
        found.append(encode(point))
        if point.x == 0:
            found.append(encode(point)[:31] + bytes([encode(point)[31] | 0x80]))
    for y in (P, P + 1):
        for sign in (0, 1):
            found.append((y | sign << 255).to_bytes(32, "little"))
    return tuple(found)


SMALL_ORDER_ENCODINGS: Final = _small_order_encodings()


@dataclass(frozen=True, slots=True)
class SecretKey:
    """The RFC 8032 expansion of a 32-byte seed: the secret scalar and the nonce prefix."""

    scalar: int
    prefix: bytes

    @classmethod
    def from_seed(cls, seed: bytes) -> "SecretKey":
        digest = hashlib.sha512(seed).digest()
        scalar = int.from_bytes(digest[:32], "little")
        scalar &= (1 << 254) - 8
        scalar |= 1 << 254
        return cls(scalar, digest[32:])

    @property
    def public_point(self) -> Point:
        return multiply(self.scalar, BASE)

    def nonce(self, message: bytes) -> int:
        """RFC 8032's deterministic nonce r = SHA-512(prefix || message) mod L."""
        return int.from_bytes(hashlib.sha512(self.prefix + message).digest(), "little") % L


def challenge(r: bytes, public_key: bytes, message: bytes) -> int:
    """k = SHA-512(R || A || message) mod L, over the bytes as they are sent."""
    return int.from_bytes(hashlib.sha512(r + public_key + message).digest(), "little") % L


def scalar_bytes(scalar: int) -> bytes:
    """``S`` as the signature carries it: 32 bytes little-endian (any value below 2^256)."""
    return scalar.to_bytes(32, "little")


def _equation_point(public: Point, public_key: bytes, message: bytes, signature: bytes) -> Point:
    """[S]B - [k]A: the point the cofactorless equation compares with R."""
    s = int.from_bytes(signature[32:], "little")
    k = challenge(signature[:32], public_key, message)
    return multiply(s, BASE) - multiply(k, public)


def lenient_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 verification as OpenSSL's ``ossl_ed25519_verify`` does it.

    ``S < L``; the key decoded by :func:`decode` (``y`` reduced, any sign bit, no
    order check); accept when ``encode([S]B - [k]A)`` equals ``R`` byte for byte.
    ``R`` is never decoded, so a non-canonical ``R`` never matches, and an ``R``
    of small order matches whenever the equation gives it.
    """
    if len(public_key) != 32 or len(signature) != 64:
        return False
    if int.from_bytes(signature[32:], "little") >= L:
        return False
    public = decode(public_key)
    if public is None:
        return False
    return encode(_equation_point(public, public_key, message, signature)) == signature[:32]


def strict_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 verification as ``spec/v1/prose/envelope.md`` requires (libsodium's rule).

    :func:`lenient_verify`, and also: the key is a canonical encoding and not of
    small order, and ``R`` does not decode to a point of small order (whatever its
    encoding: libsodium compares ``R`` with its blacklist ignoring the sign bit).
    """
    if len(public_key) != 32 or len(signature) != 64:
        return False
    if encoded_y(public_key) >= P:
        return False  # libsodium's ge25519_is_canonical; x = 0 with the sign bit is small order
    small = SMALL_ORDER_ENCODINGS
    if public_key in small or signature[:32] in small:
        return False
    return lenient_verify(public_key, message, signature)
