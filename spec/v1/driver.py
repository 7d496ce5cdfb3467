"""The driver protocol: how the conformance runner talks to an implementation under test.

The runner starts the IUT as a process and exchanges frames over its stdin
and stdout: a 4-byte big-endian length, then that many bytes of deterministic
CBOR holding one of the maps below (``op`` says which). Every request gets
exactly one reply. The IUT writes logs to stderr only. See
``prose/driver.md``.
"""

from typing import Annotated, Final, Literal

from pydantic import Field, model_validator

from spec.v1.base import WireModel
from spec.v1.trace import Digest, Emitted, Encoded, ErrorCodeName, Input, NodeName, NodeSetup
from spec.v1.types import ProtocolName, ShortText, Text, Tick

DRIVER_VERSION: Final = 1
"""Version of the driver protocol, negotiated by ``hello``."""

MAX_DRIVER_FRAME: Final = 1 << 24
"""Largest driver frame (16 MiB); a longer length prefix is a broken IUT."""

LENGTH_PREFIX_BYTES: Final = 4


# -- requests (runner -> IUT) --


class Hello(WireModel):
    """First request: the driver versions the runner speaks."""

    op: Literal["hello"]
    """Always ``hello``."""
    versions: Annotated[tuple[int, ...], Field(min_length=1, max_length=8)]
    """Driver protocol versions the runner speaks."""
    runner: ShortText
    """The runner's name and version, for the IUT's logs."""


class CreateNode(WireModel):
    """Create a node under test; its name is used by later requests."""

    op: Literal["create_node"]
    """Always ``create_node``."""
    node: NodeSetup
    """The node's trace-local name, protocol, seed and parameters."""


class InputRequest(WireModel):
    """Deliver one input to a node at logical time ``at`` (never earlier than the last)."""

    op: Literal["input"]
    """Always ``input``."""
    node: NodeName
    """Which node (a name given by ``create_node``)."""
    at: Tick
    """The logical time of the input."""
    input: Input
    """The frame, timer, command or upcall to deliver."""


class QueryState(WireModel):
    """Ask for a node's normative observable state."""

    op: Literal["query_state"]
    """Always ``query_state``."""
    node: NodeName
    """Which node."""


class Reset(WireModel):
    """Forget every node (between cases)."""

    op: Literal["reset"]
    """Always ``reset``."""


class Bye(WireModel):
    """Last request; the IUT replies ``ok`` and exits 0."""

    op: Literal["bye"]
    """Always ``bye``."""


Request = Annotated[
    Hello | CreateNode | InputRequest | QueryState | Reset | Bye, Field(discriminator="op")
]


# -- replies (IUT -> runner) --


class HelloReply(WireModel):
    """The chosen driver version and the protocols the IUT implements."""

    op: Literal["hello"]
    """Always ``hello``."""
    version: int
    """The driver version chosen from the request's ``versions``."""
    implementation: ShortText
    """The IUT's name, for reports."""
    protocols: Annotated[tuple[ProtocolName, ...], Field(max_length=16)]
    """The protocols the IUT implements; cases of others are unsupported."""


class Ok(WireModel):
    """The request was carried out."""

    op: Literal["ok"]
    """Always ``ok``."""


class Unsupported(WireModel):
    """The IUT does not implement what was asked (e.g. a protocol it did not declare)."""

    op: Literal["unsupported"]
    """Always ``unsupported``."""
    reason: Text
    """What is not implemented."""


class StepResult(WireModel):
    """What the node did: every frame it sent, in order, or the error code it rejected with."""

    op: Literal["result"]
    """Always ``result``."""
    outputs: Annotated[tuple[Emitted, ...], Field(max_length=1024)]
    """Every frame the node sent and every route downcall it made, in order (empty when
    rejected)."""
    error: ErrorCodeName | None
    """The error code the input was rejected with, or null."""

    @model_validator(mode="after")
    def _error_or_outputs(self) -> "StepResult":
        if self.error is not None and self.outputs:
            raise ValueError("a rejected input has no outputs")
        return self


class StateReply(WireModel):
    """The node's normative observable state, deterministic CBOR, and its SHA-256."""

    op: Literal["state"]
    """Always ``state``."""
    state: Encoded
    """Deterministic CBOR of the protocol's observable state model."""
    digest: Digest
    """SHA-256 of ``state``."""


class Failure(WireModel):
    """The IUT could not process the request (a bug in the IUT or its adapter)."""

    op: Literal["failure"]
    """Always ``failure``."""
    reason: Text
    """What went wrong, for the report."""


Reply = Annotated[
    HelloReply | Ok | Unsupported | StepResult | StateReply | Failure,
    Field(discriminator="op"),
]
