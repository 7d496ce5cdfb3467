"""Trace format v1: one recorded conversation with one or more nodes.

One generic format serves every protocol: a header that says what the case
is and how its nodes are set up, then steps, each an input to one node and
exactly what that node must do in reply. Traces are deterministic CBOR on
disk, so a trace has one byte representation and a content hash.
"""

from typing import Annotated, Final, Literal

from pydantic import Field, model_validator

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
    """The generator's stable name."""
    version: ShortText
    """Bumped whenever its output changes."""


class NodeSetup(WireModel):
    """A node under test: created by the IUT from this seed and these parameters."""

    name: NodeName
    """The node's name within the trace."""
    protocol: ProtocolName
    """The protocol role the node runs."""
    seed: Annotated[bytes, Field(min_length=32, max_length=32)]
    """The node's 32-byte Ed25519 seed (its identity)."""
    params: Encoded
    """Deterministic CBOR of the protocol's parameter model (an empty map when it has none)."""


class Peer(WireModel):
    """A remote identity that appears in the trace, named for readers."""

    name: ShortText
    """A readable name."""
    node_id: NodeId
    """The peer's node id."""


class Deliver(WireModel):
    """A frame arrives from the neighbour ``link`` (not necessarily its signer)."""

    kind: Literal["deliver"]
    """Always ``deliver``."""
    link: NodeId
    """The neighbour that handed the frame over."""
    frame: Frame
    """The frame bytes exactly as received."""


class FireTimer(WireModel):
    """A timer the node started fires."""

    kind: Literal["timer"]
    """Always ``timer``."""
    name: ShortText
    """The timer that fires."""


class Command(WireModel):
    """A local command from the node's application, e.g. *submit bid*."""

    kind: Literal["command"]
    """Always ``command``."""
    name: ShortText
    """The command's name within the node's protocol."""
    args: Encoded
    """Deterministic CBOR of the command's argument model."""


class Upcall(WireModel):
    """The overlay below an application protocol calls up into it (``stack.md``).

    Only nodes that run an application protocol *alone* take upcalls as inputs:
    in a whole stack the node's own overlay makes them.
    """

    kind: Literal["upcall"]
    """Always ``upcall``."""
    name: ShortText
    """``deliver``, ``forward`` or ``update``."""
    args: Encoded
    """Deterministic CBOR of the upcall's argument model (``spec/v1/stack.py``)."""


Input = Annotated[Deliver | FireTimer | Command | Upcall, Field(discriminator="kind")]


class Output(WireModel):
    """A frame the node sends, and to which neighbour."""

    to: NodeId
    """The neighbour the frame is sent to."""
    frame: Frame
    """The exact frame bytes."""


class RouteOutput(WireModel):
    """An application protocol's ``route`` downcall: the overlay is asked to carry ``frame``
    to the live node numerically closest to ``key`` (``stack.md``).

    Only nodes that run an application protocol alone report it; a whole stack
    sends the overlay's own ``route`` frames instead.
    """

    kind: Literal["route"]
    """Always ``route``."""
    key: NodeId
    """Where the payload goes."""
    frame: Frame
    """The application's signed inner envelope (sequence number 0), exact bytes."""


Emitted = Output | RouteOutput
"""What a node does as a step's consequence: a frame to a neighbour, or a route downcall.
The two have disjoint keys (``to`` against ``kind`` and ``key``), so each decodes as one."""


class Expect(WireModel):
    """What the node must do with the input.

    A positive step has ``error`` null and lists every output in order. A
    negative step names the error code; it then has no outputs, and ``state``
    (when present) equals the state before the step: rejection changes nothing.
    """

    outputs: Annotated[tuple[Emitted, ...], Field(max_length=1024)]
    """Every frame the node must send, and every route downcall it makes, in order."""
    error: ErrorCodeName | None
    """The error code a negative step requires, else null."""
    state: Encoded | None
    """Deterministic CBOR of the node's normative observable state after the step."""

    @model_validator(mode="after")
    def _rejection_sends_nothing(self) -> "Expect":
        if self.error is not None and self.outputs:
            raise ValueError(f"expects error {self.error} and outputs at once")
        return self


class Step(WireModel):
    """One input to one node at one logical time, and its required result."""

    node: NodeName
    """Which node under test receives the input."""
    at: Tick
    """Logical time of the input; never decreases per node."""
    input: Input
    """The frame, timer, command or upcall."""
    expect: Expect
    """What the node must do."""
    note: Text
    """A remark for readers; not compared."""


class TraceHeader(WireModel):
    """What the case is, what it checks and how its nodes are set up."""

    trace_format: int
    """The trace format version (``TRACE_FORMAT``)."""
    spec_version: ShortText
    """The spec version the expectations follow."""
    protocol: ProtocolName
    """The protocol under test."""
    case_id: CaseId
    """Stable, never reused; equals the file path without ``.cbor``."""
    generator: Generator
    """What produced the trace."""
    description: Text
    """One line saying what the case checks."""
    tags: Annotated[tuple[Tag, ...], Field(min_length=1, max_length=8)]
    """``positive``, ``negative``, ... (no repeats)."""
    flags: Annotated[tuple[FlagName, ...], Field(max_length=16)]
    """What a negative case attacks, from the flag registry (no repeats)."""
    nodes: Annotated[tuple[NodeSetup, ...], Field(min_length=1, max_length=MAX_NODES)]
    """The nodes under test, created before the first step."""
    peers: Annotated[tuple[Peer, ...], Field(max_length=1024)]
    """Remote identities that appear in the steps, named for readers."""

    @model_validator(mode="after")
    def _no_repeats(self) -> "TraceHeader":
        for what, names in (("tags", self.tags), ("flags", self.flags)):
            if len(set(names)) != len(names):
                raise ValueError(f"{what} repeat: {list(names)}")
        return self


class TraceContent(WireModel):
    """The hashed part of a trace."""

    header: TraceHeader
    """What the case is and how its nodes are set up."""
    steps: Annotated[tuple[Step, ...], Field(min_length=1, max_length=MAX_STEPS)]
    """The inputs, in order, with what each must produce."""


class Trace(WireModel):
    """A trace on disk: its content and SHA-256 over the content's deterministic CBOR."""

    content: TraceContent
    """The header and steps: everything the hash covers."""
    content_hash: Digest
    """SHA-256 of the deterministic CBOR of ``content``."""
