"""Overlay networks in the simulator: build a ring by joins, look keys up, watch deliveries.

The fast path for experiments and property tests, on the body runtime by
default (``frames=True`` runs the same scenario with signed frames). Node
``i`` is named ``n<i>``, gets its id from ``seed_from_label(f"{label}/n{i}")``
and coordinates from the simulator's placement stream; node 0 creates the ring
and node ``i`` joins at tick ``start + i * join_every`` through a bootstrap
node chosen (seeded) among the nodes that finished joining well before.

:class:`DeliveryLog` wraps the runtime and records every lookup delivery (a
``lookup_reply`` sent by a root, or a lookup its origin answered itself) and
the tick each node first became active, so a test can check who delivered
what, and when.
"""

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from reference.codec import encode_message
from reference.identity import Identity, seed_from_label
from reference.overlay.data import OverlayData
from reference.overlay.ring import Ref, distance, to_int
from reference.overlay.tables import Tables
from reference.sim.behaviours import Behaviour
from reference.sim.bodies import BodyNode, BodyRuntime, ModelCommand
from reference.sim.network import NetworkConfig, Simulator
from reference.sim.runtime import FrameRuntime, Runtime, RuntimeWrapper, Sends
from reference.sim.streams import below
from reference.stack import StackData
from spec.v1.auction.commands import AuctionParams
from spec.v1.auction.stack import PROTOCOL as STACK
from spec.v1.auction.stack import AuctionStackParams
from spec.v1.envelope import MAX_REPLAY_SENDERS
from spec.v1.overlay import PROTOCOL, NodeRef, OverlayParams
from spec.v1.overlay.commands import CreateRingCommand, JoinCommand, LookupCommand
from spec.v1.overlay.constants import JOIN_TIMEOUT, TIMER_PROBE
from spec.v1.overlay.messages import LookupReply
from spec.v1.overlay.table import ACTIVE
from spec.v1.sla.commands import SlaParams
from spec.v1.sla.stack import PROTOCOL as SLA_STACK
from spec.v1.sla.stack import SlaStackParams
from spec.v1.trace import Command


class Delivery(NamedTuple):
    """One lookup delivered: by ``root`` at ``tick`` for ``origin``'s lookup ``nonce``."""

    tick: int
    root: int
    origin: int
    key: int
    nonce: bytes
    hops: int


class DeliveryLog(RuntimeWrapper):
    """A runtime wrapper that records lookup deliveries; everything else passes through."""

    def __init__(self, inner: Runtime[Any, Any]) -> None:
        super().__init__(inner)
        self.deliveries: list[Delivery] = []
        self.activated: dict[bytes, int] = {}
        """Node id -> the tick it first became active (a candidate root from then on)."""

    def _watch(
        self, before: Any, at: int, result: tuple[Any, Sends[Any]]
    ) -> tuple[Any, Sends[Any]]:
        after, sends = result
        if after.state.control == ACTIVE and before.state.control != ACTIVE:
            self.activated.setdefault(before.identity.node_id, at)
        me = -1
        for to, message in sends:
            body = _body(message) if type(message) is bytes else message
            if type(body) is LookupReply:
                me = to_int(before.identity.node_id)
                self.deliveries.append(
                    Delivery(at, me, to_int(to), to_int(body.key), body.nonce, body.hops)
                )
        old = _data(before).answers
        new = _data(after).answers
        if new is not old and new != old:
            me = to_int(before.identity.node_id)
            for answer in new[len(new) - _added(old, new) :]:
                if answer.root == me:
                    self.deliveries.append(Delivery(at, me, me, answer.key, answer.nonce, 0))
        return after, sends


def _added(old: tuple[Any, ...], new: tuple[Any, ...]) -> int:
    """How many answers were appended (the list is capped, so compare from the end)."""
    for count in range(len(new) + 1):
        if new[: len(new) - count] == old[len(old) - (len(new) - count) :]:
            return count
    return len(new)


def _body(message: Any) -> Any:
    if isinstance(message, bytes):
        from reference.envelope import open_envelope

        return open_envelope(message).body
    return message


def _data(node: Any) -> OverlayData:
    data = node.state.data
    if isinstance(data, StackData):  # a whole stack: its overlay's data
        data = data.overlay.data
    assert isinstance(data, OverlayData)
    return data


@dataclass
class OverlayNet:
    """A ring of ``size`` overlay nodes in one simulator (see the module docstring)."""

    size: int
    label: str = "overlay-net"
    join_every: int = 50
    start: int = 1
    frames: bool = False
    probing: bool = True
    config: NetworkConfig = field(default_factory=NetworkConfig)
    wrap: Callable[[Runtime[Any, Any]], Runtime[Any, Any]] | None = None
    """Wraps the delivery log's runtime once more (an experiment's observer), if given."""
    market: AuctionParams | None = None
    """When given, every node is a whole stack (``auction_stack``, signed frames): the
    overlay with the auction above it, trading on these parameters."""
    application: SlaParams | None = None
    """When given (and ``market`` is not), every node is the SLA protocol's whole stack
    (``sla_stack``, signed frames) on these parameters: the same ring, another market."""
    behaviours: Mapping[int, Behaviour[Any]] = field(default_factory=dict)
    """Node index -> how it misbehaves (honest when absent)."""
    held_back: int = 0
    """The last ``held_back`` nodes are created but do not join during :meth:`build`;
    :meth:`join_late` schedules their joins."""
    sim: Simulator[Any, Any] = field(init=False)
    log: DeliveryLog = field(init=False)
    names: list[str] = field(init=False, default_factory=list)
    ids: list[int] = field(init=False, default_factory=list)
    joined_by: int = field(init=False, default=0)
    """Tick by which every join has been scheduled to finish."""

    def __post_init__(self) -> None:
        suppress = frozenset() if self.probing else frozenset({TIMER_PROBE})
        if self.market is not None and self.application is not None:
            raise ValueError("a node runs one application: give market or application")
        if self.market is not None or self.application is not None:
            self.frames = True  # a whole stack runs on signed frames only
        runtime: Runtime[Any, Any] = (
            FrameRuntime(suppress=suppress) if self.frames else BodyRuntime(suppress=suppress)
        )
        self.log = DeliveryLog(runtime)
        outer = self.log if self.wrap is None else self.wrap(self.log)
        self.sim = Simulator(outer, seed=self.label, config=self.config)
        pick = random.Random(seed_from_label(f"{self.label}/bootstrap"))
        lag = max(1, -(-2 * JOIN_TIMEOUT // max(1, self.join_every)))
        refs: list[NodeRef] = []
        placement = self.sim.rng("placement")
        plane = self.config.plane
        for i in range(self.size):
            name = f"n{i}"
            seed = seed_from_label(f"{self.label}/{name}")
            identity = Identity.from_seed(seed)
            x, y = below(placement, plane), below(placement, plane)
            bootstrap = None
            if i > 0:
                bootstrap = refs[pick.randrange(max(1, i - lag))] if i > lag else refs[0]
            params = OverlayParams(x=x, y=y, bootstrap=bootstrap, replay_senders=MAX_REPLAY_SENDERS)
            protocol, encoded = PROTOCOL, encode_message(params)
            if self.market is not None:
                market = self.market.model_copy(update={"replay_senders": MAX_REPLAY_SENDERS})
                protocol = STACK
                encoded = encode_message(AuctionStackParams(overlay=params, auction=market))
            elif self.application is not None:
                sla = self.application.model_copy(update={"replay_senders": MAX_REPLAY_SENDERS})
                protocol = SLA_STACK
                encoded = encode_message(SlaStackParams(overlay=params, sla=sla))
            self.sim.add_node(
                name,
                protocol=protocol,
                seed=seed,
                params=encoded,
                at=0,
                coords=(x, y),
                behaviour=self.behaviours.get(i),
            )
            refs.append(NodeRef(id=identity.node_id, x=x, y=y))
            self.names.append(name)
            self.ids.append(to_int(identity.node_id))
            at = self.start + i * self.join_every
            if i >= self.size - self.held_back:
                continue
            if i == 0:
                self.sim.command(at, name, self._command("create_ring", CreateRingCommand()))
            else:
                nonce = i.to_bytes(8, "big")
                self.sim.command(at, name, self._command("join", JoinCommand(nonce=nonce)))
        self.joined_by = self.start + (self.size - self.held_back) * self.join_every + JOIN_TIMEOUT

    def _command(self, name: str, args: Any) -> Any:
        if self.frames:
            return Command(kind="command", name=name, args=encode_message(args))
        return ModelCommand(name, args)

    # -- running --

    def build(self) -> None:
        """Run until every join has had time to finish."""
        self.sim.run(until=self.joined_by)

    def join_late(self, at: int, index: int) -> None:
        """Schedule the join of held-back node ``index`` at tick ``at``."""
        if index < self.size - self.held_back:
            raise ValueError(f"n{index} is not held back: it joins during build()")
        nonce = index.to_bytes(8, "big")
        self.sim.command(at, self.names[index], self._command("join", JoinCommand(nonce=nonce)))

    def lookup(self, at: int, origin: int, key: int, nonce: bytes) -> None:
        """Schedule node ``origin``'s lookup of ``key``."""
        command = LookupCommand(key=key.to_bytes(16, "big"), nonce=nonce)
        self.sim.command(at, self.names[origin], self._command("lookup", command))

    def crash(self, at: int, nodes: Iterable[int]) -> None:
        for index in nodes:
            self.sim.crash(at, self.names[index])

    # -- looking --

    def node(self, index: int) -> Any:
        return self.sim.node(self.names[index])

    def data(self, index: int) -> OverlayData:
        return _data(self.node(index))

    def tables(self, index: int) -> Tables:
        return self.data(index).tables

    def status(self, index: int) -> str:
        """``alive``/``crashed``/... in the network, ``+`` the node's control state."""
        node = self.node(index)
        return "absent" if node is None else str(node.state.control)

    def live_active(self) -> list[int]:
        """Indices of nodes that are running and active."""
        return [
            i
            for i, name in enumerate(self.names)
            if self.sim.status(name) == "alive" and self.status(i) == "active"
        ]

    def root_of(self, key: int, among: Iterable[int]) -> int:
        """The index, among ``among``, of the node numerically closest to ``key``."""
        return min(among, key=lambda i: (distance(self.ids[i], key), self.ids[i]))

    def tables_by_id(self, among: Iterable[int]) -> dict[int, Tables]:
        return {self.ids[i]: self.tables(i) for i in among}


def refs_of(tables: Tables) -> list[Ref]:
    return [*tables.leaf.smaller, *tables.leaf.larger]


__all__ = ["BodyNode", "Delivery", "DeliveryLog", "OverlayNet"]
