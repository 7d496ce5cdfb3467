"""How the simulator drives a node: the small interface a faster path can replace.

The simulator never looks inside a node or a message. It asks a
:class:`Runtime` to create nodes, to step them with an input, for their
running timers and observable state, and for a message's label (for
statistics). :class:`FrameRuntime` is the faithful runtime: reference nodes
through :mod:`reference.node`'s public API, messages as signed frames.

A later runtime may carry message bodies instead of frames (issue 4's
"without encoding and signing each message" option) by choosing another
message type ``M``; the network, churn, partitions, loss, timers and
statistics work unchanged. Recording traces and the frame-tampering
behaviours need frames, so they need ``M = bytes``.
"""

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from reference import cbor
from reference import node as refnode
from reference.identity import Identity
from reference.roles import ROLES
from spec.v1.errors import PeerMarketError
from spec.v1.trace import Command, Deliver, Emitted, FireTimer, Output

N = TypeVar("N")
"""A runtime's node value. Treated as an immutable snapshot: stepping returns a new one."""
M = TypeVar("M")
"""A runtime's message value (a frame for :class:`FrameRuntime`)."""

Sends = tuple[tuple[bytes, M], ...]
"""What a step emits: ``(destination node id, message)`` pairs, in emission order."""


class Runtime(Protocol[N, M]):
    """Create and step nodes; a refused input raises :class:`PeerMarketError`, changing nothing."""

    def create(self, identity: Identity, protocol: str, params: bytes) -> N: ...

    def deliver(self, node: N, at: int, link: bytes, message: M) -> tuple[N, Sends[M]]: ...

    def fire(self, node: N, at: int, timer: str) -> tuple[N, Sends[M]]: ...

    def command(self, node: N, at: int, command: Command) -> tuple[N, Sends[M]]: ...

    def timers(self, node: N) -> Mapping[str, int]:
        """Running timers: name -> due tick."""
        ...

    def observe(self, node: N) -> bytes:
        """Deterministic CBOR of the node's normative observable state."""
        ...

    def label(self, message: M) -> str:
        """``protocol/type`` of a message, for statistics and logs (``invalid`` if unknown)."""
        ...


INVALID_LABEL = "invalid"


class RuntimeWrapper:
    """A runtime around another: every call passes through, and each step's result goes
    through :meth:`_watch` first, which by default changes nothing. Observers (delivery
    logs, experiment watches) override it; the wrapped runtime never knows."""

    def __init__(self, inner: Runtime[Any, Any]) -> None:
        self.inner = inner
        # Called once or more per event: bound straight to the inner runtime's methods.
        self.timers = inner.timers  # type: ignore[method-assign]
        self.label = inner.label  # type: ignore[method-assign]

    def create(self, identity: Identity, protocol: str, params: bytes) -> Any:
        return self.inner.create(identity, protocol, params)

    def deliver(self, node: Any, at: int, link: bytes, message: Any) -> tuple[Any, Sends[Any]]:
        return self._watch(node, at, self.inner.deliver(node, at, link, message))

    def fire(self, node: Any, at: int, timer: str) -> tuple[Any, Sends[Any]]:
        return self._watch(node, at, self.inner.fire(node, at, timer))

    def command(self, node: Any, at: int, command: Any) -> tuple[Any, Sends[Any]]:
        return self._watch(node, at, self.inner.command(node, at, command))

    def timers(self, node: Any) -> Mapping[str, int]:
        return self.inner.timers(node)

    def observe(self, node: Any) -> bytes:
        return self.inner.observe(node)

    def label(self, message: Any) -> str:
        return self.inner.label(message)

    def _watch(
        self, before: Any, at: int, result: tuple[Any, Sends[Any]]
    ) -> tuple[Any, Sends[Any]]:
        """Look at one step: the node ``before``, and the node and sends it gave."""
        del before, at
        return result


class FrameRuntime:
    """Reference nodes driven through :func:`reference.node.create`/``handle``/``observe``.

    ``suppress`` names timers the simulator never schedules: the node still
    holds them as started, but they never fire, which is what the body
    runtime's ``suppress`` does too (there they are never started), so both
    runtimes run the same experiment.
    """

    def __init__(
        self,
        roles: Mapping[str, refnode.ProtocolRole[Any]] = ROLES,
        suppress: frozenset[str] = frozenset(),
    ) -> None:
        self._roles = roles
        self._suppress = suppress

    def create(self, identity: Identity, protocol: str, params: bytes) -> refnode.Node[Any]:
        role = self._roles.get(protocol)
        if role is None:
            raise ValueError(f"no role for protocol {protocol!r}")
        return refnode.create(role, identity, params)

    def deliver(
        self, node: refnode.Node[Any], at: int, link: bytes, message: bytes
    ) -> tuple[refnode.Node[Any], Sends[bytes]]:
        return _sends(refnode.handle(node, at, Deliver(kind="deliver", link=link, frame=message)))

    def fire(
        self, node: refnode.Node[Any], at: int, timer: str
    ) -> tuple[refnode.Node[Any], Sends[bytes]]:
        return _sends(refnode.handle(node, at, FireTimer(kind="timer", name=timer)))

    def command(
        self, node: refnode.Node[Any], at: int, command: Command
    ) -> tuple[refnode.Node[Any], Sends[bytes]]:
        return _sends(refnode.handle(node, at, command))

    def timers(self, node: refnode.Node[Any]) -> Mapping[str, int]:
        if not self._suppress:
            return node.timers
        return {name: due for name, due in node.timers.items() if name not in self._suppress}

    def observe(self, node: refnode.Node[Any]) -> bytes:
        return refnode.observe(node)

    def label(self, message: bytes) -> str:
        """Read ``protocol`` and ``type`` off the envelope, as a network monitor would."""
        try:
            value = cbor.decode(message)
        except PeerMarketError:
            return INVALID_LABEL
        if not isinstance(value, Mapping):
            return INVALID_LABEL
        protocol, type_ = value.get("protocol"), value.get("type")
        if not isinstance(protocol, str) or not isinstance(type_, str):
            return INVALID_LABEL
        return f"{protocol}/{type_}"


def _sends(
    result: tuple[refnode.Node[Any], tuple[Emitted, ...]],
) -> tuple[refnode.Node[Any], Sends[bytes]]:
    """The frames sent; the simulator runs whole nodes, which make no route downcalls."""
    updated, outputs = result
    if any(not isinstance(output, Output) for output in outputs):
        raise ValueError("a route downcall reached the simulator: it runs no application alone")
    return updated, tuple(
        (output.to, output.frame) for output in outputs if isinstance(output, Output)
    )
