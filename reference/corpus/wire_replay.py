"""Replay cases of the ``wire`` protocol: authentic frames that are not fresh.

Sequence numbers strictly increase per authenticated sender. These cases
replay an accepted frame, reuse or lower a sequence number, relay a replay
over another link, and check that a rejected frame (unexpected, or forged)
never advances the sender's window. The bounded-window cases fill windows of
2, 1 and 257 entries: eviction, floors per bucket, and their order.
"""

from collections.abc import Iterable

from reference.corpus.casekit import ATTACK, EDGE, Case, CaseError, identity
from reference.corpus.mutations import enc
from reference.corpus.wire_frames import envelope_fields, ping_body, ping_frame, pong_frame
from spec.v1 import errors as E
from spec.v1.trace import Generator, Tag, Trace


def replay_cases(generator: Generator) -> Iterable[Trace]:
    b, c = identity("b"), identity("c")

    case = Case(
        generator,
        "wire/replay/same-frame-twice-001",
        "b's ping is accepted and answered; the identical frame delivered again is a replay.",
        ATTACK,
        ("StaleSequence",),
    )
    frame = ping_frame(b, 1)
    case.deliver(frame, "b", "ping from b, seq 1")
    case.deliver(frame, "b", "the same frame again", error=E.REPLAY_STALE_SEQUENCE, field="seq")
    yield case.trace()

    def stale_after_five(
        case_id: str, description: str, tags: tuple[Tag, ...], seq: int, note: str
    ) -> Trace:
        """b's seq 5 is accepted, then a new ping from b with ``seq`` (at most 5) is stale."""
        case = Case(generator, case_id, description, tags, ("StaleSequence",))
        case.deliver(ping_frame(b, 5), "b", "ping from b, seq 5")
        nonce = f"nonce-b{seq}".encode()
        case.deliver(
            ping_frame(b, seq, nonce=nonce),
            "b",
            note,
            error=E.REPLAY_STALE_SEQUENCE,
            field="seq",
            control=ping_frame(b, 6, nonce=nonce),
        )
        return case.trace()

    yield stale_after_five(
        "wire/replay/lower-seq-001",
        "After b's seq 5, a fresh, validly signed ping from b with seq 3 is stale.",
        ATTACK,
        3,
        "ping from b, seq 3",
    )
    yield stale_after_five(
        "wire/replay/equal-seq-new-content-001",
        "After b's seq 5, another validly signed ping from b reusing seq 5 (new nonce) is stale.",
        EDGE,
        5,
        "another ping from b, seq 5",
    )

    case = Case(
        generator,
        "wire/replay/other-link-001",
        "b's accepted ping replayed over the link from c: the window is keyed by the "
        "authenticated sender, not by the link it arrived on.",
        ATTACK,
        ("StaleSequence",),
    )
    frame = ping_frame(b, 1)
    case.deliver(frame, "b", "ping from b, seq 1")
    case.deliver(
        frame, "c", "the same frame, relayed by c", error=E.REPLAY_STALE_SEQUENCE, field="seq"
    )
    yield case.trace()

    case = Case(
        generator,
        "wire/replay/rejected-keeps-window-001",
        "An unsolicited pong from b with seq 7 is refused and must not advance b's window: "
        "b's ping with seq 7 is then accepted.",
        EDGE,
        ("UnexpectedMessage",),
    )
    case.deliver(
        pong_frame(b, 7, b"nonce-a1", 1),
        "b",
        "unsolicited pong from b, seq 7",
        error=E.MACHINE_GUARD_REJECTED,
        field="message:pong",
    )
    case.deliver(ping_frame(b, 7), "b", "ping from b, seq 7")
    yield case.trace()

    case = Case(
        generator,
        "wire/replay/forgery-keeps-window-001",
        "A forged frame claiming b's seq 9 (bad signature) is refused and must not advance b's "
        "window: b's genuine seq 9 is then accepted.",
        EDGE,
        ("BadSignature",),
    )
    forged = envelope_fields(b, ping_body(), 9, signature=c.sign(b"forged"))
    case.deliver(enc(forged), "c", "forged ping in b's name, seq 9", error=E.AUTH_BAD_SIGNATURE)
    case.deliver(ping_frame(b, 9), "b", "genuine ping from b, seq 9")
    yield case.trace()


def bounded_window_cases(generator: Generator) -> Iterable[Trace]:
    """The bounded window (``envelope.md``, "Replay"): eviction, floors, and their order.

    Node ``a`` keeps 2 senders (1 in ``one-sender``). Buckets are first bytes of node
    ids: ``p`` and ``x`` share bucket 0x99 (``x`` has the smaller id); ``b`` is 0x00,
    ``c`` 0x95, ``d`` 0x56 and ``e`` 0xbe.
    """
    b, c, d, e, p, x = (identity(name) for name in ("b", "c", "d", "e", "p", "x"))
    if p.node_id[0] != x.node_id[0] or not x.node_id < p.node_id:
        raise CaseError("p and x must share a bucket, x with the smaller id")
    if len({who.node_id[0] for who in (b, c, d, e, p)}) != 5:
        raise CaseError("b, c, d, e and p must be in five buckets")

    def bounded(
        case_id: str,
        description: str,
        tags: tuple[Tag, ...],
        flags: tuple[str, ...] = (),
        replay_senders: int = 2,
    ) -> Case:
        return Case(generator, case_id, description, tags, flags, replay_senders=replay_senders)

    case = bounded(
        "wire/replay/evict-least-recent-001",
        "With replay_senders 2, a new sender evicts the entry accepted least recently: c "
        "(accepted at tick 2), not p, which was heard first but again at tick 3 and has the "
        "smaller seq. c's bucket floor becomes c's seq, 5.",
        ("positive", "edge"),
    )
    case.deliver(ping_frame(p, 1), "p", "ping from p, seq 1 (at 1)")
    case.deliver(ping_frame(c, 5), "c", "ping from c, seq 5 (at 2): the window is full")
    case.deliver(ping_frame(p, 2), "p", "ping from p, seq 2 (at 3): p is now the most recent")
    case.deliver(ping_frame(d, 1), "d", "ping from d, seq 1: evicts c; floor of c's bucket 5")
    yield case.trace()

    case = bounded(
        "wire/replay/evicted-replay-refused-001",
        "c's entry is evicted (floor of its bucket 5): c's accepted frame replayed is stale "
        "though a holds no entry for c any more, as is a new c frame with seq 4; c's seq 6 "
        "is accepted and evicts b in turn.",
        ATTACK,
        ("StaleSequence",),
    )
    replayed = ping_frame(c, 5)
    case.deliver(replayed, "c", "ping from c, seq 5 (at 1)")
    case.deliver(ping_frame(b, 1), "b", "ping from b, seq 1 (at 2)")
    case.deliver(ping_frame(d, 1), "d", "ping from d, seq 1: evicts c; floor of c's bucket 5")
    fresh = ping_frame(c, 6, nonce=b"nonce-c6")
    case.deliver(
        replayed,
        "c",
        "c's seq 5 frame again: no entry, but not above the floor",
        error=E.REPLAY_STALE_SEQUENCE,
        field="seq",
        control=fresh,
    )
    case.deliver(
        ping_frame(c, 4, nonce=b"nonce-c4"),
        "c",
        "a new ping from c, seq 4: below the floor",
        error=E.REPLAY_STALE_SEQUENCE,
        field="seq",
        control=fresh,
    )
    case.deliver(fresh, "c", "ping from c, seq 6: above the floor; evicts b")
    yield case.trace()

    case = bounded(
        "wire/replay/bucket-floor-001",
        "After p's eviction the floor of p's bucket is 7: x, never heard from but in the same "
        "bucket, is refused at seq 3 and seq 7 and accepted at seq 8. The floor is per "
        "bucket: d, of another bucket, is accepted at seq 1.",
        ATTACK,
        ("StaleSequence",),
    )
    case.deliver(ping_frame(p, 7), "p", "ping from p, seq 7 (at 1)")
    case.deliver(ping_frame(b, 1), "b", "ping from b, seq 1 (at 2)")
    case.deliver(ping_frame(c, 1), "c", "ping from c, seq 1: evicts p; floor of bucket 0x99 7")
    above = ping_frame(x, 8, nonce=b"nonce-x8")
    for seq in (3, 7):
        case.deliver(
            ping_frame(x, seq, nonce=f"nonce-x{seq}".encode()),
            "x",
            f"ping from x, seq {seq}: x has no entry and its bucket's floor is 7",
            error=E.REPLAY_STALE_SEQUENCE,
            field="seq",
            control=above,
        )
    case.deliver(ping_frame(d, 1), "d", "ping from d, seq 1: bucket 0x56's floor is 0; evicts b")
    case.deliver(above, "x", "ping from x, seq 8: above the floor; evicts c")
    yield case.trace()

    case = bounded(
        "wire/replay/fresh-before-eviction-001",
        "Freshness is judged before the eviction it causes: x's seq 3 is accepted although "
        "evicting p (seq 10, same bucket) raises the bucket's floor to 10. x then has an "
        "entry, so its seq 4 is judged against that entry, not against the floor.",
        ("positive", "edge"),
    )
    case.deliver(ping_frame(p, 10), "p", "ping from p, seq 10 (at 1)")
    case.deliver(ping_frame(b, 1), "b", "ping from b, seq 1 (at 2)")
    case.deliver(ping_frame(x, 3), "x", "ping from x, seq 3: fresh (floor 0); evicts p, floor 10")
    case.deliver(ping_frame(x, 4), "x", "ping from x, seq 4: above x's entry, below the floor")
    yield case.trace()

    case = bounded(
        "wire/replay/eviction-tie-001",
        "c and then d are accepted at the same tick: the tie on at is broken by the smaller "
        "sender id, so b's ping evicts d (the smaller id, the larger seq, heard second), "
        "and d's bucket floor becomes 4.",
        ("positive", "edge"),
    )
    if not d.node_id < c.node_id:
        raise CaseError("d must have the smaller id")
    case.deliver(ping_frame(c, 3), "c", "ping from c, seq 3 (at 1)", at=1)
    case.deliver(ping_frame(d, 4), "d", "ping from d, seq 4 (also at 1)", at=1)
    case.deliver(ping_frame(b, 1), "b", "ping from b, seq 1: evicts d; floor of d's bucket 4")
    yield case.trace()

    case = bounded(
        "wire/replay/refused-no-eviction-001",
        "A refused frame evicts nothing: with the window full (b, d), an unsolicited pong "
        "from e (fresh, refused by the machine) and a stale ping from evicted c leave both "
        "entries; e's ping is then accepted and evicts b, the least recent.",
        EDGE,
        ("StaleSequence", "UnexpectedMessage"),
    )
    case.deliver(ping_frame(c, 5), "c", "ping from c, seq 5 (at 1)")
    case.deliver(ping_frame(b, 1), "b", "ping from b, seq 1 (at 2)")
    case.deliver(ping_frame(d, 1), "d", "ping from d, seq 1: evicts c; floor of c's bucket 5")
    case.deliver(
        pong_frame(e, 1, b"nonce-a1", 1),
        "e",
        "unsolicited pong from e, seq 1",
        error=E.MACHINE_GUARD_REJECTED,
        field="message:pong",
        control=ping_frame(e, 1),
    )
    case.deliver(
        ping_frame(c, 3, nonce=b"nonce-c3"),
        "c",
        "ping from c, seq 3: below the floor",
        error=E.REPLAY_STALE_SEQUENCE,
        field="seq",
        control=ping_frame(c, 6, nonce=b"nonce-c3"),
    )
    case.deliver(ping_frame(e, 1), "e", "ping from e, seq 1: evicts b")
    yield case.trace()

    case = bounded(
        "wire/replay/floor-keeps-highest-001",
        "An eviction never lowers a floor: p (seq 9) is evicted before x (seq 3, same "
        "bucket), so the bucket's floor stays 9 and p's accepted frame replayed is stale.",
        ATTACK,
        ("StaleSequence",),
    )
    replayed = ping_frame(p, 9)
    case.deliver(ping_frame(x, 2), "x", "ping from x, seq 2 (at 1)")
    case.deliver(replayed, "p", "ping from p, seq 9 (at 2)")
    case.deliver(ping_frame(x, 3), "x", "ping from x, seq 3 (at 3)")
    case.deliver(ping_frame(b, 1), "b", "ping from b, seq 1: evicts p; floor of bucket 0x99 9")
    case.deliver(ping_frame(d, 1), "d", "ping from d, seq 1: evicts x (seq 3); the floor stays 9")
    case.deliver(
        replayed,
        "p",
        "p's seq 9 frame again",
        error=E.REPLAY_STALE_SEQUENCE,
        field="seq",
        control=ping_frame(p, 10),
    )
    yield case.trace()

    case = bounded(
        "wire/replay/one-sender-001",
        "With replay_senders 1 every new sender evicts the last: b and c take turns, each "
        "eviction raising the evicted sender's bucket floor, so each one's old frames stay "
        "stale and its higher numbers are accepted.",
        ATTACK,
        ("StaleSequence",),
        replay_senders=1,
    )
    b3 = ping_frame(b, 3)
    c1 = ping_frame(c, 1)
    case.deliver(b3, "b", "ping from b, seq 3")
    case.deliver(c1, "c", "ping from c, seq 1: evicts b; floor of b's bucket 3")
    b4 = ping_frame(b, 4, nonce=b"nonce-b4")
    case.deliver(
        b3, "b", "b's seq 3 frame again", error=E.REPLAY_STALE_SEQUENCE, field="seq", control=b4
    )
    case.deliver(b4, "b", "ping from b, seq 4: evicts c; floor of c's bucket 1")
    c2 = ping_frame(c, 2, nonce=b"nonce-c2")
    case.deliver(
        c1, "c", "c's seq 1 frame again", error=E.REPLAY_STALE_SEQUENCE, field="seq", control=c2
    )
    case.deliver(c2, "c", "ping from c, seq 2: evicts b; floor of b's bucket 4")
    yield case.trace()

    case = Case(
        generator,
        "wire/replay/seq-zero-first-001",
        "Every floor starts at 0 and a sender without an entry is fresh only above its floor, "
        "so a first frame with seq 0 is stale (no node sends 0 on a link); seq 1 is accepted.",
        EDGE,
        ("StaleSequence",),
    )
    first = ping_frame(b, 1)
    case.deliver(
        ping_frame(b, 0),
        "b",
        "ping from b, seq 0",
        error=E.REPLAY_STALE_SEQUENCE,
        field="seq",
        control=first,
    )
    case.deliver(first, "b", "ping from b, seq 1")
    yield case.trace()


def large_window_cases(generator: Generator) -> Iterable[Trace]:
    """A window of more entries than one byte counts: the bound holds past 256 entries."""
    bound = 257
    senders = [identity(f"w{i:03d}") for i in range(bound + 1)]
    first = senders[0]
    case = Case(
        generator,
        "wire/replay/large-window-001",
        f"With replay_senders {bound}, {bound} senders fill the window without an eviction "
        f"and the {bound + 1}th evicts the least recent, w000, raising its bucket's floor to "
        "its seq 3: the bound holds past 256 entries (a count of entries kept in one byte "
        "would wrap before reaching it, and never evict). w000's accepted frame replayed is "
        "then stale.",
        ATTACK,
        ("StaleSequence",),
        replay_senders=bound,
    )
    replayed = ping_frame(first, 3)
    for i, who in enumerate(senders):
        seq = 3 if who is first else 1
        name = f"w{i:03d}"
        if i == bound:
            note = f"ping from {name}, seq 1: the window is full; evicts w000, its floor 3"
        elif i == bound - 1:
            note = f"ping from {name}, seq 1: the window now holds {bound} entries, no eviction"
        else:
            note = f"ping from {name}, seq {seq}"
        frame = replayed if who is first else ping_frame(who, seq)
        case.deliver(frame, name, note, record_state=i == bound)
    case.deliver(
        replayed,
        "w000",
        "w000's seq 3 frame again: no entry, not above its bucket's floor",
        error=E.REPLAY_STALE_SEQUENCE,
        field="seq",
        control=ping_frame(first, 4, nonce=b"nonce-w4"),
    )
    yield case.trace()
