"""Replay cases of the ``wire`` protocol: authentic frames that are not fresh.

Sequence numbers strictly increase per authenticated sender. These cases
replay an accepted frame, reuse or lower a sequence number, relay a replay
over another link, and check that a rejected frame (unexpected, or forged)
never advances the sender's window.
"""

from collections.abc import Iterable

from reference.corpus.casekit import ATTACK, EDGE, Case, identity
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
