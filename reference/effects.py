"""What a machine step asks its driver to do. The core never does it itself (sans-I/O)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Emit:
    """Send a message of ``message_type`` to ``to`` (a node id, or ``None`` for the driver to route)."""

    message_type: str
    to: bytes | None
    body: object


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Fire the timer ``name`` at tick ``at``; starting a running timer restarts it."""

    name: str
    at: int


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """Stop the timer ``name`` if it is running."""

    name: str


Effect = Emit | StartTimer | CancelTimer
