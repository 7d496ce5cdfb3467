"""What a trace carries as bytes, decoded for reading, and the JSON rendering of a trace.

A trace holds frames, their bodies, command and upcall arguments (an upcall's
``frame`` is an inner envelope) and states as bytes.
This module decodes them strictly, as an implementation would, keeping either
the value or where and why it does not decode, so a reader of a negative case
sees the defect. :mod:`conformance.traceview` draws the same views for a
terminal; :func:`trace_json` is what ``peermarket trace show --json`` and
``peermarket corpus show --json`` print.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.diff import upcall_problem
from conformance.tracefile import MAX_TRACE_FILE_BYTES, content_hash, validate_trace
from reference import cbor
from reference.identity import Identity
from spec.v1.errors import BY_CODE, PeerMarketError
from spec.v1.flags import BY_NAME
from spec.v1.trace import Command, Deliver, RouteOutput, Step, Trace, Upcall


@dataclass(frozen=True)
class Decoded:
    """A CBOR field decoded for reading: the value, or why it does not decode."""

    value: cbor.Value = None
    error: PeerMarketError | None = None


def decode_for_display(data: bytes) -> Decoded:
    """Strictly decode ``data`` (with no size limit beyond the file's), keeping the error."""
    try:
        return Decoded(cbor.decode(data, max_size=MAX_TRACE_FILE_BYTES))
    except PeerMarketError as exc:
        return Decoded(error=exc)


@dataclass(frozen=True)
class FrameView:
    """A frame as a reader sees it: the envelope's fields and its body's, where they decode."""

    envelope: Decoded
    body: Decoded | None
    """The body's decoding, when the envelope is a map whose ``body`` is a byte string."""


def view_frame(frame: bytes) -> FrameView:
    envelope = decode_for_display(frame)
    body = None
    if isinstance(envelope.value, Mapping) and isinstance(envelope.value.get("body"), bytes):
        raw = envelope.value["body"]
        assert isinstance(raw, bytes)
        body = decode_for_display(raw)
    return FrameView(envelope, body)


@dataclass(frozen=True)
class UpcallView:
    """An upcall as a reader sees it: its arguments, the inner frame they carry (``deliver``
    and ``forward``), and why they are not a valid upcall of their name ("" when they are)."""

    args: Decoded
    frame: bytes | None
    """The ``frame`` argument, when the arguments are a map holding bytes there."""
    frame_view: FrameView | None
    """Its decoding."""
    problem: str


def view_upcall(upcall: Upcall) -> UpcallView:
    args = decode_for_display(upcall.args)
    frame = args.value.get("frame") if isinstance(args.value, Mapping) else None
    if not isinstance(frame, bytes):
        return UpcallView(args, None, None, upcall_problem(upcall))
    return UpcallView(args, frame, view_frame(frame), upcall_problem(upcall))


def node_names(trace: Trace) -> dict[bytes, str]:
    """Node id -> trace-local name, for the nodes under test and the named peers."""
    names = {
        Identity.from_seed(node.seed).node_id: node.name for node in trace.content.header.nodes
    }
    for peer in trace.content.header.peers:
        names.setdefault(peer.node_id, peer.name)
    return names


def _error_json(exc: PeerMarketError) -> dict[str, str]:
    return {"code": exc.code.code, "field": exc.field, "reason": exc.reason}


def value_json(value: cbor.Value) -> Any:
    """A decoded CBOR value as JSON: byte strings become lowercase hex."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {k: value_json(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [value_json(v) for v in value]
    return value


def _decoded_json(decoded: Decoded) -> dict[str, Any]:
    if decoded.error is not None:
        return {"error": _error_json(decoded.error)}
    return {"value": value_json(decoded.value)}


def _frame_json(frame: bytes) -> dict[str, Any]:
    return _frame_view_json(view_frame(frame), len(frame))


def _frame_view_json(view: FrameView, size: int) -> dict[str, Any]:
    rendered: dict[str, Any] = {"size": size, "envelope": _decoded_json(view.envelope)}
    if view.body is not None:
        rendered["body"] = _decoded_json(view.body)
    return rendered


def state_digest(state: bytes) -> str:
    """SHA-256 of an observable state, as ``query_state`` reports it (lowercase hex)."""
    return hashlib.sha256(state).hexdigest()


def step_json(step: Step, number: int, names: Mapping[bytes, str]) -> dict[str, Any]:
    """One step as in the trace (bytes as hex), with its 1-based ``step`` number and the
    decoded views of its input, outputs and state, the expected error's summary and the
    expected state's SHA-256 ``state_digest``. An upcall's input adds ``frame_decoded`` (its
    inner frame), ``arg_names`` (the trace-local names of node ids among its arguments) and
    ``problem`` (why its arguments are not a valid upcall, or null); a ``route`` output has
    ``key_name`` where a frame to a neighbour has ``to_name``."""
    rendered: dict[str, Any] = {"step": number, **step.model_dump(mode="json")}
    item = step.input
    if isinstance(item, Deliver):
        rendered["input"]["link_name"] = names.get(item.link)
        rendered["input"]["decoded"] = _frame_json(item.frame)
    elif isinstance(item, Command):
        rendered["input"]["decoded"] = _decoded_json(decode_for_display(item.args))
    elif isinstance(item, Upcall):
        view = view_upcall(item)
        rendered["input"]["decoded"] = _decoded_json(view.args)
        if view.frame is not None and view.frame_view is not None:
            rendered["input"]["frame_decoded"] = _frame_view_json(view.frame_view, len(view.frame))
        values = view.args.value.items() if isinstance(view.args.value, Mapping) else ()
        rendered["input"]["arg_names"] = {
            key: names[value]
            for key, value in values
            if isinstance(value, bytes) and value in names
        }
        rendered["input"]["problem"] = view.problem or None
    expect_json = rendered["expect"]
    for output_json, output in zip(expect_json["outputs"], step.expect.outputs, strict=True):
        if isinstance(output, RouteOutput):
            output_json["key_name"] = names.get(output.key)
        else:
            output_json["to_name"] = names.get(output.to)
        output_json["decoded"] = _frame_json(output.frame)
    if step.expect.error is not None:
        code = BY_CODE.get(step.expect.error)
        expect_json["error_summary"] = code.summary if code else None
    if step.expect.state is not None:
        expect_json["state_decoded"] = _decoded_json(decode_for_display(step.expect.state))
        expect_json["state_digest"] = state_digest(step.expect.state)
    return rendered


def trace_json(trace: Trace, path: Path | None = None, step: int | None = None) -> dict[str, Any]:
    """A JSON rendering for tools and people: the trace (bytes as hex) plus decoded views.

    Shape: ``file``, ``content_hash``, ``content_hash_valid``, ``problems`` (from
    :func:`validate_trace`), ``header`` (the header, with ``flags`` expanded to
    ``{name, bug_type, description}`` and each node's ``node_id``), ``step_count``, and
    ``steps``, each rendered by :func:`step_json`: its input and expectations as in the
    trace plus ``decoded`` views (``{"value": ...}`` or ``{"error": {code, field,
    reason}}``), the expected error's ``summary`` and the state's digest. With ``step``
    (1-based, in range), ``steps`` holds only that step.
    """
    header = trace.content.header
    names = node_names(trace)
    header_json: dict[str, Any] = header.model_dump(mode="json")
    header_json["flags"] = [
        {
            "name": flag,
            "bug_type": BY_NAME[flag].bug_type if flag in BY_NAME else None,
            "description": BY_NAME[flag].description if flag in BY_NAME else None,
        }
        for flag in header.flags
    ]
    for node_json, node in zip(header_json["nodes"], header.nodes, strict=True):
        node_json["node_id"] = Identity.from_seed(node.seed).node_id.hex()
        node_json["params_decoded"] = _decoded_json(decode_for_display(node.params))
    all_steps = trace.content.steps
    numbers = range(1, len(all_steps) + 1) if step is None else [step]
    return {
        "file": None if path is None else str(path),
        "content_hash": trace.content_hash.hex(),
        "content_hash_valid": content_hash(trace) == trace.content_hash,
        "problems": [
            {"kind": p.kind, "step": p.step, "message": p.message}
            for p in validate_trace(trace, path)
        ],
        "header": header_json,
        "step_count": len(all_steps),
        "steps": [step_json(all_steps[n - 1], n, names) for n in numbers],
    }
