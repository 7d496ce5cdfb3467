"""Strict signature cases of the ``wire`` protocol: what a lenient Ed25519 verifier accepts.

``spec/v1/prose/envelope.md`` requires strict verification: ``S`` below ``L``, a
public key that is canonical and not of small order, an ``R`` not of small
order, and the cofactorless equation compared byte for byte. A platform
verifier such as OpenSSL's (Node's ``crypto.verify``, Python's
``cryptography``) skips the point checks, so every case here is a ping whose
envelope is consistent in every other way (``sender`` is SHA-256 of the
``sender_key`` it carries, so the key check passes) and whose signature is
built to be accepted by such a verifier, or by another common relaxation:

- the sender's key is each of the 14 encodings of a small-order point, with a
  signature forged without any secret key (``[k]A`` is the identity, so
  ``R = [S]B`` passes the cofactorless equation);
- ``R`` is of small order while the equation holds: the identity under b's own
  key (``S = k a``), and the points of order 2, 4 and 8 under keys with a
  small-order component (``A' = [a]B + T8``, which strict verification accepts);
- ``R`` is a non-canonical encoding of a small-order point (for verifiers that
  decode ``R`` and compare points rather than bytes);
- ``S + L`` of a valid signature; an ``R`` off by a point of small order (only a
  cofactored verifier accepts it);
- and one positive case: a key with a small-order component and a signature that
  satisfies the cofactorless equation is accepted.

A non-canonical key or ``R`` of *large* order is not built: the only encodings
with ``y >= p`` are ``y = p .. p + 18``, whose points nobody knows the discrete
logarithm of, so no verifier can be made to accept a signature under them.
:func:`reference.corpus.edwards25519.lenient_verify` checks each case's claim
about OpenSSL as the case is built.
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import Final

from reference import cbor
from reference.corpus import edwards25519 as ed
from reference.corpus.casekit import ATTACK, Case, CaseError, RejectionCases, identity
from reference.corpus.mutations import enc
from reference.corpus.wire_frames import envelope_fields, ping_body, ping_frame
from reference.identity import node_id_of
from spec.v1 import WIRE_VERSION
from spec.v1 import errors as E
from spec.v1.envelope import signing_input_items
from spec.v1.trace import Generator, Trace
from spec.v1.wire import PROTOCOL

SEQ: Final = 2
"""The seq of every forged ping (the control is b's ping number 2)."""
_SCALAR_DOMAIN: Final = b"peermarket/corpus/strict-signature/"
_SEARCH: Final = 512
"""Tries before a search gives up; each succeeds with probability 1/8 or better."""


def _signing_input(sender_key: bytes) -> bytes:
    """The signing input of the standard ping sent under ``sender_key`` (its own node id)."""
    items = signing_input_items(
        PROTOCOL, WIRE_VERSION, "ping", node_id_of(sender_key), SEQ, ping_body()
    )
    return cbor.encode(items)


def _fields(sender_key: bytes, signature: bytes) -> dict[str, cbor.Value]:
    """The standard ping's envelope under ``sender_key``, whose id is the envelope's sender."""
    return envelope_fields(
        identity("b"),
        ping_body(),
        SEQ,
        sender=node_id_of(sender_key),
        sender_key=sender_key,
        signature=signature,
    )


def _encoding(y: int, sign: int) -> bytes:
    """The 32 bytes of ``y`` (any 255-bit value, canonical or not) and the sign bit."""
    return (y | sign << 255).to_bytes(32, "little")


def _scalars(label: str) -> Iterator[int]:
    """Reproducible scalars below L for the searches of one case."""
    for index in range(_SEARCH):
        seed = _SCALAR_DOMAIN + f"{label}/{index}".encode()
        yield int.from_bytes(hashlib.sha512(seed).digest(), "little") % ed.L


def _forged(key: bytes, label: str) -> bytes:
    """A signature under the small-order ``key`` made without any secret: ``R = [r]B``, ``S = r``.

    ``[S]B - [k]A = R`` holds when ``[k]A`` is the identity, i.e. when the order of
    ``A`` divides ``k``; the search tries ``r`` until the challenge ``k`` does.
    """
    point = ed.decode(key)
    if point is None:
        raise CaseError(f"{key.hex()} is not a point")
    message = _signing_input(key)
    for r in _scalars(label):
        big_r = ed.encode(ed.multiply(r, ed.BASE))
        if ed.multiply(ed.challenge(big_r, key, message), point) == ed.IDENTITY:
            return big_r + ed.scalar_bytes(r)
    raise CaseError(f"no forgery found under {key.hex()}")


class _MixedSigner:
    """A key with a small-order component: ``A' = [a]B + T8`` for the secret ``a`` of one seed.

    Strict verification accepts it (it is canonical and not of small order); under it,
    ``[k a]B - [k]A' = -[k]T8``, so ``S = k a`` makes any ``R`` in the torsion verify
    when ``k`` falls in the right class modulo 8.
    """

    def __init__(self, index: int) -> None:
        self.secret = ed.SecretKey.from_seed(identity(f"mixed-{index}").seed)
        self.key = ed.encode(self.secret.public_point + ed.T8)
        self.message = _signing_input(self.key)

    def signature_with_r(self, r_bytes: bytes) -> tuple[bytes, ed.Point]:
        """``S = k a`` for this R, and the point ``[S]B - [k]A'`` (= ``-[k]T8``) it gives."""
        k = ed.challenge(r_bytes, self.key, self.message)
        return r_bytes + ed.scalar_bytes(k * self.secret.scalar % ed.L), -ed.multiply(k, ed.T8)


def _mixed_signature(accepts: Callable[[bytes, ed.Point], bool], label: str) -> tuple[bytes, bytes]:
    """The first (key, signature) of a mixed signer whose candidate R ``accepts`` its point."""
    for index in range(_SEARCH):
        signer = _MixedSigner(index)
        for candidate in ed.SMALL_ORDER_ENCODINGS:
            signature, point = signer.signature_with_r(candidate)
            if accepts(candidate, point):
                return signer.key, signature
    raise CaseError(f"{label}: no mixed-order signer found")


def _order(point: ed.Point) -> int:
    return next(n for n in (1, 2, 4, 8) if ed.multiply(n, point) == ed.IDENTITY)


def _small_order_keys() -> tuple[tuple[str, bytes, str, bool], ...]:
    """(name, key, what it is, non-canonical) for each of the 14 small-order encodings."""
    order8 = sorted(point.y for point in ed.TORSION if _order(point) == 8)
    low, high = order8[0], order8[-1]
    p = ed.P
    keys = (
        ("identity-001", _encoding(1, 0), "the identity (y = 1, order 1)", False),
        ("identity-sign-bit-001", _encoding(1, 1), "the identity, sign bit set, x = 0", True),
        (
            "identity-y-p-plus-1-001",
            _encoding(p + 1, 0),
            "y = p + 1, read as 1: the identity",
            True,
        ),
        (
            "identity-y-p-plus-1-sign-bit-001",
            _encoding(p + 1, 1),
            "y = p + 1, sign bit set: the identity",
            True,
        ),
        ("order-2-001", _encoding(p - 1, 0), "y = p - 1: (0, -1), of order 2", False),
        ("order-2-sign-bit-001", _encoding(p - 1, 1), "y = p - 1, sign bit set, x = 0", True),
        ("order-4-even-x-001", _encoding(0, 0), "y = 0, x even: of order 4", False),
        ("order-4-odd-x-001", _encoding(0, 1), "y = 0, x odd: of order 4", False),
        ("order-4-y-p-even-x-001", _encoding(p, 0), "y = p, read as 0, x even: order 4", True),
        ("order-4-y-p-odd-x-001", _encoding(p, 1), "y = p, read as 0, x odd: order 4", True),
        ("order-8-even-x-001", _encoding(low, 0), f"y = {low:#x}, x even: of order 8", False),
        ("order-8-odd-x-001", _encoding(low, 1), f"y = {low:#x}, x odd: of order 8", False),
        ("order-8-even-x-002", _encoding(high, 0), f"y = p - {low:#x}, x even: order 8", False),
        ("order-8-odd-x-002", _encoding(high, 1), f"y = p - {low:#x}, x odd: order 8", False),
    )
    if {key for _, key, _, _ in keys} != set(ed.SMALL_ORDER_ENCODINGS) or len(keys) != 14:
        raise CaseError("the small-order keys are not the 14 small-order encodings")
    for name, key, _, non_canonical in keys:
        if ed.is_canonical(key) == non_canonical:
            raise CaseError(f"{name}: canonical is {ed.is_canonical(key)}")
    return keys


def strict_signature_cases(generator: Generator) -> Iterable[Trace]:
    b = identity("b")
    b_secret = ed.SecretKey.from_seed(b.seed)
    if ed.encode(b_secret.public_point) != b.public_key:
        raise CaseError("edwards25519 disagrees with PyNaCl about b's public key")
    control = ping_frame(b, SEQ)
    reject = RejectionCases(generator, control, enc)

    def case(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        fields: dict[str, cbor.Value],
        lenient: bool,
        note: str,
    ) -> Trace:
        """A rejected ping; ``lenient`` is whether OpenSSL's verifier accepts its signature."""
        key, signature = fields["sender_key"], fields["signature"]
        if not (isinstance(key, bytes) and isinstance(signature, bytes)):
            raise CaseError(f"{case_id}: key or signature is not bytes")
        if ed.lenient_verify(key, _signing_input(key), signature) != lenient:
            raise CaseError(f"{case_id}: OpenSSL's verifier does not give {lenient}")
        return reject(
            case_id, description, flags, fields, E.AUTH_BAD_SIGNATURE, "signature", note, ATTACK
        )

    for name, key, what, non_canonical in _small_order_keys():
        flags = ("SmallOrderKey", "NonCanonicalPoint") if non_canonical else ("SmallOrderKey",)
        canon = "non-canonical, " if non_canonical else ""
        yield case(
            f"wire/auth/small-order-key-{name}",
            f"A ping under the sender key {key.hex()} ({canon}{what}), whose id is the sender, "
            f"signed without any secret: R = [S]B and [k]A is the identity, so a verifier with "
            f"no small-order check accepts it; the key check passes and strict verification "
            f"fails (auth.bad_signature).",
            flags,
            _fields(key, _forged(key, name)),
            True,
            f"ping forged under a small-order key ({what})",
        )

    r_identity = ed.encode(ed.IDENTITY)
    k = ed.challenge(r_identity, b.public_key, _signing_input(b.public_key))
    yield case(
        "wire/auth/small-order-r-identity-001",
        "b's ping signed by b with R = the identity (01 00..00) and S = k a, so that "
        "[S]B - [k]A is the identity and the cofactorless equation holds; only the small-order "
        "check on R rejects it (auth.bad_signature).",
        ("SmallOrderR",),
        envelope_fields(
            b, ping_body(), SEQ, signature=r_identity + ed.scalar_bytes(k * b_secret.scalar % ed.L)
        ),
        True,
        "ping from b whose R is the identity",
    )
    for order in (2, 4, 8):

        def gives_r(r: bytes, point: ed.Point, order: int = order) -> bool:
            return ed.is_canonical(r) and _order(point) == order and ed.encode(point) == r

        key, signature = _mixed_signature(gives_r, f"small-order-r-order-{order}")
        yield case(
            f"wire/auth/small-order-r-order-{order}-001",
            f"A ping under a key with a small-order component ([a]B + T8, which strict "
            f"verification accepts) whose R is the point {signature[:32].hex()} of order "
            f"{order}, with S = k a, so that [S]B - [k]A' = R and the cofactorless equation "
            f"holds; only the small-order check on R rejects it (auth.bad_signature).",
            ("SmallOrderR",),
            _fields(key, signature),
            True,
            f"ping whose R has order {order}",
        )

    for name, r_bytes, what in (
        ("identity-y-p-plus-1", _encoding(ed.P + 1, 0), "y = p + 1, read as 1: the identity"),
        ("identity-sign-bit", _encoding(1, 1), "the identity with the sign bit set"),
    ):
        k = ed.challenge(r_bytes, b.public_key, _signing_input(b.public_key))
        yield case(
            f"wire/auth/non-canonical-r-{name}-001",
            f"b's ping signed by b with R = {r_bytes.hex()} ({what}) and S = k a: [S]B - [k]A "
            f"is the point R encodes, but not R's bytes; a verifier that decodes R and compares "
            f"points would accept it. Rejected as R of small order (auth.bad_signature).",
            ("NonCanonicalPoint", "SmallOrderR"),
            envelope_fields(
                b, ping_body(), SEQ, signature=r_bytes + ed.scalar_bytes(k * b_secret.scalar % ed.L)
            ),
            False,
            "ping from b whose R is a non-canonical encoding",
        )

    def encodes_with_y_p(r: bytes, point: ed.Point) -> bool:
        return ed.encoded_y(r) == ed.P and ed.decode(r) == point

    key, signature = _mixed_signature(encodes_with_y_p, "non-canonical-r-order-4-y-p")
    yield case(
        "wire/auth/non-canonical-r-order-4-y-p-001",
        f"A ping under a key with a small-order component ([a]B + T8) whose R = "
        f"{signature[:32].hex()} (y = p, read as 0: of order 4) is a non-canonical encoding of "
        f"[S]B - [k]A'; a verifier that decodes R and compares points would accept it. "
        f"Rejected as R of small order (auth.bad_signature).",
        ("NonCanonicalPoint", "SmallOrderR"),
        _fields(key, signature),
        False,
        "ping whose R is y = p",
    )

    good = envelope_fields(b, ping_body(), SEQ)
    valid = good["signature"]
    if not isinstance(valid, bytes):
        raise CaseError("the signature is not bytes")
    s_plus_l = int.from_bytes(valid[32:], "little") + ed.L
    if s_plus_l >= 1 << 253:
        raise CaseError("S + L has one of its top three bits set")
    yield case(
        "wire/auth/s-plus-l-001",
        "b's valid signature with S replaced by S + L (still below 2^253, so its top three "
        "bits are clear): [S + L]B = [S]B, so a verifier that reduces S or checks only its top "
        "bits accepts a second signature of the same message. S must be below L "
        "(auth.bad_signature).",
        ("NonCanonicalScalar",),
        {**good, "signature": valid[:32] + ed.scalar_bytes(s_plus_l)},
        False,
        "ping from b with S + L",
    )

    off_curve = next(key for y in range(2, 1000) if ed.decode(key := _encoding(y, 0)) is None)
    yield case(
        "wire/auth/key-not-on-curve-001",
        f"A ping under the sender key {off_curve.hex()} (y = {ed.encoded_y(off_curve)}, below "
        "p, for which no x solves the curve equation: not a point at all), whose id is the "
        "sender, with b's signature bytes. A key that is not a point fails signature "
        "verification (auth.bad_signature), also where a library refuses it on import.",
        ("NotOnCurve",),
        _fields(off_curve, valid),
        False,
        "ping under a key that is not a curve point",
    )

    message = _signing_input(b.public_key)
    r = b_secret.nonce(message)
    shifted = ed.encode(ed.multiply(r, ed.BASE) + ed.T8)
    k = ed.challenge(shifted, b.public_key, message)
    yield case(
        "wire/auth/r-plus-torsion-001",
        "b's ping signed by b with R + T8 (T8 of order 8) in place of R, and S = r + k a for "
        "the challenge k of that R: [S]B - [k]A is R, not R + T8, so only a cofactored "
        "verifier (multiplying both sides by 8) accepts it (auth.bad_signature).",
        ("CofactoredEquation",),
        envelope_fields(
            b,
            ping_body(),
            SEQ,
            signature=shifted + ed.scalar_bytes((r + k * b_secret.scalar) % ed.L),
        ),
        False,
        "ping from b whose R is off by a point of order 8",
    )

    yield _mixed_order_key_case(generator)


def _mixed_order_key_case(generator: Generator) -> Trace:
    """The positive case: a key with a small-order component, cofactorless-valid signature."""
    for index in range(_SEARCH):
        signer = _MixedSigner(index)
        r = signer.secret.nonce(signer.message)
        big_r = ed.encode(ed.multiply(r, ed.BASE))
        k = ed.challenge(big_r, signer.key, signer.message)
        if k % 8 == 0:
            signature = big_r + ed.scalar_bytes((r + k * signer.secret.scalar) % ed.L)
            break
    else:
        raise CaseError("no mixed-order signer with k = 0 mod 8")
    if not ed.strict_verify(signer.key, signer.message, signature):
        raise CaseError("the mixed-order key's signature does not verify strictly")
    case = Case(
        generator,
        "wire/auth/mixed-order-key-001",
        f"A ping under the key {signer.key.hex()} = [a]B + T8 (of order 8L: canonical, not of "
        f"small order) with S = r + k a for a challenge k divisible by 8, so [k]T8 vanishes and "
        f"the cofactorless equation holds: accepted and answered, like any valid ping.",
        ("positive", "edge"),
    )
    case.peer("b")
    case.deliver(
        enc(_fields(signer.key, signature)),
        "b",
        "ping under a key with a small-order component",
    )
    return case.trace()
