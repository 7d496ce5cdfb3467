"""The normative observable state of an overlay node (:class:`OverlayState`)."""

from reference.overlay import routing_table
from reference.overlay.data import OverlayData
from reference.overlay.ring import to_bytes
from spec.v1.envelope import BucketFloor, SenderSeq
from spec.v1.overlay.state import (
    FailedNode,
    JoinProgress,
    LookupAnswer,
    MendingSlot,
    OverlayState,
    PendingHop,
    PendingLookup,
    PendingProbe,
    RoutingEntry,
    Status,
)


def observe(
    control: str,
    data: OverlayData,
    next_seq: int,
    last_seq: tuple[SenderSeq, ...],
    replay_floors: tuple[BucketFloor, ...],
) -> OverlayState:
    assert control in ("idle", "joining", "active", "departed")
    status: Status = control  # type: ignore[assignment]
    tables = data.tables
    join = data.join
    return OverlayState(
        status=status,
        next_seq=next_seq,
        last_seq=last_seq,
        replay_floors=replay_floors,
        smaller=tuple(r[3] for r in reversed(tables.leaf.smaller)),
        larger=tuple(r[3] for r in tables.leaf.larger),
        routing=tuple(
            RoutingEntry(row=row, column=column, node=ref[3])
            for row, column, ref in routing_table.entries(tables.table)
        ),
        neighbours=tuple(r[3] for r in sorted(tables.neighbours.refs, key=lambda r: r[0])),
        join=None
        if join is None
        else JoinProgress(nonce=join.nonce, answered=join.answered, root_hop=join.root_hop),
        probes=tuple(
            PendingProbe(node=to_bytes(p.node), nonce=p.nonce, due=p.due) for p in data.probes
        ),
        hops=tuple(
            PendingHop(token=h.token, to=h.to[3].id, key=to_bytes(h.key), hops=h.hops, due=h.due)
            for h in data.hops
        ),
        lookups=tuple(
            PendingLookup(key=to_bytes(p.key), nonce=p.nonce, due=p.due) for p in data.lookups
        ),
        answers=tuple(
            LookupAnswer(
                key=to_bytes(a.key),
                nonce=a.nonce,
                root=None if a.root is None else to_bytes(a.root),
                hops=a.hops,
            )
            for a in data.answers
        ),
        failed=tuple(FailedNode(node=to_bytes(f.node), until=f.until) for f in data.failed),
        mending=tuple(MendingSlot(row=m.row, column=m.column, until=m.until) for m in data.mending),
        next_token=data.next_token,
    )
