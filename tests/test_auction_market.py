"""The decentralized auction against one central auctioneer, and conservation of offers.

A small market runs on reference auction nodes alone (``stack.md``), messages
handed over at once and never lost: n brokers, traders who submit each offer
to the f brokers its number picks. The property: every slot's matches and
prices equal those of one central double auction fed the same offers in the
same rounds, and every trader settles exactly the matches the central auction
makes for its offers.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reference.auction import book
from reference.auction.data import Held
from reference.auction.role import ROLE
from reference.auction.trader import timer_name
from reference.codec import decode_message, encode_message
from reference.envelope import open_envelope
from reference.identity import Identity
from reference.node import Node, create, handle, observe
from spec.v1.auction.commands import AuctionParams, LocateCommand, OfferCommand
from spec.v1.auction.constants import TIMER_SLOT
from spec.v1.auction.messages import Offer
from spec.v1.auction.state import AuctionState
from spec.v1.registry import MESSAGES
from spec.v1.stack import DeliverUpcall, UpdateUpcall
from spec.v1.trace import Command, Deliver, FireTimer, Output, RouteOutput, Upcall

SERVICE = bytes.fromhex("77" * 16)
SLOT = 10


def _params(n: int, f: int, m: int) -> AuctionParams:
    return AuctionParams(
        brokers=n,
        fanout=f,
        table=m,
        max_validity=1000,
        slot_ticks=SLOT,
        locate_timeout=5,
        replay_senders=4096,
    )


@dataclass
class Market:
    """Reference nodes and an instant, lossless network between them."""

    params: AuctionParams
    nodes: dict[bytes, Node[Any]] = field(default_factory=dict)
    matches: list[tuple[int, bytes, int]] = field(default_factory=list)
    """(slot, offer digest, price) of every match notice a broker sent."""
    frames: dict[bytes, bytes] = field(default_factory=dict)
    """Every submitted inner offer frame, by digest."""

    def add(self, label: str) -> bytes:
        node = create(ROLE, Identity.from_label(label), encode_message(self.params))
        self.nodes[node.node_id] = node
        return node.node_id

    def input(self, who: bytes, at: int, item: Any) -> None:
        node, outputs = handle(self.nodes[who], at, item)
        self.nodes[who] = node
        for out in outputs:
            if isinstance(out, RouteOutput):
                root = self.root
                up = DeliverUpcall(key=out.key, frame=out.frame)
                self.input(root, at, Upcall(kind="upcall", name="deliver", args=encode_message(up)))
                continue
            assert isinstance(out, Output)
            opened = open_envelope(out.frame, MESSAGES)
            if isinstance(opened.body, Offer):
                self.frames[hashlib.sha256(opened.envelope.body).digest()] = out.frame
            if opened.envelope.type == "candidates":
                continue  # held back: handed over in the next odd slot
            if opened.envelope.type == "match":
                body = opened.body
                self.matches.append((body.slot, body.offer, body.price))  # type: ignore[attr-defined]
            self.input(out.to, at, Deliver(kind="deliver", link=who, frame=out.frame))

    root: bytes = b""


def _state(node: Node[Any]) -> AuctionState:
    return decode_message(AuctionState, observe(node), "state")


offers_strategy = st.lists(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(["bid", "ask"]),
            st.integers(1, 20),
            st.sampled_from([0, 2, 5, 15, 500]),
        ),
        max_size=6,
    ),
    min_size=1,
    max_size=4,
)
"""Per round: (trader, side, price, valid_for) offers, made during the round's even slot (some
expire before it ends, some before the match, some live on). A trader may
make several in one round (each supersedes its last); at most 6 reach a broker per round,
never more than its m, so no broker refuses one as ``pending_full`` (``auction.md``,
"Exactness")."""


@settings(max_examples=80, deadline=None)
@given(
    rounds=offers_strategy,
    shape=st.sampled_from([(2, 1, 6), (4, 2, 6), (4, 1, 8), (6, 3, 6), (4, 4, 6)]),
)
def test_brokers_match_as_one_central_auction(
    rounds: list[list[tuple[int, str, int, int]]], shape: tuple[int, int, int]
) -> None:
    n, f, m = shape
    market = Market(_params(n, f, m))
    brokers = [market.add(f"broker-{i}") for i in range(n)]
    for b in brokers:
        for other in brokers:
            if other != b:
                up = UpdateUpcall(node=other, joined=True)
                market.input(b, 0, Upcall(kind="upcall", name="update", args=encode_message(up)))
    market.root = brokers[0]
    traders = [market.add(f"trader-{i}") for i in range(6)]
    for i, t in enumerate(traders):
        cmd = LocateCommand(service=SERVICE, nonce=bytes([i]) * 8)
        market.input(t, 0, Command(kind="command", name="locate", args=encode_message(cmd)))
    timer = timer_name(TIMER_SLOT, SERVICE)
    central_bids: tuple[Held, ...] = ()
    central_asks: tuple[Held, ...] = ()
    spent: Any = {}
    expected: list[tuple[int, bytes, int]] = []
    settled: set[tuple[int, bytes, int]] = set()
    for k, offers in enumerate(rounds):
        even = 2 * k
        start = even * SLOT
        central_round: list[Held] = []
        for j, (who, side, price, valid_for) in enumerate(offers):
            tick = start + 1 + j
            cmd = OfferCommand(service=SERVICE, side=side, price=price, valid_for=valid_for)  # type: ignore[arg-type]
            before = market.nodes[traders[who]]
            market.input(
                traders[who], tick, Command(kind="command", name="offer", args=encode_message(cmd))
            )
            own = market.nodes[traders[who]].state.data.traders[SERVICE].offers[-1]
            assert own not in before.state.data.traders[SERVICE].offers
            frame = market.frames[own.digest]
            body = open_envelope(frame, {("auction", "offer"): Offer}).body
            assert isinstance(body, Offer)
            central_round.append(
                Held(
                    own.digest,
                    body.trader,
                    body.side,
                    body.price,
                    body.seq,
                    body.valid_until,
                    frame,
                    ((b"central", tick),),
                )
            )
        # the even slot ends at every broker, candidates cross in the odd slot, which ends
        outboxes = []
        for b in brokers:
            node, outputs = handle(
                market.nodes[b], (even + 1) * SLOT, FireTimer(kind="timer", name=timer)
            )
            market.nodes[b] = node
            outboxes.append((b, outputs))
        for b, outputs in outboxes:
            for out in outputs:
                assert isinstance(out, Output)
                market.input(
                    out.to, (even + 1) * SLOT + 1, Deliver(kind="deliver", link=b, frame=out.frame)
                )
        for b in brokers:
            market.input(b, (even + 2) * SLOT, FireTimer(kind="timer", name=timer))
        settled |= _settled(market, traders)  # a trader forgets an expired offer later
        outcome = book.settle_round(
            central_bids, central_asks, central_round, spent, (even + 2) * SLOT, m // 2
        )
        central_bids, central_asks, spent = outcome.bids, outcome.asks, outcome.spent
        for bid, ask, price in outcome.pairs:
            expected += [(even + 1, bid.digest, price), (even + 1, ask.digest, price)]
    # every broker that heard an offer reports its match, and only the central matches
    assert set(market.matches) == set(expected)
    assert settled == set(expected)
    books = {
        (tuple(o.digest for o in s.broker.bids), tuple(o.digest for o in s.broker.asks))
        for b in brokers
        for s in _state(market.nodes[b]).services
        if s.broker is not None
    }
    assert books == {(tuple(o.digest for o in central_bids), tuple(o.digest for o in central_asks))}


def _settled(market: Market, traders: list[bytes]) -> set[tuple[int, bytes, int]]:
    """(slot, digest, price) of every offer the traders hold settled."""
    return {
        (o.settled.slot, o.digest, o.settled.price)
        for t in traders
        for s in _state(market.nodes[t]).services
        if s.trader is not None
        for o in s.trader.offers
        if o.settled is not None
    }


held_strategy = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.integers(1, 3),
        st.sampled_from(["bid", "ask"]),
        st.integers(0, 30),
        st.integers(0, 40),
    ),
    max_size=24,
)


@settings(max_examples=200, deadline=None)
@given(raw=held_strategy, half=st.integers(1, 4), now=st.integers(0, 40))
def test_every_offer_leaves_by_exactly_one_door(
    raw: list[tuple[int, int, str, int, int]], half: int, now: int
) -> None:
    """Each offer of a round ends matched, kept, superseded, expired or evicted, exactly once;
    no offer is matched twice, and as many units are bought as sold."""
    offers = []
    for trader, seq, side, price, until in raw:
        digest = hashlib.sha256(bytes([trader, seq, price, until]) + side.encode()).digest()
        offers.append(
            Held(digest, bytes([trader]) * 16, side, price, seq, until, b"", ((b"x", 0),))
        )
    outcome = book.settle_round((), (), offers, {}, now, half)
    matched = [o.digest for pair in outcome.pairs for o in pair[:2]]
    doors = [
        *matched,
        *(o.digest for o in outcome.bids + outcome.asks),
        *(o.digest for o in outcome.superseded + outcome.expired + outcome.evicted),
    ]
    assert sorted(doors) == sorted(set(o.digest for o in offers))
    assert len(matched) == len(set(matched))
    assert all(bid.side == "bid" and ask.side == "ask" for bid, ask, _ in outcome.pairs)
    assert all(ask.price <= price <= bid.price for bid, ask, price in outcome.pairs)
    traders = [o.trader for pair in outcome.pairs for o in pair[:2]]
    assert len(traders) == len(set(traders)), "a trader's one offer matched once"
