"""Adapters: how the runner talks to an implementation under test (IUT).

Both adapters speak the driver protocol of ``spec/v1/driver.py`` and share
one codec path: every request is encoded to a frame payload and every reply
decoded from one, so the in-process adapter exercises exactly the bytes the
subprocess adapter sends over pipes.

Whatever goes wrong with the IUT -- it crashes, hangs, writes garbage or a
huge length prefix, speaks another driver version, or answers with the
wrong kind of reply -- surfaces as one typed :class:`IUTError` with a clear
message, never as a traceback from the runner. The subprocess adapter kills
an IUT that can no longer be trusted to be in step with the frame stream
and starts a fresh one (with a fresh ``hello``) on the next request, so one
crash fails one case, not the run. Processes are always reaped.
"""

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import IO, Any, ClassVar, Final, cast

from pydantic import TypeAdapter

from conformance.driverio import PREFIX, FrameTooLarge, encode_frame, frame_length
from reference import cbor
from reference.codec import encode_message, from_value_as
from spec.v1 import driver as D
from spec.v1.errors import PeerMarketError
from spec.v1.trace import Input, NodeSetup

RUNNER_NAME: Final = "peermarket-conform"
REPLY: Final[TypeAdapter[D.Reply]] = TypeAdapter(D.Reply)

DEFAULT_STEP_TIMEOUT: Final = 10.0
"""Seconds an IUT has to answer one request."""
DEFAULT_START_TIMEOUT: Final = 30.0
"""Seconds a freshly started IUT has to answer ``hello`` (interpreters and JITs start slowly)."""
BYE_TIMEOUT: Final = 2.0
"""Seconds an IUT has to answer ``bye`` and exit before it is killed."""
READ_CHUNK: Final = 1 << 16
"""Bytes asked of the reply pipe per read (a pipe's default capacity)."""
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
            self._last_traceback = _tail(traceback.format_exc())
            error = self._error(
                IUTCrashed, f"handle_frame raised {type(exc).__name__} on {what}: {exc}"
            )
            self._last_traceback = ""
            raise error from None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._handle_frame(encode_message(D.Bye(op="bye")))


def _tail(text: str) -> str:
    lines = text[-STDERR_TAIL_BYTES:].splitlines()
    return "\n".join(lines[-STDERR_TAIL_LINES:])


def _millis(seconds: float) -> int:
    """A poll timeout: whole milliseconds, rounded up so a positive wait never becomes 0."""
    return max(1, int(seconds * 1000) + 1)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "did not exit"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class SubprocessAdapter(FrameImplementation):
    """An IUT run as a child process, frames over its stdin and stdout.

    ``argv`` is the command (no shell). Each request must be answered within
    ``step_timeout`` seconds (``start_timeout`` for the ``hello`` after a
    start); past that the IUT is killed. Its stderr goes to a temporary
    file whose tail is attached to every error.
    """

    adapter = "subprocess"

    def __init__(
        self,
        argv: Sequence[str],
        *,
        step_timeout: float = DEFAULT_STEP_TIMEOUT,
        start_timeout: float | None = None,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        super().__init__()
        if not argv:
            raise ValueError("empty IUT command")
        self.argv = list(argv)
        self.description = " ".join(self.argv)
        self.step_timeout = step_timeout
        self.start_timeout = (
            max(step_timeout, DEFAULT_START_TIMEOUT) if start_timeout is None else start_timeout
        )
        self._env = env
        self._cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._reader: select.poll | None = None
        self._writer: select.poll | None = None
        self._pending = bytearray()
        """Reply bytes read from the pipe but not consumed yet."""
        self._fresh = False
        self._started = 0
        self.restarts = 0

    # -- process lifecycle --

    @property
    def pid(self) -> int | None:
        """The running IUT's process id (None when none is running)."""
        return self._proc.pid if self._proc is not None else None

    def _spawn(self) -> None:
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        try:
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )
        except OSError as exc:
            stderr.close()
            raise IUTStartError(f"cannot start IUT {self.argv!r}: {exc}") from None
        assert proc.stdin is not None and proc.stdout is not None
        os.set_blocking(proc.stdin.fileno(), False)
        os.set_blocking(proc.stdout.fileno(), False)
        self._reader = select.poll()
        self._reader.register(proc.stdout.fileno(), select.POLLIN)
        self._writer = select.poll()
        self._writer.register(proc.stdin.fileno(), select.POLLOUT)
        self._pending = bytearray()
        self._proc = proc
        self._stderr = stderr
        self._fresh = True
        if self._started:
            self.restarts += 1
        self._started += 1

    def _before(self, request: D.Request) -> None:
        if self._proc is not None:
            return
        self._spawn()
        if request.op != "hello" and self._hello is not None:
            first = self._hello
            try:
                again = self.hello()
            except IUTError:
                self._kill()  # never send requests to an IUT that was not greeted
                raise
            if again.protocols != first.protocols or again.version != first.version:
                error = self._error(
                    IUTVersionError,
                    f"restarted IUT answered hello differently: version {again.version} "
                    f"protocols {list(again.protocols)}, first answer version {first.version} "
                    f"protocols {list(first.protocols)}",
                )
                self._kill()
                raise error

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - STDERR_TAIL_BYTES))
            data = self._stderr.read()
        except (OSError, ValueError):
            return ""
        return _tail(data.decode("utf-8", "replace"))

    def _kill(self) -> int | None:
        """Kill the IUT's whole process group, reap it and drop its pipes; the exit code."""
        proc = self._proc
        if proc is None:
            return None
        self._proc = None
        # The whole group: a wrapper script's children die with it.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        code: int | None
        try:
            code = proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            code = None
        self._release(proc)
        return code

    def _release(self, proc: "subprocess.Popen[bytes]") -> None:
        self._reader = self._writer = None
        self._pending = bytearray()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _untrusted(self) -> None:
        self._kill()

    def _crashed(self, what: str, detail: str) -> IUTError:
        proc = self._proc
        code: int | None = None
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = proc.wait(timeout=1.0)
        tail = self._stderr_tail()
        self._kill()
        how = "closed its stdout (then was killed)" if code is None else _describe_exit(code)
        return IUTCrashed(f"IUT {how} {detail} {what}", stderr_tail=tail)

    # -- moving bytes --

    def _exchange(self, payload: bytes, what: str, timeout: float | None = None) -> bytes:
        if timeout is None:
            timeout = self.start_timeout if self._fresh else self.step_timeout
        self._fresh = False
        deadline = time.monotonic() + timeout
        self._send(encode_frame(payload), deadline, timeout, what)
        prefix = self._receive(PREFIX, deadline, timeout, what)
        try:
            length = frame_length(prefix)
        except FrameTooLarge as exc:
            tail = self._stderr_tail()
            self._kill()
            raise IUTOversized(
                f"reply to {what} announces {exc.length} bytes, over MAX_DRIVER_FRAME "
                f"({D.MAX_DRIVER_FRAME}); length prefix {prefix.hex()}. Stray text on stdout? "
                "The IUT must write frames only to stdout and log to stderr",
                stderr_tail=tail,
            ) from None
        return self._receive(length, deadline, timeout, what)

    def _timed_out(self, what: str, timeout: float, got: str) -> IUTError:
        tail = self._stderr_tail()
        self._kill()
        return IUTTimeout(
            f"IUT did not {got} {what} within {timeout:g} s; it was killed",
            stderr_tail=tail,
        )

    def _send(self, frame: bytes, deadline: float, timeout: float, what: str) -> None:
        proc, writer = self._proc, self._writer
        assert proc is not None and proc.stdin is not None and writer is not None
        fd = proc.stdin.fileno()
        view = memoryview(frame)
        while view:
            try:
                written = os.write(fd, view)  # usually all of it: the pipe has room
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not writer.poll(_millis(remaining)):
                    raise self._timed_out(what, timeout, "read the request") from None
                continue
            except (BrokenPipeError, ConnectionResetError):
                raise self._crashed(what, "before it read the request for") from None
            view = view[written:]

    def _receive(self, size: int, deadline: float, timeout: float, what: str) -> bytes:
        """``size`` reply bytes; reads whatever the pipe holds, so one read usually serves a
        whole frame (prefix and payload)."""
        proc, reader = self._proc, self._reader
        assert proc is not None and proc.stdout is not None and reader is not None
        fd = proc.stdout.fileno()
        pending = self._pending
        while len(pending) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not reader.poll(_millis(remaining)):
                raise self._timed_out(what, timeout, "complete its reply to")
            try:
                chunk = os.read(fd, max(size - len(pending), READ_CHUNK))
            except BlockingIOError:
                continue
            if not chunk:
                raise self._crashed(what, "without completing its reply to")
            pending += chunk
        data = bytes(pending[:size])
        del pending[:size]
        return data

    def close(self) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            self._exchange(encode_message(D.Bye(op="bye")), "bye", BYE_TIMEOUT)
        except IUTError as exc:
            self.warnings.append(f"bye: {exc.message}")
        except Exception as exc:  # pragma: no cover - defensive: close never raises
            self.warnings.append(f"bye: {exc}")
        proc = self._proc
        if proc is None:
            return
        assert proc.stdin is not None
        with contextlib.suppress(OSError):
            proc.stdin.close()
        try:
            code = proc.wait(timeout=BYE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.warnings.append(f"IUT did not exit within {BYE_TIMEOUT:g} s of bye; killed")
            self._kill()
            return
        if code != 0:
            self.warnings.append(f"IUT {_describe_exit(code)} after bye (expected 0)")
        self._proc = None
        self._release(proc)
