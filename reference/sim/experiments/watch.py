"""Watching an overlay network run: counting repair requests, and holding them back.

:class:`Watch` wraps the runtime of an :class:`~reference.sim.overlay.OverlayNet`
(its :class:`~reference.sim.overlay.DeliveryLog`) the way the log wraps the
node runtime: every step passes through unchanged, and the watch only looks
at what nodes send. It counts the repair requests (``leaf_request``,
``row_request``) nodes asked to send, by type, and, while
:attr:`Watch.holding` is set, keeps them off the wire: they are queued per
sender and sent with that sender's first step after holding ends. That is
how the failure experiment measures routing *after failure, before repair*:
nodes still notice failures and route around them (the same code as
always), but no repair is answered until the measurement is over. Nothing
else is changed, added or dropped.
"""

from typing import Any, Final

from reference.sim.runtime import Runtime, RuntimeWrapper, Sends
from spec.v1.overlay import PROTOCOL

REPAIR_REQUESTS: Final = frozenset({f"{PROTOCOL}/leaf_request", f"{PROTOCOL}/row_request"})
"""The messages a node sends to repair its tables (the paper's repair RPCs)."""


class Watch(RuntimeWrapper):
    """A runtime wrapper (see the module docstring); everything else passes through."""

    def __init__(self, inner: Runtime[Any, Any]) -> None:
        super().__init__(inner)
        self.repair_asked: dict[str, int] = {}
        """Repair requests nodes emitted (held or not), by label."""
        self.holding = False
        self.held: dict[bytes, list[tuple[bytes, Any]]] = {}
        """Per sender id, the repair requests kept off the wire, in emission order."""

    @property
    def held_count(self) -> int:
        return sum(len(sends) for sends in self.held.values())

    def repair_total(self) -> int:
        return sum(self.repair_asked.values())

    # -- watching --

    def _watch(
        self, before: Any, at: int, result: tuple[Any, Sends[Any]]
    ) -> tuple[Any, Sends[Any]]:
        after, sends = result
        node_id: bytes = before.identity.node_id
        if sends:
            kept: list[tuple[bytes, Any]] = []
            for send in sends:
                label = self.inner.label(send[1])
                if label in REPAIR_REQUESTS:
                    self.repair_asked[label] = self.repair_asked.get(label, 0) + 1
                    if self.holding:
                        self.held.setdefault(node_id, []).append(send)
                        continue
                kept.append(send)
            if len(kept) != len(sends):
                sends = tuple(kept)
        if self.held and not self.holding and node_id in self.held:
            sends = (*self.held.pop(node_id), *sends)
        return after, sends
