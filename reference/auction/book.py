"""The auction table and the global match of a round (``auction.md``, "The global match").

Everything here is a function of the book and the round alone, which every
honest broker of a set holds alike after a synchronization; so every honest
broker makes the same matches at the same prices.
"""

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

from reference.auction.data import Held, Spent


def arrival(offer: Held) -> int:
    """When the set heard the offer: the lower median of its brokers' reported ticks, which
    fewer than half of them cannot move beyond the honest reports."""
    ticks = sorted(at for _, at in offer.heard)
    return ticks[(len(ticks) - 1) // 2]


def bid_priority(offer: Held) -> tuple[int, int, bytes]:
    """Higher price first, then earlier arrival, then the smaller digest."""
    return (-offer.price, arrival(offer), offer.digest)


def ask_priority(offer: Held) -> tuple[int, int, bytes]:
    """Lower price first, then earlier arrival, then the smaller digest."""
    return (offer.price, arrival(offer), offer.digest)


def priority(offer: Held) -> tuple[int, int, bytes]:
    return bid_priority(offer) if offer.side == "bid" else ask_priority(offer)


def heard_by(offer: Held, reports: Iterable[tuple[bytes, int]]) -> Held:
    """The offer with more reports; a broker's first report stands."""
    merged = dict(offer.heard)
    for broker, at in reports:
        merged.setdefault(broker, at)
    return offer._replace(heard=tuple(sorted(merged.items())))


def merge(into: Mapping[bytes, Held], offers: Iterable[Held]) -> Mapping[bytes, Held]:
    """Offers by digest, reports of the same offer joined."""
    items = dict(into)
    for offer in offers:
        known = items.get(offer.digest)
        items[offer.digest] = offer if known is None else heard_by(known, offer.heard)
    return MappingProxyType(dict(sorted(items.items())))


class Outcome(NamedTuple):
    """A round's result: the new book, the matches, and what left the book otherwise."""

    bids: tuple[Held, ...]
    asks: tuple[Held, ...]
    spent: Mapping[bytes, Spent]
    pairs: tuple[tuple[Held, Held, int], ...]
    """(bid, ask, price) in match order."""
    superseded: tuple[Held, ...]
    expired: tuple[Held, ...]
    evicted: tuple[Held, ...]


def mean_price(bid: int, ask: int) -> int:
    """The mean of the two prices, rounded down: never above the bid, never below the ask."""
    return (bid + ask) // 2


def settle_round(
    bids: Iterable[Held],
    asks: Iterable[Held],
    round_: Iterable[Held],
    spent: Mapping[bytes, Spent],
    now: int,
    half: int,
) -> Outcome:
    """Join the round to the book, keep each trader's newest offer, drop the expired, keep the
    best ``half`` of each side, then match best bid with best ask while bid >= ask."""
    offers = dict(merge(MappingProxyType({}), [*bids, *asks]))
    offers = dict(merge(MappingProxyType(offers), round_))
    newest = dict(spent)
    for offer in offers.values():
        known = newest.get(offer.trader)
        if known is None or offer.seq > known.seq:
            until = offer.valid_until if known is None else max(known.until, offer.valid_until)
            newest[offer.trader] = Spent(offer.seq, offer.digest, until)
        elif offer.seq == known.seq and offer.digest != known.digest:
            until = max(known.until, offer.valid_until)
            newest[offer.trader] = Spent(known.seq, None, until, known.done)
        else:
            newest[offer.trader] = known._replace(until=max(known.until, offer.valid_until))
    superseded: list[Held] = []
    expired: list[Held] = []
    live: list[Held] = []
    for offer in offers.values():
        entry = newest[offer.trader]
        if entry.digest != offer.digest or entry.done:
            superseded.append(offer)
        elif offer.valid_until < now:
            expired.append(offer)
        else:
            live.append(offer)
    sides = {
        side: sorted((o for o in live if o.side == side), key=priority) for side in ("bid", "ask")
    }
    evicted = [*sides["bid"][half:], *sides["ask"][half:]]
    book_bids, book_asks = sides["bid"][:half], sides["ask"][:half]
    pairs: list[tuple[Held, Held, int]] = []
    while (
        len(pairs) < min(len(book_bids), len(book_asks))
        and book_bids[len(pairs)].price >= book_asks[len(pairs)].price
    ):
        bid, ask = book_bids[len(pairs)], book_asks[len(pairs)]
        pairs.append((bid, ask, mean_price(bid.price, ask.price)))
    for gone in (*(offer for pair in pairs for offer in pair[:2]), *evicted):
        newest[gone.trader] = newest[gone.trader]._replace(done=True)
    kept = {trader: entry for trader, entry in sorted(newest.items()) if entry.until >= now}
    return Outcome(
        bids=tuple(book_bids[len(pairs) :]),
        asks=tuple(book_asks[len(pairs) :]),
        spent=MappingProxyType(kept),
        pairs=tuple(pairs),
        superseded=tuple(superseded),
        expired=tuple(expired),
        evicted=tuple(evicted),
    )
