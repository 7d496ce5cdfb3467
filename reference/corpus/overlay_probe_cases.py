"""Probing cases of the ``overlay`` protocol: failure detection, departures, leaving.

A probe round with its timeout, a ping from a node ``a`` does not know, a
departure announced to ``a``, and ``a``'s own ``leave``.
"""

from collections.abc import Iterator

from reference.corpus.overlay_casekit import (
    CaseError,
    OverlayCase,
    nonce_of,
    ref,
    ring,
)
from spec.v1.overlay.commands import LeaveCommand
from spec.v1.overlay.messages import Departure
from spec.v1.trace import Generator, Trace
from spec.v1.wire import Ping, Pong


def probe_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/probe/round-001",
        "At the probe timer a pings b, c and e; b answers, c pings a (answered); at "
        "probe_timeout c and e are declared failed and a asks b for its leaf set.",
        ("positive",),
    )
    ring(case, "b", "c", "e")
    outputs = case.timer("probe", "probe round")
    nonce = case.node.state.data.probes[0].nonce
    case.send("b", Pong(nonce=nonce, ping_sent_at=case.now), "b answers the probe")
    case.send("c", Ping(nonce=nonce_of("c"), sent_at=1), "c pings a")
    case.timer("probe_timeout", "c and e did not answer")
    if len(outputs) != 3:
        raise CaseError("overlay/probe/round-001: expected three pings")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/probe/ping-from-stranger-001",
        "c, which a does not know, pings a; c would belong in a's leaf set, so a answers and "
        "asks c for its leaf set (c holds a in its leaf set, a does not hold c).",
        ("positive", "edge"),
    )
    ring(case, "b")
    case.send("c", Ping(nonce=nonce_of("stranger"), sent_at=1), "c pings a")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/probe/departure-001",
        "b announces its departure: a forgets it at once and repairs (a leaf_request to c).",
        ("positive",),
    )
    ring(case, "b", "c")
    case.send("b", Departure(node=ref("b")), "b departs")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/probe/leave-001",
        "The leave command: a tells b and c and is departed.",
        ("positive",),
    )
    ring(case, "b", "c")
    case.command("leave", LeaveCommand(), "leave")
    yield case.trace()
