"""The deterministic network simulator: many reference nodes, one seed, one event order.

Build a :class:`Simulator` over a :class:`Runtime` (:class:`FrameRuntime`
drives reference nodes with signed frames), add nodes, schedule commands,
churn and partitions, optionally attach misbehaving :mod:`behaviours` and
:meth:`~Simulator.record` a node, then :meth:`~Simulator.run`. See
``network.py`` for the event model and ``topology.py`` for latency.
"""

from reference.codec import encode_message
from reference.sim.behaviours import (
    Behaviour,
    Dropping,
    Forging,
    Lying,
    PeerContext,
    Replaying,
    Send,
    Silent,
    flip_first_field,
)
from reference.sim.network import WIRE_PARAMS, LogEntry, NetworkConfig, Simulator, Status
from reference.sim.recorder import Recorder
from reference.sim.runtime import FrameRuntime, Runtime
from reference.sim.stats import NodeCounts, Stats
from reference.sim.streams import PPM, Seed
from reference.sim.topology import LatencyModel, Partition, Point
from spec.v1.base import WireModel
from spec.v1.trace import Command


def command(name: str, args: WireModel) -> Command:
    """A local command input: ``name`` with the deterministic CBOR of ``args``."""
    return Command(kind="command", name=name, args=encode_message(args))


__all__ = [
    "PPM",
    "WIRE_PARAMS",
    "Behaviour",
    "Dropping",
    "Forging",
    "FrameRuntime",
    "LatencyModel",
    "LogEntry",
    "Lying",
    "NetworkConfig",
    "NodeCounts",
    "Partition",
    "PeerContext",
    "Point",
    "Recorder",
    "Replaying",
    "Runtime",
    "Seed",
    "Send",
    "Silent",
    "Simulator",
    "Stats",
    "Status",
    "command",
    "flip_first_field",
]
