"""The driver protocol: how the conformance runner talks to an implementation under test.

The runner starts the IUT as a process and exchanges frames over its stdin
and stdout: a 4-byte big-endian length, then that many bytes of deterministic
CBOR holding one of the maps below (``op`` says which). Every request gets
exactly one reply. The IUT writes logs to stderr only. See
``prose/driver.md``.
"""

from typing import Annotated, Final, Literal

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.trace import Digest, Encoded, ErrorCodeName, Input, NodeName, NodeSetup, Output
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
    versions: Annotated[tuple[int, ...], Field(min_length=1, max_length=8)]
    runner: ShortText


class CreateNode(WireModel):
    """Create a node under test; its name is used by later requests."""

    op: Literal["create_node"]
    node: NodeSetup


class Step(WireModel):
    """Deliver one input to a node at logical time ``at``."""

    op: Literal["input"]
    node: NodeName
    at: Tick
    input: Input


class QueryState(WireModel):
    """Ask for a node's normative observable state."""

    op: Literal["query_state"]
    node: NodeName


class Reset(WireModel):
    """Forget every node (between cases)."""

    op: Literal["reset"]


class Bye(WireModel):
    """Last request; the IUT replies ``ok`` and exits 0."""

    op: Literal["bye"]


Request = Annotated[Hello | CreateNode | Step | QueryState | Reset | Bye, Field(discriminator="op")]


# -- replies (IUT -> runner) --


class HelloReply(WireModel):
    """The chosen driver version and the protocols the IUT implements."""

    op: Literal["hello"]
    version: int
    implementation: ShortText
    protocols: Annotated[tuple[ProtocolName, ...], Field(max_length=16)]


class Ok(WireModel):
    """The request was carried out."""

    op: Literal["ok"]


class Unsupported(WireModel):
    """The IUT does not implement what was asked (e.g. a protocol it did not declare)."""

    op: Literal["unsupported"]
    reason: Text


class StepResult(WireModel):
    """What the node did: every frame it sent, in order, or the error code it rejected with."""

    op: Literal["result"]
    outputs: Annotated[tuple[Output, ...], Field(max_length=1024)]
    error: ErrorCodeName | None


class StateReply(WireModel):
    """The node's normative observable state, deterministic CBOR, and its SHA-256."""

    op: Literal["state"]
    state: Encoded
    digest: Digest


class Failure(WireModel):
    """The IUT could not process the request (a bug in the IUT or its adapter)."""

    op: Literal["failure"]
    reason: Text


Reply = Annotated[
    HelloReply | Ok | Unsupported | StepResult | StateReply | Failure,
    Field(discriminator="op"),
]
