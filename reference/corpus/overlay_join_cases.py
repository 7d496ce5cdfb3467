"""Joining cases of the ``overlay`` protocol: ``a`` joins a ring through ``b``.

A join that completes, one finished or abandoned at the join timer, one whose
bootstrap never acknowledges, and pings answered while idle and joining.
"""

from collections.abc import Iterator

from reference.corpus.overlay_casekit import (
    JOIN_NONCE,
    OverlayCase,
    join_state,
    nonce_of,
)
from spec.v1.overlay.commands import JoinCommand
from spec.v1.overlay.messages import RouteAck
from spec.v1.trace import Generator, Trace
from spec.v1.wire import Ping


def join_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/join/complete-001",
        "a joins through b: b acknowledges, sends its state (position 0), c sends the root's "
        "state (position 1, leaf set e); a becomes active and announces to b, c and e.",
        ("positive",),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("b", RouteAck(token=0), "b acknowledges the hand-over")
    case.send("c", join_state("c", 1, True, leaf=("e",)), "the root c's state")
    case.send("b", join_state("b", 0, False, entries=("d",)), "b's state (position 0)")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/join/timeout-finish-001",
        "a joins through b; the root c answers but b's own state never comes: at the join "
        "timer a finishes with what it has.",
        ("positive", "edge"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("b", RouteAck(token=0), "b acknowledges")
    case.send("c", join_state("c", 1, True), "the root c's state")
    case.timer("join", "join timer")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/join/timeout-abandon-001",
        "a joins through b, which acknowledges; no state ever comes: at the join timer a "
        "gives up and is idle again.",
        ("positive", "edge"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("b", RouteAck(token=0), "b acknowledges")
    case.timer("join", "join timer")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/join/unreachable-001",
        "a joins through b, which never acknowledges: at hop_timeout a gives up at once.",
        ("positive", "edge"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.timer("hop_timeout", "b never acknowledged")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/join/pings-001",
        "A node answers pings while idle and while joining.",
        ("positive",),
        bootstrap="b",
    )
    case.send("c", Ping(nonce=nonce_of("idle"), sent_at=3), "c pings a (idle)")
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("c", Ping(nonce=nonce_of("joining"), sent_at=9), "c pings a (joining)")
    yield case.trace()
