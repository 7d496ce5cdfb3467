"""The overlay node: the guards and actions ``overlay.node`` names, bound into a role.

Each guard and action is a small pure function of the node's
:class:`~reference.overlay.data.OverlayData` and the
:class:`~reference.node.Stimulus`; the work is in the concept modules
(:mod:`~reference.overlay.join`, :mod:`~reference.overlay.forwarding`,
:mod:`~reference.overlay.maintenance`, :mod:`~reference.overlay.repair`).
"""

from reference.effects import CancelTimer, Effect, Emit, StartTimer
from reference.engine import Action, Guard, Machine
from reference.identity import Identity
from reference.node import Node, ProtocolRole, Stimulus
from reference.overlay import join, leafset, maintenance, rowsync
from reference.overlay.carrier import BodyCarrier, Carrier, FrameCarrier, RouteView, request_key
from reference.overlay.context import args, body, signer, stimulus
from reference.overlay.data import OverlayData, PendingLookup, with_tables
from reference.overlay.forwarding import answered, deliver, forward, passing, reroute
from reference.overlay.observe import observe
from reference.overlay.payload import deliver_payload, hop_slot_free, route_is_local, route_payload
from reference.overlay.pending import blocked, hop_timer, learn, lookup_timer, probe_timer
from reference.overlay.probing import consider_requester, probe_newcomers, probe_round
from reference.overlay.repair import declare_failed, fits, mend, row_entry_for
from reference.overlay.ring import make_ref, ref_of, to_int
from reference.overlay.routing import next_hop
from reference.overlay.tables import empty, known
from reference.overlay.wiremsg import leaf_update
from spec.v1.base import WireModel
from spec.v1.overlay import COMMAND_TYPES, PROTOCOL, TABLE
from spec.v1.overlay.commands import JoinCommand, LookupCommand, OverlayParams
from spec.v1.overlay.constants import (
    LOOKUP_TIMEOUT,
    MAX_HOPS,
    MAX_PENDING_HOPS,
    MAX_PENDING_LOOKUPS,
    PROBE_PERIOD,
    TIMER_HOP_TIMEOUT,
    TIMER_LOOKUP_TIMEOUT,
    TIMER_MAINTAIN,
    TIMER_PROBE,
    TIMER_PROBE_TIMEOUT,
)
from spec.v1.overlay.messages import (
    Announce,
    Departure,
    JoinState,
    LeafRequest,
    LeafUpdate,
    Lookup,
    LookupReply,
    RouteAck,
    RowReply,
    RowRequest,
    RowState,
    RowSync,
)
from spec.v1.wire import PROTOCOL as WIRE
from spec.v1.wire import Ping, Pong

Result = tuple[OverlayData, tuple[Effect, ...]]

# -- routed messages --


def _view(data: OverlayData, stim: Stimulus) -> RouteView | None:
    """The route, opened (a bad inner frame raises its typed error), or ``None`` when
    its key is not the key of the request it carries (misrouted)."""
    view = data.carrier.open(stim.body)
    return view if request_key(view.inner, view.key) == view.key else None


def _route_ends_here(data: OverlayData, payload: object) -> bool:
    view = _view(data, stimulus(payload))
    return view is not None and next_hop(data.tables, view.key) is None


def _forwardable(data: OverlayData, view: RouteView) -> bool:
    return view.hops < MAX_HOPS and len(data.hops) < MAX_PENDING_HOPS


def _route_continues(data: OverlayData, payload: object) -> bool:
    view = _view(data, stimulus(payload))
    return (
        view is not None
        and next_hop(data.tables, view.key) is not None
        and _forwardable(data, view)
    )


def _route_cannot_continue(data: OverlayData, payload: object) -> bool:
    view = _view(data, stimulus(payload))
    return (
        view is not None
        and next_hop(data.tables, view.key) is not None
        and not _forwardable(data, view)
    )


def _ack(stim: Stimulus, view: RouteView) -> Emit:
    return Emit("route_ack", signer(stim), RouteAck(token=view.token))


def _deliver_routed(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    view = data.carrier.open(stim.body)
    pending = data.lookups
    data, effects = deliver(data, view.inner, view.key, view.hops)
    data, asks = mend(data, view.key, stim.now)
    # the root was the lookup's origin and recorded its answer: resync lookup_timeout
    timer = () if data.lookups is pending else (lookup_timer(data),)
    return data, (_ack(stim, view), *effects, *asks, *timer)


def _forward_routed(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    view = data.carrier.open(stim.body)
    target = next_hop(data.tables, view.key)
    assert target is not None
    side = passing(data, view.inner, view.key, view.hops, target)
    data, emit = forward(data, target, view.key, view.hops + 1, view.inner, stim.now)
    data, asks = mend(data, view.key, stim.now)
    return data, (_ack(stim, view), emit, *side, *asks, hop_timer(data))


def _drop_routed(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    return data, (_ack(stim, data.carrier.open(stim.body)),)


def _hop_pending(data: OverlayData, payload: object) -> bool:
    stim = stimulus(payload)
    ack = body(stim)
    assert isinstance(ack, RouteAck)
    sender = signer(stim)
    return any(h.token == ack.token and h.to[3].id == sender for h in data.hops)


def _accept_route_ack(data: OverlayData, payload: object) -> Result:
    ack = body(stimulus(payload))
    assert isinstance(ack, RouteAck)
    updated = data._replace(hops=tuple(h for h in data.hops if h.token != ack.token))
    return updated, (hop_timer(updated),)


def _reroute_unacknowledged(data: OverlayData, payload: object) -> Result:
    now = stimulus(payload).now
    due = tuple(h for h in data.hops if h.due <= now)
    data = data._replace(hops=tuple(h for h in data.hops if h.due > now))
    data, effects = declare_failed(data, (h.to[0] for h in due), now)
    out = list(effects)
    for hop in due:
        data, sent = reroute(data, hop, now)
        out.extend(sent)
    out.extend((hop_timer(data), lookup_timer(data)))
    return data, tuple(out)


# -- joining --


def _bootstrap_known(data: OverlayData, payload: object) -> bool:
    return data.bootstrap is not None


def _start_join(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    command = args(stim)
    assert isinstance(command, JoinCommand)
    return join.start(data, command.nonce, stim.now)


def _join_state(stim: Stimulus) -> JoinState:
    state = body(stim)
    assert isinstance(state, JoinState)
    return state


def _join_state_expected(data: OverlayData, payload: object) -> bool:
    stim = stimulus(payload)
    return join.expected(data, _join_state(stim), signer(stim))


def _join_state_completes(data: OverlayData, payload: object) -> bool:
    stim = stimulus(payload)
    state = _join_state(stim)
    if not join.expected(data, state, signer(stim)):
        return False
    current = data.join
    assert current is not None
    answered_hops = {*current.answered, state.hop}
    root_hop = (
        current.root_hop if current.root_hop is not None else (state.hop if state.root else None)
    )
    return root_hop is not None and all(h in answered_hops for h in range(root_hop + 1))


def _absorb_join_state(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    return join.absorb(data, _join_state(stim), stim.now), ()


def _finish_join(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    if isinstance(stim.body, JoinState):
        data = join.absorb(data, stim.body, stim.now)
    return join.finish(data, stim.now)


def _root_answered(data: OverlayData, payload: object) -> bool:
    return data.join is not None and data.join.root_hop is not None


def _abandon_join(data: OverlayData, payload: object) -> Result:
    return join.abandon(data)


# -- the ring --


def _create_ring(data: OverlayData, payload: object) -> Result:
    now = stimulus(payload).now
    return data, (StartTimer(TIMER_PROBE, now + PROBE_PERIOD), rowsync.maintain_timer(now))


_SIGNED_BY_REF = (Announce, LeafUpdate, LeafRequest, RowRequest, RowSync, Departure)
"""The messages whose ``node`` names their sender."""


def _ref_is_signer(data: OverlayData, payload: object) -> bool:
    stim = stimulus(payload)
    message = body(stim)
    assert isinstance(message, _SIGNED_BY_REF)
    return message.node.id == signer(stim)


def _absorb_announce(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    message = body(stim)
    assert isinstance(message, Announce)
    return maintenance.absorb_announce(data, message, stim.now)


def _absorb_leaf_update(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    message = body(stim)
    assert isinstance(message, LeafUpdate)
    return maintenance.absorb_leaf_update(data, message, stim.now)


def _answer_leaf_request(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    message = body(stim)
    assert isinstance(message, LeafRequest)
    data, dropped = consider_requester(data, data.carrier.ref(message.node), stim.now)
    return data, (Emit("leaf_update", message.node.id, leaf_update(data.tables)), *dropped)


def _answer_row_request(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    message = body(stim)
    assert isinstance(message, RowRequest)
    requester = data.carrier.ref(message.node)
    reply = row_entry_for(data, requester[0], message.row, message.column)
    data, dropped = consider_requester(data, requester, stim.now)
    return data, (Emit("row_reply", message.node.id, reply), *dropped)


def _entry_fits_slot(data: OverlayData, payload: object) -> bool:
    reply = body(stimulus(payload))
    assert isinstance(reply, RowReply)
    return reply.entry is None or fits(data.tables.me[0], reply.entry, reply.row, reply.column)


def _absorb_row_reply(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    reply = body(stim)
    assert isinstance(reply, RowReply)
    if reply.entry is None:
        return data, ()
    before = data.tables.leaf
    data = with_tables(data, learn(data, (data.carrier.ref(reply.entry),), stim.now))
    return probe_newcomers(before, data, None, stim.now)


def _maintain_table(data: OverlayData, payload: object) -> Result:
    return rowsync.round_(data, stimulus(payload).now)


def _answer_row_sync(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    message = body(stim)
    assert isinstance(message, RowSync)
    return rowsync.answer(data, message, stim.now)


def _row_state_fits(data: OverlayData, payload: object) -> bool:
    stim = stimulus(payload)
    message = body(stim)
    assert isinstance(message, RowState)
    return message.node.id == signer(stim) and rowsync.fits(data.tables.me[0], message)


def _absorb_row_state(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    message = body(stim)
    assert isinstance(message, RowState)
    return rowsync.absorb(data, message, stim.now)


def _forget_departed(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    return declare_failed(data, (to_int(signer(stim)),), stim.now)


def _depart(data: OverlayData, payload: object) -> Result:
    notice = Departure(node=data.tables.me[3])
    effects: list[Effect] = [Emit("departure", ref[3].id, notice) for ref in known(data.tables)]
    effects.extend(
        CancelTimer(name)
        for name in (
            TIMER_PROBE,
            TIMER_PROBE_TIMEOUT,
            TIMER_HOP_TIMEOUT,
            TIMER_LOOKUP_TIMEOUT,
            TIMER_MAINTAIN,
        )
    )
    return data._replace(probes=(), hops=(), lookups=()), tuple(effects)


# -- probing (the wire protocol's ping and pong) --


def _answer_ping(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    ping = body(stim)
    assert isinstance(ping, Ping)
    return data, (Emit("pong", signer(stim), Pong(nonce=ping.nonce, ping_sent_at=ping.sent_at)),)


def _answer_member_ping(data: OverlayData, payload: object) -> Result:
    """Answer; and a node that pings us from where our leaf set should know it (it holds
    us in its leaf set) but does not is asked for its leaf set."""
    stim = stimulus(payload)
    data, effects = _answer_ping(data, payload)
    sender = signer(stim)
    node = to_int(sender)
    stop = blocked(data.failed, stim.now) if data.failed else frozenset()
    if node not in stop and leafset.eligible(data.tables.leaf, data.tables.me[0], node):
        effects = (*effects, Emit("leaf_request", sender, LeafRequest(node=data.tables.me[3])))
    return data, effects


def _probe_pending(data: OverlayData, payload: object) -> bool:
    stim = stimulus(payload)
    pong = body(stim)
    assert isinstance(pong, Pong)
    node = to_int(signer(stim))
    return any(p.node == node and p.nonce == pong.nonce for p in data.probes)


def _accept_probe_reply(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    pong = body(stim)
    assert isinstance(pong, Pong)
    node = to_int(signer(stim))
    probes = tuple(p for p in data.probes if not (p.node == node and p.nonce == pong.nonce))
    data = data._replace(probes=probes)
    return data, (probe_timer(data),)


def _probe_leaf_set(data: OverlayData, payload: object) -> Result:
    return probe_round(data, stimulus(payload).now)


def _fail_unanswered(data: OverlayData, payload: object) -> Result:
    now = stimulus(payload).now
    due = [p.node for p in data.probes if p.due <= now]
    data = data._replace(probes=tuple(p for p in data.probes if p.due > now))
    return declare_failed(data, due, now)


# -- lookups --


def _lookup_command(stim: Stimulus) -> LookupCommand:
    command = args(stim)
    assert isinstance(command, LookupCommand)
    return command


def _nonce_free(data: OverlayData, nonce: bytes) -> bool:
    return all(p.nonce != nonce for p in data.lookups)


def _lookup_is_local(data: OverlayData, payload: object) -> bool:
    command = _lookup_command(stimulus(payload))
    return _nonce_free(data, command.nonce) and next_hop(data.tables, to_int(command.key)) is None


def _lookup_slot_free(data: OverlayData, payload: object) -> bool:
    command = _lookup_command(stimulus(payload))
    return (
        _nonce_free(data, command.nonce)
        and len(data.lookups) < MAX_PENDING_LOOKUPS
        and len(data.hops) < MAX_PENDING_HOPS
    )


def _answer_locally(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    command = _lookup_command(stim)
    key = to_int(command.key)
    data = answered(data, key, command.nonce, data.tables.me[0], 0)
    return mend(data, key, stim.now)


def _start_lookup(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    command = _lookup_command(stim)
    key = to_int(command.key)
    target = next_hop(data.tables, key)
    assert target is not None
    inner = data.carrier.originate(Lookup(key=command.key, nonce=command.nonce))
    pending = PendingLookup(command.nonce, key, stim.now + LOOKUP_TIMEOUT)
    lookups = tuple(sorted((*data.lookups, pending)))
    data, emit = forward(data._replace(lookups=lookups), target, key, 1, inner, stim.now)
    data, asks = mend(data, key, stim.now)
    return data, (emit, *asks, hop_timer(data), lookup_timer(data))


def _lookup_pending(data: OverlayData, payload: object) -> bool:
    reply = body(stimulus(payload))
    assert isinstance(reply, LookupReply)
    key = to_int(reply.key)
    return any(p.nonce == reply.nonce and p.key == key for p in data.lookups)


def _record_answer(data: OverlayData, payload: object) -> Result:
    stim = stimulus(payload)
    reply = body(stim)
    assert isinstance(reply, LookupReply)
    root = to_int(signer(stim))
    data = answered(data, to_int(reply.key), reply.nonce, root, reply.hops)
    return data, (lookup_timer(data),)


def _expire_lookups(data: OverlayData, payload: object) -> Result:
    now = stimulus(payload).now
    for p in data.lookups:
        if p.due <= now:
            data = answered(data, p.key, p.nonce, None, 0)
    return data, (lookup_timer(data),)


GUARDS: dict[str, Guard[OverlayData]] = {
    "bootstrap_known": _bootstrap_known,
    "join_state_completes": _join_state_completes,
    "join_state_expected": _join_state_expected,
    "hop_pending": _hop_pending,
    "root_answered": _root_answered,
    "probe_pending": _probe_pending,
    "route_ends_here": _route_ends_here,
    "route_continues": _route_continues,
    "route_cannot_continue": _route_cannot_continue,
    "ref_is_signer": _ref_is_signer,
    "entry_fits_slot": _entry_fits_slot,
    "row_state_fits": _row_state_fits,
    "lookup_is_local": _lookup_is_local,
    "lookup_slot_free": _lookup_slot_free,
    "lookup_pending": _lookup_pending,
    "route_is_local": route_is_local,
    "hop_slot_free": hop_slot_free,
}

ACTIONS: dict[str, Action[OverlayData]] = {
    "create_ring": _create_ring,
    "start_join": _start_join,
    "answer_ping": _answer_ping,
    "answer_member_ping": _answer_member_ping,
    "finish_join": _finish_join,
    "absorb_join_state": _absorb_join_state,
    "accept_route_ack": _accept_route_ack,
    "abandon_join": _abandon_join,
    "accept_probe_reply": _accept_probe_reply,
    "probe_leaf_set": _probe_leaf_set,
    "fail_unanswered": _fail_unanswered,
    "deliver_routed": _deliver_routed,
    "forward_routed": _forward_routed,
    "drop_routed": _drop_routed,
    "reroute_unacknowledged": _reroute_unacknowledged,
    "absorb_announce": _absorb_announce,
    "absorb_leaf_update": _absorb_leaf_update,
    "answer_leaf_request": _answer_leaf_request,
    "answer_row_request": _answer_row_request,
    "absorb_row_reply": _absorb_row_reply,
    "maintain_table": _maintain_table,
    "answer_row_sync": _answer_row_sync,
    "absorb_row_state": _absorb_row_state,
    "forget_departed": _forget_departed,
    "answer_locally": _answer_locally,
    "start_lookup": _start_lookup,
    "record_answer": _record_answer,
    "expire_lookups": _expire_lookups,
    "depart": _depart,
    "deliver_payload": deliver_payload,
    "route_payload": route_payload,
}

MACHINE = Machine(TABLE, guards=GUARDS, actions=ACTIONS)


def initial_data(identity: Identity, params: WireModel, carrier: Carrier) -> OverlayData:
    """A fresh node's data: its own reference from the parameters, empty tables."""
    assert isinstance(params, OverlayParams)
    me = make_ref(identity.node_id, params.x, params.y)
    bootstrap = None if params.bootstrap is None else ref_of(params.bootstrap)
    return OverlayData(tables=empty(me), carrier=carrier, bootstrap=bootstrap)


def _framed(identity: Identity, params: WireModel) -> OverlayData:
    return initial_data(identity, params, FrameCarrier(identity))


def body_data(identity: Identity, params: WireModel, shared: dict[object, object]) -> OverlayData:
    """Initial data for the simulator's body runtime (routed requests as objects,
    references interned in the runtime's ``shared`` dict)."""
    return initial_data(identity, params, BodyCarrier(identity.node_id, shared))


def _observe(node: Node[OverlayData]) -> WireModel:
    return observe(
        node.state.control,
        node.state.data,
        node.next_seq,
        node.window_entries(),
        node.window_floors(),
    )


ROLE: ProtocolRole[OverlayData] = ProtocolRole(
    protocol=PROTOCOL,
    speaks=frozenset({PROTOCOL, WIRE}),
    machine=MACHINE,
    params_model=OverlayParams,
    commands=COMMAND_TYPES,
    initial_data=_framed,
    observe=_observe,
)
