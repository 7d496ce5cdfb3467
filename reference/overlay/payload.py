"""An application's payloads, in the overlay of a whole stack (``stack.md``).

The application above hands its overlay a ``route`` downcall: an inner frame
of its own protocol and the key to carry it to. The overlay routes it as it
routes its own lookups (hop count 1 at the first hop, tracked until the next
hop acknowledges it, re-routed when it does not); at the root it is handed up
as a ``deliver`` upcall, and on the way every hop shows it to its own
application as a ``forward`` upcall (:mod:`reference.overlay.forwarding`).
"""

from reference.effects import Effect, UpcallEffect
from reference.overlay.carrier import Inner
from reference.overlay.context import args, body, stimulus
from reference.overlay.data import OverlayData
from reference.overlay.forwarding import forward
from reference.overlay.pending import hop_timer
from reference.overlay.repair import mend
from reference.overlay.ring import to_int
from reference.overlay.routing import next_hop
from spec.v1.overlay.constants import MAX_PENDING_HOPS
from spec.v1.stack import DeliverUpcall, RouteArgs

Result = tuple[OverlayData, tuple[Effect, ...]]


def _call(payload: object) -> RouteArgs:
    call = args(stimulus(payload))
    assert isinstance(call, RouteArgs)
    return call


def route_is_local(data: OverlayData, payload: object) -> bool:
    """This node is the key's root: no other node is numerically closer."""
    return next_hop(data.tables, to_int(_call(payload).key)) is None


def hop_slot_free(data: OverlayData, payload: object) -> bool:
    """There is room to track one more unacknowledged forward."""
    return len(data.hops) < MAX_PENDING_HOPS


def deliver_payload(data: OverlayData, payload: object) -> Result:
    """Hand the payload straight back up, as its root; repair the routing towards the key."""
    stim = stimulus(payload)
    call = _call(payload)
    data, asks = mend(data, to_int(call.key), stim.now)
    return data, (*asks, UpcallEffect("deliver", DeliverUpcall(key=call.key, frame=call.frame)))


def route_payload(data: OverlayData, payload: object) -> Result:
    """Send the payload to the next hop, as this node's own routed message (hops 1)."""
    stim = stimulus(payload)
    call = _call(payload)
    key = to_int(call.key)
    target = next_hop(data.tables, key)
    assert target is not None
    inner = Inner(stim.self_id, body(stim), call.frame)
    data, emit = forward(data, target, key, 1, inner, stim.now)
    data, asks = mend(data, key, stim.now)
    return data, (emit, *asks, hop_timer(data))
