"""Replay protection: a bounded window of senders' last sequence numbers, and floors.

The window (``spec/v1/prose/envelope.md``, "Replay") keeps at most ``bound``
entries, one per sender: the highest ``seq`` accepted from it and the tick
``at`` it was accepted at. It also keeps one floor per bucket (a sender's
bucket is the first byte of its node id), initially 0. A sender with an entry
is fresh above its entry; a sender without one is fresh above its bucket's
floor. Accepting a new sender into a full window first evicts the least
recently accepted entry (smallest ``at``, then the smaller sender id) and
raises the evicted sender's bucket floor to its ``seq``, so nothing that
sender ever sent can be fresh again.

Entries are stored per bucket, so accepting a frame copies one bucket (about
``bound / 256`` entries) and the map of non-empty buckets (at most 256), not
the whole window; only an eviction scans every entry and copies the floors.
An entry is a plain tuple because every accepted frame builds one. Everything is immutable, so
a refused frame cannot leave a half-updated window behind.
"""

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

from spec.v1 import errors as E
from spec.v1.envelope import MAX_REPLAY_SENDERS

Entry = tuple[int, int]
"""What the window keeps of one sender: ``(seq, at)``, the highest sequence number accepted
from it and the node's logical time when it was accepted."""

Bucket = Mapping[bytes, Entry]
"""The entries of one bucket (one first byte of the node id): sender id -> its entry."""

_NO_ENTRIES: Final[Bucket] = MappingProxyType({})


def bucket_of(sender: bytes) -> int:
    """A sender's bucket: the first byte of its node id (a SHA-256 output, so uniform)."""
    return sender[0]


class Window(NamedTuple):
    """The replay state of one node: at most ``bound`` entries, and the floors.

    Build one with :func:`empty`; change it only with :func:`admit`.
    """

    bound: int
    """The most entries kept (the node's ``replay_senders``)."""
    size: int
    """How many entries there are."""
    buckets: MappingProxyType[int, Bucket]
    """Bucket -> its entries; a bucket without entries is absent. A proxy, not any mapping:
    every accepted frame copies it, and a proxy's ``|`` copies fast."""
    floors: Mapping[int, int]
    """Bucket -> its floor; a floor of 0 is absent. Changes only on an eviction."""

    def get(self, sender: bytes) -> Entry | None:
        """The sender's ``(seq, at)``, or None when the window holds no entry for it."""
        return self.buckets.get(bucket_of(sender), _NO_ENTRIES).get(sender)

    def entries(self) -> Iterator[tuple[bytes, int, int]]:
        """Every entry as ``(sender, seq, at)``, sorted by sender id."""
        for key in sorted(self.buckets):
            for sender, (seq, at) in sorted(self.buckets[key].items()):
                yield sender, seq, at

    def nonzero_floors(self) -> Iterator[tuple[int, int]]:
        """Every non-zero floor as ``(bucket, floor)``, sorted by bucket."""
        yield from sorted(self.floors.items())


def empty(bound: int) -> Window:
    """A node's window before it has accepted anything: no entries, every floor 0."""
    if not 1 <= bound <= MAX_REPLAY_SENDERS:
        raise ValueError(f"replay bound {bound} is outside 1..{MAX_REPLAY_SENDERS}")
    return Window(bound, 0, MappingProxyType({}), MappingProxyType({}))


EMPTY: Final = empty(MAX_REPLAY_SENDERS)
"""An empty window of the largest bound."""


def admit(window: Window, sender: bytes, seq: int, at: int) -> Window:
    """The window after accepting ``seq`` from ``sender`` at tick ``at``.

    A stale number raises ``replay.stale_sequence`` instead, judged on the window as it
    is, before any eviction; the window given is never changed.
    """
    key = sender[0]  # bucket_of(sender), inlined on the hot path
    entries = window.buckets.get(key, _NO_ENTRIES)
    entry = entries.get(sender)
    size = window.size
    if entry is not None:
        if seq <= entry[0]:
            raise E.PeerMarketError(
                E.REPLAY_STALE_SEQUENCE, "seq", f"sequence {seq} not above last accepted {entry[0]}"
            )
    else:
        floor = window.floors.get(key, 0)
        if seq <= floor:
            raise E.PeerMarketError(
                E.REPLAY_STALE_SEQUENCE,
                "seq",
                f"sequence {seq} not above the floor {floor} of bucket {key}",
            )
        if size >= window.bound:
            window = _evict(window)
            entries = window.buckets.get(key, _NO_ENTRIES)
        else:
            size += 1
    updated = dict(entries)
    updated[sender] = (seq, at)
    buckets = MappingProxyType(window.buckets | {key: MappingProxyType(updated)})
    return Window(window.bound, size, buckets, window.floors)


def victim(window: Window) -> bytes:
    """The entry a full window evicts: the smallest ``at``, then the smaller sender id."""
    best: tuple[int, bytes] | None = None
    for entries in window.buckets.values():
        for sender, (_, at) in entries.items():
            if best is None or (at, sender) < best:
                best = (at, sender)
    if best is None:
        raise ValueError("an empty window has nothing to evict")
    return best[1]


def _evict(window: Window) -> Window:
    """``window`` without its victim, the victim's bucket floor raised to the victim's seq."""
    sender = victim(window)
    key = bucket_of(sender)
    remaining = dict(window.buckets[key])
    seq, _ = remaining.pop(sender)
    buckets = dict(window.buckets)
    if remaining:
        buckets[key] = MappingProxyType(remaining)
    else:
        del buckets[key]
    floors = dict(window.floors)
    floors[key] = max(floors.get(key, 0), seq)
    return Window(
        window.bound, window.size - 1, MappingProxyType(buckets), MappingProxyType(floors)
    )
