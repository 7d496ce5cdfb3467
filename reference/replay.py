"""Replay protection: the last sequence number accepted from each sender.

Immutable, so a rejected frame cannot leave a half-updated window behind.
"""

from collections.abc import Mapping
from types import MappingProxyType

from spec.v1 import errors as E

SequenceWindow = Mapping[bytes, int]
"""Node id -> highest sequence number accepted from it."""

EMPTY: SequenceWindow = MappingProxyType({})


def admit(window: SequenceWindow, sender: bytes, seq: int) -> SequenceWindow:
    """The window after accepting ``seq`` from ``sender``; a stale number raises instead."""
    last = window.get(sender)
    if last is not None and seq <= last:
        raise E.PeerMarketError(
            E.REPLAY_STALE_SEQUENCE, "seq", f"sequence {seq} not above last accepted {last}"
        )
    updated = dict(window)
    updated[sender] = seq
    return MappingProxyType(updated)
