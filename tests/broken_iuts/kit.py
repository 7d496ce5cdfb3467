"""A small trace corpus recorded from the reference, for the runner's own tests.

The real corpus (``conformance/traces/v1``) is built elsewhere; these tests
must not depend on it. :class:`Recorder` drives the reference's driver the
way a corpus generator would and turns what it did into expectations, so
every expected byte comes out of the executable spec, never a hand copy.
"""

import sys
from pathlib import Path
from typing import Final

from reference import cbor
from reference.codec import encode_message
from reference.corpus import seal_trace
from reference.driver import Driver
from reference.envelope import seal
from reference.identity import Identity, seed_from_label
from spec.v1 import SPEC_VERSION
from spec.v1 import driver as D
from spec.v1.auction.commands import AuctionParams, LocateCommand
from spec.v1.auction.messages import Locate
from spec.v1.base import WireModel
from spec.v1.stack import DeliverUpcall, ForwardUpcall, UpdateUpcall
from spec.v1.trace import (
    TRACE_FORMAT,
    Command,
    Deliver,
    Expect,
    Generator,
    Input,
    NodeSetup,
    Output,
    Peer,
    RouteOutput,
    Step,
    Tag,
    Trace,
    TraceHeader,
    Upcall,
)
from spec.v1.wire import Ping, PingCommand, Pong

HERE: Final = Path(__file__).resolve().parent
PEER: Final = Identity.from_label("peer")
WIRE_PARAMS: Final = cbor.encode({"replay_senders": 4096})
CRASH_TICK: Final = 7
"""Only the ``wire/ping/two-nodes-001`` case has inputs at this tick (broken IUTs' ``--at``)."""


def script(name: str, *args: str) -> list[str]:
    """The argv of a broken IUT script of this directory."""
    return [sys.executable, str(HERE / f"{name}.py"), *args]


def ping_frame(seq: int, nonce: bytes = bytes(8), sent_at: int = 1, who: Identity = PEER) -> bytes:
    return seal(who, Ping(nonce=nonce, sent_at=sent_at), seq)


def non_shortest_seq(frame: bytes) -> bytes:
    """The same envelope with ``seq`` (< 24) in a two-byte head: non-canonical CBOR."""
    marker = b"cseq"
    at = frame.index(marker) + len(marker)
    assert frame[at] < 24
    return frame[:at] + bytes([0x18, frame[at]]) + frame[at + 1 :]


class Recorder:
    """Records one case by running the reference: expectations are what it did."""

    def __init__(self) -> None:
        self.driver = Driver()
        self.nodes: list[NodeSetup] = []
        self.steps: list[Step] = []

    def node(self, name: str, protocol: str = "wire", params: bytes = WIRE_PARAMS) -> NodeSetup:
        setup = NodeSetup(
            name=name, protocol=protocol, seed=seed_from_label(f"node-{name}"), params=params
        )
        reply = self.driver.handle(D.CreateNode(op="create_node", node=setup))
        assert isinstance(reply, D.Ok), reply
        self.nodes.append(setup)
        return setup

    def step(self, node: str, at: int, item: Input, *, state: bool = True) -> D.StepResult:
        result = self.driver.handle(D.InputRequest(op="input", node=node, at=at, input=item))
        assert isinstance(result, D.StepResult), result
        observed: bytes | None = None
        if state:
            reply = self.driver.handle(D.QueryState(op="query_state", node=node))
            assert isinstance(reply, D.StateReply)
            observed = reply.state
        expect = Expect(outputs=result.outputs, error=result.error, state=observed)
        self.steps.append(Step(node=node, at=at, input=item, expect=expect, note=""))
        return result

    def deliver(self, node: str, at: int, frame: bytes, *, state: bool = True) -> D.StepResult:
        return self.step(
            node, at, Deliver(kind="deliver", link=PEER.node_id, frame=frame), state=state
        )

    def trace(
        self,
        case_id: str,
        description: str,
        tags: tuple[Tag, ...] = ("positive",),
        flags: tuple[str, ...] = (),
        peers: tuple[Peer, ...] = (Peer(name="peer", node_id=PEER.node_id),),
    ) -> Trace:
        header = TraceHeader(
            trace_format=TRACE_FORMAT,
            spec_version=SPEC_VERSION,
            protocol=self.nodes[0].protocol,
            case_id=case_id,
            generator=Generator(name="tests.broken_iuts.kit", version="1"),
            description=description,
            tags=tags,
            flags=flags,
            nodes=tuple(self.nodes),
            peers=peers,
        )
        return seal_trace(header, self.steps)


def answer_case() -> Trace:
    rec = Recorder()
    rec.node("a")
    rec.deliver("a", 1, ping_frame(1, nonce=b"\x00" * 7 + b"\x01", sent_at=1))
    rec.deliver("a", 2, ping_frame(2, nonce=b"\x00" * 7 + b"\x02", sent_at=2))
    return rec.trace("wire/ping/answer-001", "A node answers each ping with a signed pong.")


def command_case() -> Trace:
    rec = Recorder()
    rec.node("a")
    nonce = b"pingpong"
    args = encode_message(PingCommand(to=PEER.node_id, nonce=nonce))
    rec.step("a", 1, Command(kind="command", name="ping", args=args))
    rec.deliver("a", 2, seal(PEER, Pong(nonce=nonce, ping_sent_at=1), 1))
    return rec.trace("wire/ping/command-001", "Ping command, then the pong clears it.")


def stale_case() -> Trace:
    rec = Recorder()
    rec.node("a")
    frame = ping_frame(1)
    rec.deliver("a", 1, frame)
    result = rec.deliver("a", 2, frame)
    assert result.error == "replay.stale_sequence"
    return rec.trace(
        "wire/replay/stale-001",
        "A replayed ping is refused.",
        tags=("negative", "adversarial"),
        flags=("StaleSequence",),
    )


def non_canonical_case() -> Trace:
    rec = Recorder()
    rec.node("a")
    result = rec.deliver("a", 1, non_shortest_seq(ping_frame(1)))
    assert result.error == "decode.non_canonical"
    return rec.trace(
        "wire/codec/non-shortest-seq-001",
        "A ping whose seq uses a two-byte head is refused.",
        tags=("negative",),
        flags=("NonShortestInteger",),
    )


def two_nodes_case() -> Trace:
    rec = Recorder()
    rec.node("a")
    rec.node("b")
    rec.deliver("a", CRASH_TICK, ping_frame(1, sent_at=CRASH_TICK))
    rec.deliver("b", CRASH_TICK + 1, ping_frame(2, sent_at=CRASH_TICK + 1))
    return rec.trace("wire/ping/two-nodes-001", "Two nodes each answer a ping.")


def build_traces() -> list[Trace]:
    """Five wire cases: three positive, two negative."""
    return [answer_case(), command_case(), stale_case(), non_canonical_case(), two_nodes_case()]


AUCTION_PARAMS: Final = encode_message(
    AuctionParams(
        brokers=4,
        fanout=2,
        table=4,
        max_validity=100,
        slot_ticks=10,
        locate_timeout=30,
        replay_senders=16,
    )
)
SERVICE: Final = bytes.fromhex("fd" * 16)
"""The service ``a`` brokers in :func:`auction_case` (its view makes it the root)."""
OTHER_SERVICE: Final = bytes.fromhex("5e" * 16)
"""The service ``a`` locates in :func:`auction_case`."""
BROKERS: Final = tuple(Identity.from_label(f"broker-{name}") for name in "bcd")


def upcall(name: str, args: WireModel) -> Upcall:
    return Upcall(kind="upcall", name=name, args=encode_message(args))


def auction_case() -> Trace:
    """An auction node run alone (``stack.md``): a ``locate`` command gives a ``route``
    downcall, ``update`` upcalls fill its view, a ``forward`` passes by, and a ``deliver``ed
    locate of a service it is the root of is answered with frames to neighbours."""
    rec = Recorder()
    rec.node("a", "auction", AUCTION_PARAMS)
    locate = LocateCommand(service=OTHER_SERVICE, nonce=b"locate-1")
    routed = rec.step("a", 1, Command(kind="command", name="locate", args=encode_message(locate)))
    assert [type(o) for o in routed.outputs] == [RouteOutput], routed
    for tick, broker in enumerate(BROKERS, start=2):
        rec.step("a", tick, upcall("update", UpdateUpcall(node=broker.node_id, joined=True)))
    inner = seal(PEER, Locate(service=SERVICE, nonce=bytes(range(8)), fallback=False), 0)
    hop = BROKERS[0].node_id
    rec.step("a", 5, upcall("forward", ForwardUpcall(key=SERVICE, frame=inner, next_hop=hop)))
    answered = rec.step("a", 6, upcall("deliver", DeliverUpcall(key=SERVICE, frame=inner)))
    assert answered.outputs and all(type(o) is Output for o in answered.outputs), answered
    peers = (
        Peer(name="peer", node_id=PEER.node_id),
        *(Peer(name=n, node_id=b.node_id) for n, b in zip("bcd", BROKERS, strict=True)),
    )
    return rec.trace(
        "auction/kit/upcalls-and-routes-001",
        "An auction node alone: upcalls as inputs, a route downcall as an output.",
        peers=peers,
    )


def write_corpus(root: Path, traces: list[Trace] | None = None) -> Path:
    """Write traces as ``<root>/<case_id>.cbor``; return ``root``."""
    for trace in build_traces() if traces is None else traces:
        path = root / f"{trace.content.header.case_id}.cbor"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode_message(trace))
    return root
