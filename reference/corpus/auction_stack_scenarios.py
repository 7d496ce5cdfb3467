"""Corpus generator ``auction-stack``: whole stacks (``auction_stack``) in the simulator.

Each scenario builds a ring by joins of whole-stack nodes (the overlay and the
auction on one peer, :class:`reference.sim.overlay.OverlayNet` with a market),
then trades one service on it: the traders locate it (the routed ``locate``
meets real routing, the root is whoever is numerically closest), ask prices,
make offers over several rounds; brokers forward candidates and match. Some
of the nodes are recorded from their creation, each as one trace: its joins,
its overlay maintenance and its auction, through one pipeline, with the
upcalls made inside the node. Everything derives from labels, so
regeneration gives the same bytes. Recorded nodes see only valid input, so
the traces are positive; the generator checks that no recorded step was
refused.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from reference import cbor
from reference.auction.brokers import broker_set
from reference.identity import Identity, seed_from_label
from reference.overlay.ring import distance, to_bytes, to_int
from reference.sim import command
from reference.sim.behaviours import Behaviour, PeerContext, Send
from reference.sim.network import NetworkConfig
from reference.sim.overlay import OverlayNet
from reference.stack import StackData
from spec.v1.auction.commands import AuctionParams, LocateCommand, OfferCommand, PriceCommand
from spec.v1.auction.constants import PROTOCOL as AUCTION
from spec.v1.auction.messages import Side
from spec.v1.overlay.constants import JOIN_TIMEOUT, PROBE_PERIOD, PROBE_TIMEOUT, RING
from spec.v1.trace import Generator, Trace

NAME: Final = "auction-stack"
VERSION: Final = "1"
GENERATOR: Final = Generator(name=NAME, version=VERSION)

STATE_EVERY: Final = 16
"""Record the observable state after every 16th step (and the last)."""

MARKET: Final = AuctionParams(
    brokers=4,
    fanout=2,
    table=8,
    max_validity=1_500,
    slot_ticks=200,
    locate_timeout=300,
    replay_senders=64,
)
"""n = 4, f = 2, m = 8; slots of 200 ticks (longer than any round trip of these rings)."""


class MutedApplication(Behaviour[bytes]):
    """A peer whose overlay is honest but whose auction says nothing: every frame of the
    auction it would send is dropped (a root that does not answer, ``auction.md``)."""

    def outgoing(self, ctx: PeerContext, sends: tuple[Send[bytes], ...]) -> tuple[Send[bytes], ...]:
        return tuple(send for send in sends if _protocol(send.message) != AUCTION)


def _protocol(frame: bytes) -> object:
    value = cbor.decode(frame)
    assert isinstance(value, dict)
    return value.get("protocol")


@dataclass(frozen=True)
class Scenario:
    slug: str
    description: str
    size: int
    record: tuple[str, ...]
    """Who is recorded: ``root``, ``broker`` (a member that is not the root), ``trader``
    (the first trader; with a silent root, the first whose takeover request was taken),
    ``hop`` (the node that took over) or ``other`` (the other trader)."""
    rounds: int = 2
    crash_broker: bool = False
    """A broker that is not the root crashes after the first round."""
    late_joiner: bool = False
    """The last node joins after the first round; the service is just above its id."""
    mute_root: bool = False
    own_service: bool = False
    """A trader also locates a service whose root it is itself."""
    traders: int | None = None
    """Only this many traders (those farthest from the service), when given."""
    refusals: Mapping[str, str] = field(default_factory=dict)
    """The refusals a recorded node may make, and each one's flag (churn makes broker sets
    disagree for a while); any other refusal is a bug of the generator."""

    @property
    def label(self) -> str:
        return f"{NAME}/{self.slug}"


SCENARIOS: Final[tuple[Scenario, ...]] = (
    Scenario(
        "market",
        "Ten whole-stack nodes join one by one; the six that are not among the service's four "
        "closest trade it over two rounds (locate routed to the root, prices, offers to f = 2 "
        "of n = 4 brokers, candidates, the global match, notices).",
        size=10,
        record=("root", "broker", "trader"),
    ),
    Scenario(
        "churn",
        "Twelve nodes; after the first round a broker that is not the root crashes and a new "
        "node joins next to the service: the overlay's leaf sets change, and each change "
        "reaches the auction as an update upcall, so the broker sets follow.",
        size=12,
        record=("root", "trader"),
        rounds=3,
        crash_broker=True,
        late_joiner=True,
        refusals={"auction.outsider": "Outsider"},
    ),
    Scenario(
        "silent-root",
        "Forty-eight nodes; the service's root routes and answers the overlay but its auction "
        "never answers: the two traders farthest from the service fall back on their locate's "
        "path, the hops report themselves and each trader asks the reported hop nearest the "
        "service to take over; one is taken, the other refused (it gives up).",
        size=48,
        record=("trader", "hop", "other"),
        rounds=1,
        mute_root=True,
        traders=2,
    ),
    Scenario(
        "own-service",
        "Ten nodes; a trader also locates a service whose root it is itself: its own locate "
        "is delivered to it at once, and it does not broker what it trades (auction.md).",
        size=10,
        record=("trader",),
        rounds=1,
        own_service=True,
    ),
)


def _ids(scenario: Scenario) -> list[int]:
    """The nodes' ids, as :class:`OverlayNet` derives them from the scenario's label."""
    return [
        to_int(Identity.from_seed(seed_from_label(f"{scenario.label}/n{i}")).node_id)
        for i in range(scenario.size)
    ]


def _closest(ids: list[int], key: int, among: list[int]) -> list[int]:
    return sorted(among, key=lambda i: (distance(ids[i], key), ids[i]))


def _service(scenario: Scenario, ids: list[int]) -> bytes:
    """The traded service: from the label, or (with a late joiner) just above the late
    node's id, so that the late node becomes its root when it joins."""
    if scenario.late_joiner:
        return to_bytes((ids[-1] + 1) % RING)
    return seed_from_label(f"{scenario.label}/service")[:16]


def run(scenario: Scenario) -> list[Trace]:
    """Run one scenario and return the traces of its recorded nodes."""
    ids = _ids(scenario)
    service = _service(scenario, ids)
    late = scenario.size - 1 if scenario.late_joiner else None
    present = [i for i in range(scenario.size) if i != late]
    near = _closest(ids, to_int(service), present)
    root = near[0]
    chosen_set = set(broker_set((to_bytes(ids[i]) for i in present), service, MARKET.brokers))
    brokers = [i for i in near if to_bytes(ids[i]) in chosen_set]
    traders = [i for i in present if i not in brokers]
    if scenario.traders is not None:  # the farthest from the service: routed over hops
        traders = sorted(_closest(ids, to_int(service), traders)[-scenario.traders :])
    behaviours: dict[int, Behaviour[Any]] = {root: MutedApplication()} if scenario.mute_root else {}
    net = OverlayNet(
        scenario.size,
        label=scenario.label,
        join_every=150,
        market=MARKET,
        behaviours=behaviours,
        held_back=0 if late is None else 1,
        config=NetworkConfig(log=True),
    )
    assert net.ids == ids
    # every node is recorded; the scenario keeps those it names once the run shows who
    # they are (the hop that takes over is known only afterwards)
    recorders = {
        index: net.sim.record(net.names[index], state_every=STATE_EVERY)
        for index in range(scenario.size)
    }
    net.build()
    sim = net.sim
    at = sim.now + 1
    for number, index in enumerate(traders):
        locate = LocateCommand(service=service, nonce=(number + 1).to_bytes(8, "big"))
        sim.command(at + number, net.names[index], command("locate", locate))
    if scenario.own_service:
        own = LocateCommand(service=to_bytes(ids[traders[0]]), nonce=b"own-svc!")
        sim.command(at, net.names[traders[0]], command("locate", own))
    # time for the locate, its timeouts and (for a silent root) the fallback and takeover
    at += 4 * MARKET.locate_timeout
    sim.run(until=at - 1)
    # the application trades once it knows the broker set (a trader may have given up)
    trading = [i for i in traders if _status(net, i, service) == "trading"]
    rng = sim.rng("offers")
    for round_ in range(scenario.rounds):
        for number, index in enumerate(trading):
            name = net.names[index]
            if round_ == 0 and number % 2 == 0:
                price = PriceCommand(service=service, nonce=(100 + number).to_bytes(8, "big"))
                sim.command(at + number, name, command("price", price))
            side: Side = "bid" if number % 2 else "ask"
            offer = OfferCommand(
                service=service,
                side=side,
                price=98 + rng.randrange(5),
                valid_for=4 * MARKET.slot_ticks,
            )
            sim.command(at + 10 + number, name, command("offer", offer))
        at += 2 * MARKET.slot_ticks
        if round_ == 0 and scenario.crash_broker:
            net.crash(at, (brokers[1],))
        if round_ == 0 and late is not None:
            net.join_late(at, late)
            at += JOIN_TIMEOUT
    sim.run(until=at + 2 * MARKET.slot_ticks + PROBE_PERIOD + PROBE_TIMEOUT + 1)
    chosen = {"root": root, "broker": brokers[1], "trader": traders[0]}
    if scenario.mute_root:
        taken = [e for e in sim.log or () if e.what == f"{AUCTION}/takeover" and e.outcome == "ok"]
        if not taken:
            raise RuntimeError(f"{scenario.slug}: no hop was asked to take over")
        chosen["hop"] = net.names.index(taken[0].node)
        chosen["trader"] = net.names.index(taken[0].peer)
        chosen["other"] = next(i for i in traders if i != chosen["trader"])
    traces = []
    for name in scenario.record:
        index = chosen[name]
        recorder = recorders[index]
        case_id = f"auction/stack/{scenario.slug}-{name}-001"
        unexpected = [c for c in recorder.error_codes if c not in scenario.refusals]
        if unexpected:
            raise RuntimeError(f"{case_id}: the recorded node refused {unexpected}")
        flags = tuple(sorted({scenario.refusals[c] for c in recorder.error_codes}))
        traces.append(
            recorder.trace(
                case_id=case_id,
                description=f"{scenario.description} Recorded: the {name} (n{index}).",
                generator=GENERATOR,
                tags=("scenario", "negative") if flags else ("scenario", "positive"),
                flags=flags,
            )
        )
    return traces


def _status(net: OverlayNet, index: int, service: bytes) -> str:
    """Node ``index``'s state in ``auction.service`` for ``service``."""
    data = net.node(index).state.data
    assert isinstance(data, StackData)
    controls: Mapping[bytes, str] = data.application.data.controls
    return controls.get(service, "unknown")


def stack_traces() -> Iterator[Trace]:
    for scenario in SCENARIOS:
        yield from run(scenario)
