"""Replay a trace through the reference, in process, and list where it disagrees.

The corpus is produced by the reference, so replaying it must reproduce
every output byte, every error code and every expected state. This is the
check the test suite runs over the checked-in corpus; the conformance runner
does the same through the driver protocol for any implementation.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reference.identity import Identity
from reference.node import Node, ProtocolRole, create, handle, observe
from reference.roles import ROLES
from spec.v1.errors import EngineError, PeerMarketError
from spec.v1.trace import Emitted, RouteOutput, Trace


@dataclass(frozen=True)
class Mismatch:
    """One disagreement: the 1-based step (0 for set-up), what differed, and both sides."""

    step: int
    what: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"step {self.step}: {self.what}: expected {self.expected}, got {self.actual}"


def _output(output: Emitted) -> str:
    if isinstance(output, RouteOutput):
        return f"route {output.key.hex()}:{output.frame.hex()}"
    return f"{output.to.hex()}:{output.frame.hex()}"


def _outputs(outputs: tuple[Emitted, ...]) -> str:
    return "[" + ", ".join(_output(o) for o in outputs) + "]"


def replay(trace: Trace, roles: Mapping[str, ProtocolRole[Any]] = ROLES) -> tuple[Mismatch, ...]:
    """Every way the reference's behaviour differs from what ``trace`` expects."""
    nodes: dict[str, Node[Any]] = {}
    for setup in trace.content.header.nodes:
        role = roles.get(setup.protocol)
        if role is None:
            return (Mismatch(0, "setup", f"a role for {setup.protocol!r}", "none"),)
        nodes[setup.name] = create(role, Identity.from_seed(setup.seed), setup.params)
    found: list[Mismatch] = []
    for number, step in enumerate(trace.content.steps, start=1):
        node = nodes[step.node]
        error: str | None = None
        outputs: tuple[Emitted, ...] = ()
        try:
            updated, outputs = handle(node, step.at, step.input)
        except EngineError:
            raise
        except PeerMarketError as exc:
            updated, error = node, exc.code.code
        expect = step.expect
        if error != expect.error:
            found.append(Mismatch(number, "error", str(expect.error), str(error)))
        if outputs != expect.outputs:
            found.append(Mismatch(number, "outputs", _outputs(expect.outputs), _outputs(outputs)))
        if expect.state is not None and observe(updated) != expect.state:
            found.append(Mismatch(number, "state", expect.state.hex(), observe(updated).hex()))
        nodes[step.node] = updated
    return tuple(found)
