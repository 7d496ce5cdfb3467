"""Routing cases of the ``overlay`` protocol: routes delivered and forwarded, and lookups.

``a`` is the root of a route or forwards it (lookups and joins alike), drops
one at the hop limit, reroutes around a silent next hop; its own lookups are
answered or time out, and a lookup that meets an empty routing-table slot
mends it (repair on use).
"""

from collections.abc import Iterator

from reference.corpus.overlay_casekit import (
    LOOKUP_NONCE,
    CaseError,
    OverlayCase,
    identity,
    join_inner,
    joiner_near,
    lookup_inner,
    nonce_of,
    ring,
    route,
)
from reference.overlay.leafset import covers
from reference.overlay.repair import repair_targets
from reference.overlay.ring import digit, shl
from spec.v1.overlay.commands import LookupCommand
from spec.v1.overlay.constants import MAX_HOPS, RING
from spec.v1.overlay.messages import LookupReply, RouteAck
from spec.v1.trace import Generator, Trace


def route_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/route/deliver-lookup-001",
        "c forwards d's lookup of a key nearest a; a is the root: it acknowledges to c and "
        "answers d directly with the hop count.",
        ("positive",),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    key = case.node_id
    case.send("c", route(key, 2, 7, lookup_inner(d, key)), "c forwards d's lookup of a's id")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/route/forward-lookup-001",
        "c forwards d's lookup of b's id to a; a acknowledges, forwards it to b (hops + 1, a "
        "token of its own) and stops tracking it when b acknowledges.",
        ("positive",),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    key = identity("b").node_id
    case.send("c", route(key, 1, 3, lookup_inner(d, key)), "c forwards d's lookup of b")
    case.send("b", RouteAck(token=0), "b acknowledges token 0")
    yield case.trace()

    joiner = joiner_near("a", ("a", "b", "c"))
    case = OverlayCase(
        g,
        "overlay/route/deliver-join-001",
        f"b forwards {joiner}'s join request; a is the root: it acknowledges and sends "
        f"{joiner} its join_state with root set and its leaf set.",
        ("positive",),
    )
    ring(case, "b", "c")
    j = case.peer(joiner)
    case.send("b", route(j.node_id, 1, 1, join_inner(j)), f"b forwards {joiner}'s join")
    yield case.trace()

    joiner = joiner_near("b", ("a", "b", "c"))
    case = OverlayCase(
        g,
        "overlay/route/forward-join-001",
        f"{joiner} hands its join request to a (its bootstrap, hops 0); a forwards it to b "
        f"and sends {joiner} its join_state for position 0 with its neighbourhood set.",
        ("positive",),
    )
    ring(case, "b", "c")
    j = case.peer(joiner)
    case.send(joiner, route(j.node_id, 0, 0, join_inner(j)), f"{joiner} hands over its join")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/route/hop-limit-001",
        f"A route that has already been forwarded {MAX_HOPS} times and is not for a is "
        "acknowledged and dropped.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    key = identity("b").node_id
    case.send("c", route(key, MAX_HOPS, 9, lookup_inner(d, key)), "c's route at the hop limit")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/route/reroute-001",
        "a forwards a lookup to b, which never acknowledges: at hop_timeout b is declared "
        "failed (a asks c for its leaf set and for slot (0, 3)), and a re-routes the lookup "
        "to c, now the closest node it knows, with the same hop count.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    key = identity("b").node_id
    case.send("c", route(key, 1, 3, lookup_inner(d, key)), "c forwards d's lookup of b")
    case.timer("hop_timeout", "b did not acknowledge")
    yield case.trace()

    yield from _lookup_cases(g)
    yield from _mending_cases(g)


def _lookup_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/lookup/round-trip-001",
        "a looks up b's id: the lookup goes to b (hops 1), b acknowledges and answers; a "
        "records the answer.",
        ("positive",),
    )
    ring(case, "b", "c")
    key = identity("b").node_id
    case.command("lookup", LookupCommand(key=key, nonce=LOOKUP_NONCE), "look up b's id")
    case.send("b", RouteAck(token=0), "b acknowledges")
    case.send("b", LookupReply(key=key, nonce=LOOKUP_NONCE, hops=1), "b answers")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/lookup/timeout-001",
        "a's lookup is acknowledged but never answered: at lookup_timeout the answer is "
        "recorded with root null.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    key = identity("b").node_id
    case.command("lookup", LookupCommand(key=key, nonce=LOOKUP_NONCE), "look up b's id")
    case.send("b", RouteAck(token=0), "b acknowledges")
    case.timer("lookup_timeout", "no answer")
    yield case.trace()


def _mending_key(case: OverlayCase) -> bytes:
    """A key outside a's leaf-set range whose routing-table slot at a is empty, and for
    which a has someone to ask (the case's premise, checked)."""
    tables = case.node.state.data.tables
    origin = tables.me[0]
    far = tables.leaf.larger[-1][0]
    gap = (tables.leaf.smaller[-1][0] - far) % RING
    for step in range(1, 64):
        key = (far + gap * step // 64) % RING
        if covers(tables.leaf, origin, key):
            continue
        row = shl(origin, key)
        if tables.table[row][digit(key, row)] is None and repair_targets(
            tables.table, tables.me, row
        ):
            return key.to_bytes(16, "big")
    raise CaseError("overlay/lookup/mend-on-use-001: no key in the gap has an empty slot")


def _mending_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/lookup/mend-on-use-001",
        "a knows 20 peers, so its leaf set no longer covers the ring; it looks up a key "
        "outside that range whose routing-table slot is empty: it routes by the rare case "
        "and asks its nearest row entries for the slot (repair on use); a second lookup "
        "of the same slot asks nobody (the slot is remembered).",
        ("positive", "edge"),
    )
    peers = tuple(f"p{i:02d}" for i in range(20))
    ring(case, *peers)
    key = _mending_key(case)
    case.command("lookup", LookupCommand(key=key, nonce=LOOKUP_NONCE), "look up the key")
    case.command(
        "lookup", LookupCommand(key=key, nonce=nonce_of("again")), "look it up again at once"
    )
    yield case.trace()
