"""Adapters: how the runner talks to an implementation under test (IUT).

Both adapters speak the driver protocol of ``spec/v1/driver.py`` and share
one codec path: every request is encoded to a frame payload and every reply
decoded from one, so the in-process adapter exercises exactly the bytes the
subprocess adapter (:mod:`conformance.subprocess_adapter`) sends over pipes.

Whatever goes wrong with the IUT -- it crashes, hangs, writes garbage or a
huge length prefix, speaks another driver version, or answers with the
wrong kind of reply -- surfaces as one typed :class:`IUTError` with a clear
message, never as a traceback from the runner.
"""

import contextlib
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Final, cast

from pydantic import TypeAdapter

from conformance.driverio import encode_frame
from reference import cbor
from reference.codec import encode_message, from_value_as
from spec.v1 import driver as D
from spec.v1.errors import PeerMarketError
from spec.v1.trace import Input, NodeSetup

RUNNER_NAME: Final = "peermarket-conform"
REPLY: Final[TypeAdapter[D.Reply]] = TypeAdapter(D.Reply)

STDERR_TAIL_BYTES: Final = 4096
STDERR_TAIL_LINES: Final = 20

ReplyModel = D.HelloReply | D.Ok | D.Unsupported | D.StepResult | D.StateReply | D.Failure


class IUTError(Exception):
    """The IUT misbehaved at the driver level; ``kind`` says how, ``stderr_tail`` what it logged."""

    kind: ClassVar[str] = "error"

    def __init__(self, message: str, *, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.stderr_tail = stderr_tail

    def __str__(self) -> str:
        if not self.stderr_tail:
            return self.message
        return f"{self.message}\n--- IUT stderr (tail) ---\n{self.stderr_tail}"


class IUTStartError(IUTError):
    """The IUT process could not be started at all."""

    kind = "start"


class IUTCrashed(IUTError):
    """The IUT exited or closed its stdout (or, in process, raised) instead of replying."""

    kind = "crash"


class IUTTimeout(IUTError):
    """No complete reply within the timeout; the IUT was killed."""

    kind = "timeout"


class IUTGarbage(IUTError):
    """The reply is not deterministic CBOR, or not a valid driver reply."""

    kind = "garbage"


class IUTOversized(IUTError):
    """The reply's length prefix exceeds MAX_DRIVER_FRAME."""

    kind = "oversized"


class IUTVersionError(IUTError):
    """The IUT refused the runner's driver versions or chose one it was not offered."""

    kind = "version"


class IUTFailure(IUTError):
    """The IUT answered ``failure``: it could not carry out the request."""

    kind = "failure"


class IUTUnexpectedReply(IUTError):
    """A valid reply of the wrong kind for the request (e.g. ``ok`` to ``input``)."""

    kind = "unexpected"


class Implementation(ABC):
    """An IUT as the runner sees it: the driver protocol's requests as typed calls.

    Every method raises :class:`IUTError` when the IUT misbehaves. ``close``
    never raises.
    """

    adapter: ClassVar[str] = "abstract"
    description: str = ""
    restarts: int = 0
    """How many times the IUT was started again after it had to be killed."""
    warnings: list[str]

    @abstractmethod
    def hello(self) -> D.HelloReply:
        """Negotiate the driver version; learn which protocols the IUT implements."""

    @abstractmethod
    def create_node(self, setup: NodeSetup) -> D.Ok | D.Unsupported:
        """Create a node; ``unsupported`` when its protocol is not implemented."""

    @abstractmethod
    def step(self, node: str, at: int, item: Input) -> D.StepResult:
        """Deliver one input to a node."""

    @abstractmethod
    def query_state(self, node: str) -> D.StateReply:
        """A node's normative observable state."""

    @abstractmethod
    def reset(self) -> None:
        """Forget every node."""

    @abstractmethod
    def close(self) -> None:
        """Say ``bye`` and release everything; never raises."""

    def __enter__(self) -> "Implementation":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FrameImplementation(Implementation):
    """The typed requests over an abstract payload exchange; subclasses move the bytes."""

    def __init__(self) -> None:
        self.warnings = []
        self._hello: D.HelloReply | None = None

    @abstractmethod
    def _exchange(self, payload: bytes, what: str) -> bytes:
        """Send one request payload and return the reply payload."""

    def _before(self, request: D.Request) -> None:
        """Hook run before each request (the subprocess adapter starts its IUT here)."""

    def _untrusted(self) -> None:
        """Hook run when the IUT answered nonsense (the subprocess adapter kills it)."""

    def _stderr_tail(self) -> str:
        return ""

    def _error(self, cls: type[IUTError], message: str) -> IUTError:
        return cls(message, stderr_tail=self._stderr_tail())

    def _request(
        self, request: D.Request, expected: tuple[type[ReplyModel], ...], what: str
    ) -> ReplyModel:
        self._before(request)
        raw = self._exchange(encode_message(request), what)
        reply = self._decode(raw, what)
        if isinstance(reply, D.Failure):
            raise self._error(IUTFailure, f"IUT answered failure to {what}: {reply.reason}")
        if not isinstance(reply, expected):
            wanted = " or ".join(repr(_op_of(cls)) for cls in expected)
            error = self._error(
                IUTUnexpectedReply, f"IUT answered {reply.op!r} to {what}; expected {wanted}"
            )
            self._untrusted()
            raise error
        return reply

    def _decode(self, raw: bytes, what: str) -> ReplyModel:
        if len(raw) > D.MAX_DRIVER_FRAME:
            error: IUTError = self._error(
                IUTOversized,
                f"reply to {what} is {len(raw)} bytes, over MAX_DRIVER_FRAME "
                f"({D.MAX_DRIVER_FRAME})",
            )
            self._untrusted()
            raise error
        try:
            value = cbor.decode(raw, max_size=D.MAX_DRIVER_FRAME)
        except PeerMarketError as exc:
            error = self._error(
                IUTGarbage,
                f"reply to {what} is not deterministic CBOR ({exc}); "
                f"{len(raw)} bytes: {_preview(raw)}",
            )
            self._untrusted()
            raise error from None
        try:
            return from_value_as(REPLY, value)
        except PeerMarketError as exc:
            error = self._error(
                IUTGarbage, f"reply to {what} is not a valid driver reply ({exc}): {value!r:.200}"
            )
            self._untrusted()
            raise error from None

    def hello(self) -> D.HelloReply:
        offered = (D.DRIVER_VERSION,)
        reply = cast(
            D.HelloReply | D.Unsupported,
            self._request(
                D.Hello(op="hello", versions=offered, runner=RUNNER_NAME),
                (D.HelloReply, D.Unsupported),
                "hello",
            ),
        )
        if isinstance(reply, D.Unsupported):
            raise self._error(
                IUTVersionError,
                f"IUT refused driver version(s) {list(offered)}: {reply.reason}",
            )
        if reply.version not in offered:
            error = self._error(
                IUTVersionError,
                f"IUT chose driver version {reply.version}; the runner offered {list(offered)}",
            )
            self._untrusted()
            raise error
        self._hello = reply
        return reply

    def create_node(self, setup: NodeSetup) -> D.Ok | D.Unsupported:
        return cast(
            D.Ok | D.Unsupported,
            self._request(
                D.CreateNode(op="create_node", node=setup),
                (D.Ok, D.Unsupported),
                f"create_node {setup.name!r} ({setup.protocol})",
            ),
        )

    def step(self, node: str, at: int, item: Input) -> D.StepResult:
        return cast(
            D.StepResult,
            self._request(
                D.InputRequest(op="input", node=node, at=at, input=item),
                (D.StepResult,),
                f"input to {node!r} at tick {at}",
            ),
        )

    def query_state(self, node: str) -> D.StateReply:
        return cast(
            D.StateReply,
            self._request(
                D.QueryState(op="query_state", node=node), (D.StateReply,), f"query_state {node!r}"
            ),
        )

    def reset(self) -> None:
        self._request(D.Reset(op="reset"), (D.Ok,), "reset")


def _op_of(model: type[Any]) -> str:
    field = model.model_fields["op"]
    return str(field.annotation.__args__[0])


def _preview(raw: bytes, limit: int = 32) -> str:
    shown = raw[:limit].hex()
    return shown + ("..." if len(raw) > limit else "")


class InProcessAdapter(FrameImplementation):
    """An IUT living in this process: a function from request payload to reply payload.

    Timeouts are not enforced (a Python call cannot be interrupted safely);
    an exception is reported as a crash of that request.
    """

    adapter = "in-process"

    def __init__(self, handle_frame: Callable[[bytes], bytes], description: str = "") -> None:
        super().__init__()
        self._handle_frame = handle_frame
        self.description = description or getattr(handle_frame, "__qualname__", "in-process")
        self._last_traceback = ""

    def _stderr_tail(self) -> str:
        return self._last_traceback

    def _exchange(self, payload: bytes, what: str) -> bytes:
        encode_frame(payload)  # the same size rule as over a pipe
        try:
            return bytes(self._handle_frame(payload))
        except Exception as exc:
            self._last_traceback = tail_of(traceback.format_exc())
            error = self._error(
                IUTCrashed, f"handle_frame raised {type(exc).__name__} on {what}: {exc}"
            )
            self._last_traceback = ""
            raise error from None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._handle_frame(encode_message(D.Bye(op="bye")))


def tail_of(text: str) -> str:
    """The last lines of what an IUT logged, as attached to an :class:`IUTError`."""
    lines = text[-STDERR_TAIL_BYTES:].splitlines()
    return "\n".join(lines[-STDERR_TAIL_LINES:])
