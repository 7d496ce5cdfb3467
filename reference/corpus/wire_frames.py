"""Frames of the hand-written ``wire`` cases: the standard ping from ``b``, and its parts.

Negative cases start from a valid frame and change one thing. These helpers
build the valid frames, and the envelope fields and signatures from explicit
values (including values the envelope schema refuses), so a case about one
field can keep every other byte, the signature included, exactly as the
reference would write it.
"""

from typing import Final

from reference import cbor
from reference.codec import encode_message, to_value
from reference.corpus.casekit import CaseError, identity
from reference.corpus.mutations import RawMap, enc
from reference.envelope import seal
from reference.identity import Identity
from spec.v1 import WIRE_VERSION
from spec.v1.envelope import signing_input_items
from spec.v1.wire import PROTOCOL, Ping, Pong

NONCE_B: Final = b"nonce-b1"
"""The nonce of the standard ping from ``b``."""
SENT_AT_B: Final = 5
"""The ``sent_at`` of the standard ping from ``b`` (b's clock, not a's)."""


def sign_items(
    signer: Identity,
    *,
    protocol: str,
    version: int,
    type_: str,
    sender: bytes,
    seq: int,
    body: bytes,
) -> bytes:
    """``signer``'s signature over the signing input built from exactly these values."""
    items = signing_input_items(protocol, version, type_, sender, seq, body)
    return signer.sign(cbor.encode(items))


def envelope_fields(
    signer: Identity,
    body: bytes,
    seq: int,
    *,
    type_: str = "ping",
    protocol: str = PROTOCOL,
    version: int = WIRE_VERSION,
    sender: bytes | None = None,
    sender_key: bytes | None = None,
    signature: bytes | None = None,
) -> dict[str, cbor.Value]:
    """The fields of an envelope, signed by ``signer`` over them unless ``signature`` is given.

    Unlike :func:`reference.envelope.seal` this takes values the envelope schema
    refuses (a seq of 2**63, a bad protocol name), so schema cases can be signed
    correctly and keep one defect.
    """
    sender = signer.node_id if sender is None else sender
    if signature is None:
        signature = sign_items(
            signer,
            protocol=protocol,
            version=version,
            type_=type_,
            sender=sender,
            seq=seq,
            body=body,
        )
    return {
        "version": version,
        "protocol": protocol,
        "type": type_,
        "sender": sender,
        "sender_key": signer.public_key if sender_key is None else sender_key,
        "seq": seq,
        "body": body,
        "signature": signature,
    }


def ping_body(nonce: bytes = NONCE_B, sent_at: int = SENT_AT_B) -> bytes:
    return encode_message(Ping(nonce=nonce, sent_at=sent_at))


def ping_value(nonce: bytes = NONCE_B, sent_at: int = SENT_AT_B) -> dict[str, cbor.Value]:
    return to_value(Ping(nonce=nonce, sent_at=sent_at))


def ping_frame(
    signer: Identity, seq: int, nonce: bytes = NONCE_B, sent_at: int = SENT_AT_B
) -> bytes:
    """A valid ping from ``signer``."""
    return seal(signer, Ping(nonce=nonce, sent_at=sent_at), seq)


def pong_frame(signer: Identity, seq: int, nonce: bytes, ping_sent_at: int) -> bytes:
    """A valid pong from ``signer``."""
    return seal(signer, Pong(nonce=nonce, ping_sent_at=ping_sent_at), seq)


def standard_envelope(seq: int = 1) -> RawMap:
    """The valid envelope of the standard ping from ``b``, as editable raw pairs."""
    raw = RawMap.canonical(envelope_fields(identity("b"), ping_body(), seq))
    if raw.encode() != ping_frame(identity("b"), seq):
        raise CaseError("envelope_fields disagrees with reference.envelope.seal")
    return raw


def body_frame(body: bytes, seq: int = 1) -> bytes:
    """A ping envelope from ``b`` carrying exactly ``body``, correctly signed over those bytes."""
    return enc(envelope_fields(identity("b"), body, seq))


def decoded_bytes(raw: RawMap, key: str) -> bytes:
    """The byte string under ``key`` (the value without its head)."""
    value = cbor.decode(raw.value(key))
    if not isinstance(value, bytes):
        raise CaseError(f"{key} is not a byte string")
    return value
