"""Authentication cases of the ``wire`` protocol: key binding and signatures.

Each case is a ping in b's name whose envelope is well-formed and whose
only defect is who vouches for it: a key that does not hash to the claimed
sender id, a damaged signature, another key's signature, or a valid
signature by b over a different signing context (sequence number, type,
protocol, version, sender, or no context at all), which tests the domain
separation of the signing input.
"""

from collections.abc import Iterable

from reference import cbor
from reference.corpus.casekit import EDGE, CaseError, RejectionCases, identity
from reference.corpus.mutations import enc
from reference.corpus.wire_frames import envelope_fields, ping_body, ping_frame, sign_items
from spec.v1 import WIRE_VERSION
from spec.v1 import errors as E
from spec.v1.envelope import SIGNING_CONTEXT, signing_input_items
from spec.v1.trace import Generator, Trace
from spec.v1.wire import PROTOCOL


def auth_cases(generator: Generator) -> Iterable[Trace]:
    b, c, mallory = identity("b"), identity("c"), identity("mallory")
    body = ping_body()
    control = ping_frame(b, 2)

    case = RejectionCases(generator, control, enc)

    def signature_over(
        *,
        protocol: str = PROTOCOL,
        version: int = WIRE_VERSION,
        type_: str = "ping",
        sender: bytes = b.node_id,
        seq: int = 2,
    ) -> bytes:
        """b's signature over the standard body in a context that differs from the envelope's."""
        return sign_items(
            b, protocol=protocol, version=version, type_=type_, sender=sender, seq=seq, body=body
        )

    good = envelope_fields(b, body, 2)
    sig = signature_over()

    def flipped(index: int, bit: int) -> bytes:
        raw = bytearray(sig)
        raw[index] ^= 1 << bit
        return bytes(raw)

    yield case(
        "wire/auth/wrong-key-001",
        "mallory claims b's node id: the frame carries mallory's key and mallory's valid "
        "signature, but SHA-256(key)[0:16] is not b's id.",
        ("WrongKey",),
        envelope_fields(mallory, body, 2, sender=b.node_id),
        E.AUTH_WRONG_KEY,
        "sender_key",
        "ping claiming to be from b, signed by mallory",
    )
    if not mallory.node_id < c.node_id:
        raise CaseError("mallory's node id must sort below c's for wrong-key-lower-id")
    yield case(
        "wire/auth/wrong-key-lower-id-001",
        "mallory claims c's node id, which is above its own (0x95... against 0x25...): the "
        "frame carries mallory's key and mallory's valid signature, and SHA-256(key)[0:16] "
        "differs from the claimed id however the two compare; the other direction of "
        "wrong-key-001, where the key's id is above b's.",
        ("WrongKey",),
        envelope_fields(mallory, body, 2, sender=c.node_id),
        E.AUTH_WRONG_KEY,
        "sender_key",
        "ping claiming to be from c, signed by mallory",
    )
    yield case(
        "wire/auth/bit-flip-r-001",
        "One bit flipped in the R half of b's signature (byte 10, bit 2).",
        ("BadSignature",),
        {**good, "signature": flipped(10, 2)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b with a flipped signature bit",
    )
    yield case(
        "wire/auth/bit-flip-s-001",
        "One bit flipped in the S half of b's signature (byte 40, bit 0).",
        ("BadSignature",),
        {**good, "signature": flipped(40, 0)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b with a flipped signature bit",
    )
    yield case(
        "wire/auth/signature-by-other-key-001",
        "A signature by c over b's exact signing input, under b's id and key.",
        ("BadSignature",),
        envelope_fields(
            b,
            body,
            2,
            signature=c.sign(
                cbor.encode(signing_input_items(PROTOCOL, WIRE_VERSION, "ping", b.node_id, 2, body))
            ),
        ),
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed with c's key",
    )
    yield case(
        "wire/auth/zero-signature-001",
        "A signature of 64 zero bytes.",
        ("BadSignature",),
        {**good, "signature": bytes(64)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b with an all-zero signature",
        EDGE,
    )
    yield case(
        "wire/auth/body-tampered-001",
        "b's signed ping with its body replaced by another valid ping body (other nonce).",
        ("BadSignature",),
        {**good, "body": ping_body(nonce=b"nonce-x1")},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b whose body was swapped after signing",
    )
    yield case(
        "wire/auth/signature-for-other-seq-001",
        "b's valid signature for seq 1 on an envelope that says seq 2.",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(seq=1)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b, seq 2, carrying the signature of seq 1",
    )
    yield case(
        "wire/auth/signature-for-other-type-001",
        "b's valid signature over the same body bytes labelled type 'pong'; the envelope says "
        "'ping' (domain separation by message type).",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(type_="pong")},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed as a pong",
    )
    yield case(
        "wire/auth/signature-for-other-protocol-001",
        "b's valid signature over the same message labelled protocol 'auction' (domain "
        "separation by protocol).",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(protocol="auction")},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed for protocol 'auction'",
    )
    yield case(
        "wire/auth/signature-for-other-version-001",
        "b's valid signature over the same message labelled wire version 2.",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(version=2)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed as wire version 2",
    )
    yield case(
        "wire/auth/signature-for-other-sender-001",
        "b's valid signature over the signing input with c's id as sender.",
        ("SignatureForOtherContext",),
        {**good, "signature": signature_over(sender=c.node_id)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed as if sent by c",
    )
    yield case(
        "wire/auth/signature-over-body-only-001",
        "b's valid signature over the body bytes alone, with no signing context at all.",
        ("SignatureForOtherContext",),
        {**good, "signature": b.sign(body)},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed over its body only",
    )
    items = signing_input_items(PROTOCOL, WIRE_VERSION, "ping", b.node_id, 2, body)
    if items[0] != SIGNING_CONTEXT:
        raise CaseError("signing input no longer starts with the signing context")
    yield case(
        "wire/auth/signature-without-context-001",
        f"b's valid signature over the signing input without its first element "
        f"'{SIGNING_CONTEXT}'.",
        ("SignatureForOtherContext",),
        {**good, "signature": b.sign(cbor.encode(items[1:]))},
        E.AUTH_BAD_SIGNATURE,
        "signature",
        "ping from b signed without the signing context",
    )
