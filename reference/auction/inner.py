"""Opening a trader's envelope that someone else hands over: a routed ``locate`` (an inner
frame, sequence number 0) or an ``offer`` forwarded in ``candidates`` (with the sequence
number its trader sent it to the forwarding broker).

Every check of ``envelope.md`` applies except replay (an offer reaches a
broker once from its trader and again from every other broker that heard
it). Only the one expected type is allowed: another protocol is
``envelope.unknown_protocol``, another auction type ``envelope.unknown_type``.
An error is reported under the field that carried the frame (``args.frame``,
``body.offers[2].frame``).
"""

import hashlib
from functools import lru_cache
from typing import NamedTuple

from reference.envelope import open_envelope
from spec.v1 import errors as E
from spec.v1.auction import MESSAGE_TYPES, PROTOCOL
from spec.v1.auction.messages import Locate, Offer
from spec.v1.base import WireModel


class Signed(NamedTuple):
    """A verified envelope: its signer, its body and its digest (SHA-256 of its body bytes,
    the same for every copy of an offer, whichever envelope carries it)."""

    signer: bytes
    body: WireModel
    digest: bytes


@lru_cache(maxsize=1024)
def _open(frame: bytes, type_: str) -> Signed:
    opened = open_envelope(frame, {(PROTOCOL, type_): MESSAGE_TYPES[type_]})
    return Signed(opened.envelope.sender, opened.body, digest(opened.envelope.body))


def digest(body: bytes) -> bytes:
    """An offer's identity: SHA-256 of its envelope's body bytes."""
    return hashlib.sha256(body).digest()


def open_inner(frame: bytes, type_: str, where: str) -> Signed:
    """The verified inner frame of ``type_``, or its typed error under ``where``. Pure: the
    cache only spares repeated signature checks of the same bytes within and across steps."""
    try:
        return _open(frame, type_)
    except E.PeerMarketError as exc:
        joint = "" if exc.field.startswith("@") else "."
        raise E.PeerMarketError(exc.code, f"{where}{joint}{exc.field}", exc.reason) from None


def open_offer(frame: bytes, where: str) -> tuple[Signed, Offer]:
    signed = open_inner(frame, "offer", where)
    assert isinstance(signed.body, Offer)
    return signed, signed.body


def open_locate(frame: bytes, where: str) -> tuple[Signed, Locate]:
    signed = open_inner(frame, "locate", where)
    assert isinstance(signed.body, Locate)
    return signed, signed.body
