"""SLA benchmarks: a provider answering cfps, a consumer taking usage reports, an index
answering queries, each end to end through :func:`reference.node.handle`.

``sla``:

- ``provider answers a cfp``: a provider offering a service, handed another consumer's
  signed ``cfp`` each call; it checks it, prices it and signs ``terms`` into a ``propose``.
- ``consumer takes a usage report``: a consumer holding a running agreement, handed the
  provider's signed ``usage`` report 1 (the same warm node each call: the step is pure).
- ``index answers a query``: the root of a type's index holding 256 descriptions, handed a
  routed ``query`` that matches them all; it answers with the 16 best.
- ``raw Ed25519 verify``: PyNaCl's ``VerifyKey.verify`` of one signing input, the floor
  every step above pays once.

No target is set for the SLA (its issue names none); the figures say how many times a
bare verification each step costs.
"""

from typing import Any, Final

from nacl.signing import VerifyKey

from bench import Figure, Report, Settings, benchmark, measure_interleaved
from reference.codec import encode_message
from reference.envelope import open_envelope, seal, signing_input
from reference.identity import Identity
from reference.node import Node, create, handle
from reference.sla.role import ROLE
from spec.v1.registry import MESSAGES
from spec.v1.sla.commands import (
    Accept,
    Negotiate,
    OfferService,
    ReportUsage,
    SlaParams,
    Start,
)
from spec.v1.sla.messages import Bound, Measure, Requirements
from spec.v1.sla.search import Description, Query, Wanted, index_key
from spec.v1.stack import DeliverUpcall
from spec.v1.trace import Command, Deliver, Output, Upcall

SERVICE: Final = bytes.fromhex("5a" * 16)
CONSUMERS: Final = 256
KIND: Final = "bench.kind"
PARAMS: Final = SlaParams(
    max_rounds=3,
    max_deadline=1_000,
    max_open=1024,
    penalty_bp=0,
    max_records=256,
    pay_within=10,
    min_standing=0,
    newcomer_bp=0,
    search_timeout=100,
    replicas=0,
    replay_senders=4096,
)
LATENCY: Final = Bound(metric="latency", unit="ms", op="le", bound=40)
OFFER: Final = OfferService(
    service=SERVICE, unit_price=10, max_units=100, bounds=(LATENCY,), pricing="fixed", barter=False
)
WANTED: Final = Requirements(
    service=SERVICE, units=10, max_price=20, guarantees=(), start=1, end=10_000, barter=None
)


def _node(label: str) -> Node[Any]:
    return create(ROLE, Identity.from_label(f"bench/{label}"), encode_message(PARAMS))


def _command(node: Node[Any], at: int, name: str, args: Any) -> tuple[Node[Any], list[Output]]:
    node, out = handle(node, at, Command(kind="command", name=name, args=encode_message(args)))
    return node, [o for o in out if isinstance(o, Output)]


def _deliver(node: Node[Any], at: int, frame: bytes, link: bytes) -> tuple[Node[Any], list[Output]]:
    node, out = handle(node, at, Deliver(kind="deliver", link=link, frame=frame))
    return node, [o for o in out if isinstance(o, Output)]


def _cfps(provider: Node[Any]) -> list[bytes]:
    """One round 1 cfp to ``provider`` from each of many consumers."""
    frames = []
    for index in range(CONSUMERS):
        consumer = _node(f"consumer-{index}")
        ask = Negotiate(
            provider=provider.node_id, nonce=b"nonce-01", deadline=500, requirements=WANTED
        )
        _, cfp = _command(consumer, 1, "negotiate", ask)
        frames.append(cfp[0].frame)
    return frames


def _running() -> tuple[Node[Any], bytes, bytes]:
    """A consumer whose agreement runs, and the provider's first usage report to it."""
    consumer, provider = _node("consumer"), _node("provider")
    provider, _ = _command(provider, 1, "offer_service", OFFER)
    neg = consumer.node_id + b"nonce-01"
    ask = Negotiate(provider=provider.node_id, nonce=b"nonce-01", deadline=500, requirements=WANTED)
    consumer, cfp = _command(consumer, 2, "negotiate", ask)
    provider, proposal = _deliver(provider, 2, cfp[0].frame, consumer.node_id)
    consumer, _ = _deliver(consumer, 3, proposal[0].frame, provider.node_id)
    consumer, accepted = _command(consumer, 4, "accept", Accept(neg=neg))
    provider, sla = _deliver(provider, 4, accepted[0].frame, consumer.node_id)
    consumer, _ = _deliver(consumer, 5, sla[0].frame, provider.node_id)
    provider, _ = _command(provider, 6, "start", Start(neg=neg))
    report = ReportUsage(neg=neg, units=1, measures=(Measure(metric="latency", value=30),))
    _, usage = _command(provider, 7, "usage", report)
    return consumer, usage[0].frame, provider.node_id


def _index() -> tuple[Node[Any], Upcall]:
    """A root holding 256 descriptions of one type, and a routed query all of them match."""
    root = _node("root")
    for index in range(256):
        provider = Identity.from_label(f"bench/provider-{index}")
        body = Description(
            provider=provider.node_id,
            service=SERVICE,
            kind=KIND,
            functions=("run",),
            interfaces=(),
            bounds=(LATENCY,),
            unit_price=index % 37,
            pricing="fixed",
            max_units=100,
            barter=False,
            valid_until=100_000,
            version=1,
        )
        upcall = DeliverUpcall(key=index_key(KIND), frame=seal(provider, body, 0))
        root, _ = handle(
            root, 1, Upcall(kind="upcall", name="deliver", args=encode_message(upcall))
        )
    wanted = Wanted(
        kind=KIND, functions=("run",), units=1, max_price=100, guarantees=(), barter=False
    )
    query = seal(Identity.from_label("bench/searcher"), Query(ordinal=1, wanted=wanted), 0)
    ask = DeliverUpcall(key=index_key(KIND), frame=query)
    return root, Upcall(kind="upcall", name="deliver", args=encode_message(ask))


@benchmark("sla")
def sla(settings: Settings) -> Report:
    provider = _node("provider")
    provider, _ = _command(provider, 1, "offer_service", OFFER)
    cfps = _cfps(provider)
    cursor = [0]

    def answer() -> object:
        frame = cfps[cursor[0] % len(cfps)]
        cursor[0] += 1
        link = open_envelope(frame, MESSAGES).envelope.sender
        return handle(provider, 2, Deliver(kind="deliver", link=link, frame=frame))

    consumer, usage, link = _running()
    root, query = _index()
    envelope = open_envelope(cfps[0], MESSAGES).envelope
    to_verify = signing_input(envelope)
    key = VerifyKey(envelope.sender_key)
    rates = measure_interleaved(
        {
            "provider answers a cfp": answer,
            "consumer takes a usage report": lambda: handle(
                consumer, 8, Deliver(kind="deliver", link=link, frame=usage)
            ),
            "index answers a query": lambda: handle(root, 2, query),
            "raw Ed25519 verify": lambda: key.verify(to_verify, envelope.signature),
        },
        settings,
    )
    report = Report("sla", list(rates.values()))
    report.context = {"consumers": CONSUMERS, "indexed": 256}
    raw = rates["raw Ed25519 verify"].best
    report.figures = [
        Figure(
            f"{name} / raw verify (best)",
            rates[name].best / raw,
            None,
            "steps per second over raw Ed25519 verifications per second",
        )
        for name in (
            "provider answers a cfp",
            "consumer takes a usage report",
            "index answers a query",
        )
    ]
    return report
