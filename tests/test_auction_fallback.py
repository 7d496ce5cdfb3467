"""The root fallback of the auction (``auction.md``, "The root fallback"), beyond its cases.

Three parts: the rules the corpus cannot reach (a tie between two hops at the
same ring distance; what reads as a fallback locate), the table's shape (the
row order the prose makes normative), and one fallback end to end on
reference nodes: a trader whose root never answers, two nodes of the path,
and the acting root, which opens the service for the trader and for the
brokers it tells.
"""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from reference import cbor
from reference.auction.brokers import broker_set
from reference.auction.data import TraderData
from reference.auction.path import looks_like_fallback_locate
from reference.auction.role import ROLE
from reference.auction.trader import closest_hop, ring_distance, timer_name
from reference.codec import decode_message, encode_message, from_value
from reference.corpus.auction_casekit import flip_signature
from reference.envelope import open_envelope, seal
from reference.identity import Identity
from reference.node import Node, create, handle, observe
from spec.v1 import errors as E
from spec.v1.auction import NODE_TABLE, SERVICE_TABLE
from spec.v1.auction.commands import AuctionParams, LocateCommand, OfferCommand
from spec.v1.auction.constants import MAX_PATH, TIMER_LOCATE
from spec.v1.auction.messages import BrokerSet, Locate, Offer, PathHop, Takeover
from spec.v1.auction.state import AuctionState, Hop, TraderState
from spec.v1.envelope import Envelope
from spec.v1.overlay.constants import RING
from spec.v1.registry import MESSAGES
from spec.v1.stack import ForwardUpcall, UpdateUpcall
from spec.v1.trace import Command, Deliver, FireTimer, Output, RouteOutput, Upcall
from spec.v1.wire import Ping

SERVICE = bytes.fromhex("fd" * 16)
NONCE = b"locate01"
PARAMS = AuctionParams(
    brokers=4,
    fanout=2,
    table=4,
    max_validity=100,
    slot_ticks=10,
    locate_timeout=30,
    replay_senders=4096,
)
PEER = Identity.from_label("fallback/peer")


def _id(value: int) -> bytes:
    return (value % RING).to_bytes(16, "big")


# -- the nearest hop --------------------------------------------------------------------------


def test_ring_distance_is_the_shorter_way_round() -> None:
    s = _id(10)
    assert ring_distance(_id(13), s) == 3
    assert ring_distance(_id(7), s) == 3
    assert ring_distance(_id(RING - 2), s) == 12  # across zero
    assert ring_distance(_id(10 + RING // 2), s) == RING // 2


def test_two_hops_at_the_same_distance_go_to_the_smaller_id() -> None:
    """The tie of ``ask_takeover``, which no pair of signing identities reaches in a case."""
    s = 1 << 100
    below, above = _id(s - 5), _id(s + 5)
    trader = TraderData(
        nonce=NONCE, hops=tuple(sorted(((above, b"\x01" * 16), (below, b"\x02" * 16))))
    )
    assert closest_hop(trader, _id(s)) == (below, b"\x02" * 16)
    # across zero: the hop just below 2^128 ties with the one just above 0
    wrapped = TraderData(nonce=NONCE, hops=((_id(3), b"\x01" * 16), (_id(-3), b"\x02" * 16)))
    assert closest_hop(wrapped, _id(0)) == (_id(3), b"\x01" * 16)


@given(
    service=st.integers(0, RING - 1),
    hops=st.lists(st.integers(0, RING - 1), min_size=1, max_size=MAX_PATH, unique=True),
)
def test_the_nearest_hop_is_nearest_and_independent_of_report_order(
    service: int, hops: list[int]
) -> None:
    s = _id(service)
    entries = tuple(sorted((_id(h), _id(h + 1)) for h in hops))
    hop, next_hop = closest_hop(TraderData(nonce=NONCE, hops=entries), s)
    assert next_hop == _id(int.from_bytes(hop, "big") + 1)
    best = ring_distance(hop, s)
    assert all(ring_distance(_id(h), s) > best or _id(h) >= hop for h in hops)


# -- what reads as a fallback locate ----------------------------------------------------------


def _locate(fallback: bool, service: bytes = SERVICE) -> bytes:
    return seal(PEER, Locate(service=service, nonce=NONCE, fallback=fallback), 0)


def _reversioned(frame: bytes, version: int) -> bytes:
    envelope = from_value(Envelope, cbor.decode(frame))
    return encode_message(envelope.model_copy(update={"version": version}))


@pytest.mark.parametrize(
    ("frame", "reads"),
    [
        (_locate(True), True),
        (flip_signature(_locate(True)), True),  # read without verifying: the guard verifies
        (_locate(True, bytes(16)), True),  # another key: the guard finds it misrouted
        (_locate(False), False),
        (flip_signature(_locate(False)), False),
        (_reversioned(_locate(True), 2), False),
        (seal(PEER, Ping(nonce=NONCE, sent_at=0), 0), False),
        (
            seal(
                PEER,
                Offer(
                    service=SERVICE,
                    trader=PEER.node_id,
                    side="bid",
                    price=1,
                    seq=1,
                    valid_until=5,
                ),
                0,
            ),
            False,
        ),
        (b"\x01", False),
        (b"\xff", False),
        (_locate(True)[:-1], False),
    ],
)
def test_what_reads_as_a_fallback_locate(frame: bytes, reads: bool) -> None:
    assert looks_like_fallback_locate(frame) is reads


# -- the tables -------------------------------------------------------------------------------


def test_pass_is_tried_before_report_hop() -> None:
    forwards = [row.id for row in NODE_TABLE.transitions if row.trigger.key == "upcall:forward"]
    assert forwards == ["pass", "report_hop"]


def test_the_fallback_rows_of_the_service_table() -> None:
    rows: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in SERVICE_TABLE.transitions:
        rows.setdefault((row.source, row.trigger.key), []).append((row.id, row.target))
    assert rows[("locating", "timer:locate")] == [("retry", "retrying")]
    assert rows[("retrying", "timer:locate")] == [
        ("ask_takeover", "taking_over"),
        ("retry_timeout", "unknown"),
    ]
    assert rows[("taking_over", "timer:locate")] == [("takeover_timeout", "unknown")]
    assert rows[("unknown", "message:takeover")] == [("take_over", "brokering")]
    assert rows[("brokering", "message:takeover")] == [("answer_takeover", "brokering")]
    assert ("taking_over", "message:path_hop") not in rows
    assert ("trading", "message:takeover") not in rows


def test_a_trader_keeps_at_most_max_path_hops() -> None:
    hop = Hop(hop=bytes(16), next_hop=bytes(16))
    fields: dict[str, Any] = {
        "nonce": NONCE,
        "asked": None,
        "origin": None,
        "brokers": (),
        "quote_nonce": None,
        "quotes": (),
        "next_offer": 1,
        "offers": (),
    }
    TraderState(hops=(hop,) * MAX_PATH, **fields)
    with pytest.raises(ValidationError):
        TraderState(hops=(hop,) * (MAX_PATH + 1), **fields)


# -- one fallback, end to end -----------------------------------------------------------------


class Net:
    """Reference auction nodes; the test plays the overlay and hands frames over at once."""

    def __init__(self) -> None:
        self.nodes: dict[bytes, Node[Any]] = {}
        self.names: dict[bytes, str] = {}
        self.sent: list[tuple[str, str, str]] = []
        """(sender, receiver, type) of every frame handed over."""
        self.routes: list[tuple[str, bytes]] = []

    def add(self, name: str) -> bytes:
        node = create(ROLE, Identity.from_label(f"fallback/{name}"), encode_message(PARAMS))
        self.nodes[node.node_id] = node
        self.names[node.node_id] = name
        return node.node_id

    def id(self, name: str) -> bytes:
        return next(i for i, n in self.names.items() if n == name)

    def step(self, who: bytes, at: int, item: Any) -> None:
        node, outputs = handle(self.nodes[who], at, item)
        self.nodes[who] = node
        for out in outputs:
            if isinstance(out, RouteOutput):
                self.routes.append((self.names[who], out.frame))
                continue
            assert isinstance(out, Output)
            kind = open_envelope(out.frame, MESSAGES).envelope.type
            self.sent.append((self.names[who], self.names.get(out.to, out.to.hex()), kind))
            if out.to in self.nodes:
                self.step(out.to, at, Deliver(kind="deliver", link=who, frame=out.frame))

    def upcall(self, who: bytes, at: int, name: str, args: Any) -> None:
        self.step(who, at, Upcall(kind="upcall", name=name, args=encode_message(args)))

    def state(self, who: bytes) -> AuctionState:
        return decode_message(AuctionState, observe(self.nodes[who]), "state")


def test_a_silent_root_is_replaced_by_the_hop_nearest_the_service() -> None:
    net = Net()
    trader, far, near = net.add("trader"), net.add("far"), net.add("near")
    members = [net.add(f"member-{i}") for i in range(4)]
    root = Identity.from_label("fallback/root").node_id  # never answers: not simulated
    # near's leaf set holds the service's neighbourhood: the members and the silent root
    for other in (*members, root):
        net.upcall(near, 0, "update", UpdateUpcall(node=other, joined=True))
    for m in members:
        for other in (near, *members):
            if other != m:
                net.upcall(m, 0, "update", UpdateUpcall(node=other, joined=True))
    expected = broker_set((near, *members, root), SERVICE, PARAMS.brokers)
    assert near in expected, "the scenario needs near in the service's broker set"

    net.step(
        trader,
        1,
        Command(
            kind="command",
            name="locate",
            args=encode_message(LocateCommand(service=SERVICE, nonce=NONCE)),
        ),
    )
    timer = timer_name(TIMER_LOCATE, SERVICE)
    net.step(trader, 31, FireTimer(kind="timer", name=timer))
    (_, first), (_, fallback) = net.routes
    assert decode_message(Locate, open_envelope(first, MESSAGES).envelope.body).fallback is False
    assert open_envelope(fallback, MESSAGES).body == Locate(
        service=SERVICE, nonce=NONCE, fallback=True
    )

    # the overlay carries the fallback locate far -> near -> root; the root stays silent
    net.upcall(far, 32, "forward", ForwardUpcall(key=SERVICE, frame=fallback, next_hop=near))
    net.upcall(near, 33, "forward", ForwardUpcall(key=SERVICE, frame=fallback, next_hop=root))
    # the first locate passed the same nodes unreported
    net.upcall(far, 33, "forward", ForwardUpcall(key=SERVICE, frame=first, next_hop=near))
    assert [s for s in net.sent if s[2] == "path_hop"] == [
        ("far", "trader", "path_hop"),
        ("near", "trader", "path_hop"),
    ]
    hops = net.state(trader).services[0].trader
    assert hops is not None and {(h.hop, h.next_hop) for h in hops.hops} == {
        (far, near),
        (near, root),
    }
    want = near if ring_distance(near, SERVICE) < ring_distance(far, SERVICE) else far
    assert want == near, "the scenario needs near nearer the service than far"

    net.sent.clear()
    net.step(trader, 61, FireTimer(kind="timer", name=timer))
    # the takeover reaches near, which opens the service, answers and tells the others
    assert net.sent[0] == ("trader", "near", "takeover")
    assert net.sent[1] == ("near", "trader", "broker_set")
    told = {to for sender, to, kind in net.sent if kind == "service_notice"}
    assert told == {net.names[m] for m in expected if m not in (near, root)}
    service = net.state(trader).services[0]
    assert service.status == "trading" and service.trader is not None
    assert service.trader.brokers == expected and service.trader.hops == ()
    assert service.trader.asked is None
    for m in expected:
        if m in net.nodes:
            status = net.state(m).services[0]
            assert status.status == "brokering" and status.broker is not None
            assert status.broker.origin == 61
    # the trader trades on the acting root's set: each offer reaches a broker that brokers,
    # or the silent root (which is still in the set, and loses the offer there)
    net.sent.clear()
    offer = OfferCommand(service=SERVICE, side="bid", price=10, valid_for=50)
    net.step(trader, 62, Command(kind="command", name="offer", args=encode_message(offer)))
    offers = [to for sender, to, kind in net.sent if kind == "offer"]
    assert len(offers) == PARAMS.fanout


def _forward_error(frame: bytes) -> E.PeerMarketError:
    node = create(ROLE, Identity.from_label("fallback/a"), encode_message(PARAMS))
    args = ForwardUpcall(key=SERVICE, frame=frame, next_hop=bytes(16))
    item = Upcall(kind="upcall", name="forward", args=encode_message(args))
    with pytest.raises(E.PeerMarketError) as caught:
        handle(node, 1, item)
    return caught.value


def test_a_fallback_locate_that_does_not_verify_is_refused_at_args_frame() -> None:
    forged = _forward_error(flip_signature(_locate(True)))
    assert (forged.code, forged.field) == (E.AUTH_BAD_SIGNATURE, "args.frame.signature")
    envelope = from_value(Envelope, cbor.decode(_locate(True)))
    other_key = Identity.from_label("fallback/other").public_key
    rekeyed = encode_message(envelope.model_copy(update={"sender_key": other_key}))
    wrong = _forward_error(rekeyed)
    assert (wrong.code, wrong.field) == (E.AUTH_WRONG_KEY, "args.frame.sender_key")


def test_a_node_that_knows_nobody_is_its_own_set_and_takes_over() -> None:
    """The broker set decides who may take over: alone, a node is the whole set of its view."""
    node = create(ROLE, Identity.from_label("fallback/a"), encode_message(PARAMS))
    body = Takeover(service=SERVICE, nonce=NONCE, failed=bytes(16))
    frame = seal(PEER, body, 1)
    node, outputs = handle(node, 1, Deliver(kind="deliver", link=PEER.node_id, frame=frame))
    # alone, a node is in every broker set of its view (itself): it opens the service
    answer = open_envelope(outputs[0].frame, MESSAGES).body
    assert isinstance(answer, BrokerSet) and answer.brokers == (node.node_id,)
    again = seal(PEER, PathHop(service=SERVICE, nonce=NONCE, next_hop=bytes(16)), 2)
    with pytest.raises(E.PeerMarketError) as caught:
        handle(node, 2, Deliver(kind="deliver", link=PEER.node_id, frame=again))
    assert caught.value.code == E.MACHINE_NO_TRANSITION
