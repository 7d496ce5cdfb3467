"""The signed envelope that carries every message, and the bytes that are signed.

The body travels as a byte string holding the deterministic CBOR of the
message (as COSE does): a verifier checks the signature over the exact bytes
it received, and never re-encodes anything before verifying.
"""

from typing import Annotated, Final

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.types import (
    U63_MAX,
    MessageTypeName,
    NodeId,
    ProtocolName,
    PublicKey,
    SequenceNumber,
    Signature,
    Tick,
)

MAX_FRAME_BYTES: Final = 65_536
"""Largest frame (one encoded envelope) accepted; larger is ``decode.too_large``."""

MAX_DEPTH: Final = 16
"""Deepest nesting of arrays and maps; deeper is ``decode.too_deep``."""

SIGNING_CONTEXT: Final = "peermarket/envelope"
"""First element of the signing input: separates envelope signatures from any other use of a key."""

MAX_REPLAY_SENDERS: Final = 4096
"""Largest replay window a node may keep (``replay_senders``): the observable ``last_seq`` cap."""

REPLAY_BUCKETS: Final = 256
"""Floors a node keeps, one per bucket; a sender's bucket is the first byte of its node id."""

ReplaySenders = Annotated[int, Field(ge=1, le=MAX_REPLAY_SENDERS)]
"""A node parameter: the most senders whose last sequence number the node keeps."""

Bucket = Annotated[int, Field(ge=0, le=REPLAY_BUCKETS - 1)]
"""A replay bucket: the first byte of a sender's node id."""


class Envelope(WireModel):
    """One signed message from one node."""

    version: Annotated[int, Field(ge=0, le=U63_MAX)]
    """Wire version: the spec's major version (1)."""
    protocol: ProtocolName
    """Which protocol the body belongs to."""
    type: MessageTypeName
    """Which message type of that protocol the body is."""
    sender: NodeId
    """The sender's node id; MUST equal SHA-256(sender_key)[0:16]."""
    sender_key: PublicKey
    """The sender's Ed25519 public key."""
    seq: SequenceNumber
    """Per-sender sequence number; strictly increasing."""
    body: Annotated[bytes, Field(max_length=MAX_FRAME_BYTES)]
    """Deterministic CBOR of the message named by (protocol, type)."""
    signature: Signature
    """Ed25519 over the signing input (see :func:`signing_input_items`)."""


def signing_input_items(
    protocol: str, version: int, type_: str, sender: bytes, seq: int, body: bytes
) -> tuple[str, str, int, str, bytes, int, bytes]:
    """The CBOR array whose deterministic encoding is the Ed25519 message.

    ``[SIGNING_CONTEXT, protocol, version, type, sender, seq, body]`` binds the
    signature to the protocol, the wire version and the message type (domain
    separation), to the sender and sequence number (so a replay cannot be
    re-labelled), and to the exact body bytes.
    """
    return (SIGNING_CONTEXT, protocol, version, type_, sender, seq, body)


class SenderSeq(WireModel):
    """One replay-window entry: the highest sequence number accepted from a sender, and when.

    Part of every node's observable state (``last_seq``), sorted by sender id.
    """

    sender: NodeId
    """The sender's node id."""
    seq: SequenceNumber
    """The highest sequence number accepted from it."""
    at: Tick
    """The node's logical time when it accepted that sender's last frame (the entry's recency:
    a full window evicts the entry with the smallest ``at``)."""


class BucketFloor(WireModel):
    """One non-zero replay floor: no sender of ``bucket`` without an entry is fresh at or below it.

    Part of every node's observable state (``replay_floors``), sorted by bucket.
    """

    bucket: Bucket
    """The bucket: the first byte of the node ids it holds."""
    floor: SequenceNumber
    """The highest sequence number of any entry evicted from this bucket."""
