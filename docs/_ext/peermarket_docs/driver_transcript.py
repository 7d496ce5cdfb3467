"""A real driver session, byte for byte: the runner replays one case when the site is built.

The runner (``conformance.runner.run_corpus``) drives the reference
(``reference.driver.Driver``) through the in-process adapter, which sends
exactly the payloads the subprocess adapter writes to a pipe. Every request
and reply is recorded and shown as annotated hex, with its length prefix, so
the bytes on the page are the bytes a driver really receives and sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from docutils import nodes

from peermarket_docs.diagnostic import diag_literal, diagnostic
from peermarket_docs.docnodes import data_table, lit, literal_block, para

TRANSCRIPT_CASE = "wire/ping/answer-001"
BYTES_PER_LINE = 16
INLINE_BYTES = 12
"""A string whose head and content fit in this many bytes is shown on one line."""


@dataclass(frozen=True)
class Exchange:
    """One request payload and the reply payload it got."""

    request: bytes
    reply: bytes


def record_session(case_id: str = TRANSCRIPT_CASE) -> list[Exchange]:
    """Run one case of the checked-in corpus against the reference; every exchange in order."""
    from conformance.adapters import InProcessAdapter
    from conformance.runner import DEFAULT_TRACES, ExitCode, run_corpus
    from reference.driver import Driver

    driver = Driver()
    session: list[Exchange] = []

    def handle(payload: bytes) -> bytes:
        reply = driver.handle_frame(payload)
        session.append(Exchange(payload, reply))
        return reply

    with InProcessAdapter(handle, "reference.driver.Driver") as impl:
        outcome = run_corpus(impl, DEFAULT_TRACES, patterns=(case_id,))
    if outcome.exit_code != ExitCode.PASSED or outcome.count("pass") != 1:
        raise RuntimeError(f"the transcript's case {case_id!r} did not pass: {outcome.error}")
    return session


def _op(payload: bytes) -> str:
    from reference import cbor

    value = cbor.decode(payload, max_size=1 << 24)
    assert isinstance(value, dict)
    return str(value["op"])


HOLDS_CBOR = frozenset({"frame", "params", "args", "state", "body"})
"""Driver and envelope fields whose byte string is itself one item of deterministic CBOR."""


def annotate(data: bytes, described: dict[bytes, str]) -> list[tuple[str, str]]:
    """One valid item as (hex, meaning) rows: a head, or a head and short content, per row.

    A byte string found in ``described`` is annotated with its description
    instead of its hex.
    """
    rows: list[tuple[str, str]] = []

    def row(depth: int, chunk: bytes, meaning: str) -> None:
        rows.append(("   " * depth + " ".join(f"{b:02x}" for b in chunk), meaning))

    def item(pos: int, depth: int) -> int:
        initial = data[pos]
        major, info = initial >> 5, initial & 0x1F
        size = 0 if info < 24 else 1 << (info - 24)
        arg = info if info < 24 else int.from_bytes(data[pos + 1 : pos + 1 + size], "big")
        end = pos + 1 + size
        head = data[pos:end]
        if major in (2, 3):
            content = data[end : end + arg]
            if major == 3:
                meaning = diag_literal(content.decode("utf-8"))
            else:
                meaning = described.get(content) or (
                    f"h'{content.hex()}'" if arg <= 8 else f"bytes ({arg})"
                )
            if len(head) + arg <= INLINE_BYTES:
                row(depth, head + content, meaning)
            else:
                row(depth, head, meaning)
                for i in range(0, arg, BYTES_PER_LINE):
                    row(depth + 1, content[i : i + BYTES_PER_LINE], "")
            return end + arg
        if major in (4, 5):
            row(depth, head, f"{'array' if major == 4 else 'map'} of {arg}")
            for _ in range(arg if major == 4 else 2 * arg):
                end = item(end, depth + 1)
            return end
        if major == 7:
            row(depth, head, {0xF4: "false", 0xF5: "true", 0xF6: "null"}[initial])
        else:
            row(depth, head, str(arg) if major == 0 else str(-1 - arg))
        return end

    assert item(0, 0) == len(data), "one item, no trailing bytes"
    return rows


def _embedded(value: object) -> list[tuple[str, bytes]]:
    """The (field, bytes) pairs in ``value`` whose byte string holds CBOR, outermost first."""
    found: list[tuple[str, bytes]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in HOLDS_CBOR and isinstance(item, bytes):
                found.append((key, item))
            found += _embedded(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found += _embedded(item)
    return found


def framed(payload: bytes) -> tuple[str, list[tuple[str, object]]]:
    """The frame of ``payload`` in annotated hex, and the CBOR items its byte strings hold."""
    from reference import cbor

    described: dict[bytes, str] = {}
    below: list[tuple[str, object]] = []
    for key, content in _embedded(cbor.decode(payload, max_size=1 << 24)):
        inner = cbor.decode(content)
        if len(diagnostic(inner)) <= 24:
            described[content] = f"bytes ({len(content)}): CBOR of {diagnostic(inner)}"
        else:
            described[content] = f"bytes ({len(content)}): CBOR, decoded below as {key}"
            below.append((key, inner))
            below += [(f"{key}.{k}", cbor.decode(v)) for k, v in _embedded(inner)]
    prefix = " ".join(f"{b:02x}" for b in len(payload).to_bytes(4, "big"))
    rows = [(prefix, f"length prefix: {len(payload)} bytes follow"), *annotate(payload, described)]
    width = max(len(hex_) for hex_, _ in rows) + 2
    return "\n".join(f"{hex_:<{width}}{meaning}".rstrip() for hex_, meaning in rows), below


def transcript_nodes(case_id: str = TRANSCRIPT_CASE) -> list[nodes.Node]:
    """The recorded session: a summary table, then every frame in annotated hex."""
    session = record_session(case_id)
    out: list[nodes.Node] = [
        para(
            "Generated when this page was built: the runner replayed the case ",
            lit(case_id),
            " against the reference implementation and every frame was recorded. ",
            "Each frame is a 4-byte big-endian length, then that many bytes of deterministic CBOR.",
        ),
        data_table(
            ["#", "runner → IUT", "bytes", "IUT → runner", "bytes"],
            (
                (
                    [
                        str(n),
                        [lit(_op(ex.request))],
                        str(4 + len(ex.request)),
                        [lit(_op(ex.reply))],
                        str(4 + len(ex.reply)),
                    ],
                    None,
                )
                for n, ex in enumerate(session, start=1)
            ),
            [8, 30, 12, 30, 12],
        ),
    ]
    for n, ex in enumerate(session, start=1):
        for direction, payload in (("runner → IUT", ex.request), ("IUT → runner", ex.reply)):
            hex_, below = framed(payload)
            out += [para(f"{n}. {direction}: ", lit(_op(payload))), literal_block(hex_, "text")]
            for key, value in below:
                out += [
                    para("Its ", lit(key), ", decoded:"),
                    literal_block(diagnostic(value, multiline=True), "text"),
                ]
    return out
