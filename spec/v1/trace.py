"""Trace format v1: one recorded conversation with one or more nodes.

One generic format serves every protocol: a header that says what the case
is and how its nodes are set up, then steps, each an input to one node and
exactly what that node must do in reply. Traces are deterministic CBOR on
disk, so a trace has one byte representation and a content hash.
"""

from typing import Annotated, Final, Literal

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.types import NodeId, ProtocolName, ShortText, Text, Tick

TRACE_FORMAT: Final = 1
"""Version of this format (independent of the spec version the trace targets)."""

MAX_STEPS: Final = 4096
MAX_NODES: Final = 64
MAX_FRAME: Final = 65_536

DIGEST_BYTES: Final = 32

CaseId = Annotated[
    str, Field(min_length=3, max_length=128, pattern=r"^[a-z][a-z0-9_]*(/[a-z0-9][a-z0-9_.-]*)+$")
]
"""A stable case id such as ``wire/ping/answer-001``: never positional, never reused."""

NodeName = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[a-z][a-z0-9_-]*$")]
"""The trace-local name of a node under test (``a``, ``b``...)."""

Tag = Literal["positive", "negative", "adversarial", "edge", "scenario"]
FlagName = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Z][A-Za-z0-9]*$")]
ErrorCodeName = Annotated[str, Field(min_length=3, max_length=48, pattern=r"^[a-z_]+\.[a-z_.]+$")]
Frame = Annotated[bytes, Field(max_length=MAX_FRAME + 1024)]
"""Frame bytes. Larger than MAX_FRAME_BYTES by a margin, so oversized-frame cases fit."""
Digest = Annotated[bytes, Field(min_length=DIGEST_BYTES, max_length=DIGEST_BYTES)]
Encoded = Annotated[bytes, Field(max_length=1 << 20)]
"""Deterministic CBOR of a model named by context (parameters, command arguments, state)."""


class Generator(WireModel):
    """What produced the trace, so a changed generator explains a changed trace."""

    name: ShortText
    version: ShortText


class NodeSetup(WireModel):
    """A node under test: created by the IUT from this seed and these parameters."""

    name: NodeName
    protocol: ProtocolName
    seed: Annotated[bytes, Field(min_length=32, max_length=32)]
    params: Encoded
    """Deterministic CBOR of the protocol's parameter model (an empty map when it has none)."""


class Peer(WireModel):
    """A remote identity that appears in the trace, named for readers."""

    name: ShortText
    node_id: NodeId


class Deliver(WireModel):
    """A frame arrives from the neighbour ``link`` (not necessarily its signer)."""

    kind: Literal["deliver"]
    link: NodeId
    frame: Frame


class FireTimer(WireModel):
    """A timer the node started fires."""

    kind: Literal["timer"]
    name: ShortText


class Command(WireModel):
    """A local command from the node's application, e.g. *submit bid*."""

    kind: Literal["command"]
    name: ShortText
    args: Encoded
    """Deterministic CBOR of the command's argument model."""


Input = Annotated[Deliver | FireTimer | Command, Field(discriminator="kind")]


class Output(WireModel):
    """A frame the node sends, and to which neighbour."""

    to: NodeId
    frame: Frame


class Expect(WireModel):
    """What the node must do with the input.

    A positive step has ``error`` null and lists every output in order. A
    negative step names the error code; it then has no outputs, and ``state``
    (when present) equals the state before the step: rejection changes nothing.
    """

    outputs: Annotated[tuple[Output, ...], Field(max_length=1024)]
    error: ErrorCodeName | None
    state: Encoded | None
    """Deterministic CBOR of the node's normative observable state after the step."""


class Step(WireModel):
    """One input to one node at one logical time, and its required result."""

    node: NodeName
    at: Tick
    input: Input
    expect: Expect
    note: Text


class TraceHeader(WireModel):
    """What the case is, what it checks and how its nodes are set up."""

    trace_format: int
    spec_version: ShortText
    protocol: ProtocolName
    case_id: CaseId
    generator: Generator
    description: Text
    tags: Annotated[tuple[Tag, ...], Field(min_length=1, max_length=8)]
    flags: Annotated[tuple[FlagName, ...], Field(max_length=16)]
    nodes: Annotated[tuple[NodeSetup, ...], Field(min_length=1, max_length=MAX_NODES)]
    peers: Annotated[tuple[Peer, ...], Field(max_length=1024)]


class TraceContent(WireModel):
    """The hashed part of a trace."""

    header: TraceHeader
    steps: Annotated[tuple[Step, ...], Field(min_length=1, max_length=MAX_STEPS)]


class Trace(WireModel):
    """A trace on disk: its content and SHA-256 over the content's deterministic CBOR."""

    content: TraceContent
    content_hash: Digest
