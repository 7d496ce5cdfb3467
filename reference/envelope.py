"""Sealing messages into signed envelopes and opening them again.

:func:`open_envelope` applies the checks of ``spec/v1/prose/envelope.md`` in
their normative order, so that every implementation names the same error
for the same bad frame.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import cbor2

from reference import cbor
from reference.codec import decode_message, encode_message, from_value
from reference.identity import Identity, node_id_of, verify
from spec.v1 import WIRE_VERSION
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.envelope import MAX_FRAME_BYTES, Envelope, signing_input_items
from spec.v1.registry import MESSAGES, type_name

_KNOWN_PROTOCOLS = frozenset(protocol for protocol, _ in MESSAGES)


@dataclass(frozen=True)
class Opened:
    """A verified envelope and its decoded body."""

    envelope: Envelope
    body: WireModel


def signing_input(envelope: Envelope) -> bytes:
    """The exact bytes an envelope's signature covers."""
    items = signing_input_items(
        envelope.protocol,
        envelope.version,
        envelope.type,
        envelope.sender,
        envelope.seq,
        envelope.body,
    )
    if cbor.INT_MIN <= envelope.version <= cbor.INT_MAX:
        # Fast path (every envelope that gets this far when opening): a validated envelope's
        # fields are all inside the profile (bounded ints, bytes, ASCII names) and the array
        # holds no map, so plain cbor2 gives the deterministic bytes without the profile walk.
        return bytes(cbor2.dumps(items))
    return cbor.encode(items)  # raises the typed error for the out-of-range version


def seal(identity: Identity, body: WireModel, seq: int) -> bytes:
    """Sign ``body`` as message number ``seq`` of ``identity`` and encode the envelope."""
    return encode_message(seal_envelope(identity, body, seq))


def seal_envelope(identity: Identity, body: WireModel, seq: int) -> Envelope:
    """The signed envelope of ``body`` (not yet encoded)."""
    protocol, type_ = type_name(type(body))
    body_bytes = encode_message(body)
    to_sign = cbor.encode(
        signing_input_items(protocol, WIRE_VERSION, type_, identity.node_id, seq, body_bytes)
    )
    return Envelope(
        version=WIRE_VERSION,
        protocol=protocol,
        type=type_,
        sender=identity.node_id,
        sender_key=identity.public_key,
        seq=seq,
        body=body_bytes,
        signature=identity.sign(to_sign),
    )


def open_envelope(
    frame: bytes,
    messages: Mapping[tuple[str, str], type[WireModel]] = MESSAGES,
) -> Opened:
    """Decode, authenticate and decode the body of one frame, or raise a typed error.

    Order: size, CBOR profile, version, envelope schema, protocol, type,
    key binding, signature, body. Replay is the receiver's state and is checked
    by :mod:`reference.replay` after this.
    """
    if len(frame) > MAX_FRAME_BYTES:
        raise E.PeerMarketError(
            E.DECODE_TOO_LARGE, "@0", f"frame of {len(frame)} bytes exceeds {MAX_FRAME_BYTES}"
        )
    value = cbor.decode(frame)
    _check_version(value)
    envelope = from_value(Envelope, value)
    known = _KNOWN_PROTOCOLS if messages is MESSAGES else {p for p, _ in messages}
    if envelope.protocol not in known:
        raise E.PeerMarketError(
            E.ENVELOPE_UNKNOWN_PROTOCOL, "protocol", f"unknown protocol {envelope.protocol!r}"
        )
    model = messages.get((envelope.protocol, envelope.type))
    if model is None:
        raise E.PeerMarketError(
            E.ENVELOPE_UNKNOWN_TYPE,
            "type",
            f"protocol {envelope.protocol!r} has no message type {envelope.type!r}",
        )
    if node_id_of(envelope.sender_key) != envelope.sender:
        raise E.PeerMarketError(
            E.AUTH_WRONG_KEY, "sender_key", "SHA-256(sender_key)[0:16] differs from sender"
        )
    if not verify(envelope.sender_key, signing_input(envelope), envelope.signature):
        raise E.PeerMarketError(
            E.AUTH_BAD_SIGNATURE, "signature", "Ed25519 verification of the signing input failed"
        )
    return Opened(envelope, decode_message(model, envelope.body, "body"))


def _check_version(value: cbor.Value) -> None:
    """Refuse another wire version before the v1 schema, whose shape a v2 may not share."""
    if not isinstance(value, Mapping):
        return
    version = value.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version != WIRE_VERSION:
        raise E.PeerMarketError(
            E.ENVELOPE_UNSUPPORTED_VERSION,
            "version",
            f"wire version {version}; this implementation speaks {WIRE_VERSION}",
        )
