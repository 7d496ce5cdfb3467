"""Attacks on routed frames in the ``overlay`` protocol.

A route's inner frame with a broken signature, a wrong key, cut short, of
another protocol or of a type that may not be routed; a route whose key is
not its request's; a forged join request; a bare lookup; a replayed route; a
route to an idle node.
"""

from collections.abc import Iterator

from reference.codec import to_value
from reference.corpus.mutations import RawMap, bstr
from reference.corpus.overlay_casekit import (
    ATTACK,
    JOIN_NONCE,
    LOOKUP_NONCE,
    OverlayCase,
    Peer,
    identity,
    join_inner,
    lookup_inner,
    nonce_of,
    ref,
    ring,
    route,
)
from reference.envelope import open_envelope
from spec.v1 import errors as E
from spec.v1.envelope import Envelope
from spec.v1.overlay.messages import Announce, JoinRequest, Lookup
from spec.v1.trace import Generator, Trace
from spec.v1.wire import Ping


def routed_attack_cases(g: Generator) -> Iterator[Trace]:
    key_b = identity("b").node_id

    def routed(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        error: E.ErrorCode,
        field: str | None,
        *,
        inner: bytes | None = None,
        key: bytes = key_b,
    ) -> Trace:
        case = OverlayCase(g, case_id, description, ATTACK, flags)
        ring(case, "b", "c")
        d = case.peer("d")
        good = lookup_inner(d, key_b)
        control = case.peer("c").frame(route(key_b, 1, 3, good), seq=100)
        bad = route(key, 1, 3, good if inner is None else inner)
        case.deliver(
            case.peer("c").frame(bad, seq=100),
            "c",
            "c's route",
            error=error,
            field=field,
            control=control,
        )
        return case.trace()

    d = Peer("d")
    good = lookup_inner(d, key_b)
    raw = RawMap.canonical(to_value(_opened(good)))
    signature = bytearray(_opened(good).signature)
    signature[10] ^= 0x01
    flipped = raw.replace("signature", bstr(bytes(signature))).encode()
    yield routed(
        "overlay/attack/inner-bad-signature-001",
        "A route whose inner lookup frame has one bit of its signature flipped.",
        ("BadSignature",),
        E.AUTH_BAD_SIGNATURE,
        "body.frame.signature",
        inner=flipped,
    )
    yield routed(
        "overlay/attack/inner-unsigned-001",
        "A route whose inner lookup frame carries 64 zero bytes instead of d's signature.",
        ("BadSignature",),
        E.AUTH_BAD_SIGNATURE,
        "body.frame.signature",
        inner=raw.replace("signature", bstr(bytes(64))).encode(),
    )
    other = identity("e")
    forged = raw.replace("sender_key", bstr(other.public_key)).encode()
    yield routed(
        "overlay/attack/inner-wrong-key-001",
        "A route whose inner lookup frame claims d's id with e's public key.",
        ("WrongKey",),
        E.AUTH_WRONG_KEY,
        "body.frame.sender_key",
        inner=forged,
    )
    yield routed(
        "overlay/attack/inner-truncated-001",
        "A route whose inner frame is cut off one byte early.",
        ("Truncated",),
        E.DECODE_MALFORMED,
        None,
        inner=good[:-1],
    )
    yield routed(
        "overlay/attack/inner-wire-ping-001",
        "A route carrying a signed wire ping instead of an overlay request.",
        ("UnknownProtocol",),
        E.ENVELOPE_UNKNOWN_PROTOCOL,
        "body.frame.protocol",
        inner=d.inner(Ping(nonce=nonce_of("inner"), sent_at=1)),
    )
    yield routed(
        "overlay/attack/inner-announce-001",
        "A route carrying a signed announce: only join_request and lookup may be routed.",
        ("UnknownType",),
        E.ENVELOPE_UNKNOWN_TYPE,
        "body.frame.type",
        inner=d.inner(Announce(node=ref("d"), leaf=())),
    )
    yield routed(
        "overlay/attack/misrouted-lookup-001",
        "A route to e's id carrying d's lookup of b's id: the route's key is not the lookup's.",
        ("Misrouted",),
        E.MACHINE_GUARD_REJECTED,
        "message:route",
        key=identity("e").node_id,
    )

    case = OverlayCase(
        g,
        "overlay/attack/misrouted-join-001",
        "A route to b's id carrying j's join request: a join is routed to the joiner's id.",
        ATTACK,
        ("Misrouted",),
    )
    ring(case, "b", "c")
    j = case.peer("j")
    case.deliver(
        case.peer("c").frame(route(key_b, 1, 3, join_inner(j)), seq=50),
        "c",
        "c's route to b's id",
        error=E.MACHINE_GUARD_REJECTED,
        control=case.peer("c").frame(route(j.node_id, 1, 3, join_inner(j)), seq=50),
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/join-request-for-other-001",
        "d signs a join request naming j as the joiner, routed to j's id: the joiner must "
        "be the request's signer.",
        ATTACK,
        ("ForgedReference",),
    )
    ring(case, "b", "c")
    j = case.peer("j")
    d = case.peer("d")
    forged_join = d.inner(JoinRequest(nonce=JOIN_NONCE, node=j.ref))
    case.deliver(
        case.peer("c").frame(route(j.node_id, 1, 3, forged_join), seq=50),
        "c",
        "c's route of d's forged join",
        error=E.MACHINE_GUARD_REJECTED,
        control=case.peer("c").frame(route(j.node_id, 1, 3, join_inner(j)), seq=50),
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/bare-lookup-001",
        "d sends a lookup directly, not inside a route.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    ring(case, "b")
    case.send(
        "d",
        Lookup(key=key_b, nonce=LOOKUP_NONCE),
        "d's bare lookup",
        error=E.MACHINE_NO_TRANSITION,
        field="message:lookup",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/replayed-route-001",
        "c's route arrives twice, the same frame: the second is a replay.",
        ATTACK,
        ("StaleSequence",),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    frame = case.peer("c").frame(route(case.node_id, 1, 3, lookup_inner(d, case.node_id)))
    case.deliver(frame, "c", "c's route")
    case.deliver(frame, "c", "the same frame again", error=E.REPLAY_STALE_SEQUENCE, field="seq")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/route-while-idle-001",
        "An idle node (in no ring) is given a route.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    d = case.peer("d")
    case.send(
        "c",
        route(key_b, 1, 3, lookup_inner(d, key_b)),
        "c's route",
        error=E.MACHINE_NO_TRANSITION,
        field="message:route",
    )
    yield case.trace()


def _opened(frame: bytes) -> Envelope:
    return open_envelope(frame, {("overlay", "lookup"): Lookup}).envelope
