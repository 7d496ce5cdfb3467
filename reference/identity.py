"""Node identity: an Ed25519 key pair and the node id it implies.

Keys come from 32 seed bytes, so every node of a test or trace is
reproducible; :func:`seed_from_label` turns a readable label into a seed.
"""

import hashlib
from dataclasses import dataclass, field

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from spec.v1.types import ID_BYTES, PUBLIC_KEY_BYTES, SEED_BYTES

SEED_DOMAIN = b"peermarket/seed/"


def node_id_of(public_key: bytes) -> bytes:
    """nodeId = SHA-256(public key)[0:16]."""
    return hashlib.sha256(public_key).digest()[:ID_BYTES]


def seed_from_label(label: str) -> bytes:
    """SHA-256(``peermarket/seed/`` || label): a reproducible seed for tests and traces."""
    return hashlib.sha256(SEED_DOMAIN + label.encode("utf-8")).digest()


@dataclass(frozen=True)
class Identity:
    """A node's signing key, public key and node id."""

    seed: bytes = field(repr=False)
    public_key: bytes
    node_id: bytes
    _signer: SigningKey = field(repr=False, compare=False)

    @classmethod
    def from_seed(cls, seed: bytes) -> "Identity":
        if len(seed) != SEED_BYTES:
            raise ValueError(f"seed must be {SEED_BYTES} bytes, got {len(seed)}")
        signer = SigningKey(seed)
        public = bytes(signer.verify_key)
        return cls(seed, public, node_id_of(public), signer)

    @classmethod
    def from_label(cls, label: str) -> "Identity":
        return cls.from_seed(seed_from_label(label))

    def sign(self, message: bytes) -> bytes:
        """Deterministic Ed25519 signature (RFC 8032): the same message gives the same bytes."""
        return bytes(self._signer.sign(message).signature)


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` by ``public_key``."""
    if len(public_key) != PUBLIC_KEY_BYTES:
        return False
    try:
        VerifyKey(public_key).verify(message, signature)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True
