"""The SLA's signed inner frames (``terms``, ``acceptance``, ``description``, ``query``):
sealing them, and opening one a peer hands over.

Every check of ``envelope.md`` applies except replay (an inner frame has sequence
number 0 and travels inside another message). Only the one expected type is allowed.
An error is reported under the field that carried the frame (``body.terms``).
"""

import hashlib
from functools import lru_cache
from typing import NamedTuple

from reference.codec import encode_message
from reference.envelope import open_envelope, seal
from reference.identity import Identity
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.sla import MESSAGE_TYPES, PROTOCOL
from spec.v1.sla.messages import Acceptance, Terms

INNER_SEQ = 0


class Signed(NamedTuple):
    """A verified inner frame: its signer, its body and its digest."""

    signer: bytes
    body: WireModel
    digest: bytes
    """SHA-256 of the envelope's body bytes."""


def seal_inner(identity: Identity, body: WireModel) -> tuple[bytes, bytes]:
    """The frame of ``body`` signed by ``identity`` (sequence number 0), and its digest."""
    return seal(identity, body, INNER_SEQ), digest(body)


def digest(body: WireModel) -> bytes:
    """SHA-256 of a body's deterministic CBOR: its envelope's body bytes."""
    return hashlib.sha256(encode_message(body)).digest()


@lru_cache(maxsize=256)
def _open(frame: bytes, types: tuple[str, ...]) -> Signed:
    opened = open_envelope(frame, {(PROTOCOL, type_): MESSAGE_TYPES[type_] for type_ in types})
    body = opened.body
    return Signed(opened.envelope.sender, body, hashlib.sha256(opened.envelope.body).digest())


def open_inner(frame: bytes, type_: str | tuple[str, ...], where: str) -> Signed:
    """The verified inner frame of ``type_`` (or of one of several types), or its typed error
    under ``where``. Pure: the cache only spares checking the same signature again in the
    guards and action of one step."""
    try:
        return _open(frame, (type_,) if isinstance(type_, str) else type_)
    except E.PeerMarketError as exc:
        joint = "" if exc.field.startswith("@") else "."
        raise E.PeerMarketError(exc.code, f"{where}{joint}{exc.field}", exc.reason) from None


def open_terms(frame: bytes, where: str) -> tuple[Signed, Terms]:
    signed = open_inner(frame, "terms", where)
    assert isinstance(signed.body, Terms)
    return signed, signed.body


def open_acceptance(frame: bytes, where: str) -> tuple[Signed, Acceptance]:
    signed = open_inner(frame, "acceptance", where)
    assert isinstance(signed.body, Acceptance)
    return signed, signed.body
