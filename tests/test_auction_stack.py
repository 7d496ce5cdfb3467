"""The whole stack (``auction_stack``): the overlay and the auction on one peer (``stack.md``).

The corpus replays its ``auction/stack/`` cases in the runner's tests; here the rules of
the step itself are checked on the reference: who takes an input, the order of what a
step emits, caused refusals dropped, ``update`` upcalls that follow the leaf set, and a
market on a ring built by joins whose honest brokers agree.
"""

from typing import Any

import pytest

from reference import stack
from reference.auction.stack import ROLE
from reference.codec import decode_message, encode_message
from reference.corpus.auction_casekit import PARAMS, Peer, body_of
from reference.driver import Driver
from reference.identity import Identity, seed_from_label
from reference.node import create, handle, observe
from reference.overlay.leafset import members
from reference.sim import command
from reference.sim.overlay import OverlayNet
from reference.stack import StackData
from spec.v1 import driver as D
from spec.v1 import errors as E
from spec.v1.auction import COMMAND_TYPES as AUCTION_COMMANDS
from spec.v1.auction.commands import AuctionParams, LocateCommand, OfferCommand
from spec.v1.auction.messages import BrokerSet, Locate
from spec.v1.auction.stack import AuctionStackParams, AuctionStackState
from spec.v1.envelope import MAX_REPLAY_SENDERS
from spec.v1.overlay import COMMAND_TYPES as OVERLAY_COMMANDS
from spec.v1.overlay import constants as OC
from spec.v1.overlay.commands import CreateRingCommand, OverlayParams
from spec.v1.overlay.messages import Route, RouteAck
from spec.v1.trace import Deliver, Output, Upcall


def _params(replay: int = MAX_REPLAY_SENDERS, auction_replay: int | None = None) -> bytes:
    overlay = OverlayParams(x=1, y=1, bootstrap=None, replay_senders=replay)
    market = PARAMS.model_copy(update={"replay_senders": auction_replay or replay})
    # model_construct: parameters that break the model's own rule can still be encoded
    return encode_message(AuctionStackParams.model_construct(overlay=overlay, auction=market))


def _ring_of_one() -> Any:
    node = create(ROLE, Identity.from_label("stack-test/a"), _params())
    node, _ = handle(node, 1, command("create_ring", CreateRingCommand()))
    return node


def _state(node: Any) -> AuctionStackState:
    return decode_message(AuctionStackState, observe(node))


def _routed(peer: Peer, key: bytes, service: bytes) -> Deliver:
    inner = peer.inner(Locate(service=service, nonce=b"nonce-01", fallback=False))
    frame = peer.frame(Route(key=key, hops=1, token=7, frame=inner))
    return Deliver(kind="deliver", link=peer.node_id, frame=frame)


def test_the_reference_declares_both_levels() -> None:
    hello = Driver().handle(D.Hello(op="hello", versions=(1,), runner="test"))
    assert isinstance(hello, D.HelloReply)
    assert {"auction", "auction_stack"} <= set(hello.protocols)


def test_the_stack_has_one_replay_window_size() -> None:
    with pytest.raises(E.PeerMarketError) as raised:
        create(ROLE, Identity.from_label("stack-test/a"), _params(64, 65))
    assert raised.value.code == E.DECODE_BAD_VALUE
    assert raised.value.field == "params"
    params = decode_message(AuctionStackParams, _params(64))
    assert params.replay_senders == 64
    create(ROLE, Identity.from_label("stack-test/a"), _params(64))  # one size: taken


def test_command_and_timer_names_tell_the_protocols_apart() -> None:
    assert not set(OVERLAY_COMMANDS) & set(AUCTION_COMMANDS)
    timers = {value for name, value in vars(OC).items() if name.startswith("TIMER_")}
    assert timers == stack.OVERLAY_TIMERS
    assert all("." not in name for name in timers)  # the auction's all have a dot


def test_a_stack_takes_no_upcall_input() -> None:
    node = _ring_of_one()
    item = Upcall(kind="upcall", name="update", args=b"\xa0")
    with pytest.raises(E.PeerMarketError) as raised:
        handle(node, 2, item)
    assert raised.value.code == E.MACHINE_NO_TRANSITION


def test_the_root_acknowledges_before_its_application_answers() -> None:
    node = _ring_of_one()
    trader = Peer("t")
    service = node.node_id  # a ring of one: a is every key's root
    node, outputs = handle(node, 2, _routed(trader, service, service))
    bodies = [body_of(o.frame) for o in outputs if isinstance(o, Output)]
    assert [type(b) for b in bodies] == [RouteAck, BrokerSet]
    assert all(o.to == trader.node_id for o in outputs if isinstance(o, Output))
    [opened] = _state(node).auction.services
    assert opened.status == "brokering"


def test_a_refusal_the_input_caused_is_dropped_and_the_input_stays_accepted() -> None:
    node = _ring_of_one()
    before = _state(node).auction
    elsewhere = bytes(16)
    node, outputs = handle(node, 2, _routed(Peer("t"), node.node_id, elsewhere))
    assert [type(body_of(o.frame)) for o in outputs if isinstance(o, Output)] == [RouteAck]
    after = _state(node).auction
    assert after.services == before.services == ()  # the auction refused the misrouted locate
    assert after.last_seq != before.last_seq  # the route itself was taken


MARKET = AuctionParams(
    brokers=4,
    fanout=2,
    table=8,
    max_validity=2000,
    slot_ticks=200,
    locate_timeout=300,
    replay_senders=64,
)


def _market() -> tuple[OverlayNet, bytes, list[int], list[int]]:
    net = OverlayNet(10, label="stack-test/market", join_every=150, market=MARKET)
    net.build()
    service = seed_from_label("stack-test/service")[:16]
    from reference.auction.brokers import broker_set

    chosen = set(broker_set((i.to_bytes(16, "big") for i in net.ids), service, MARKET.brokers))
    brokers = [i for i in range(10) if net.ids[i].to_bytes(16, "big") in chosen]
    traders = [i for i in range(10) if i not in brokers]
    at = net.sim.now + 1
    for n, index in enumerate(traders):
        locate = LocateCommand(service=service, nonce=n.to_bytes(8, "big"))
        net.sim.command(at, net.names[index], command("locate", locate))
    for n, index in enumerate(traders):
        side = "bid" if n % 2 else "ask"
        offer = OfferCommand(service=service, side=side, price=95 + 3 * n, valid_for=1500)
        net.sim.command(at + 400 + n, net.names[index], command("offer", offer))
    net.sim.run(until=at + 2000)
    return net, service, brokers, traders


def test_the_view_is_the_overlay_leaf_set() -> None:
    net, _, _, _ = _market()
    for index in range(10):
        data = net.node(index).state.data
        assert isinstance(data, StackData)
        leaf = {ref[3].id for ref in members(data.overlay.data.tables.leaf)}
        assert set(data.application.data.view) == leaf, f"n{index}"


def test_honest_brokers_of_a_whole_stack_market_agree_and_match() -> None:
    net, service, brokers, traders = _market()
    assert not net.sim.stats.rejected
    books = []
    for index in brokers:
        [entry] = [s for s in _state(net.node(index)).auction.services if s.service == service]
        assert entry.status == "brokering" and entry.broker is not None
        books.append((entry.broker.origin, entry.broker.slot, entry.broker.bids, entry.broker.asks))
    assert all(book == books[0] for book in books)
    settled = 0
    for index in traders:
        [entry] = [s for s in _state(net.node(index)).auction.services if s.service == service]
        assert entry.status == "trading" and entry.trader is not None
        settled += sum(1 for offer in entry.trader.offers if offer.settled is not None)
    assert settled >= 2  # at least one bid and one ask were matched, at both their traders
