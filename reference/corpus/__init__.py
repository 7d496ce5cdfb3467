"""Corpus generators: pure functions that run the reference and return traces.

A generator has a stable name and a version; bumping the version is how a
changed generator explains changed traces. ``peermarket corpus generate``
(the CLI, which does the file I/O) runs every generator in :data:`GENERATORS`
order and writes ``conformance/traces/v1/<case_id>.cbor``.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reference.codec import encode_message
from spec.v1.trace import Step, Trace, TraceContent, TraceHeader


@dataclass(frozen=True)
class CorpusGenerator:
    """A named, versioned source of traces."""

    name: str
    version: str
    generate: Callable[[], Iterable[Trace]]


def seal_trace(header: TraceHeader, steps: Iterable[Step]) -> Trace:
    """A trace with its content hash: SHA-256 of the deterministic CBOR of its content."""
    content = TraceContent(header=header, steps=tuple(steps))
    return Trace(content=content, content_hash=hashlib.sha256(encode_message(content)).digest())
