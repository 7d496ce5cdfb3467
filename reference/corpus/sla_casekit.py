"""The case builder of the hand-written ``sla`` cases: one SLA node ``a`` and its peers.

Node ``a`` (seed ``seed_from_label("sla/a")``) is the consumer in some cases and
the provider in others. Peers are identities from ``seed_from_label("sla/<name>")``
that seal their own messages (link envelopes with consecutive sequence numbers)
and their inner frames (``terms``, ``acceptance``: sequence number 0), so every
frame comes from the reference's own sealing code.

The market of the corpus (:data:`PARAMS`): three rounds, a deadline at most 100
ticks ahead, at most 4 negotiations per node. :data:`SERVICE` is a video
stream priced 10 a unit with latency at most 40 ms and throughput at least
800 kbit/s (:data:`OFFER`).
"""

from typing import Any, Final

from reference.codec import encode_message
from reference.corpus.auction_casekit import PeerCase
from reference.corpus.casekit import ATTACK, EDGE, CaseError
from reference.identity import seed_from_label
from reference.node import ProtocolRole
from reference.sla.context import timer_name
from reference.sla.frames import digest
from reference.sla.role import ROLE
from reference.sla.stack import ROLE as STACK_ROLE
from spec.v1.base import WireModel
from spec.v1.envelope import MAX_REPLAY_SENDERS
from spec.v1.overlay.commands import CreateRingCommand, OverlayParams
from spec.v1.overlay.messages import Departure, LeafUpdate, Route
from spec.v1.overlay.refs import NodeRef
from spec.v1.sla.commands import OfferService, SlaParams
from spec.v1.sla.messages import Acceptance, Bound, Guarantee, Requirements, Terms
from spec.v1.sla.stack import SlaStackParams
from spec.v1.stack import DeliverUpcall, ForwardUpcall, UpdateUpcall
from spec.v1.trace import Emitted, Generator, Tag

NODE_SEED: Final = seed_from_label("sla/a")

PARAMS: Final = SlaParams(
    max_rounds=3,
    max_deadline=100,
    max_open=4,
    penalty_bp=2500,
    max_records=256,
    pay_within=20,
    min_standing=0,
    newcomer_bp=0,
    search_timeout=50,
    replicas=2,
    replay_senders=MAX_REPLAY_SENDERS,
)
"""The market of every case unless it says otherwise."""

SERVICE: Final = bytes.fromhex("5a" * 16)
"""The service negotiated in the cases."""
OTHER_SERVICE: Final = bytes.fromhex("a5" * 16)
"""A service nobody offers."""

LATENCY: Final = Bound(metric="latency", unit="ms", op="le", bound=40)
THROUGHPUT: Final = Bound(metric="throughput", unit="kbit/s", op="ge", bound=800)

OFFER: Final = OfferService(
    service=SERVICE,
    unit_price=10,
    max_units=100,
    bounds=(LATENCY, THROUGHPUT),
    pricing="fixed",
    barter=False,
)
"""What a provider offers: 10 a unit, at most 100 units, latency <= 40 ms, throughput >=
800 kbit/s."""

NONCE: Final = b"nonce-01"


def guarantee(bound: Bound, value: int, window: int = 3) -> Guarantee:
    return Guarantee(metric=bound.metric, unit=bound.unit, op=bound.op, bound=value, window=window)


WANTED: Final = Requirements(
    service=SERVICE,
    units=20,
    max_price=12,
    guarantees=(guarantee(LATENCY, 50), guarantee(THROUGHPUT, 500)),
    start=40,
    end=90,
    barter=None,
)
"""A consumer's requirements that :data:`OFFER` meets (at 10 a unit)."""

__all__ = [
    "ATTACK",
    "EDGE",
    "LATENCY",
    "NONCE",
    "OFFER",
    "OTHER_SERVICE",
    "PARAMS",
    "SERVICE",
    "THROUGHPUT",
    "WANTED",
    "CaseError",
    "SlaCase",
    "guarantee",
]


STACK: Final = Generator(name="sla-stack", version="1")
"""The generator that records every case again against a whole stack (``sla_stack``)."""


class SlaCase(PeerCase[Any]):
    """Records the steps of one case against a fresh SLA node ``a``: alone (the overlay's
    upcalls as inputs), or, for the :data:`STACK` generator, as a whole stack whose overlay
    is a ring of one that ``a`` creates first, where each upcall of the case is made by the
    overlay from the input that causes it (a peer's ``leaf_update`` or ``departure``, a
    ``route`` one hop from a relay)."""

    def __init__(
        self,
        generator: Generator,
        case_id: str,
        description: str,
        tags: tuple[Tag, ...],
        flags: tuple[str, ...] = (),
        *,
        params: SlaParams = PARAMS,
    ) -> None:
        self.stacked = generator.name == STACK.name
        encoded = encode_message(params)
        role: ProtocolRole[Any] = ROLE
        if self.stacked:
            case_id = "sla/stack/" + case_id.removeprefix("sla/").replace("/", "-")
            description = f"{description} (a whole stack: the overlay and the SLA node)"
            overlay = OverlayParams(x=10, y=10, bootstrap=None, replay_senders=MAX_REPLAY_SENDERS)
            encoded = encode_message(SlaStackParams(overlay=overlay, sla=params))
            role = STACK_ROLE
        super().__init__(
            generator,
            case_id,
            description,
            tags,
            flags,
            role=role,
            seed=NODE_SEED,
            params=encoded,
            label="sla",
        )
        self._token = 0
        if self.stacked:
            ring = CreateRingCommand()
            self.command("create_ring", ring, "a ring of one: a is every key's root", at=0)

    def _name_of(self, node: bytes) -> str:
        return next(name for name, peer in self._remotes.items() if peer.node_id == node)

    def upcall(
        self, name: str, args: WireModel | bytes, note: str, **kwargs: Any
    ) -> tuple[Emitted, ...]:
        """The upcall alone; in a whole stack, the input from which its overlay makes it. A
        routed payload the SLA node refuses is dropped by the stack, so the input is taken."""
        if not self.stacked:
            return super().upcall(name, args, note, **kwargs)
        assert isinstance(args, UpdateUpcall | DeliverUpcall | ForwardUpcall)
        if isinstance(args, UpdateUpcall):
            peer = self._name_of(args.node)
            ref = NodeRef(id=args.node, x=20, y=20)
            body: WireModel = LeafUpdate(node=ref, leaf=()) if args.joined else Departure(node=ref)
            return self.send(peer, body, note, **kwargs)
        kwargs.pop("error", None)
        self._token += 1
        route = Route(key=args.key, hops=1, token=self._token, frame=args.frame)
        return self.send("relay", route, f"{note} (routed one hop from relay)", **kwargs)

    def neg(self, consumer: str | None = None, nonce: bytes = NONCE) -> bytes:
        """The id of ``consumer``'s negotiation (``a``'s own when ``None``) with ``nonce``."""
        node = self.node_id if consumer is None else self.peer(consumer).node_id
        return node + nonce

    def deadline_timer(self, neg: bytes) -> str:
        return timer_name(neg)

    def terms(
        self,
        provider: str | None,
        consumer: str | None,
        round_: int,
        wanted: Requirements,
        unit_price: int,
        *,
        neg: bytes | None = None,
    ) -> Terms:
        """The terms a provider signs for ``wanted`` (``None`` names ``a``)."""
        first = self.node_id if provider is None else self.peer(provider).node_id
        second = self.node_id if consumer is None else self.peer(consumer).node_id
        return Terms(
            neg=neg if neg is not None else second + NONCE,
            round=round_,
            provider=first,
            consumer=second,
            service=wanted.service,
            units=wanted.units,
            unit_price=unit_price,
            guarantees=wanted.guarantees,
            start=wanted.start,
            end=wanted.end,
            barter=wanted.barter,
        )

    def acceptance(
        self, signer: str, neg: bytes, terms: Terms, *, consumer: str | None = None
    ) -> bytes:
        """``signer``'s signed acceptance of ``terms`` (an inner frame) naming ``consumer``
        (the signer unless given)."""
        named = self.peer(signer if consumer is None else consumer).node_id
        body = Acceptance(neg=neg, consumer=named, terms=digest(terms))
        return self.peer(signer).inner(body)
