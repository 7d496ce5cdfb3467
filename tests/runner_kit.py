"""Shared set-up of the runner tests: the kit corpus's case ids and in-process IUTs."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.adapters import InProcessAdapter
from conformance.runner import RunOutcome, run_corpus
from reference import cbor
from reference.corpus import seal_trace
from reference.driver import Driver
from spec.v1 import driver as D
from spec.v1.trace import Trace

IDS = [
    "wire/codec/non-shortest-seq-001",
    "wire/ping/answer-001",
    "wire/ping/command-001",
    "wire/ping/two-nodes-001",
    "wire/replay/stale-001",
]


def reference() -> InProcessAdapter:
    """The reference driver in process: every kit case passes against it."""
    return InProcessAdapter(Driver().handle_frame)


def with_reply(transform: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]) -> Any:
    """The reference in process, with each decoded reply rewritten by ``transform(req, reply)``."""
    driver = Driver()

    def handle(payload: bytes) -> bytes:
        reply = driver.handle_frame(payload)
        req = cbor.decode(payload, max_size=D.MAX_DRIVER_FRAME)
        value = cbor.decode(reply, max_size=D.MAX_DRIVER_FRAME)
        assert isinstance(req, dict) and isinstance(value, dict)
        return cbor.encode(transform(req, value))

    return InProcessAdapter(handle)


def rewrite_header(trace: Trace, **changes: Any) -> Trace:
    """``trace`` with some header fields changed, sealed again with a fresh content hash."""
    header = trace.content.header.model_copy(update=changes)
    return seal_trace(header, trace.content.steps)


def only_inputs(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """The reference with each reply to an ``input`` request rewritten by ``change``."""
    return with_reply(lambda req, reply: change(reply) if req["op"] == "input" else reply)


def failing_outcome_impl() -> InProcessAdapter:
    """The reference with the last byte of each step's first output flipped."""

    def flip(reply: dict[str, Any]) -> dict[str, Any]:
        if not reply.get("outputs"):
            return reply
        first = dict(reply["outputs"][0])
        first["frame"] = first["frame"][:-1] + bytes([first["frame"][-1] ^ 1])
        return {**reply, "outputs": (first, *reply["outputs"][1:])}

    impl: InProcessAdapter = only_inputs(flip)
    return impl


def failing_outcome(corpus: Path) -> RunOutcome:
    """A run of ``corpus`` in which every case that emits an output fails."""
    return run_corpus(failing_outcome_impl(), corpus)
