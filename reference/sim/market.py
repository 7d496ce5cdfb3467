"""A slotted PeerMart market of reference auction nodes, beside one central auctioneer.

Every broker and trader is a reference auction node run alone (``stack.md``):
its view of the leaf set is given by ``update`` upcalls, a trader's ``locate``
is delivered to the service's root as a ``deliver`` upcall, and every other
message goes directly, one tick after it is sent, never lost. The overlay
below is one of two (``MarketConfig.overlay``):

- ``converged``: each node's leaf set is the 8 nearest ids on each side of it
  (what Pastry's leaf set is once joins have settled), a routed ``locate``
  reaches the id numerically closest to its key and counts as one message;
- ``joined``: a ring of the same size built by joins on the overlay's own
  reference (:class:`reference.sim.overlay.OverlayNet`, the body runtime, no
  probing: no node fails in these markets):
  each node's view is its leaf set as the joins left it, and a ``locate``
  follows the nodes' own routing tables hop by hop to whichever node they
  deliver it at, each hop one ``route`` message.

Misbehaving brokers tamper with what leaves them (the node stays an honest
reference node, as in :mod:`reference.sim.behaviours`):

- ``drop``: sends no candidates and no match notices;
- ``withhold``: sends no candidates, but notifies the matches its own book makes;
- ``equivocate``: sends its candidates to only half of the other brokers;
- ``invent``: claims a match for every offer it heard, at the offer's own price.

The central auctioneer takes every offer of a round at once and runs
:func:`reference.auction.book.settle_round` over the same rounds: what an honest
market must reproduce. Everything is seeded: the same config gives the same result.
"""

import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Final, Literal

from reference.auction import book
from reference.auction.brokers import broker_set
from reference.auction.data import Held
from reference.auction.role import ROLE
from reference.auction.trader import timer_name
from reference.codec import encode_message
from reference.envelope import open_envelope, seal
from reference.identity import Identity, seed_from_label
from reference.node import Node, create, handle, observe
from reference.overlay.leafset import members
from reference.overlay.ring import to_bytes
from reference.overlay.routing import next_hop_id
from reference.overlay.tables import Tables
from reference.sim.overlay import OverlayNet
from reference.sim.streams import PPM, below, chance, stream
from spec.v1.auction.commands import AuctionParams, LocateCommand, OfferCommand
from spec.v1.auction.constants import TIMER_SLOT
from spec.v1.auction.messages import Candidates, Match, Offer, Side
from spec.v1.errors import PeerMarketError
from spec.v1.overlay.constants import LEAF_HALF, MAX_HOPS
from spec.v1.registry import MESSAGES
from spec.v1.stack import DeliverUpcall, UpdateUpcall
from spec.v1.trace import (
    Command,
    Deliver,
    Expect,
    FireTimer,
    Input,
    RouteOutput,
    Step,
    Upcall,
)

OverlayKind = Literal["converged", "joined"]

Behaviour = Literal["honest", "drop", "withhold", "equivocate", "invent"]
BEHAVIOURS: Final[tuple[Behaviour, ...]] = ("drop", "withhold", "equivocate", "invent")

SLOT_TICKS: Final = 10
SHORT_VALIDITY: Final = 3
VALID_FOR: Final = 1_000
"""Offers stay valid through the whole run: what ends them is a match (or eviction)."""

Progress = Callable[[str, int, int], None]


def quiet(task: str, done: int, total: int) -> None:
    del task, done, total


@dataclass(frozen=True)
class MarketConfig:
    """One market run."""

    nodes: int = 200
    """Peers of the overlay (brokers are among them; traders are peers too)."""
    services: int = 4
    traders: int = 40
    """Traders per run; each trades one service it does not broker."""
    rounds: int = 4
    """Rounds of two slots: offers in the even slot, the match at the end of the odd one."""
    brokers: int = 4
    fanout: int = 2
    table: int = 128
    """m: large enough that no broker refuses an offer as pending_full in these markets."""
    malicious_ppm: int = 0
    """Share of peers that misbehave as brokers, in parts per million."""
    behaviour: Behaviour = "honest"
    seed: int = 1
    price_spread: int = 20
    """Prices are 100 - spread .. 100 + spread (a small spread makes equal prices common)."""
    short_ppm: int = 0
    """Share of offers valid for only SHORT_VALIDITY ticks (they expire inside their round)."""
    overlay: OverlayKind = "converged"
    """The overlay below: ideal leaf sets, or a ring built by joins (module docstring)."""
    record: Literal["", "root", "broker", "trader"] = ""
    """Record every input of one node (the first service's root, another of its brokers, or
    its first trader) as trace steps (:attr:`MarketResult.steps`)."""

    def __post_init__(self) -> None:
        if self.nodes < self.brokers + 1:
            raise ValueError("nodes must exceed the broker set's size")
        if not 1 <= self.fanout <= self.brokers:
            raise ValueError("fanout must be within 1..brokers")
        if not 0 <= self.malicious_ppm < PPM:
            raise ValueError("malicious_ppm must be within 0..999999")
        if self.behaviour != "honest" and self.malicious_ppm == 0:
            raise ValueError("a misbehaviour needs a malicious share")

    @property
    def params(self) -> AuctionParams:
        return AuctionParams(
            brokers=self.brokers,
            fanout=self.fanout,
            table=self.table,
            max_validity=VALID_FOR,
            slot_ticks=SLOT_TICKS,
            locate_timeout=SLOT_TICKS,
            replay_senders=4096,
        )


@dataclass
class MarketResult:
    """What one run measured."""

    offers: int = 0
    """Offers made by honest traders."""
    matched: int = 0
    """Offers the central auctioneer matched."""
    correct: int = 0
    """Honest traders' offers whose settlement equals the central auction's outcome."""
    false_settled: int = 0
    """Honest traders' offers settled at a slot or price the central auction did not make."""
    messages: Counter[str] = field(default_factory=Counter)
    """Messages sent, by type (``route`` for a routed locate)."""
    central_messages: int = 0
    """What one central auctioneer would send and receive: an offer each, two notices per match."""
    peak_held: int = 0
    """Most offers one broker held for one service at once (book, pending and round)."""
    peak_state_bytes: int = 0
    """Largest observable state of one broker, in bytes of deterministic CBOR."""
    offers_per_slot: float = 0.0
    latency_slots: float = 0.0
    """Mean slots from an offer to its settlement (matched offers of honest traders)."""
    malicious: int = 0
    recorded: bytes = b""
    """The node whose inputs were recorded (``record``), else empty."""
    steps: list[Step] = field(default_factory=list)
    """Its inputs, in order, each with what it did: trace steps of node ``a``."""
    refused: Counter[str] = field(default_factory=Counter)
    """Frames honest nodes refused, by error code (what the misbehaviour provoked)."""

    @property
    def correct_share(self) -> float:
        return self.correct / self.offers if self.offers else 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            "offers": self.offers,
            "matched": self.matched,
            "correct": self.correct,
            "correct_share": round(self.correct_share, 6),
            "false_settled": self.false_settled,
            "messages": dict(sorted(self.messages.items())),
            "messages_total": sum(self.messages.values()),
            "central_messages": self.central_messages,
            "peak_held": self.peak_held,
            "peak_state_bytes": self.peak_state_bytes,
            "offers_per_slot": round(self.offers_per_slot, 3),
            "latency_slots": round(self.latency_slots, 3),
            "malicious": self.malicious,
            "refused": dict(sorted(self.refused.items())),
        }


def _ring_views(ids: list[bytes]) -> dict[bytes, tuple[bytes, ...]]:
    """Each id's converged leaf set: the LEAF_HALF nearest on each side around the ring."""
    ordered = sorted(ids)
    size = len(ordered)
    half = min(LEAF_HALF, (size - 1) // 2)
    views: dict[bytes, tuple[bytes, ...]] = {}
    for index, node in enumerate(ordered):
        around = {ordered[(index + k) % size] for k in range(-half, half + 1)} - {node}
        if size - 1 <= 2 * LEAF_HALF:
            around = set(ordered) - {node}
        views[node] = tuple(sorted(around))
    return views


def _root(ids: list[bytes], key: bytes) -> bytes:
    """The id numerically closest to ``key`` around the ring (ties: the smaller id)."""
    k = int.from_bytes(key, "big")

    def distance(node: bytes) -> tuple[int, bytes]:
        d = (int.from_bytes(node, "big") - k) % (1 << 128)
        return (min(d, (1 << 128) - d), node)

    return min(ids, key=distance)


@dataclass(frozen=True)
class JoinedOverlay:
    """A ring built by joins: who is in it, what each node's leaf set and routing hold."""

    seeds: tuple[bytes, ...]
    views: Mapping[bytes, tuple[bytes, ...]]
    """Each node's leaf-set members, ascending."""
    tables: Mapping[bytes, Tables]

    def route(self, origin: bytes, key: bytes) -> tuple[bytes, int]:
        """Where the nodes' own tables deliver a message for ``key`` sent by ``origin``,
        and in how many forwards (at most MAX_HOPS)."""
        current, hops = origin, 0
        while hops < MAX_HOPS:
            onward = next_hop_id(self.tables[current], key)
            if onward is None:
                break
            current, hops = onward, hops + 1
        return current, hops


@functools.lru_cache(maxsize=2)
def joined_overlay(nodes: int, seed: int) -> JoinedOverlay:
    """The ring of ``nodes`` built by joins for seed ``seed`` (built once per process: the
    cells of an experiment share it; it is never modified)."""
    label = f"market/{seed}/overlay"
    net = OverlayNet(nodes, label=label, probing=False)
    net.build()
    tables = {to_bytes(net.ids[i]): net.tables(i) for i in range(nodes)}
    views = {
        node: tuple(sorted(ref[3].id for ref in members(t.leaf))) for node, t in tables.items()
    }
    seeds = tuple(seed_from_label(f"{label}/n{i}") for i in range(nodes))
    return JoinedOverlay(seeds, MappingProxyType(views), MappingProxyType(tables))


class _Market:
    def __init__(self, config: MarketConfig) -> None:
        self.config = config
        self.params = encode_message(config.params)
        self.joined = (
            joined_overlay(config.nodes, config.seed) if config.overlay == "joined" else None
        )
        if self.joined is None:
            identities = [
                Identity.from_label(f"market/{config.seed}/{i}") for i in range(config.nodes)
            ]
        else:
            identities = [Identity.from_seed(seed) for seed in self.joined.seeds]
        self.identities = {identity.node_id: identity for identity in identities}
        self.ids = sorted(self.identities)
        self.views = _ring_views(self.ids) if self.joined is None else dict(self.joined.views)
        rng = stream(config.seed, "market/malicious")
        self.malicious = (
            {node for node in self.ids if chance(rng, config.malicious_ppm)}
            if config.behaviour != "honest"
            else set()
        )
        self.nodes: dict[bytes, Node[Any]] = {}
        self.queue: list[tuple[int, bytes, bytes, bytes]] = []
        """(tick, to, from, frame) in sending order."""
        self.result = MarketResult(malicious=len(self.malicious))

    def node(self, node_id: bytes) -> Node[Any]:
        found = self.nodes.get(node_id)
        if found is None:
            self.nodes[node_id] = create(ROLE, self.identities[node_id], self.params)
            for member in self.views[node_id]:
                up = UpdateUpcall(node=member, joined=True)
                self._handle(
                    node_id, 0, Upcall(kind="upcall", name="update", args=encode_message(up))
                )
            found = self.nodes[node_id]
        return found

    def _handle(self, node_id: bytes, at: int, item: Input) -> tuple[Any, ...]:
        """One input to one node; the recorded node's inputs become trace steps."""
        node = self.nodes[node_id]
        if node_id != self.result.recorded:
            self.nodes[node_id], outputs = handle(node, at, item)
            return outputs
        before = observe(node)
        try:
            self.nodes[node_id], outputs = handle(node, at, item)
        except PeerMarketError as refused:
            expect = Expect(outputs=(), error=refused.code.code, state=before)
            self.result.steps.append(Step(node="a", at=at, input=item, expect=expect, note=""))
            raise
        expect = Expect(outputs=outputs, error=None, state=observe(self.nodes[node_id]))
        self.result.steps.append(Step(node="a", at=at, input=item, expect=expect, note=""))
        return outputs

    def step(self, node_id: bytes, at: int, item: Input) -> None:
        self.node(node_id)
        outputs = self._handle(node_id, at, item)
        for out in self._tamper(node_id, outputs):
            if isinstance(out, RouteOutput):
                if self.joined is None:
                    root, hops = _root(self.ids, out.key), 1
                else:
                    root, hops = self.joined.route(node_id, out.key)
                self.result.messages["route"] += hops
                up = DeliverUpcall(key=out.key, frame=out.frame)
                try:
                    self.step(
                        root, at, Upcall(kind="upcall", name="deliver", args=encode_message(up))
                    )
                except PeerMarketError as refused:  # delivered at a node that trades it
                    self.result.refused[refused.code.code] += 1
                continue
            kind = open_envelope(out.frame, MESSAGES).envelope.type
            self.result.messages[kind] += 1
            self.queue.append((at + 1, out.to, node_id, out.frame))

    def _tamper(self, node_id: bytes, outputs: tuple[Any, ...]) -> list[Any]:
        behaviour = self.config.behaviour
        if node_id not in self.malicious or behaviour == "honest":
            return list(outputs)
        kept: list[Any] = []
        for out in outputs:
            if isinstance(out, RouteOutput):
                kept.append(out)
                continue
            body = open_envelope(out.frame, MESSAGES).body
            if isinstance(body, Candidates):
                if behaviour in ("drop", "withhold"):
                    continue
                if behaviour == "equivocate":
                    others = sorted(
                        b
                        for b in broker_set(
                            (*self.views[node_id], node_id), body.service, self.config.brokers
                        )
                        if b != node_id
                    )
                    if out.to not in others[: max(1, len(others) // 2)]:
                        continue
            if isinstance(body, Match) and behaviour == "drop":
                continue
            kept.append(out)
        return kept

    def invent(self, at: int) -> None:
        """Inventing brokers claim a match for every offer they heard, at its own price."""
        for node_id in sorted(self.malicious):
            node = self.nodes.get(node_id)
            if node is None:
                continue
            identity = self.identities[node_id]
            for service, broker in node.state.data.brokers.items():
                for offer in [
                    *broker.pending.values(),
                    *broker.round.values(),
                    *broker.bids,
                    *broker.asks,
                ]:
                    if any(b == node_id for b, _ in offer.heard):
                        lie = Match(
                            service=service, slot=broker.slot, offer=offer.digest, price=offer.price
                        )
                        frame = seal(identity, lie, node.next_seq)
                        node = replace(node, next_seq=node.next_seq + 1)
                        self.result.messages["match"] += 1
                        self.queue.append((at + 1, offer.trader, node_id, frame))
            self.nodes[node_id] = node

    def deliver_due(self, until: int) -> None:
        """Hand over every queued frame due by ``until``, in sending order."""
        while self.queue and self.queue[0][0] <= until:
            due = [q for q in self.queue if q[0] <= until]
            self.queue = [q for q in self.queue if q[0] > until]
            for tick, to, sender, frame in due:
                try:
                    self.step(to, tick, Deliver(kind="deliver", link=sender, frame=frame))
                except PeerMarketError as refused:  # an honest node rejects what it must
                    self.result.refused[refused.code.code] += 1


def run_market(config: MarketConfig, progress: Progress = quiet) -> MarketResult:
    """Run one market and judge it against the central auctioneer."""
    market = _Market(config)
    rng = stream(config.seed, "market/workload")
    services = [
        hashlib.sha256(f"service/{config.seed}/{j}".encode()).digest()[:16]
        for j in range(config.services)
    ]
    brokers_of = {
        s: broker_set(
            (*market.views[_root(market.ids, s)], _root(market.ids, s)), s, config.brokers
        )
        for s in services
    }
    traders: list[tuple[bytes, bytes]] = []
    honest_ids = [n for n in market.ids if n not in market.malicious]
    while len(traders) < config.traders:
        trader = honest_ids[below(rng, len(honest_ids))]
        service = services[below(rng, len(services))]
        if trader not in brokers_of[service] and (trader, service) not in traders:
            traders.append((trader, service))
    if config.record:
        first = services[0]
        root = _root(market.ids, first)
        others = [b for b in brokers_of[first] if b != root]
        market.result.recorded = {
            "root": root,
            "broker": others[0] if others else root,
            "trader": next((t for t, s in traders if s == first), traders[0][0]),
        }[config.record]
    # tick 0: every trader locates its service (the first locate opens it)
    for index, (trader, service) in enumerate(traders):
        nonce = index.to_bytes(8, "big")
        cmd = LocateCommand(service=service, nonce=nonce)
        market.step(trader, 0, Command(kind="command", name="locate", args=encode_message(cmd)))
    market.deliver_due(1)
    timer = {s: timer_name(TIMER_SLOT, s) for s in services}
    central: dict[bytes, tuple[tuple[Held, ...], tuple[Held, ...], Any]] = {
        s: ((), (), {}) for s in services
    }
    expected: dict[bytes, tuple[int, int]] = {}
    made: dict[bytes, int] = {}
    frames: dict[bytes, bytes] = {}
    for r in range(config.rounds):
        progress("rounds", r, config.rounds)
        even = 2 * r
        start = even * SLOT_TICKS
        rounds: dict[bytes, list[Held]] = {s: [] for s in services}
        for j, (trader, service) in enumerate(traders):
            side: Side = "bid" if below(rng, 2) else "ask"
            price = 100 + below(rng, 2 * config.price_spread + 1) - config.price_spread
            valid_for = SHORT_VALIDITY if chance(rng, config.short_ppm) else VALID_FOR
            tick = start + 2 + (j * (SLOT_TICKS - 4)) // len(traders)
            order = OfferCommand(service=service, side=side, price=price, valid_for=valid_for)
            market.deliver_due(tick - 1)
            market.step(
                trader, tick, Command(kind="command", name="offer", args=encode_message(order))
            )
            own = market.nodes[trader].state.data.traders[service].offers[-1]
            made[own.digest] = even
            for _, _to, sender, frame in market.queue:
                if sender == trader and isinstance(open_envelope(frame, MESSAGES).body, Offer):
                    frames[own.digest] = frame
            offer = open_envelope(frames[own.digest], {("auction", "offer"): Offer}).body
            assert isinstance(offer, Offer)
            rounds[service].append(
                Held(
                    own.digest,
                    trader,
                    side,
                    price,
                    offer.seq,
                    offer.valid_until,
                    frames[own.digest],
                    ((b"central", tick + 1),),
                )
            )
            market.result.offers += 1
            market.result.central_messages += 1
        market.deliver_due(start + SLOT_TICKS - 1)
        for service in services:
            for b in brokers_of[service]:
                if b in market.nodes and timer[service] in market.nodes[b].timers:
                    market.step(b, start + SLOT_TICKS, FireTimer(kind="timer", name=timer[service]))
        market.deliver_due(start + 2 * SLOT_TICKS - 1)
        if config.behaviour == "invent":
            market.invent(start + 2 * SLOT_TICKS - 1)
        for service in services:
            for b in brokers_of[service]:
                if b in market.nodes and timer[service] in market.nodes[b].timers:
                    market.step(
                        b, start + 2 * SLOT_TICKS, FireTimer(kind="timer", name=timer[service])
                    )
            bids, asks, spent = central[service]
            outcome = book.settle_round(
                bids, asks, rounds[service], spent, start + 2 * SLOT_TICKS, config.table // 2
            )
            central[service] = (outcome.bids, outcome.asks, outcome.spent)
            for bid, ask, price in outcome.pairs:
                expected[bid.digest] = (even + 1, price)
                expected[ask.digest] = (even + 1, price)
                market.result.central_messages += 2
        market.deliver_due(start + 2 * SLOT_TICKS + 1)
        for node_id in market.nodes:
            for data in market.nodes[node_id].state.data.brokers.values():
                held = len(data.bids) + len(data.asks) + len(data.pending) + len(data.round)
                market.result.peak_held = max(market.result.peak_held, held)
    progress("rounds", config.rounds, config.rounds)
    latency: list[int] = []
    for trader, service in traders:
        for own in market.nodes[trader].state.data.traders[service].offers:
            truth = expected.get(own.digest)
            if own.settled == truth:
                market.result.correct += 1
            elif own.settled is not None:
                market.result.false_settled += 1
            if truth is not None and own.settled == truth:
                latency.append(own.settled[0] - made[own.digest] + 1)
    for node_id in sorted(market.nodes):
        if market.nodes[node_id].state.data.brokers:
            size = len(observe(market.nodes[node_id]))
            market.result.peak_state_bytes = max(market.result.peak_state_bytes, size)
    market.result.matched = len(expected)
    slots = 2 * config.rounds * config.services
    market.result.offers_per_slot = market.result.offers / slots if slots else 0.0
    market.result.latency_slots = sum(latency) / len(latency) if latency else 0.0
    return market.result
