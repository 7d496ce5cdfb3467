"""Exchange cases of the ``wire`` protocol: what a node must do with good input.

Positive conversations between node ``a`` and reference peers: answering
pings (also when relayed), sending pings and accepting their pongs, sequence
numbers at their encoding boundaries, per-sender replay windows, and nonce
reuse, ending in one interleaved conversation with three peers.
"""

from collections.abc import Iterable

from reference.corpus.casekit import Case
from reference.corpus.wire_frames import ping_frame
from spec.v1.trace import Generator, Trace
from spec.v1.types import U63_MAX


def exchange_cases(generator: Generator) -> Iterable[Trace]:
    """Positive cases: what a wire node must do with good input."""
    case = Case(
        generator, "wire/ping/answer-001", "a answers b's ping with a pong to b.", ("positive",)
    )
    b = case.remote("b")
    ping = b.ping(case.node_id, b"nonce-b1", 3)
    case.deliver(ping, "b", "ping from b, seq 1", at=3)
    yield case.trace()

    case = Case(
        generator,
        "wire/ping/send-001",
        "The ping command makes a send a ping to b and remember it as pending.",
        ("positive",),
    )
    case.peer("b")
    case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    yield case.trace()

    case = Case(
        generator,
        "wire/ping/round-trip-001",
        "a pings b (a reference node), b's pong is accepted and clears the pending ping.",
        ("positive",),
    )
    b = case.remote("b")
    sent = case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    pong = b.receive(sent, case.node_id, 2)
    case.deliver(pong, "b", "b's pong", at=4)
    yield case.trace()

    case = Case(
        generator,
        "wire/ping/answer-via-relay-001",
        "b's ping arrives over the link from c; the pong goes to the signer b, not to the link.",
        ("positive", "edge"),
    )
    b = case.remote("b")
    case.peer("c")
    case.deliver(b.ping(case.node_id, b"nonce-b1", 1), "c", "b's ping, relayed by c")
    yield case.trace()

    case = Case(
        generator,
        "wire/ping/seq-boundaries-001",
        "Sequence numbers are accepted at their encoding boundaries and may jump: b sends seq "
        "1 (the lowest a sender without an entry may start at), 23, 24, 255, 256, 65536 and "
        "2**63-1.",
        ("positive", "edge"),
    )
    b_id = case.peer("b")
    for seq in (1, 23, 24, 255, 256, 65_536, U63_MAX):
        case.deliver(ping_frame(b_id, seq, nonce=b"nonce-b1"), "b", f"ping from b, seq {seq}")
    yield case.trace()

    case = Case(
        generator,
        "wire/ping/windows-per-sender-001",
        "Replay windows are per sender: c's seq 1 is fresh after b's seq 5.",
        ("positive", "edge"),
    )
    case.deliver(ping_frame(case.peer("b"), 5), "b", "ping from b, seq 5")
    case.deliver(ping_frame(case.peer("c"), 1), "c", "ping from c, seq 1")
    yield case.trace()

    case = Case(
        generator,
        "wire/ping/same-nonce-two-peers-001",
        "a may have the same nonce pending with two different peers.",
        ("positive", "edge"),
    )
    case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    case.ping("c", b"nonce-a1", "ping c with nonce-a1")
    yield case.trace()

    case = Case(
        generator,
        "wire/ping/nonce-reuse-after-pong-001",
        "Once b's pong has answered nonce-a1, a may ping b with nonce-a1 again.",
        ("positive", "edge"),
    )
    b = case.remote("b")
    sent = case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    case.deliver(b.receive(sent, case.node_id, 1), "b", "b's pong")
    case.ping("b", b"nonce-a1", "ping b with nonce-a1 again")
    yield case.trace()

    yield _conversation(generator)


def _conversation(generator: Generator) -> Trace:
    """Several peers, interleaved: a's seq counter, b/c/d's windows and a's pending set."""
    case = Case(
        generator,
        "wire/ping/conversation-001",
        "a talks to b, c and d at once: pings out, pings in, pongs both ways, out of order.",
        ("positive",),
    )
    b, c, d = case.remote("b"), case.remote("c"), case.remote("d")
    a_id = case.node_id
    to_b = case.ping("b", b"nonce-a1", "ping b with nonce-a1")
    to_c = case.ping("c", b"nonce-a2", "ping c with nonce-a2")
    (pong_to_d,) = case.deliver(d.ping(a_id, b"nonce-d1", 3), "d", "ping from d")
    d.accept(pong_to_d.frame, a_id, 4)
    to_d = case.ping("d", b"nonce-a3", "ping d with nonce-a3")
    case.deliver(c.receive(to_c, a_id, 5), "c", "c answers nonce-a2 before b answers")
    case.deliver(b.ping(a_id, b"nonce-b1", 6), "b", "ping from b while a waits for b")
    case.deliver(b.receive(to_b, a_id, 7), "b", "b answers nonce-a1")
    case.deliver(c.ping(a_id, b"nonce-c1", 8), "c", "ping from c")
    case.deliver(d.receive(to_d, a_id, 9), "d", "d answers nonce-a3")
    case.ping("b", b"nonce-a4", "ping b again, nothing else pending")
    return case.trace()
