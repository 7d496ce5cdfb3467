"""The deterministic discrete-event network that runs many nodes.

Events pop in (tick, insertion sequence) order. Nodes are driven only
through a :class:`~reference.sim.runtime.Runtime`; what a step emits is put
on the wire, where it may be lost (seeded, per message), cut by a partition,
or arrive after the latency of its link, as a delivery whose ``link`` is the
sender's id. Timers a step starts become timer events at their due tick.
Every random choice comes from a named stream of the simulation seed, so the
same scenario and seed give the same events in the same order and the same
bytes on every machine.

Nodes are kept in flat per-index lists (not objects per node) so that
networks of 10^5 nodes stay small; per-link latency is computed, never stored.
"""

import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Generic, NamedTuple

from reference.codec import encode_message
from reference.identity import Identity
from reference.sim.behaviours import Behaviour, PeerContext, Send
from reference.sim.events import Event, EventQueue, Kind
from reference.sim.recorder import Recorder
from reference.sim.runtime import M, N, Runtime, Sends
from reference.sim.stats import NodeCounts, Stats, bump
from reference.sim.streams import Seed, below, chance, stream
from reference.sim.topology import LatencyModel, Partition, Point
from spec.v1 import errors as E
from spec.v1.envelope import MAX_REPLAY_SENDERS
from spec.v1.trace import Command, Deliver, FireTimer, Input, NodeSetup, Output
from spec.v1.wire import WireParams

WIRE_PARAMS = encode_message(WireParams(replay_senders=MAX_REPLAY_SENDERS))
"""The default parameters of a node: a ``wire`` node's, with the largest replay window."""

NAME = re.compile(r"[a-z][a-z0-9_-]{0,15}")
"""Node names follow the trace format's node names, so any node can be recorded."""


class Status(IntEnum):
    PENDING = 0
    """Added; its join tick has not come yet."""
    ALIVE = 1
    CRASHED = 2
    """Stopped without a word: processes nothing, messages to it are dropped."""
    DEPARTED = 3
    """Left gracefully: removed from the network."""


_DROP_REASON = {Status.PENDING: "absent", Status.CRASHED: "crashed", Status.DEPARTED: "departed"}


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """The network's fixed properties."""

    loss_ppm: int = 0
    """Probability, in parts per million, that any one message is lost (drawn when sent)."""
    latency: LatencyModel = field(default_factory=LatencyModel)
    plane: int = 1000
    """Coordinates not given are drawn uniformly from ``[0, plane) x [0, plane)``."""
    log: bool = False
    """Keep :attr:`Simulator.log`, one entry per event and per message sent."""

    def __post_init__(self) -> None:
        if not 0 <= self.loss_ppm <= 1_000_000:
            raise ValueError("loss_ppm must be within 0..1_000_000")
        if self.plane < 1:
            raise ValueError("plane must be at least 1")


class LogEntry(NamedTuple):
    """One thing that happened, in the order it happened."""

    tick: int
    event: str
    """``join``, ``deliver``, ``timer``, ``command``, ``send``, ``crash`` or ``leave``."""
    node: str
    peer: str
    """The other end of a message (name, or the id's hex if unknown), else empty."""
    what: str
    """Message label, timer name or command name."""
    outcome: str
    """``ok``, an error code, ``dropped:<reason>``, ``stale``, or ``at <tick>`` for a send."""


class Simulator(Generic[N, M]):
    """A network of nodes under one seed. Build the scenario, then :meth:`run` it.

    ::

        sim = Simulator(FrameRuntime(), seed="demo", config=NetworkConfig(loss_ppm=10_000))
        a = sim.add_node("a", protocol="wire", seed=seed_from_label("demo/a"))
        sim.add_node("b", protocol="wire", seed=seed_from_label("demo/b"))
        sim.command(5, "a", command("ping", PingCommand(to=sim.node_id("b"), nonce=...)))
        recorder = sim.record("a")
        sim.run(until=1_000)
        trace = recorder.trace(case_id=..., description=..., generator=...)
    """

    def __init__(
        self, runtime: Runtime[N, M], seed: Seed, config: NetworkConfig | None = None
    ) -> None:
        self.runtime = runtime
        self.seed = seed
        self.config = config if config is not None else NetworkConfig()
        self.stats = Stats()
        self.log: list[LogEntry] | None = [] if self.config.log else None
        self._queue = EventQueue()
        self._now = 0
        self._placement = stream(seed, "placement")
        self._loss = stream(seed, "loss")
        self._partitions: list[Partition] = []
        # Per node, by index (the order of add_node):
        self._names: list[str] = []
        self._ids: list[bytes] = []
        self._identities: list[Identity] = []
        self._setups: list[tuple[str, bytes]] = []  # (protocol, params)
        self._coords: list[Point] = []
        self._status: list[Status] = []
        self._nodes: list[N | None] = []
        self._by_name: dict[str, int] = {}
        self._by_id: dict[bytes, int] = {}
        # Sparse, by index:
        self._behaviours: dict[int, tuple[Behaviour[M], random.Random]] = {}
        self._recorders: dict[int, Recorder] = {}

    # -- building the scenario --

    def add_node(
        self,
        name: str,
        *,
        protocol: str,
        seed: bytes,
        params: bytes = WIRE_PARAMS,
        at: int = 0,
        coords: Point | None = None,
        behaviour: Behaviour[M] | None = None,
    ) -> bytes:
        """Add a node that joins (is created) at tick ``at``; returns its node id.

        Coordinates not given are drawn from the placement stream, in the
        order nodes are added.
        """
        if not NAME.fullmatch(name):
            raise ValueError(f"node name {name!r} must match {NAME.pattern}")
        if name in self._by_name:
            raise ValueError(f"node {name!r} already exists")
        self._check_tick(at)
        identity = Identity.from_seed(seed)
        if identity.node_id in self._by_id:
            other = self._names[self._by_id[identity.node_id]]
            raise ValueError(f"node {name!r} has the same id as {other!r}")
        if coords is None:
            plane = self.config.plane
            coords = (below(self._placement, plane), below(self._placement, plane))
        index = len(self._names)
        self._names.append(name)
        self._ids.append(identity.node_id)
        self._identities.append(identity)
        self._setups.append((protocol, params))
        self._coords.append((int(coords[0]), int(coords[1])))
        self._status.append(Status.PENDING)
        self._nodes.append(None)
        self._by_name[name] = index
        self._by_id[identity.node_id] = index
        self.stats.names.append(name)
        self.stats.nodes.append(NodeCounts())
        if behaviour is not None:
            self._behaviours[index] = (behaviour, stream(self.seed, f"behaviour/{name}"))
        self._queue.push(at, Kind.JOIN, index)
        return identity.node_id

    def command(self, at: int, node: str, command: Command) -> None:
        """Give ``node`` a local command at tick ``at``."""
        self._check_tick(at)
        self._queue.push(at, Kind.COMMAND, self._index(node), -1, command)

    def crash(self, at: int, node: str) -> None:
        """``node`` stops at tick ``at``: it handles nothing more, messages to it are dropped."""
        self._check_tick(at)
        self._queue.push(at, Kind.CRASH, self._index(node))

    def leave(self, at: int, node: str) -> None:
        """``node`` leaves at tick ``at``. Schedule any goodbye command before this tick."""
        self._check_tick(at)
        self._queue.push(at, Kind.LEAVE, self._index(node))

    def partition(self, start: int, end: int, groups: Iterable[Iterable[str]]) -> None:
        """From ``start`` until ``end`` (exclusive) the groups cannot reach each other.

        Nodes in no group form one more group together.
        """
        self._check_tick(start)
        indices = [[self._index(name) for name in group] for group in groups]
        self._partitions.append(Partition.of(start, end, indices))

    def record(self, node: str, *, state_every: int = 1, limit: int | None = None) -> Recorder:
        """Record ``node``'s steps from its creation; see :class:`Recorder` for the options."""
        index = self._index(node)
        if self._status[index] != Status.PENDING:
            raise ValueError(f"record {node!r} before it joins: a trace starts at creation")
        protocol, params = self._setups[index]
        setup = NodeSetup(
            name=node, protocol=protocol, seed=self._identities[index].seed, params=params
        )
        recorder = Recorder(setup, self._ids[index], self.name_of, state_every, limit)
        self._recorders[index] = recorder
        return recorder

    # -- running --

    def run(self, until: int | None = None, *, max_events: int | None = None) -> int:
        """Process events up to tick ``until`` (all, if None); returns how many were processed.

        ``max_events`` bounds the work (a scenario with periodic timers never
        runs dry). When every event up to ``until`` is done, time advances to
        ``until``.
        """
        queue = self._queue
        pop_due = queue.pop_due
        dispatch = self._dispatch
        done = 0
        while True:
            if max_events is not None and done >= max_events:
                tick = queue.next_tick()
                if tick is None or (until is not None and tick > until):
                    self._advance(until)
                break
            event = pop_due(until)
            if event is None:
                self._advance(until)
                break
            self._now = event.tick
            dispatch(event)
            done += 1
        self.stats.events += done
        return done

    def _advance(self, until: int | None) -> None:
        """Every event up to ``until`` is done: time moves on to it."""
        if until is not None and until > self._now:
            self._now = until

    @property
    def now(self) -> int:
        return self._now

    @property
    def pending_events(self) -> int:
        return len(self._queue)

    # -- looking at the network (never at protocol data) --

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._names)

    def node_id(self, name: str) -> bytes:
        return self._ids[self._index(name)]

    def identity(self, name: str) -> Identity:
        return self._identities[self._index(name)]

    def name_of(self, node_id: bytes) -> str | None:
        index = self._by_id.get(node_id)
        return None if index is None else self._names[index]

    def coords(self, name: str) -> Point:
        return self._coords[self._index(name)]

    def latency(self, a: str, b: str) -> int:
        """Ticks a message takes from ``a`` to ``b``."""
        return self.config.latency.ticks(self.coords(a), self.coords(b))

    def status(self, name: str) -> str:
        return self._status[self._index(name)].name.lower()

    def node(self, name: str) -> N | None:
        """The runtime's node value (None before it joins); for tests and experiments."""
        return self._nodes[self._index(name)]

    def observe(self, name: str) -> bytes:
        return self.runtime.observe(self._live_node(self._index(name)))

    def timers(self, name: str) -> Mapping[str, int]:
        return self.runtime.timers(self._live_node(self._index(name)))

    def node_stats(self, name: str) -> NodeCounts:
        return self.stats.nodes[self._index(name)]

    def rng(self, label: str) -> random.Random:
        """A seeded random stream for a scenario's workload, apart from the network's own."""
        return stream(self.seed, f"workload/{label}")

    # -- events --

    def _dispatch(self, event: Event) -> None:
        kind = event.kind
        if kind is Kind.DELIVER:
            self._deliver(event)
        elif kind is Kind.TIMER:
            self._timer(event)
        elif kind is Kind.COMMAND:
            self._command(event)
        elif kind is Kind.SEND:
            to, message = event.data
            self._launch(event.node, to, message)
        elif kind is Kind.JOIN:
            self._join(event.node)
        elif kind is Kind.CRASH:
            self._stop(event.node, Status.CRASHED, "crash")
        else:
            self._stop(event.node, Status.DEPARTED, "leave")

    def _join(self, index: int) -> None:
        if self._status[index] != Status.PENDING:
            return
        protocol, params = self._setups[index]
        created = self.runtime.create(self._identities[index], protocol, params)
        self._nodes[index] = created
        self._status[index] = Status.ALIVE
        self._note("join", index, -1, protocol, "ok")
        self._schedule_timers(index, {}, self.runtime.timers(created))

    def _stop(self, index: int, status: Status, what: str) -> None:
        if self._status[index] in (Status.PENDING, Status.ALIVE):
            self._status[index] = status
            self._note(what, index, -1, "", "ok")

    def _deliver(self, event: Event) -> None:
        dst, src = event.node, event.peer
        message, sent, label = event.data
        status = self._status[dst]
        reason = None
        if status != Status.ALIVE:
            reason = _DROP_REASON[status]
        elif self._partitions and any(
            p.separates(src, dst, sent, event.tick) for p in self._partitions
        ):
            reason = "partition"
        elif dst in self._behaviours:
            behaviour, rng = self._behaviours[dst]
            context = PeerContext(event.tick, self._identities[dst], rng)
            if not behaviour.incoming(context, self._ids[src], message):
                reason = "refused"
        if reason is not None:
            self._drop(src, label, reason)
            self._note("deliver", dst, src, label, f"dropped:{reason}")
            return
        delivered = self.stats.delivered
        delivered[label] = delivered.get(label, 0) + 1
        self.stats.nodes[dst].received += 1
        link = self._ids[src]
        self._step(
            dst,
            lambda node: self.runtime.deliver(node, event.tick, link, message),
            lambda: Deliver(kind="deliver", link=link, frame=_frame(message)),
            "deliver",
            src,
            label,
        )

    def _timer(self, event: Event) -> None:
        index = event.node
        name, due = event.data
        node = self._nodes[index]
        if (
            self._status[index] != Status.ALIVE
            or node is None
            or self.runtime.timers(node).get(name) != due
        ):
            self.stats.timers_stale += 1
            self._note("timer", index, -1, name, "stale")
            return
        self.stats.timers_fired += 1
        self.stats.nodes[index].timers += 1
        self._step(
            index,
            lambda n: self.runtime.fire(n, event.tick, name),
            lambda: FireTimer(kind="timer", name=name),
            "timer",
            -1,
            name,
            fired=name,
        )

    def _command(self, event: Event) -> None:
        index = event.node
        command: Command = event.data
        if self._status[index] != Status.ALIVE:
            self.stats.commands_dropped += 1
            self._note("command", index, -1, command.name, "dropped:not-running")
            return
        self.stats.commands += 1
        self.stats.nodes[index].commands += 1
        self._step(
            index,
            lambda n: self.runtime.command(n, event.tick, command),
            lambda: command,
            "command",
            -1,
            command.name,
        )

    def _step(
        self,
        index: int,
        attempt: Callable[[N], tuple[N, Sends[M]]],
        as_input: Callable[[], Input],
        what: str,
        peer: int,
        label: str,
        fired: str | None = None,
    ) -> None:
        """Step one node; a refusal is counted, recorded and changes nothing."""
        node = self._live_node(index)
        try:
            updated, sends = attempt(node)
        except E.EngineError:
            raise
        except E.PeerMarketError as exc:
            code = exc.code.code
            bump(self.stats.rejected, code)
            self.stats.nodes[index].rejected += 1
            self._note(what, index, peer, label, code)
            self._record(index, as_input, (), code, node, what, peer, label)
            return
        self._nodes[index] = updated
        if self.log is not None:
            self._note(what, index, peer, label, "ok")
        if self._recorders:
            self._record(index, as_input, sends, None, updated, what, peer, label)
        timers = self.runtime.timers
        before = timers(node)
        after = timers(updated)
        # (the common case, cheaply: a step that touched no timer keeps the same mapping)
        if after is not before or fired is not None:
            if fired is not None:
                before = {name: due for name, due in before.items() if name != fired}
            if (after or before) and dict(after) != dict(before):
                self._schedule_timers(index, before, after)
        if sends:
            self._transmit(index, sends)

    def _schedule_timers(
        self, index: int, before: Mapping[str, int], after: Mapping[str, int]
    ) -> None:
        """Queue a timer event for every timer started or restarted by the last step.

        A cancelled or restarted timer's old event stays queued and is
        discarded when it pops (:meth:`_timer` checks the node's timers).
        """
        for name, due in sorted(after.items()):
            if before.get(name) != due:
                self._queue.push(max(due, self._now), Kind.TIMER, index, -1, (name, due))

    def _transmit(self, src: int, sends: Sends[M]) -> None:
        entry = self._behaviours.get(src)
        if entry is None:
            for to, message in sends:
                self._launch(src, to, message)
            return
        behaviour, rng = entry
        context = PeerContext(self._now, self._identities[src], rng)
        planned = behaviour.outgoing(context, tuple(Send(to, message) for to, message in sends))
        self.stats.nodes[src].withheld += max(0, len(sends) - len(planned))
        for send in planned:
            if send.delay > 0:
                later = self._now + send.delay
                self._queue.push(later, Kind.SEND, src, -1, (send.to, send.message))
            else:
                self._launch(src, send.to, send.message)

    def _launch(self, src: int, to: bytes, message: M) -> None:
        """Put one message on the wire now."""
        if self._status[src] != Status.ALIVE:
            return
        label = self.runtime.label(message)
        sent = self.stats.sent
        sent[label] = sent.get(label, 0) + 1
        self.stats.nodes[src].sent += 1
        dst = self._by_id.get(to)
        if dst is None:
            self._drop(src, label, "unknown")
            self._note_send(src, to.hex(), label, "dropped:unknown")
            return
        if self.config.loss_ppm and chance(self._loss, self.config.loss_ppm):
            self._drop(src, label, "loss")
            self._note_send(src, self._names[dst], label, "dropped:loss")
            return
        arrival = self._now + self.config.latency.ticks(self._coords[src], self._coords[dst])
        self._queue.push(arrival, Kind.DELIVER, dst, src, (message, self._now, label))
        self._note_send(src, self._names[dst], label, f"at {arrival}")

    def _drop(self, src: int, label: str, reason: str) -> None:
        bump(self.stats.dropped, label)
        bump(self.stats.drop_reasons, reason)
        self.stats.nodes[src].lost += 1

    # -- recording and logging --

    def _record(
        self,
        index: int,
        as_input: Callable[[], Input],
        sends: Sends[M],
        error: str | None,
        after: N,
        what: str,
        peer: int,
        label: str,
    ) -> None:
        recorder = self._recorders.get(index)
        if recorder is None or recorder.full:
            return
        outputs = tuple(Output(to=to, frame=_frame(message)) for to, message in sends)
        note = f"{label} from {self._names[peer]}" if peer >= 0 else f"{what} {label}"
        recorder.add(
            self._now, as_input(), outputs, error, lambda: self.runtime.observe(after), note
        )

    def _note(self, event: str, index: int, peer: int, what: str, outcome: str) -> None:
        if self.log is not None:
            other = self._names[peer] if peer >= 0 else ""
            self.log.append(LogEntry(self._now, event, self._names[index], other, what, outcome))

    def _note_send(self, src: int, peer: str, label: str, outcome: str) -> None:
        if self.log is not None:
            self.log.append(LogEntry(self._now, "send", self._names[src], peer, label, outcome))

    # -- helpers --

    def _index(self, name: str) -> int:
        index = self._by_name.get(name)
        if index is None:
            raise KeyError(f"no node {name!r}")
        return index

    def _live_node(self, index: int) -> N:
        node = self._nodes[index]
        if node is None:
            raise ValueError(f"node {self._names[index]!r} has not joined")
        return node

    def _check_tick(self, tick: int) -> None:
        if tick < self._now:
            raise ValueError(f"tick {tick} is in the past (now {self._now})")


def _frame(message: object) -> bytes:
    if not isinstance(message, bytes):
        raise TypeError("recording a trace needs a runtime whose messages are frames (bytes)")
    return message
