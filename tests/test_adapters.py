"""Driver framing, the serve loop, and both adapters against well- and ill-behaved IUTs."""

import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from broken_iuts import kit

from conformance import driverio
from conformance.adapters import (
    InProcessAdapter,
    IUTCrashed,
    IUTFailure,
    IUTGarbage,
    IUTOversized,
    IUTStartError,
    IUTUnexpectedReply,
    IUTVersionError,
)
from conformance.report import format_failure
from conformance.runner import DEFAULT_TRACES, ExitCode, run_corpus
from conformance.subprocess_adapter import SubprocessAdapter
from reference import cbor
from reference.codec import encode_message
from reference.driver import Driver
from reference.identity import seed_from_label
from spec.v1 import driver as D
from spec.v1.export import CDDL_FILE
from spec.v1.export.cddl import DRIVER_REPLY, DRIVER_REQUEST, render_driver_cddl
from spec.v1.trace import NodeSetup

REFDRIVER = [sys.executable, "-m", "conformance.refdriver"]
WIRE_NODE = NodeSetup(
    name="a",
    protocol="wire",
    seed=seed_from_label("a"),
    params=cbor.encode({"replay_senders": 4096}),
)


def frames(*payloads: bytes) -> bytes:
    return b"".join(driverio.encode_frame(p) for p in payloads)


def request(model: D.Hello | D.Bye | D.Reset | D.CreateNode) -> bytes:
    return encode_message(model)


HELLO = request(D.Hello(op="hello", versions=(1,), runner="test"))
BYE = request(D.Bye(op="bye"))
RESET = request(D.Reset(op="reset"))


def read_all(data: bytes) -> list[bytes]:
    stream = io.BytesIO(data)
    out = []
    while (payload := driverio.read_frame(stream)) is not None:
        out.append(payload)
    return out


def reply_op(payload: bytes) -> str:
    value = cbor.decode(payload, max_size=D.MAX_DRIVER_FRAME)
    assert isinstance(value, dict)
    return str(value["op"])


# -- framing --


class CountingStream(io.BytesIO):
    """Records the largest read it was asked for (a huge one means a huge allocation)."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        self.largest = max(self.largest, size if size is not None and size >= 0 else 1 << 62)
        return super().read(size)


def test_frames_round_trip_and_clean_eof() -> None:
    assert read_all(frames(b"\xa0", b"", b"x" * 70_000)) == [b"\xa0", b"", b"x" * 70_000]
    assert driverio.read_frame(io.BytesIO(b"")) is None


def test_length_prefix_is_big_endian() -> None:
    assert driverio.encode_frame(b"abc") == b"\x00\x00\x00\x03abc"


@pytest.mark.parametrize(
    "data", [b"\x00", b"\x00\x00\x00", b"\x00\x00\x00\x05ab"], ids=["prefix1", "prefix3", "payload"]
)
def test_truncated_frames_raise(data: bytes) -> None:
    with pytest.raises(driverio.TruncatedFrame):
        driverio.read_frame(io.BytesIO(data))


def test_oversized_prefix_is_refused_before_reading_the_payload() -> None:
    stream = CountingStream((D.MAX_DRIVER_FRAME + 1).to_bytes(4, "big") + b"\x00" * 16)
    with pytest.raises(driverio.FrameTooLarge) as caught:
        driverio.read_frame(stream)
    assert caught.value.length == D.MAX_DRIVER_FRAME + 1
    assert stream.largest <= driverio.PREFIX
    assert driverio.read_frame(io.BytesIO(frames(b"x" * 10)), max_size=10) == b"x" * 10
    with pytest.raises(driverio.FrameTooLarge):
        driverio.read_frame(io.BytesIO(frames(b"x" * 11)), max_size=10)


def test_oversized_payload_is_not_sent() -> None:
    with pytest.raises(driverio.FrameTooLarge):
        driverio.encode_frame(b"x" * 11, max_size=10)


# -- serve --


def serve_bytes(handle: Callable[[bytes], bytes], data: bytes) -> tuple[int, list[bytes], bytes]:
    out, err = io.BytesIO(), io.BytesIO()
    code = driverio.serve(handle, io.BytesIO(data), out, err)
    return code, read_all(out.getvalue()), err.getvalue()


def test_serve_answers_until_bye_and_ignores_what_follows() -> None:
    code, replies, _ = serve_bytes(Driver().handle_frame, frames(HELLO, RESET, BYE, HELLO))
    assert code == driverio.EXIT_OK
    assert [reply_op(r) for r in replies] == ["hello", "ok", "ok"]


def test_serve_stops_at_eof() -> None:
    code, replies, _ = serve_bytes(Driver().handle_frame, frames(HELLO))
    assert (code, [reply_op(r) for r in replies]) == (driverio.EXIT_OK, ["hello"])


def test_serve_turns_a_handler_exception_into_a_failure_reply() -> None:
    def handle(payload: bytes) -> bytes:
        if payload == RESET:
            raise RuntimeError("boom")
        return Driver().handle_frame(payload)

    code, replies, err = serve_bytes(handle, frames(RESET, BYE))
    assert code == driverio.EXIT_OK
    assert [reply_op(r) for r in replies] == ["failure", "ok"]
    assert b"RuntimeError: boom" in err


def test_serve_gives_up_on_a_broken_request_stream() -> None:
    code, replies, err = serve_bytes(Driver().handle_frame, frames(HELLO) + b"\xff\xff\xff\xff")
    assert code == driverio.EXIT_FRAMING
    assert len(replies) == 1
    assert b"exceeds the limit" in err


def test_refdriver_speaks_frames_on_stdout_and_exits_zero_after_bye() -> None:
    done = subprocess.run(REFDRIVER, input=frames(HELLO, BYE), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [reply_op(r) for r in read_all(done.stdout)] == ["hello", "ok"]


def test_refdriver_exits_zero_at_eof() -> None:
    done = subprocess.run(REFDRIVER, input=b"", capture_output=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, b"")


def test_claim_stdout_keeps_prints_out_of_the_frame_stream(tmp_path: Path) -> None:
    iut = tmp_path / "printer.py"
    iut.write_text(
        "import sys\n"
        "from conformance.driverio import claim_stdout, serve\n"
        "from reference.driver import Driver\n"
        "frames = claim_stdout()\n"
        "driver = Driver()\n"
        "def handle(payload):\n"
        "    print('log line that must not reach the runner')\n"
        "    return driver.handle_frame(payload)\n"
        "sys.exit(serve(handle, sys.stdin.buffer, frames))\n"
    )
    done = subprocess.run(
        [sys.executable, str(iut)], input=frames(HELLO, BYE), capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert [reply_op(r) for r in read_all(done.stdout)] == ["hello", "ok"]
    assert b"log line" in done.stderr


# -- in-process adapter: the reference and wrappers that break it --


def wrapped(transform: Callable[[bytes, bytes], bytes]) -> InProcessAdapter:
    """The reference, with every reply passed through ``transform(request, reply)``."""
    driver = Driver()
    return InProcessAdapter(lambda payload: transform(payload, driver.handle_frame(payload)))


def on_op(op: str, replacement: bytes) -> Callable[[bytes, bytes], bytes]:
    def transform(payload: bytes, reply: bytes) -> bytes:
        return replacement if reply_op(payload) == op else reply

    return transform


def test_in_process_reference_handshake_and_node() -> None:
    impl = InProcessAdapter(Driver().handle_frame)
    hello = impl.hello()
    assert hello.version == D.DRIVER_VERSION and "wire" in hello.protocols
    assert isinstance(impl.create_node(WIRE_NODE), D.Ok)
    state = impl.query_state("a")
    assert len(state.digest) == 32
    impl.reset()
    with pytest.raises(IUTFailure, match="no node 'a'"):
        impl.query_state("a")
    impl.close()


@pytest.mark.parametrize(
    ("reply", "error", "text"),
    [
        (b"\xff\x00", IUTGarbage, "not deterministic CBOR"),
        (cbor.encode({"op": "result"}), IUTGarbage, "not a valid driver reply"),
        (cbor.encode({"op": "ok", "extra": 1}), IUTGarbage, "unknown_field"),
        (encode_message(D.Ok(op="ok")), IUTUnexpectedReply, "answered 'ok' to hello"),
        (
            encode_message(D.Unsupported(op="unsupported", reason="v9 only")),
            IUTVersionError,
            "refused driver version",
        ),
        (
            encode_message(
                D.HelloReply(op="hello", version=2, implementation="x", protocols=("wire",))
            ),
            IUTVersionError,
            "chose driver version 2",
        ),
        (
            encode_message(D.Failure(op="failure", reason="not today")),
            IUTFailure,
            "failure to hello: not today",
        ),
    ],
    ids=["not-cbor", "missing-fields", "extra-field", "wrong-op", "refuses", "v2", "failure"],
)
def test_bad_hello_replies_are_typed_errors(
    reply: bytes, error: type[Exception], text: str
) -> None:
    impl = wrapped(on_op("hello", reply))
    with pytest.raises(error, match=text):
        impl.hello()


def test_oversized_in_process_reply() -> None:
    impl = wrapped(on_op("reset", b"\x00" * (D.MAX_DRIVER_FRAME + 1)))
    with pytest.raises(IUTOversized):
        impl.reset()


def test_in_process_exception_is_a_crash_with_traceback() -> None:
    def handle(payload: bytes) -> bytes:
        raise ZeroDivisionError("deep inside the IUT")

    impl = InProcessAdapter(handle)
    with pytest.raises(IUTCrashed, match="ZeroDivisionError") as caught:
        impl.reset()
    assert "deep inside the IUT" in caught.value.stderr_tail


# -- subprocess adapter --


def test_subprocess_reference_round_trip_and_reaping() -> None:
    impl = SubprocessAdapter(REFDRIVER, step_timeout=10)
    assert impl.hello().protocols == (
        "auction",
        "auction_stack",
        "overlay",
        "sla",
        "sla_stack",
        "wire",
    )
    pid = impl.pid
    assert pid is not None
    assert isinstance(impl.create_node(WIRE_NODE), D.Ok)
    assert isinstance(impl.create_node(WIRE_NODE.model_copy(update={"name": "b"})), D.Ok)
    impl.close()
    assert impl.pid is None and impl.warnings == []
    assert_reaped(pid)


def assert_reaped(pid: int) -> None:
    """The process was waited for: it is no child of ours any more (not even a zombie)."""
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_missing_command_is_a_start_error() -> None:
    impl = SubprocessAdapter(["/nonexistent/iut-binary"], step_timeout=1)
    with pytest.raises(IUTStartError, match="cannot start IUT"):
        impl.hello()
    impl.close()


def test_crashed_iut_is_restarted_with_a_fresh_hello(tmp_path: Path) -> None:
    script = tmp_path / "dies_on_reset.py"
    marker = tmp_path / "died"
    script.write_text(
        "import os, sys\n"
        "from pathlib import Path\n"
        "from conformance.driverio import serve\n"
        "from reference.driver import Driver\n"
        "driver = Driver()\n"
        f"marker = Path({str(marker)!r})\n"
        "def handle(payload):\n"
        "    if payload == bytes.fromhex('a1626f70657265736574') and not marker.exists():\n"
        "        marker.touch()\n"
        "        sys.stderr.write('dying now\\n'); sys.stderr.flush()\n"
        "        os._exit(7)\n"
        "    return driver.handle_frame(payload)\n"
        "sys.exit(serve(handle))\n"
    )
    assert bytes.fromhex("a1626f70657265736574") == RESET
    impl = SubprocessAdapter([sys.executable, str(script)], step_timeout=10)
    impl.hello()
    first = impl.pid
    with pytest.raises(IUTCrashed, match="exited with code 7") as caught:
        impl.reset()
    assert "dying now" in caught.value.stderr_tail
    assert impl.pid is None
    assert first is not None
    assert_reaped(first)
    impl.reset()  # a new process, greeted again with hello before the reset
    assert impl.pid not in (None, first) and impl.restarts == 1
    impl.close()


def test_restarted_iut_must_answer_hello_the_same_way(tmp_path: Path) -> None:
    script = tmp_path / "changes_its_mind.py"
    marker = tmp_path / "started-before"
    script.write_text(
        "import os, sys\n"
        "from pathlib import Path\n"
        "from conformance.driverio import serve\n"
        "from reference import cbor\n"
        "from reference.driver import Driver\n"
        "driver = Driver()\n"
        f"marker = Path({str(marker)!r})\n"
        "second = marker.exists()\n"
        "marker.touch()\n"
        "def handle(payload):\n"
        "    reply = driver.handle_frame(payload)\n"
        "    value = cbor.decode(reply)\n"
        "    if value['op'] == 'hello' and second:\n"
        "        return cbor.encode({**value, 'protocols': ()})\n"
        "    if value['op'] == 'ok' and not second:\n"
        "        os._exit(1)\n"
        "    return reply\n"
        "sys.exit(serve(handle))\n"
    )
    impl = SubprocessAdapter([sys.executable, str(script)], step_timeout=10)
    assert impl.hello().protocols == (
        "auction",
        "auction_stack",
        "overlay",
        "sla",
        "sla_stack",
        "wire",
    )
    with pytest.raises(IUTCrashed):
        impl.reset()
    with pytest.raises(IUTVersionError, match="restarted IUT answered hello differently"):
        impl.reset()
    assert impl.pid is None
    impl.close()


def test_iut_that_ignores_bye_is_killed_with_a_warning(tmp_path: Path) -> None:
    script = tmp_path / "lingers.py"
    script.write_text(
        "import sys, time\n"
        "from conformance.driverio import serve\n"
        "from reference.driver import Driver\n"
        "serve(Driver().handle_frame)\n"
        "time.sleep(3600)\n"
    )
    impl = SubprocessAdapter([sys.executable, str(script)], step_timeout=10)
    impl.hello()
    pid = impl.pid
    started = time.monotonic()
    impl.close()
    assert time.monotonic() - started < 10
    assert any("did not exit" in w for w in impl.warnings)
    assert pid is not None
    assert_reaped(pid)


def test_nonzero_exit_after_bye_is_a_warning(tmp_path: Path) -> None:
    script = tmp_path / "exits_5.py"
    script.write_text(
        "import sys\n"
        "from conformance.driverio import serve\n"
        "from reference.driver import Driver\n"
        "serve(Driver().handle_frame)\n"
        "sys.exit(5)\n"
    )
    impl = SubprocessAdapter([sys.executable, str(script)], step_timeout=10)
    impl.hello()
    impl.close()
    assert impl.warnings == ["IUT exited with code 5 after bye (expected 0)"]


# -- the driver's CDDL matches the messages; the prose's example adapter passes the suite --

PROSE = Path(__file__).resolve().parents[1] / "spec" / "v1" / "prose" / "driver.md"
SCHEMAS = PROSE.parents[1] / "schemas"


def fenced(language: str) -> str:
    text = PROSE.read_text("utf-8")
    blocks = re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 1, f"expected one {language} block in {PROSE}"
    return str(blocks[0])


def sample_messages() -> tuple[list[bytes], list[bytes]]:
    """Encoded requests and replies of a real session with the reference."""
    kit_trace = kit.stale_case()
    requests: list[bytes] = [HELLO, RESET, request(D.CreateNode(op="create_node", node=WIRE_NODE))]
    requests += [
        encode_message(D.InputRequest(op="input", node="a", at=step.at, input=step.input))
        for step in kit_trace.content.steps
    ]
    requests += [encode_message(D.QueryState(op="query_state", node="a")), BYE]
    command = kit.command_case().content.steps[0].input
    requests.append(encode_message(D.InputRequest(op="input", node="a", at=9, input=command)))
    driver = Driver()
    replies = [driver.handle_frame(r) for r in requests]
    replies.append(encode_message(D.Unsupported(op="unsupported", reason="no")))
    replies.append(encode_message(D.Failure(op="failure", reason="no")))
    return requests, replies


def test_driver_cddl_accepts_real_driver_messages() -> None:
    """The driver page's CDDL (generated from the models) accepts a real session's messages
    and refuses a reply that breaks it."""
    import pycddl

    schema = render_driver_cddl()
    requests, replies = sample_messages()
    assert {reply_op(r) for r in replies} == {
        "hello",
        "ok",
        "result",
        "state",
        "unsupported",
        "failure",
    }
    for root, messages in ((DRIVER_REQUEST, requests), (DRIVER_REPLY, replies)):
        compiled = pycddl.Schema(f"root = {root}\n{schema}")
        for message in messages:
            compiled.validate_cbor(message)
    replies_only = pycddl.Schema(f"root = {DRIVER_REPLY}\n{schema}")
    with pytest.raises(pycddl.ValidationError):
        replies_only.validate_cbor(cbor.encode({"op": "result"}))
    with pytest.raises(pycddl.ValidationError):  # a request is not a reply
        replies_only.validate_cbor(requests[0])


def test_driver_cddl_is_the_generated_file_and_the_prose_copies_none_of_it() -> None:
    """Every rule the driver page shows is, byte for byte, a rule of the exported CDDL file;
    the prose names every message rule and holds no CDDL of its own to drift."""
    exported = (SCHEMAS / CDDL_FILE).read_text("utf-8")
    rules = render_driver_cddl().split("\n\n")
    choices, models = rules[:2], rules[2:]
    assert [c.splitlines()[-1].split(" = ")[0] for c in choices] == [DRIVER_REQUEST, DRIVER_REPLY]
    for rule in models:
        assert f"\n{rule.strip()}\n" in exported, rule.splitlines()[1]
    prose = PROSE.read_text("utf-8")
    assert "```cddl" not in prose
    for choice in choices:
        for name in choice.splitlines()[-1].split(" = ")[1].split(" / "):
            assert f"`{name}`" in prose, name


MYNODE = '''
"""A stand-in for a third-party implementation: the reference behind the example's API."""
from pydantic import TypeAdapter
from reference import node
from reference.codec import from_value_as
from reference.identity import Identity
from reference.roles import ROLES
from spec.v1.errors import PeerMarketError
from spec.v1.trace import Input

INPUT = TypeAdapter(Input)


class ProtocolError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class MyNode:
    def __init__(self, protocol, seed, params):
        self.node = node.create(ROLES[protocol], Identity.from_seed(seed), params)
        self.now = 0

    def handle(self, at, item):
        self.now = at
        try:
            self.node, outputs = node.handle(self.node, at, from_value_as(INPUT, item))
        except PeerMarketError as exc:
            raise ProtocolError(exc.code.code) from None
        return [(o.to, o.frame) for o in outputs]

    def observe(self):
        return node.observe(self.node)
'''


def test_prose_example_adapter_passes_the_suite(tmp_path: Path) -> None:
    (tmp_path / "mynode.py").write_text(MYNODE)
    adapter = tmp_path / "my_adapter.py"
    adapter.write_text(fenced("python"))
    corpus = kit.write_corpus(tmp_path / "corpus")
    with SubprocessAdapter([sys.executable, str(adapter)], step_timeout=10) as impl:
        outcome = run_corpus(impl, corpus)
    assert outcome.exit_code == ExitCode.PASSED, [format_failure(r) for r in outcome.results]
    assert outcome.count("pass") == 5 and impl.warnings == []


def test_prose_example_adapter_passes_every_wire_case(tmp_path: Path) -> None:
    (tmp_path / "mynode.py").write_text(MYNODE)
    adapter = tmp_path / "my_adapter.py"
    adapter.write_text(fenced("python"))
    with SubprocessAdapter([sys.executable, str(adapter)], step_timeout=10) as impl:
        outcome = run_corpus(impl, DEFAULT_TRACES, protocols=("wire",))
    assert outcome.exit_code == ExitCode.PASSED, [format_failure(r) for r in outcome.results]
    manifest = json.loads((DEFAULT_TRACES / "MANIFEST.json").read_text("utf-8"))
    wire = [c for c in manifest["cases"] if c["case_id"].startswith("wire/")]
    assert outcome.count("pass") == len(wire) > 100


def test_prose_example_adapter_needs_only_the_standard_library_and_cbor2() -> None:
    imports = re.findall(r"^(?:import|from) (\w+)", fenced("python"), flags=re.MULTILINE)
    assert set(imports) <= {"hashlib", "struct", "sys", "cbor2", "mynode"}, imports
