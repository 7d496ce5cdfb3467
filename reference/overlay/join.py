"""Joining (Pastry section 2.4): hand a join request to the bootstrap node, collect the
state of every node on its route, announce.

The joiner X sends its signed ``join_request`` to its bootstrap node A inside a
``route`` with key X and hop count 0. A and every node after it on the route
to X's root Z send X a ``join_state``: node number ``hop`` sends its routing
rows ``hop`` to shl(node, X); A also its neighbourhood set; Z its leaf set.
X considers every reference it receives for every table (each by its own
rule). It finishes when Z's state and those of all hops 0..Z's have arrived
(or, at JOIN_TIMEOUT, if at least Z's has), then announces itself to every
node in its L, R and M and starts probing.
"""

from reference.effects import CancelTimer, Effect, Emit, StartTimer
from reference.overlay import tables as tables_mod
from reference.overlay.data import Hop, Join, OverlayData
from reference.overlay.pending import hop_timer, learn
from reference.overlay.rowsync import maintain_timer
from reference.overlay.wiremsg import announce
from spec.v1.overlay.constants import (
    HOP_TIMEOUT,
    JOIN_TIMEOUT,
    PROBE_PERIOD,
    TIMER_HOP_TIMEOUT,
    TIMER_JOIN,
    TIMER_PROBE,
)
from spec.v1.overlay.messages import JoinRequest, JoinState


def start(data: OverlayData, nonce: bytes, now: int) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Hand the join request to the bootstrap node (tracked like any forward)."""
    bootstrap = data.bootstrap
    assert bootstrap is not None
    me = data.tables.me
    inner = data.carrier.originate(JoinRequest(nonce=nonce, node=me[3]))
    token = data.next_token
    hop = Hop(token, bootstrap, me[0], 0, now + HOP_TIMEOUT, inner)
    message = data.carrier.wrap(me[0], 0, token, inner)
    updated = data._replace(join=Join(nonce, (), None), hops=(hop,), next_token=token + 1)
    return updated, (
        Emit("route", bootstrap[3].id, message),
        StartTimer(TIMER_JOIN, now + JOIN_TIMEOUT),
        hop_timer(updated),
    )


def expected(data: OverlayData, state: JoinState, sender: bytes) -> bool:
    """A ``join_state`` for the join under way, from the node it names."""
    return data.join is not None and state.nonce == data.join.nonce and state.node.id == sender


def absorb(data: OverlayData, state: JoinState, now: int) -> OverlayData:
    """Consider every reference of ``state`` and note its hop (and the root's)."""
    join = data.join
    assert join is not None
    ref = data.carrier.ref
    refs = [ref(state.node)]
    refs.extend(ref(r) for r in state.entries)
    refs.extend(ref(r) for r in state.leaf)
    refs.extend(ref(r) for r in state.neighbours)
    answered = (
        join.answered if state.hop in join.answered else tuple(sorted((*join.answered, state.hop)))
    )
    root_hop = join.root_hop if join.root_hop is not None or not state.root else state.hop
    return data._replace(tables=learn(data, refs, now), join=Join(join.nonce, answered, root_hop))


def finish(data: OverlayData, now: int) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Become active: announce to every node of L, R and M (by id), start probing."""
    finished = data._replace(join=None, hops=())
    message = announce(finished.tables)
    effects: list[Effect] = [
        Emit("announce", ref[3].id, message) for ref in tables_mod.known(finished.tables)
    ]
    effects.extend(
        (
            CancelTimer(TIMER_JOIN),
            CancelTimer(TIMER_HOP_TIMEOUT),
            StartTimer(TIMER_PROBE, now + PROBE_PERIOD),
            maintain_timer(now),
        )
    )
    return finished, tuple(effects)


def abandon(data: OverlayData) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Back to idle, knowing nobody: the application may try again."""
    reset = data._replace(tables=tables_mod.empty(data.tables.me), join=None, hops=())
    return reset, (CancelTimer(TIMER_JOIN), CancelTimer(TIMER_HOP_TIMEOUT))
