"""Cases of failure handling and repair.

What declaring nodes failed asks for and remembers: the repair targets of an
emptied slot, topped up from the next row (none after row 31, reached with
nodes a peer invented) and ordered by proximity then id; a slot with nobody to
ask skipped, not ending the repairs; the refill of a side that lost a member;
the failed list's expiry and its bound. And repair on use: which slots are
remembered as asked about, and until when. What a node waits for (timers,
answers, bounds, joins) is in :mod:`reference.corpus.overlay_pending_cases`.

The premise of every step is checked while the case is recorded.
"""

from collections.abc import Iterator

from reference.corpus.casekit import CaseError
from reference.corpus.overlay_casekit import (
    A_ID,
    OverlayCase,
    identity,
    kinds,
    messages_sent,
    ref,
    ring,
    slot_of,
)
from reference.corpus.overlay_rule_cases import near_a
from reference.overlay.leafset import covers
from reference.overlay.ring import digit, shl, to_int
from spec.v1.overlay import NodeRef
from spec.v1.overlay.commands import CreateRingCommand, LookupCommand
from spec.v1.overlay.constants import (
    FAILED_MEMORY,
    MAX_FAILED,
    MAX_MENDING,
    MENDING_MEMORY,
    TIMER_HOP_TIMEOUT,
    TIMER_PROBE,
    TIMER_PROBE_TIMEOUT,
)
from spec.v1.overlay.messages import (
    Announce,
    Departure,
    RowState,
)
from spec.v1.trace import Generator, Output, Trace
from spec.v1.wire import Pong


def repair_cases(g: Generator) -> Iterator[Trace]:
    yield from _declare_cases(g)
    yield from _mending_cases(g)


# -- helpers ----------------------------------------------------------------------------------


def _to(outputs: tuple[Output, ...], kind: str) -> list[bytes]:
    """The recipients of the ``kind`` messages among ``outputs``, in order."""
    return [to for k, to in messages_sent(outputs) if k == kind]


def _ids(*names: str) -> list[bytes]:
    return [identity(n).node_id for n in names]


def _at(name: str, x: int, y: int) -> NodeRef:
    """``name``'s reference with other coordinates (a node's coordinates are its word)."""
    return NodeRef(id=identity(name).node_id, x=x, y=y)


# -- declaring nodes failed: the repairs asked for, the failed list ---------------------------


def _declare_cases(g: Generator) -> Iterator[Trace]:
    # row 1 of a's table: names whose first digit is a's (9) and second is not (a)
    p11, p0, p23 = "p11", "p0", "p23"
    case = OverlayCase(
        g,
        "overlay/probe/repair-targets-001",
        f"a's row 0 holds d and e; its row 1 holds {p11} and {p0} (both at proximity 100, "
        f"{p11} the smaller id but the larger x), {p23} (900) and g (farther). e departs: "
        f"slot (0, 15) is emptied and a asks, in this order, d (the only entry left in row "
        f"0), then the 2 nearest of row 1 that top it up to REPAIR_FANOUT: {p11}, then "
        f"{p0} (equal proximity: the smaller id first, not the smaller coordinate).",
        ("positive", "edge"),
    )
    case.command("create_ring", CreateRingCommand(), "create a ring")
    for name, node in (
        ("d", ref("d")),
        ("e", ref("e")),
        (p11, _at(p11, 510, 500)),
        (p0, _at(p0, 490, 500)),
        (p23, _at(p23, 530, 500)),
        ("g", ref("g")),
    ):
        case.send(name, Announce(node=node, leaf=()), f"{name} announces itself")
    rows = {name: slot_of(name) for name in ("d", "e", p11, p0, p23, "g")}
    if [rows[n][0] for n in ("d", "e", p11, p0, p23, "g")] != [0, 0, 1, 1, 1, 1]:
        raise CaseError(f"{case.case_id}: unexpected rows {rows}")
    outputs = case.send("e", Departure(node=ref("e")), "e departs")
    if _to(outputs, "row_request") != _ids("d", p11, p0):
        raise CaseError(f"{case.case_id}: row requests to {_to(outputs, 'row_request')}")
    yield case.trace()

    low, high = near_a(3, 0)
    members = low[:3]
    columns = {slot_of(m) for m in members}
    case = OverlayCase(
        g,
        "overlay/probe/repair-skip-001",
        f"a's routing table holds b in row 0 and {', '.join(members)} in row 2; row 1 is "
        f"empty. The probe round pings all four; {members[1]} and {members[2]} answer. At "
        f"probe_timeout b and {members[0]} are declared failed: slot {slot_of('b')} has "
        f"nobody left to ask in rows 0 and 1 and is skipped, and the repair goes on with "
        f"slot {slot_of(members[0])}, asked of {members[1]} and {members[2]}.",
        ("positive", "edge"),
    )
    if len(columns) != 3 or any(row != 2 for row, _ in columns):
        raise CaseError(f"{case.case_id}: the members should sit in three slots of row 2")
    ring(case, "b", *members)
    case.timer(TIMER_PROBE, "the probe round")
    for name in members[1:]:
        nonce = next(
            p.nonce for p in case.node.state.data.probes if p.node == to_int(identity(name).node_id)
        )
        case.send(name, Pong(nonce=nonce, ping_sent_at=case.now - 1), f"{name} answers")
    outputs = case.timer(TIMER_PROBE_TIMEOUT, "b and the first member did not answer")
    failed = {f.node for f in case.node.state.data.failed}
    if failed != {to_int(n) for n in _ids("b", members[0])}:
        raise CaseError(f"{case.case_id}: the wrong nodes were declared failed")
    if sorted(_to(outputs, "row_request")) != sorted(_ids(*members[1:])):
        raise CaseError(f"{case.case_id}: row requests to {_to(outputs, 'row_request')}")
    yield case.trace()

    near = {
        row: NodeRef(id=(A_ID ^ (1 << (4 * (31 - row)))).to_bytes(16, "big"), x=600, y=600)
        for row in (30, 31)
    }
    case = OverlayCase(
        g,
        "overlay/probe/repair-last-rows-001",
        "c's row_state lists two nodes (invented, as v1 allows a peer to do) sharing 30 and "
        "31 digits with a: they enter a's rows 30 and 31 and its leaf set, and are pinged. "
        "a's lookup of the first's id is forwarded to it and never acknowledged: at "
        "hop_timeout the first is declared failed, and its emptied slot in row 30, alone "
        "in its row, is asked of the entry of row 31 (the top-up). At probe_timeout the "
        "second is declared failed: its slot is in row 31, the last, which has no next "
        "row to top up from, so nobody is asked.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    outputs = case.send(
        "c", RowState(node=ref("c"), row=0, entries=(near[30], near[31])), "c's row_state"
    )
    if _to(outputs, "ping") != sorted(r.id for r in near.values()):
        raise CaseError(f"{case.case_id}: both invented nodes should be pinged")
    case.command("lookup", LookupCommand(key=near[30].id, nonce=b"last-row"), "look it up")
    if [h.to[3] for h in case.node.state.data.hops] != [near[30]]:
        raise CaseError(f"{case.case_id}: the lookup should be forwarded to the first")
    outputs = case.timer(TIMER_HOP_TIMEOUT, "the first did not acknowledge")
    if _to(outputs, "row_request") != [near[31].id]:
        raise CaseError(f"{case.case_id}: row 30's slot should be asked of the second")
    outputs = case.timer(TIMER_PROBE_TIMEOUT, "the second did not answer its ping")
    failed = {f.node for f in case.node.state.data.failed}
    if to_int(near[31].id) not in failed or _to(outputs, "row_request"):
        raise CaseError(f"{case.case_id}: the second should be failed, nobody asked")
    yield case.trace()

    low, high = near_a(9, 8)
    below = sorted(low, key=lambda n: (A_ID - to_int(identity(n).node_id)) % (1 << 128))
    nearest, outside = below[0], below[8]
    case = OverlayCase(
        g,
        "overlay/probe/refill-smaller-001",
        f"a knows 9 nodes below it and 8 above; its predecessors are the 8 nearest below, "
        f"{outside} (the 9th) is in its routing table and neighbourhood set only. "
        f"{nearest}, a predecessor, departs: only the smaller side lost a member, and the "
        f"refill brings {outside} into it, pinged as a newcomer.",
        ("positive", "edge"),
    )
    ring(case, *low, *high)
    smaller = case.node.state.data.tables.leaf.smaller
    if to_int(identity(outside).node_id) in {r[0] for r in smaller} or len(smaller) != 8:
        raise CaseError(f"{case.case_id}: {outside} should be outside a's full smaller side")
    outputs = case.send(nearest, Departure(node=ref(nearest)), f"{nearest} departs")
    smaller = case.node.state.data.tables.leaf.smaller
    if to_int(identity(outside).node_id) not in {r[0] for r in smaller}:
        raise CaseError(f"{case.case_id}: the refill should bring {outside} in")
    if _to(outputs, "ping") != _ids(outside):
        raise CaseError(f"{case.case_id}: {outside} should be pinged")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/probe/failed-expiry-001",
        "b departs, and c one tick later; at the tick after b's entry expired (c's expires "
        "at that very tick) e departs: a's failed list then holds e only, both expired "
        "entries dropped by the declaration.",
        ("positive", "edge"),
    )
    ring(case, "b", "c", "e")
    start = case.now + 1
    case.send("b", Departure(node=ref("b")), "b departs", at=start)
    case.send("c", Departure(node=ref("c")), "c departs", at=start + 1)
    case.send("e", Departure(node=ref("e")), "e departs", at=start + 1 + FAILED_MEMORY)
    if [f.node for f in case.node.state.data.failed] != [to_int(identity("e").node_id)]:
        raise CaseError(f"{case.case_id}: only e should be on the failed list")
    yield case.trace()

    strangers = [f"x{i}" for i in range(MAX_FAILED + 1)]
    largest = max(strangers, key=lambda n: identity(n).node_id)
    case = OverlayCase(
        g,
        "overlay/probe/failed-list-full-001",
        f"{MAX_FAILED + 1} nodes a does not know depart at the same tick: a's failed list "
        f"keeps {MAX_FAILED} of them; all expire together, so the one dropped is the "
        f"largest id, {largest}.",
        ("positive", "edge"),
    )
    ring(case, "b")
    tick = case.now + 1
    for name in strangers:
        case.send(name, Departure(node=ref(name)), f"{name} departs", at=tick)
    kept = {f.node for f in case.node.state.data.failed}
    if len(kept) != MAX_FAILED or to_int(identity(largest).node_id) in kept:
        raise CaseError(f"{case.case_id}: the failed list should drop {largest}")
    yield case.trace()


# -- repair on use: the slots remembered as asked about ---------------------------------------


def _key(first: int, second: int = 0) -> bytes:
    return bytes([first, second]) + bytes(14)


def _mending_cases(g: Generator) -> Iterator[Trace]:
    low, high = near_a(8, 8)
    # (row, column) -> a key routed through that slot
    keys = {
        (0, 5): _key(0x50),
        (1, 5): _key(0x95),
        (1, 6): _key(0x96),
        (0, 6): _key(0x60),
        (0, 1): _key(0x10),
        (0, 2): _key(0x20),
    }
    t0 = 96
    case = OverlayCase(
        g,
        "overlay/lookup/mend-memory-001",
        "a's leaf set is full (16 nodes sharing its first two digits, in row 2) and b is in "
        "row 0. Lookups at consecutive ticks use the empty slots (0, 5), (1, 5), (1, 6), "
        "(0, 6), (0, 1) and (0, 2): each is another slot, so each is asked about and "
        "remembered until now + MENDING_MEMORY. One tick after (0, 5)'s entry expired, a "
        "lookup through it asks again (the expired entries are dropped, the others kept); "
        "at the very tick (0, 6)'s entry expires, a lookup through it asks again too.",
        ("positive", "edge"),
    )
    ring(case, *low, *high, "b")

    def ask(slot: tuple[int, int], label: str, at: int) -> None:
        outputs = case.command(
            "lookup",
            LookupCommand(key=keys[slot], nonce=label.encode()),
            f"look up a key through slot {slot}",
            at=at,
        )
        if "row_request" not in kinds(outputs):
            raise CaseError(f"{case.case_id}: slot {slot} should be asked about at {at}")

    for i, slot in enumerate(keys):
        ask(slot, f"mend-00{i}", t0 + i)
    ask((0, 5), "mend-100", t0 + MENDING_MEMORY + 1)
    ask((0, 6), "mend-101", t0 + MENDING_MEMORY + 3)
    mending = [(m.row, m.column, m.until) for m in case.node.state.data.mending]
    wanted = [
        (0, 1, t0 + 4 + MENDING_MEMORY),
        (0, 2, t0 + 5 + MENDING_MEMORY),
        (0, 5, t0 + 2 * MENDING_MEMORY + 1),
        (0, 6, t0 + 2 * MENDING_MEMORY + 3),
    ]
    if mending != wanted:
        raise CaseError(f"{case.case_id}: mending {mending}, expected {wanted}")
    yield case.trace()

    below, above = _nearest_9a()
    row2 = [(2, c) for c in (1, 2, 4, 5)]
    row1 = [(1, c) for c in range(16) if c != digit(A_ID, 1)]
    row0 = [(0, c) for c in range(16) if c not in (digit(A_ID, 0), slot_of("b")[1])]
    slots = [*row2, *row1, *row0]
    case = OverlayCase(
        g,
        "overlay/lookup/mend-full-001",
        f"a's leaf set holds the 8 nodes nearest below it and the 8 nearest above (ids "
        f"9a85... to 9a9f...), b is in row 0. At one tick a looks up {len(slots)} keys "
        f"through as many empty slots (rows 2, 1, then 0), each asked about: a remembers "
        f"MAX_MENDING of them; all expire together, so the one dropped is the largest "
        f"(row, column), (2, 5).",
        ("positive", "edge"),
    )
    ring(case, *below, *above, "b")
    leaf = case.node.state.data.tables.leaf
    tick = case.now + 1
    for i, (row, column) in enumerate(slots):
        if row == 0:
            key = _key(column << 4)
        elif row == 1:
            key = _key(0x90 | column)
        else:
            key = _key(0x9A, column << 4)
        if covers(leaf, A_ID, to_int(key)) or shl(A_ID, to_int(key)) != row:
            raise CaseError(f"{case.case_id}: the key for ({row}, {column}) is in range")
        outputs = case.command(
            "lookup",
            LookupCommand(key=key, nonce=b"fill%04d" % i),
            f"look up a key through slot ({row}, {column})",
            at=tick,
        )
        if "row_request" not in kinds(outputs):
            raise CaseError(f"{case.case_id}: slot ({row}, {column}) should be asked about")
    kept = [(m.row, m.column) for m in case.node.state.data.mending]
    if len(kept) != MAX_MENDING or (2, 5) in kept:
        raise CaseError(f"{case.case_id}: the mending list should drop (2, 5): {kept}")
    yield case.trace()


def _nearest_9a() -> tuple[list[str], list[str]]:
    """The 8 names ``m<i>`` (i < 40,000) with ids sharing a's first two digits nearest below
    a's id, and the 8 nearest above."""
    found = []
    for i in range(40_000):
        name = f"m{i}"
        node = identity(name).node_id
        if node[0] == 0x9A:
            found.append((to_int(node), name))
    below = [n for _, n in sorted((x for x in found if x[0] < A_ID), reverse=True)[:8]]
    above = [n for _, n in sorted(x for x in found if x[0] > A_ID)[:8]]
    return below, above


__all__ = ["repair_cases"]
