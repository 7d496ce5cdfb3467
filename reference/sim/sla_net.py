"""The SLA market's network: whole-stack SLA nodes on a ring built by joins, in the simulator.

Every peer is an ``sla_stack`` node (the overlay and the SLA node on one identity, see
``prose/stack.md``) in an :class:`~reference.sim.overlay.OverlayNet`: node ``n0`` creates
the ring and the others join it one after another, so the leaf sets and routing tables are
the overlay's own. Frames go over :mod:`reference.sim.network`: routed descriptions and
queries hop through the ring to their index key's root, every other SLA frame goes to its
``to`` directly. Every link takes one tick (no loss): the market's negotiation is written
in ticks, and a constant latency keeps it the same length wherever the peers sit.

The market drives the nodes only through their inputs: :meth:`SlaNet.command` steps a node
with a command at the current tick and says whether it was refused; :class:`_Watch` reads
what an application reads of the frames its node accepted (answers and agreements).
"""

from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

from reference import cbor
from reference.codec import decode_message, encode_message
from reference.sim.network import NetworkConfig
from reference.sim.overlay import OverlayNet
from reference.sim.runtime import Runtime, RuntimeWrapper, Sends
from reference.sim.topology import LatencyModel
from reference.sla.data import SlaData
from reference.sla.stack import ROLE
from reference.stack import StackData
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.sla.commands import SlaParams
from spec.v1.sla.constants import PROTOCOL as SLA
from spec.v1.sla.messages import Agreement, Propose, Refuse
from spec.v1.sla.stack import SlaStackState
from spec.v1.trace import Command

ONE_TICK: Final = NetworkConfig(latency=LatencyModel(base=1, num=0))
"""Every link takes one tick, never loses a frame."""

JOIN_EVERY: Final = 50
"""Ticks between two joins while the ring is built."""

SEARCH_TRAFFIC: Final = frozenset(
    {"overlay/route", "overlay/route_ack", "sla/store", "sla/results"}
)
"""What search sends while the market trades: the routed descriptions and queries (and their
hop-by-hop acknowledgements), the copies to replicas, and the results. The rest of the
overlay's frames (joins of fresh identities, table upkeep) are counted apart."""


def peek(frame: bytes) -> tuple[str, str, bytes]:
    """A frame's protocol, type and body bytes, unverified: what an application reads of a
    frame its node has verified (its own node sealed it, or accepted it)."""
    value = cbor.decode(frame)
    assert isinstance(value, Mapping)
    protocol, kind, body = value["protocol"], value["type"], value["body"]
    assert isinstance(protocol, str) and isinstance(kind, str) and isinstance(body, bytes)
    return protocol, kind, body


class _Watch(RuntimeWrapper):
    """Reads the answers and agreements a node accepted, and the code of a refused command."""

    def __init__(self, inner: Runtime[Any, Any]) -> None:
        super().__init__(inner)
        self.answers: dict[bytes, Propose | Refuse] = {}
        self.agreed: set[bytes] = set()
        self.refused: E.ErrorCode | None = None
        """The last command's refusal (None: taken)."""

    def deliver(self, node: Any, at: int, link: bytes, message: Any) -> tuple[Any, Sends[Any]]:
        result = self.inner.deliver(node, at, link, message)  # a refusal passes through
        protocol, kind, body = peek(message)
        if protocol != SLA:
            return result
        if kind == "propose":
            offered = decode_message(Propose, body)
            self.answers[offered.neg] = offered
        elif kind == "refuse":
            refusal = decode_message(Refuse, body)
            self.answers[refusal.neg] = refusal
        elif kind == "agreement":
            self.agreed.add(decode_message(Agreement, body).neg)
        return result

    def command(self, node: Any, at: int, command: Any) -> tuple[Any, Sends[Any]]:
        try:
            return self.inner.command(node, at, command)
        except E.PeerMarketError as refused:
            self.refused = refused.code
            raise


class SlaNet:
    """``size`` whole-stack SLA nodes; the last ``spare`` are held back, to join later as
    the fresh identities of re-entering peers."""

    def __init__(self, label: str, size: int, spare: int, params: SlaParams) -> None:
        watches: list[_Watch] = []

        def wrap(inner: Runtime[Any, Any]) -> Runtime[Any, Any]:
            watches.append(_Watch(inner))
            return watches[-1]

        self.net = OverlayNet(
            size,
            label=label,
            join_every=JOIN_EVERY,
            probing=False,
            config=ONE_TICK,
            wrap=wrap,
            application=params,
            held_back=spare,
        )
        [self.watch] = watches
        self.sim = self.net.sim
        self.index = {self.sim.node_id(name): i for i, name in enumerate(self.net.names)}
        self.spares = list(range(size - spare, size))
        """Held-back nodes not yet given to a peer, in the order they are given."""

    @property
    def now(self) -> int:
        return self.sim.now

    def build(self) -> None:
        self.net.build()

    def node_id(self, index: int) -> bytes:
        return self.sim.node_id(self.net.names[index])

    def join(self) -> bytes:
        """The next spare node joins the ring now; its node id."""
        index = self.spares.pop(0)
        self.net.join_late(self.now, index)
        return self.node_id(index)

    def active(self, node_id: bytes) -> bool:
        return self.net.status(self.index[node_id]) == "active"

    def advance(self, until: int) -> None:
        """Run every event due by ``until``."""
        self.sim.run(until=until)

    def command(self, node_id: bytes, name: str, args: WireModel) -> E.ErrorCode | None:
        """Step the node with a command at the current tick; its refusal, if refused."""
        self.watch.refused = None
        command = Command(kind="command", name=name, args=encode_message(args))
        self.sim.command(self.now, self.net.names[self.index[node_id]], command)
        self.sim.run(until=self.now)
        return self.watch.refused

    def data(self, node_id: bytes) -> SlaData:
        """The SLA node's data (what its own application may read of it)."""
        stack = self.net.node(self.index[node_id]).state.data
        assert isinstance(stack, StackData)
        data = stack.application.data
        assert isinstance(data, SlaData)
        return data

    def observe(self, node_id: bytes) -> SlaStackState:
        state = ROLE.observe(self.net.node(self.index[node_id]))
        assert isinstance(state, SlaStackState)
        return state

    def sent(self) -> Counter[str]:
        """Frames sent so far, by ``protocol/type``."""
        return Counter(self.sim.stats.sent)

    def rejected(self) -> Counter[str]:
        """Inputs refused so far, by error code."""
        return Counter(self.sim.stats.rejected)


__all__ = ["JOIN_EVERY", "ONE_TICK", "SEARCH_TRAFFIC", "SlaNet", "peek"]
