"""Routed payloads passing through: the ``forward`` rows of ``auction.node``.

A payload passes unchanged and unopened unless it is a *fallback locate*: a
trader's second locate, whose path reports itself so that the trader can
find a node to stand in for a root that did not answer (``auction.md``, "The
root fallback"). Whether a frame is one is read without verifying it; only a
frame that is one is then opened with every check, and reported.
"""

from reference import cbor
from reference.auction.context import at
from reference.auction.data import AuctionData
from reference.auction.inner import open_locate
from reference.codec import decode_message, from_value
from reference.effects import Effect, Emit
from spec.v1 import WIRE_VERSION
from spec.v1 import errors as E
from spec.v1.auction.constants import PROTOCOL
from spec.v1.auction.messages import Locate, PathHop
from spec.v1.envelope import Envelope
from spec.v1.stack import ForwardUpcall

Result = tuple[AuctionData, tuple[Effect, ...]]


def _forward(payload: object) -> ForwardUpcall:
    args = at(payload).args
    assert isinstance(args, ForwardUpcall)
    return args


def looks_like_fallback_locate(frame: bytes) -> bool:
    """The frame reads as a fallback locate when every check of opening a frame but the key
    binding and the signature passes: the profile, version 1, the envelope's schema,
    (``auction``, ``locate``), and a locate body whose ``fallback`` is true."""
    try:
        envelope = from_value(Envelope, cbor.decode(frame))
        if envelope.version != WIRE_VERSION or (envelope.protocol, envelope.type) != (
            PROTOCOL,
            "locate",
        ):
            return False
        return decode_message(Locate, envelope.body).fallback
    except E.PeerMarketError:
        return False


def plain_payload(data: AuctionData, payload: object) -> bool:
    """Anything but a fallback locate passes, unverified."""
    return not looks_like_fallback_locate(_forward(payload).frame)


def fallback_locate(data: AuctionData, payload: object) -> bool:
    """The fallback locate verifies (else its error, at ``args.frame``) and is for the key it
    is routed to (else misrouted)."""
    forward = _forward(payload)
    _, locate = open_locate(forward.frame, "args.frame")
    return locate.fallback and locate.service == forward.key


def report_hop(data: AuctionData, payload: object) -> Result:
    """Tell the locate's signer where the overlay hands the locate next."""
    forward = _forward(payload)
    signed, locate = open_locate(forward.frame, "args.frame")
    body = PathHop(service=locate.service, nonce=locate.nonce, next_hop=forward.next_hop)
    return data, (Emit("path_hop", signed.signer, body),)
