"""One test per rejection rule of the CBOR profile, each defect made by a mutator.

Every non-canonical variant is built from a *valid* encoding by a mutator
that knows nothing of ``reference.cbor`` (it walks the bytes with its own
small parser, in ``cbor_kit``), so the decoder is checked against an independent
account of what each defect is and which code it must get.
"""

import struct
from typing import Any

import cbor2
from cbor_kit import (  # tests/ is on sys.path under pytest
    ARG_WIDTH,
    BOUNDARY_INTS,
    DOCUMENTS,
    THOROUGH,
    Span,
    assert_rejected,
    head,
    replace,
    walk,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from reference import cbor
from spec.v1 import errors as E


def test_head_helper_agrees_with_cbor2() -> None:
    for arg in BOUNDARY_INTS:
        if arg >= 0:
            assert head(0, arg) == cbor2.dumps(arg)


@THOROUGH
@given(DOCUMENTS, st.data())
def test_non_shortest_head_is_non_canonical(doc: Any, data: st.DataObject) -> None:
    enc = cbor.encode(doc)
    spans = [s for s in walk(enc) if s.major <= 5]  # integers, strings, arrays, maps
    span = data.draw(st.sampled_from(spans))
    longer = [a for a in (24, 25, 26, 27) if a > span.ai and span.arg < 256 ** ARG_WIDTH[a]]
    assume(longer)
    ai = data.draw(st.sampled_from(longer))
    mutated = replace(enc, span.start, span.head_end, head(span.major, span.arg, ai))
    assert_rejected(mutated, E.DECODE_NON_CANONICAL)


@THOROUGH
@given(DOCUMENTS, st.data())
def test_indefinite_length_is_rejected(doc: Any, data: st.DataObject) -> None:
    enc = cbor.encode(doc)
    span = data.draw(st.sampled_from([s for s in walk(enc) if 2 <= s.major <= 5]))
    if span.major in (2, 3):  # one definite chunk inside an indefinite string
        new = bytes([span.major << 5 | 31]) + enc[span.start : span.end] + b"\xff"
    else:
        new = bytes([span.major << 5 | 31]) + enc[span.head_end : span.end] + b"\xff"
    assert_rejected(replace(enc, span.start, span.end, new), E.DECODE_INDEFINITE_LENGTH)


def _maps(enc: bytes, minimum: int) -> list[Span]:
    return [s for s in walk(enc) if s.major == 5 and len(s.entries) >= minimum]


@THOROUGH
@given(DOCUMENTS, st.data())
def test_swapped_map_keys_are_unsorted(doc: Any, data: st.DataObject) -> None:
    enc = cbor.encode(doc)
    span = data.draw(st.sampled_from(_maps(enc, 2)))
    i = data.draw(st.integers(0, len(span.entries) - 2))
    (a0, a1), (b0, b1) = span.entries[i], span.entries[i + 1]
    mutated = enc[:a0] + enc[b0:b1] + enc[a0:a1] + enc[b1:]
    assert_rejected(mutated, E.DECODE_UNSORTED_KEYS)


@THOROUGH
@given(DOCUMENTS, st.data())
def test_duplicated_map_key_is_rejected(doc: Any, data: st.DataObject) -> None:
    enc = cbor.encode(doc)
    span = data.draw(st.sampled_from(_maps(enc, 1)))
    i = data.draw(st.integers(0, len(span.entries) - 1))
    parts = [enc[s:e] for s, e in span.entries]
    if i + 1 < len(parts) and data.draw(st.booleans()):
        # The next entry keeps its value but takes this entry's key.
        key = walk(parts[i], whole=False)[0]
        next_key = walk(parts[i + 1], whole=False)[0]
        parts[i + 1] = parts[i][: key.end] + parts[i + 1][next_key.end :]
    else:
        # The whole entry twice, and the count raised by one (its head may grow).
        parts.insert(i + 1, parts[i])
    new = head(5, len(parts)) + b"".join(parts)
    assert_rejected(replace(enc, span.start, span.end, new), E.DECODE_DUPLICATE_KEY)


@given(DOCUMENTS, st.binary(min_size=1, max_size=3))
def test_trailing_bytes_are_rejected(doc: Any, extra: bytes) -> None:
    assert_rejected(cbor.encode(doc) + extra, E.DECODE_TRAILING_BYTES)


@THOROUGH
@given(DOCUMENTS, st.data())
def test_float_in_place_of_an_integer_is_unsupported(doc: Any, data: st.DataObject) -> None:
    enc = cbor.encode(doc)
    span = data.draw(st.sampled_from([s for s in walk(enc) if s.major <= 1]))
    value = span.arg if span.major == 0 else -1 - span.arg
    formats = [(0xF9, ">e")] if abs(value) <= 65504 else []
    formats += [(0xFA, ">f"), (0xFB, ">d")]
    ib, fmt = data.draw(st.sampled_from(formats))
    new = bytes([ib]) + struct.pack(fmt, float(value))
    assert_rejected(replace(enc, span.start, span.end, new), E.DECODE_UNSUPPORTED_TYPE)


@THOROUGH
@given(DOCUMENTS, st.data())
def test_tag_wrapper_is_unsupported(doc: Any, data: st.DataObject) -> None:
    enc = cbor.encode(doc)
    span = data.draw(st.sampled_from(walk(enc)))
    tag = data.draw(st.one_of(st.integers(0, 300), st.integers(0, 2**64 - 1)))
    new = head(6, tag) + enc[span.start : span.end]
    assert_rejected(replace(enc, span.start, span.end, new), E.DECODE_UNSUPPORTED_TYPE)


@THOROUGH
@given(DOCUMENTS, st.data())
def test_truncation_is_malformed(doc: Any, data: st.DataObject) -> None:
    enc = cbor.encode(doc)
    cut = data.draw(st.integers(0, len(enc) - 1))
    assert_rejected(enc[:cut], E.DECODE_MALFORMED)
