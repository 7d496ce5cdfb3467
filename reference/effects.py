"""What a machine step asks its driver to do. The core never does it itself (sans-I/O)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Emit:
    """Send a ``message_type`` message to the neighbour ``to``.

    Protocol nodes always name the neighbour (routing is the protocol's own
    decision, made in its action); ``None`` is for machines no node runs.
    """

    message_type: str
    to: bytes | None
    body: object


@dataclass(frozen=True, slots=True)
class RouteDowncall:
    """Ask the overlay below to route ``body`` to ``key`` (``stack.md``).

    The node seals ``body`` as an inner envelope (sequence number 0) of its own
    protocol; ``message_type`` is what the row's ``emits`` must list.
    """

    message_type: str
    key: bytes
    body: object


@dataclass(frozen=True, slots=True)
class UpcallEffect:
    """The overlay of a whole stack hands ``args`` up to its application (``stack.md``).

    ``name`` is ``deliver`` or ``forward``; the row's ``emits`` must list
    ``upcall:<name>``. Only a whole stack's overlay makes them: a node alone never does.
    """

    name: str
    args: object


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Fire the timer ``name`` at tick ``at``; starting a running timer restarts it."""

    name: str
    at: int


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """Stop the timer ``name`` if it is running."""

    name: str


Effect = Emit | RouteDowncall | UpcallEffect | StartTimer | CancelTimer
