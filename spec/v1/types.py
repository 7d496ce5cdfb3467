"""Value types shared by every protocol: identifiers, money, time, bounded text.

Every bytes, text and list field of a wire message has an explicit bound, so
a decoder can reject oversized input before it allocates, and the exported
schemas say the same thing as the models.
"""

from typing import Annotated, Final

from pydantic import Field

U63_MAX: Final = 2**63 - 1
"""Largest value of every unsigned counter: fits a signed 64-bit integer in any language."""

ID_BYTES: Final = 16
"""Identifiers are 128 bits (Pastry's id space)."""

PUBLIC_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64
SEED_BYTES: Final = 32

NodeId = Annotated[bytes, Field(min_length=ID_BYTES, max_length=ID_BYTES)]
"""A node's id: the first 128 bits of SHA-256 over its Ed25519 public key."""

ServiceId = Annotated[bytes, Field(min_length=ID_BYTES, max_length=ID_BYTES)]
"""A service's id in the same 128-bit space; its broker set are the nodes closest to it."""

PublicKey = Annotated[bytes, Field(min_length=PUBLIC_KEY_BYTES, max_length=PUBLIC_KEY_BYTES)]
"""A raw Ed25519 public key (RFC 8032)."""

Signature = Annotated[bytes, Field(min_length=SIGNATURE_BYTES, max_length=SIGNATURE_BYTES)]
"""A raw Ed25519 signature (RFC 8032)."""

Amount = Annotated[int, Field(ge=0, le=U63_MAX)]
"""Money in minor units. Never a float."""

BasisPoints = Annotated[int, Field(ge=0, le=10_000)]
"""A fraction in units of 1/10,000 (10,000 = 100%)."""

Tick = Annotated[int, Field(ge=0, le=U63_MAX)]
"""Logical time. Ticks are inputs to a node; nothing reads a clock."""

SequenceNumber = Annotated[int, Field(ge=0, le=U63_MAX)]
"""Per-sender counter that makes every signed envelope unique (replay protection)."""

Nonce = Annotated[bytes, Field(min_length=8, max_length=8)]
"""Eight opaque bytes a requester chooses and a responder echoes."""

ProtocolName = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[a-z][a-z0-9_]*$")]
"""A protocol's name on the wire, e.g. ``wire`` or ``auction``."""

MessageTypeName = Annotated[str, Field(min_length=1, max_length=23, pattern=r"^[a-z][a-z0-9_]*$")]
"""A message type's name within its protocol, e.g. ``ping``."""

ShortText = Annotated[str, Field(max_length=64)]
"""Human-readable labels."""

Text = Annotated[str, Field(max_length=1024)]
"""Human-readable descriptions."""
