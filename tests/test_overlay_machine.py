"""One overlay node under arbitrary input: a hypothesis state machine over the frame pipeline.

Peers from a small pool send every overlay message type (valid, forged or out of
place), the node's application issues commands, and running timers fire. After
every input, accepted or refused, the node's state must satisfy the spec's
structural invariants: well-formed observable state, the leaf-set, routing-table
and neighbourhood-set rules, bounded pending lists, timers that match what is
pending, and no failed node in any table. A refused input must leave the node
exactly as it was.
"""

from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from reference.codec import decode_message, encode_message
from reference.envelope import seal
from reference.identity import Identity
from reference.node import Node, create, handle, observe
from reference.overlay import leafset, routing_table
from reference.overlay.data import OverlayData
from reference.overlay.ring import clockwise, digit, proximity, shl, to_int
from reference.overlay.role import ROLE
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.overlay import NodeRef, OverlayParams, OverlayState
from spec.v1.overlay.commands import CreateRingCommand, JoinCommand, LeaveCommand, LookupCommand
from spec.v1.overlay.constants import (
    LEAF_HALF,
    MAX_ANSWERS,
    MAX_FAILED,
    MAX_HOPS,
    NEIGHBOURHOOD_SIZE,
    TIMER_HOP_TIMEOUT,
    TIMER_LOOKUP_TIMEOUT,
    TIMER_MAINTAIN,
    TIMER_PROBE,
    TIMER_PROBE_TIMEOUT,
)
from spec.v1.overlay.messages import (
    Announce,
    Departure,
    JoinRequest,
    JoinState,
    LeafRequest,
    LeafUpdate,
    Lookup,
    LookupReply,
    Route,
    RouteAck,
    RowReply,
    RowRequest,
    RowState,
    RowSync,
)
from spec.v1.trace import Command, Deliver, FireTimer, Input
from spec.v1.wire import Ping, Pong

PEERS = tuple(Identity.from_label(f"overlay-machine/p{i}") for i in range(24))
ME = Identity.from_label("overlay-machine/a")
REFS = {
    p.node_id: NodeRef(id=p.node_id, x=(37 * i) % 1000, y=(91 * i) % 1000)
    for i, p in enumerate(PEERS)
}
NONCES = (b"nonce-01", b"nonce-02", b"nonce-03")

peers = st.integers(0, len(PEERS) - 1)
"""Peers are drawn by index, so that failing examples print readably."""
keys = st.one_of(st.sampled_from([p.node_id for p in PEERS]), st.binary(min_size=16, max_size=16))


class OverlayNode(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.node: Node[OverlayData] | None = None
        self.now = 0
        self.seqs: dict[bytes, int] = {}
        self.refused = 0

    @initialize(bootstrap=st.one_of(st.none(), peers), x=st.integers(0, 999), y=st.integers(0, 999))
    def create(self, bootstrap: int | None, x: int, y: int) -> None:
        boot = None if bootstrap is None else REFS[PEERS[bootstrap].node_id]
        params = OverlayParams(x=x, y=y, bootstrap=boot, replay_senders=4096)
        self.node = create(ROLE, ME, encode_message(params))

    # -- feeding input --

    def apply(self, item: Input, advance: int = 1) -> None:
        assert self.node is not None
        at = self.now + advance
        before = self.node
        observed = observe(before)
        try:
            self.node, _ = handle(before, at, item)
        except E.EngineError:
            raise
        except E.PeerMarketError as exc:
            assert exc.code in E.ERROR_CODES
            assert self.node is before and observe(before) == observed
            self.refused += 1
            event(f"refused {exc.code.code}")
            return
        self.now = at
        event(f"accepted in {self.node.state.control}")

    def send(self, who: int | Identity, body: WireModel, advance: int = 1) -> None:
        sender = PEERS[who] if isinstance(who, int) else who
        seq = self.seqs.get(sender.node_id, 0) + 1
        self.seqs[sender.node_id] = seq
        frame = seal(sender, body, seq)
        self.apply(Deliver(kind="deliver", link=sender.node_id, frame=frame), advance)

    def command(self, name: str, args: WireModel) -> None:
        self.apply(Command(kind="command", name=name, args=encode_message(args)))

    @property
    def data(self) -> OverlayData:
        assert self.node is not None
        return self.node.state.data

    # -- commands --

    @rule()
    def create_ring(self) -> None:
        self.command("create_ring", CreateRingCommand())

    @rule(nonce=st.sampled_from(NONCES))
    def join(self, nonce: bytes) -> None:
        self.command("join", JoinCommand(nonce=nonce))

    @rule(key=keys, nonce=st.sampled_from(NONCES))
    def lookup(self, key: bytes, nonce: bytes) -> None:
        self.command("lookup", LookupCommand(key=key, nonce=nonce))

    @rule()
    def leave(self) -> None:
        self.command("leave", LeaveCommand())

    # -- messages --

    @rule(sender=peers, listed=st.lists(peers, max_size=16), forged=st.booleans())
    def announce(self, sender: int, listed: list[int], forged: bool) -> None:
        who = REFS[PEERS[0].node_id] if forged else REFS[PEERS[sender].node_id]
        leaf = tuple(REFS[PEERS[p].node_id] for p in dict.fromkeys(listed))
        self.send(sender, Announce(node=who, leaf=leaf))

    @rule(sender=peers, listed=st.lists(peers, max_size=16))
    def leaf_update(self, sender: int, listed: list[int]) -> None:
        leaf = tuple(REFS[PEERS[p].node_id] for p in dict.fromkeys(listed))
        self.send(sender, LeafUpdate(node=REFS[PEERS[sender].node_id], leaf=leaf))

    @rule(sender=peers, row=st.integers(0, 3), column=st.integers(0, 15))
    def row_request(self, sender: int, row: int, column: int) -> None:
        self.send(sender, RowRequest(node=REFS[PEERS[sender].node_id], row=row, column=column))

    @rule(sender=peers, entry=st.one_of(st.none(), peers), row=st.integers(0, 2))
    def row_reply(self, sender: int, entry: int | None, row: int) -> None:
        column = 0 if entry is None else digit(to_int(PEERS[entry].node_id), row)
        ref = None if entry is None else REFS[PEERS[entry].node_id]
        self.send(sender, RowReply(row=row, column=column, entry=ref))

    @rule(sender=peers, row=st.integers(0, 3), forged=st.booleans())
    def row_sync(self, sender: int, row: int, forged: bool) -> None:
        who = REFS[PEERS[0].node_id] if forged else REFS[PEERS[sender].node_id]
        self.send(sender, RowSync(node=who, row=row))

    @rule(sender=peers, listed=st.lists(peers, max_size=15, unique=True), row=st.integers(0, 2))
    def row_state(self, sender: int, listed: list[int], row: int) -> None:
        entries = tuple(REFS[PEERS[p].node_id] for p in listed)
        self.send(sender, RowState(node=REFS[PEERS[sender].node_id], row=row, entries=entries))

    @rule(sender=peers)
    def leaf_request(self, sender: int) -> None:
        self.send(sender, LeafRequest(node=REFS[PEERS[sender].node_id]))

    @rule(sender=peers)
    def departure(self, sender: int) -> None:
        self.send(sender, Departure(node=REFS[PEERS[sender].node_id]))

    @rule(
        sender=peers,
        origin=peers,
        key=keys,
        hops=st.sampled_from([0, 1, 3, MAX_HOPS]),
        join=st.booleans(),
        mismatch=st.booleans(),
    )
    def route(
        self, sender: int, origin: int, key: bytes, hops: int, join: bool, mismatch: bool
    ) -> None:
        signer = PEERS[origin]
        if join:
            inner = seal(signer, JoinRequest(nonce=NONCES[0], node=REFS[signer.node_id]), 0)
            route_key = key if mismatch else signer.node_id
        else:
            inner = seal(signer, Lookup(key=key, nonce=NONCES[1]), 0)
            route_key = PEERS[1].node_id if mismatch else key
        self.send(sender, Route(key=route_key, hops=hops, token=hops + 1, frame=inner))

    @rule(sender=peers, pick=st.integers(0, 300))
    def route_ack(self, sender: int, pick: int) -> None:
        hops = self.data.hops
        token = hops[pick % len(hops)].token if hops and pick % 2 else pick
        target = hops[pick % len(hops)].to[3].id if hops and pick % 3 else PEERS[sender].node_id
        who = next((p for p in PEERS if p.node_id == target), PEERS[sender])
        self.send(who, RouteAck(token=token))

    @rule(sender=peers, pick=st.integers(0, 10), hops=st.integers(0, 6))
    def lookup_reply(self, sender: int, pick: int, hops: int) -> None:
        pending = self.data.lookups
        if pending and pick % 2:
            p = pending[pick % len(pending)]
            body = LookupReply(key=p.key.to_bytes(16, "big"), nonce=p.nonce, hops=hops)
        else:
            body = LookupReply(
                key=PEERS[pick].node_id if pick < 10 else bytes(16), nonce=NONCES[0], hops=hops
            )
        self.send(sender, body)

    @rule(
        sender=peers,
        hop=st.integers(0, 3),
        root=st.booleans(),
        listed=st.lists(peers, max_size=5),
        nonce=st.sampled_from(NONCES),
    )
    def join_state(
        self, sender: int, hop: int, root: bool, listed: list[int], nonce: bytes
    ) -> None:
        refs = tuple(REFS[PEERS[p].node_id] for p in dict.fromkeys(listed))
        body = JoinState(
            nonce=nonce,
            hop=hop,
            root=root,
            node=REFS[PEERS[sender].node_id],
            entries=refs,
            leaf=refs if root else (),
            neighbours=refs if hop == 0 else (),
        )
        self.send(sender, body)

    @rule(sender=peers, nonce=st.sampled_from(NONCES))
    def ping(self, sender: int, nonce: bytes) -> None:
        self.send(sender, Ping(nonce=nonce, sent_at=self.now))

    @rule(sender=peers, answer=st.booleans())
    def pong(self, sender: int, answer: bool) -> None:
        probes = self.data.probes
        if answer and probes:
            p = probes[0]
            who = next(q for q in PEERS if to_int(q.node_id) == p.node)
            self.send(who, Pong(nonce=p.nonce, ping_sent_at=self.now))
        else:
            self.send(sender, Pong(nonce=NONCES[2], ping_sent_at=self.now))

    @rule(pick=st.integers(0, 10), late=st.integers(0, 50))
    def fire(self, pick: int, late: int) -> None:
        assert self.node is not None
        timers = sorted(self.node.timers.items())
        if not timers:
            return
        name, due = timers[pick % len(timers)]
        self.apply(FireTimer(kind="timer", name=name), max(0, due - self.now) + late)

    # -- invariants --

    @invariant()
    def observable_state_is_well_formed(self) -> None:
        if self.node is None:
            return
        raw = observe(self.node)
        state = decode_message(OverlayState, raw)
        assert encode_message(state) == raw
        assert state.status == self.node.state.control
        assert [r.id for r in state.neighbours] == sorted(r.id for r in state.neighbours)
        assert [(e.row, e.column) for e in state.routing] == sorted(
            (e.row, e.column) for e in state.routing
        )
        assert [f.node for f in state.failed] == sorted(f.node for f in state.failed)

    @invariant()
    def tables_follow_their_rules(self) -> None:
        if self.node is None:
            return
        tables = self.data.tables
        me = tables.me
        origin = me[0]
        for side, forward in ((tables.leaf.larger, True), (tables.leaf.smaller, False)):
            assert len(side) <= LEAF_HALF
            gaps = [clockwise(origin, r[0]) if forward else clockwise(r[0], origin) for r in side]
            assert gaps == sorted(set(gaps))
        assert not leafset.contains(tables.leaf, origin)  # LSetInv
        for row, column, entry in routing_table.entries(tables.table):
            assert shl(origin, entry[0]) == row and digit(entry[0], row) == column
        m = tables.neighbours.refs
        assert len(m) <= NEIGHBOURHOOD_SIZE
        assert [(proximity(me, r), r[0]) for r in m] == sorted((proximity(me, r), r[0]) for r in m)
        blocked = {f.node for f in self.data.failed if f.until > self.now}
        present = {r[0] for r in (*tables.leaf.smaller, *tables.leaf.larger, *m)}
        present |= {e[2][0] for e in routing_table.entries(tables.table)}
        assert not (present & blocked), "a failed node is in a table"

    @invariant()
    def pending_lists_are_bounded_and_timed(self) -> None:
        if self.node is None:
            return
        data = self.data
        timers: dict[str, Any] = dict(self.node.timers)
        control = self.node.state.control
        assert len(data.answers) <= MAX_ANSWERS and len(data.failed) <= MAX_FAILED
        assert (data.join is not None) == (control == "joining")
        if control in ("idle", "departed"):
            assert not timers and not data.hops and not data.lookups and not data.probes
        # the periodic timers run exactly while the node is active
        assert (TIMER_MAINTAIN in timers) == (control == "active")
        assert (TIMER_PROBE in timers) == (control == "active")
        if data.hops:
            assert timers.get(TIMER_HOP_TIMEOUT) == min(h.due for h in data.hops)
        else:
            assert TIMER_HOP_TIMEOUT not in timers
        if data.lookups:
            assert timers.get(TIMER_LOOKUP_TIMEOUT) == min(p.due for p in data.lookups)
        else:
            assert TIMER_LOOKUP_TIMEOUT not in timers
        if data.probes:
            assert timers.get(TIMER_PROBE_TIMEOUT) == min(p.due for p in data.probes)
        members = {r[0] for r in (*data.tables.leaf.smaller, *data.tables.leaf.larger)}
        assert all(p.node in members for p in data.probes), "a probe of a non-member"
        tokens = [h.token for h in data.hops]
        assert tokens == sorted(set(tokens)) and all(t < data.next_token for t in tokens)


OverlayNode.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_overlay_node = OverlayNode.TestCase
