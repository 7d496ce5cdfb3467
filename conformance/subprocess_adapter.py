"""The subprocess adapter: an IUT run as a child process, driver frames over its pipes.

Process management, polling and timeouts live here; the typed requests, the
reply checks and the :class:`~conformance.adapters.IUTError` family are
shared with the in-process adapter in :mod:`conformance.adapters`.

The adapter kills an IUT that can no longer be trusted to be in step with
the frame stream and starts a fresh one (with a fresh ``hello``) on the next
request, so one crash fails one case, not the run. Processes are always
reaped.
"""

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from typing import IO, Final

from conformance.adapters import (
    STDERR_TAIL_BYTES,
    FrameImplementation,
    IUTCrashed,
    IUTError,
    IUTOversized,
    IUTStartError,
    IUTTimeout,
    IUTVersionError,
    tail_of,
)
from conformance.driverio import PREFIX, FrameTooLarge, encode_frame, frame_length
from reference.codec import encode_message
from spec.v1 import driver as D

DEFAULT_STEP_TIMEOUT: Final = 10.0
"""Seconds an IUT has to answer one request."""
DEFAULT_START_TIMEOUT: Final = 30.0
"""Seconds a freshly started IUT has to answer ``hello`` (interpreters and JITs start slowly)."""
BYE_TIMEOUT: Final = 2.0
"""Seconds an IUT has to answer ``bye`` and exit before it is killed."""
READ_CHUNK: Final = 1 << 16
"""Bytes asked of the reply pipe per read (a pipe's default capacity)."""


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
        return tail_of(data.decode("utf-8", "replace"))

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
