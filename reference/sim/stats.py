"""What the network did, as plain integers: per message type, per drop reason, per node."""

from dataclasses import dataclass, field, fields


@dataclass(slots=True)
class NodeCounts:
    """One node's traffic."""

    sent: int = 0
    """Messages that left the node (after its behaviour, if any)."""
    withheld: int = 0
    """Outputs its behaviour kept off the wire (net of any it added)."""
    received: int = 0
    """Messages delivered to it (accepted or not)."""
    rejected: int = 0
    """Inputs it refused: messages, timers and commands."""
    lost: int = 0
    """Messages it sent that the network dropped."""
    commands: int = 0
    timers: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: int(getattr(self, f.name)) for f in fields(self)}


def bump(counter: dict[str, int], key: str, by: int = 1) -> None:
    counter[key] = counter.get(key, 0) + by


@dataclass(slots=True)
class Stats:
    """Counters the simulator keeps while it runs."""

    sent: dict[str, int] = field(default_factory=dict)
    """Messages put on the wire, by label (``protocol/type``)."""
    delivered: dict[str, int] = field(default_factory=dict)
    """Messages handed to their destination node, by label."""
    dropped: dict[str, int] = field(default_factory=dict)
    """Messages lost on the way, by label."""
    drop_reasons: dict[str, int] = field(default_factory=dict)
    """Messages lost on the way, by reason: ``loss``, ``partition``, ``unknown`` (no such
    node), ``absent`` (not joined yet), ``crashed``, ``departed``, ``refused`` (the
    receiver's behaviour)."""
    rejected: dict[str, int] = field(default_factory=dict)
    """Inputs nodes refused, by error code."""
    events: int = 0
    commands: int = 0
    commands_dropped: int = 0
    """Commands for a node that was not running."""
    timers_fired: int = 0
    timers_stale: int = 0
    """Timer events that found their timer cancelled or restarted."""
    nodes: list[NodeCounts] = field(default_factory=list)
    """Per node, by the node's index (the order nodes were added)."""
    names: list[str] = field(default_factory=list)

    def node(self, name: str) -> NodeCounts:
        return self.nodes[self.names.index(name)]

    def as_dict(self) -> dict[str, object]:
        """Everything as plain, key-sorted data: dicts of ints and ints."""
        return {
            "sent": dict(sorted(self.sent.items())),
            "delivered": dict(sorted(self.delivered.items())),
            "dropped": dict(sorted(self.dropped.items())),
            "drop_reasons": dict(sorted(self.drop_reasons.items())),
            "rejected": dict(sorted(self.rejected.items())),
            "events": self.events,
            "commands": self.commands,
            "commands_dropped": self.commands_dropped,
            "timers_fired": self.timers_fired,
            "timers_stale": self.timers_stale,
            "nodes": {
                name: counts.as_dict()
                for name, counts in sorted(zip(self.names, self.nodes, strict=True))
            },
        }
