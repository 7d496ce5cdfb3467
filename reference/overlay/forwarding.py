"""Routed messages: taking a ``route`` over, forwarding it, delivering it, re-routing it.

Every accepted ``route`` is acknowledged to its sender at once (``route_ack``
with the route's token). A forward is tracked until its next hop acknowledges
it; if HOP_TIMEOUT passes first, the next hop is declared failed and the
message re-routed from this node with the same hop count (the failed attempt
is not a hop).
"""

from reference.effects import Effect, Emit, UpcallEffect
from reference.overlay.carrier import Inner, is_payload
from reference.overlay.data import Answer, Hop, OverlayData
from reference.overlay.repair import mend
from reference.overlay.ring import Ref, to_bytes, to_int
from reference.overlay.routing import next_hop
from reference.overlay.wiremsg import join_state
from spec.v1.overlay.constants import HOP_TIMEOUT, MAX_ANSWERS
from spec.v1.overlay.messages import JoinRequest, Lookup, LookupReply
from spec.v1.stack import DeliverUpcall, ForwardUpcall


def forward(
    data: OverlayData, to: Ref, key: int, hops: int, inner: Inner, now: int
) -> tuple[OverlayData, Emit]:
    """Send ``route`` to ``to`` and track it until acknowledged."""
    token = data.next_token
    hop = Hop(token, to, key, hops, now + HOP_TIMEOUT, inner)
    message = data.carrier.wrap(key, hops, token, inner)
    updated = data._replace(hops=(*data.hops, hop), next_token=token + 1)
    return updated, Emit("route", to[3].id, message)


def deliver(
    data: OverlayData, inner: Inner, key: int, position: int
) -> tuple[OverlayData, tuple[Effect, ...]]:
    """This node is the root: answer the lookup's origin or send the joiner its state; an
    application's payload (a whole stack's) is handed up to it."""
    request = inner.body
    if is_payload(inner):
        assert inner.frame is not None
        return data, (UpcallEffect("deliver", DeliverUpcall(key=to_bytes(key), frame=inner.frame)),)
    if isinstance(request, Lookup):
        if inner.origin == data.tables.me[3].id:
            key = to_int(request.key)
            if not any(p.nonce == request.nonce and p.key == key for p in data.lookups):
                return data, ()
            return answered(data, key, request.nonce, data.tables.me[0], 0), ()
        reply = LookupReply(key=request.key, nonce=request.nonce, hops=position)
        return data, (Emit("lookup_reply", inner.origin, reply),)
    assert isinstance(request, JoinRequest)
    state = join_state(data.tables, request.nonce, position, True, to_int(inner.origin))
    return data, (Emit("join_state", inner.origin, state),)


def passing(
    data: OverlayData, inner: Inner, key: int, position: int, to: Ref
) -> tuple[Effect, ...]:
    """What a node does for a request it forwards to ``to``: a join request gets its rows;
    an application's payload (a whole stack's) is shown to the application."""
    request = inner.body
    if is_payload(inner):
        assert inner.frame is not None
        shown = ForwardUpcall(key=to_bytes(key), frame=inner.frame, next_hop=to[3].id)
        return (UpcallEffect("forward", shown),)
    if isinstance(request, JoinRequest):
        state = join_state(data.tables, request.nonce, position, False, to_int(inner.origin))
        return (Emit("join_state", inner.origin, state),)
    return ()


def answered(data: OverlayData, key: int, nonce: bytes, root: int | None, hops: int) -> OverlayData:
    """Record a lookup's outcome and drop it from the pending lookups (if it was there)."""
    lookups = tuple(p for p in data.lookups if not (p.nonce == nonce and p.key == key))
    answers = (*data.answers, Answer(key, nonce, root, hops))[-MAX_ANSWERS:]
    return data._replace(lookups=lookups, answers=answers)


def reroute(data: OverlayData, hop: Hop, now: int) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Send an unacknowledged message again, to the next hop the tables give now."""
    data, asks = mend(data, hop.key, now)
    target = next_hop(data.tables, hop.key)
    if target is None:
        data, effects = deliver(data, hop.inner, hop.key, hop.hops - 1)
        return data, (*effects, *asks)
    data, emit = forward(data, target, hop.key, hop.hops, hop.inner, now)
    return data, (emit, *asks)
