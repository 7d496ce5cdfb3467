"""The reference implementation behind the driver protocol (``spec/v1/driver.py``).

:class:`Driver` turns one request into one reply and holds the nodes of the
current case. It does no I/O: the process loop that reads frames from stdin
lives in ``conformance.refdriver``, and the in-process adapter calls
:meth:`Driver.handle_frame` directly.
"""

import hashlib
from collections.abc import Mapping
from typing import Any, Final

from pydantic import TypeAdapter

from reference import cbor, node
from reference.codec import encode_message, from_value_as
from reference.identity import Identity
from reference.roles import ROLES
from spec.v1 import driver as D
from spec.v1.errors import EngineError, PeerMarketError
from spec.v1.registry import NODE_PROTOCOLS
from spec.v1.trace import NodeSetup

IMPLEMENTATION: Final = "peermarket-reference"
REQUEST: Final[TypeAdapter[D.Request]] = TypeAdapter(D.Request)


class Driver:
    """One IUT session: a name -> node table, replaced wholesale on ``reset``."""

    def __init__(self, roles: Mapping[str, node.ProtocolRole[Any]] = ROLES) -> None:
        self._roles = roles
        self._nodes: dict[str, node.Node[Any]] = {}
        self._last_at: dict[str, int] = {}
        """Latest ``at`` per node, accepted or not: inputs never go back in time."""

    def handle_frame(self, payload: bytes) -> bytes:
        """Decode one request frame payload, serve it, encode the reply."""
        try:
            request = from_value_as(REQUEST, cbor.decode(payload, max_size=D.MAX_DRIVER_FRAME))
        except PeerMarketError as exc:
            return encode_message(D.Failure(op="failure", reason=f"bad request: {exc}"))
        return encode_message(self.handle(request))

    def handle(
        self, request: D.Request
    ) -> D.HelloReply | D.Ok | D.Unsupported | D.StepResult | D.StateReply | D.Failure:
        """Serve one decoded request."""
        if isinstance(request, D.Hello):
            if D.DRIVER_VERSION not in request.versions:
                return D.Unsupported(
                    op="unsupported", reason=f"driver version {D.DRIVER_VERSION} only"
                )
            spoken = tuple(p for p in NODE_PROTOCOLS if p in self._roles)
            return D.HelloReply(
                op="hello",
                version=D.DRIVER_VERSION,
                implementation=IMPLEMENTATION,
                protocols=spoken,
            )
        if isinstance(request, D.CreateNode):
            return self._create(request.node)
        if isinstance(request, D.InputRequest):
            return self._step(request)
        if isinstance(request, D.QueryState):
            current = self._nodes.get(request.node)
            if current is None:
                return D.Failure(op="failure", reason=f"no node {request.node!r}")
            state = node.observe(current)
            return D.StateReply(op="state", state=state, digest=hashlib.sha256(state).digest())
        if isinstance(request, D.Reset):
            self._nodes = {}
            self._last_at = {}
        return D.Ok(op="ok")

    def _create(self, setup: NodeSetup) -> D.Ok | D.Unsupported | D.Failure:
        role = self._roles.get(setup.protocol)
        if role is None:
            return D.Unsupported(op="unsupported", reason=f"protocol {setup.protocol!r}")
        if setup.name in self._nodes:
            return D.Failure(op="failure", reason=f"node {setup.name!r} exists")
        try:
            created = node.create(role, Identity.from_seed(setup.seed), setup.params)
        except PeerMarketError as exc:
            return D.Failure(op="failure", reason=f"bad parameters: {exc}")
        self._nodes[setup.name] = created
        return D.Ok(op="ok")

    def _step(self, request: D.InputRequest) -> D.StepResult | D.Failure:
        current = self._nodes.get(request.node)
        if current is None:
            return D.Failure(op="failure", reason=f"no node {request.node!r}")
        last = self._last_at.get(request.node, 0)
        if request.at < last:
            return D.Failure(op="failure", reason=f"time runs forward: at {request.at} < {last}")
        self._last_at[request.node] = request.at
        try:
            updated, outputs = node.handle(current, request.at, request.input)
        except EngineError as exc:
            return D.Failure(op="failure", reason=f"reference bug: {exc}")
        except PeerMarketError as exc:
            return D.StepResult(op="result", outputs=(), error=exc.code.code)
        except ValueError as exc:
            return D.Failure(op="failure", reason=str(exc))
        self._nodes[request.node] = updated
        return D.StepResult(op="result", outputs=outputs, error=None)
