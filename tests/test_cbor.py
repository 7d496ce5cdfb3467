"""The deterministic CBOR profile: the shared vectors, round trips, and one test per rejection rule.

Every non-canonical variant is built from a *valid* encoding by a mutator
that knows nothing of ``reference.cbor`` (it walks the bytes with its own
small parser), so the decoder is checked against an independent account of
what each defect is and which code it must get.
"""

import base64
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from reference import cbor
from spec.v1 import errors as E
from spec.v1.envelope import MAX_DEPTH, MAX_FRAME_BYTES

# --------------------------------------------------------------------------------------------
# Helpers


def decode_error(data: bytes, **kwargs: Any) -> E.PeerMarketError:
    """The typed error ``data`` must raise; fails the test if it decodes or raises anything else."""
    try:
        value = cbor.decode(data, **kwargs)
    except E.PeerMarketError as exc:
        return exc
    pytest.fail(f"{data.hex()} was accepted as {value!r}")


def assert_rejected(data: bytes, code: E.ErrorCode) -> None:
    exc = decode_error(data)
    assert exc.code == code, f"{data.hex()}: expected {code}, got {exc.code} ({exc})"


def normalise(value: Any) -> Any:
    """What ``decode`` returns for a value: arrays become tuples, maps dicts."""
    if isinstance(value, list | tuple):
        return tuple(normalise(v) for v in value)
    if isinstance(value, Mapping):
        return {k: normalise(v) for k, v in value.items()}
    return value


def same(a: Any, b: Any) -> bool:
    """Equality that also tells bool from int and tuple from list (``True == 1`` in Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


# --------------------------------------------------------------------------------------------
# RFC 8949 Appendix A (vectors/cbor/appendix_a.json): an explicit, reviewed verdict per item.

ACCEPT = "accept"
T = E.DECODE_UNSUPPORTED_TYPE
I = E.DECODE_INDEFINITE_LENGTH  # noqa: E741

# hex -> ACCEPT or the code it must be rejected with, and why.
APPENDIX_A: dict[str, tuple[object, str]] = {
    "00": (ACCEPT, "0"),
    "01": (ACCEPT, "1"),
    "0a": (ACCEPT, "10"),
    "17": (ACCEPT, "23, largest immediate"),
    "1818": (ACCEPT, "24, smallest one-byte argument"),
    "1819": (ACCEPT, "25"),
    "1864": (ACCEPT, "100"),
    "1903e8": (ACCEPT, "1000"),
    "1a000f4240": (ACCEPT, "1000000"),
    "1b000000e8d4a51000": (ACCEPT, "10^12"),
    "1bffffffffffffffff": (ACCEPT, "2^64-1, largest unsigned"),
    "c249010000000000000000": (T, "tag 2 (bignum) 2^64"),
    "3bffffffffffffffff": (ACCEPT, "-2^64, smallest negative"),
    "c349010000000000000000": (T, "tag 3 (negative bignum)"),
    "20": (ACCEPT, "-1"),
    "29": (ACCEPT, "-10"),
    "3863": (ACCEPT, "-100"),
    "3903e7": (ACCEPT, "-1000"),
    "f90000": (T, "half float 0.0 (floats are never valid, even integral ones)"),
    "f98000": (T, "half float -0.0"),
    "f93c00": (T, "half float 1.0"),
    "fb3ff199999999999a": (T, "double 1.1"),
    "f93e00": (T, "half 1.5"),
    "f97bff": (T, "half 65504.0"),
    "fa47c35000": (T, "single 100000.0"),
    "fa7f7fffff": (T, "single max"),
    "fb7e37e43c8800759c": (T, "double 1e300"),
    "f90001": (T, "half subnormal"),
    "f90400": (T, "half smallest normal"),
    "f9c400": (T, "half -4.0"),
    "fbc010666666666666": (T, "double -4.1"),
    "f97c00": (T, "half Infinity"),
    "f97e00": (T, "half NaN"),
    "f9fc00": (T, "half -Infinity"),
    "fa7f800000": (T, "single Infinity"),
    "fa7fc00000": (T, "single NaN"),
    "faff800000": (T, "single -Infinity"),
    "fb7ff0000000000000": (T, "double Infinity"),
    "fb7ff8000000000000": (T, "double NaN"),
    "fbfff0000000000000": (T, "double -Infinity"),
    "f4": (ACCEPT, "false"),
    "f5": (ACCEPT, "true"),
    "f6": (ACCEPT, "null"),
    "f7": (T, "undefined"),
    "f0": (T, "simple(16)"),
    "f818": (
        E.DECODE_MALFORMED,
        "simple(24) in the two-byte form: not well-formed under RFC 8949 s3.3 (value < 32)",
    ),
    "f8ff": (T, "simple(255)"),
    "c074323031332d30332d32315432303a30343a30305a": (T, "tag 0 date-time"),
    "c11a514b67b0": (T, "tag 1 epoch int"),
    "c1fb41d452d9ec200000": (T, "tag 1 epoch float (the tag is met first)"),
    "d74401020304": (T, "tag 23"),
    "d818456449455446": (T, "tag 24"),
    "d82076687474703a2f2f7777772e6578616d706c652e636f6d": (T, "tag 32 URI"),
    "40": (ACCEPT, "empty byte string"),
    "4401020304": (ACCEPT, "h'01020304'"),
    "60": (ACCEPT, "empty text"),
    "6161": (ACCEPT, "'a'"),
    "6449455446": (ACCEPT, "'IETF'"),
    "62225c": (ACCEPT, "quote and backslash"),
    "62c3bc": (ACCEPT, "two-byte UTF-8"),
    "63e6b0b4": (ACCEPT, "three-byte UTF-8"),
    "64f0908591": (ACCEPT, "four-byte UTF-8"),
    "80": (ACCEPT, "[]"),
    "83010203": (ACCEPT, "[1, 2, 3]"),
    "8301820203820405": (ACCEPT, "nested arrays"),
    "98190102030405060708090a0b0c0d0e0f101112131415161718181819": (ACCEPT, "25 items"),
    "a0": (ACCEPT, "{}"),
    "a201020304": (E.DECODE_BAD_MAP_KEY, "integer map keys are outside the key discipline"),
    "a26161016162820203": (ACCEPT, "{'a': 1, 'b': [2, 3]}"),
    "826161a161626163": (ACCEPT, "['a', {'b': 'c'}]"),
    "a56161614161626142616361436164614461656145": (ACCEPT, "five text keys, sorted"),
    "5f42010243030405ff": (I, "indefinite byte string"),
    "7f657374726561646d696e67ff": (I, "indefinite text string"),
    "9fff": (I, "indefinite empty array"),
    "9f018202039f0405ffff": (I, "indefinite outer array"),
    "9f01820203820405ff": (I, "indefinite outer array"),
    "83018202039f0405ff": (I, "indefinite inner array"),
    "83019f0203ff820405": (I, "indefinite inner array"),
    "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff": (I, "indefinite array"),
    "bf61610161629f0203ffff": (I, "indefinite map"),
    "826161bf61626163ff": (I, "indefinite inner map"),
    "bf6346756ef563416d7421ff": (I, "indefinite map"),
}

# Accepted items the vector file gives only as diagnostic notation.
DIAGNOSTIC_VALUES: dict[str, object] = {"40": b"", "4401020304": b"\x01\x02\x03\x04"}


def test_appendix_a_table_covers_the_vector_file_exactly(vectors: Callable[[str], Any]) -> None:
    items = vectors("cbor/appendix_a.json")
    in_file = [item["hex"] for item in items]
    assert len(in_file) == len(set(in_file)) == 82
    assert sorted(in_file) == sorted(APPENDIX_A), "vector file and expectation table differ"
    for item in items:
        assert bytes.fromhex(item["hex"]) == base64.b64decode(item["cbor"])


@pytest.mark.parametrize(
    ("hex_", "verdict", "why"), [(h, v, w) for h, (v, w) in APPENDIX_A.items()]
)
def test_appendix_a_item(
    hex_: str, verdict: object, why: str, vectors: Callable[[str], Any]
) -> None:
    item = next(i for i in vectors("cbor/appendix_a.json") if i["hex"] == hex_)
    data = bytes.fromhex(hex_)
    if verdict is ACCEPT:
        value = cbor.decode(data)
        expected = normalise(item["decoded"]) if "decoded" in item else DIAGNOSTIC_VALUES[hex_]
        assert same(value, expected), f"{why}: decoded {value!r}, vector says {expected!r}"
        assert cbor.encode(value) == data, f"{why}: re-encoding differs"
    else:
        assert isinstance(verdict, E.ErrorCode)
        exc = decode_error(data)
        assert exc.code == verdict, f"{why}: expected {verdict}, got {exc.code} ({exc})"
        assert exc.field.startswith("@")


def test_fail_vectors_are_all_rejected_as_decode_errors(vectors: Callable[[str], Any]) -> None:
    items = vectors("cbor/fail.json")
    assert len(items) == 568
    problems: list[str] = []

    def run() -> None:
        for item in items:
            data = bytes.fromhex(item["hex"])
            try:
                value = cbor.decode(data)
            except E.PeerMarketError as exc:
                if exc.code.category != "decode":
                    problems.append(f"{item['hex']}: {exc.code} is not a decode error")
            except Exception as exc:  # the property under test: nothing else escapes
                problems.append(f"{item['hex']}: {type(exc).__name__}: {exc}")
            else:
                problems.append(f"{item['hex']}: accepted as {value!r}")

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "decoding the fail vectors hung"
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------
# Profile values

THOROUGH = settings(max_examples=300)  # the central properties get more examples than the default

BOUNDARY_INTS = [
    0, 1, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1,
    -1, -24, -25, -256, -257, -65536, -65537, -(2**32), -(2**32) - 1, -(2**64),
]  # fmt: skip
INTS = st.one_of(
    st.sampled_from(BOUNDARY_INTS), st.integers(min_value=cbor.INT_MIN, max_value=cbor.INT_MAX)
)
KEYS = st.text(max_size=23).filter(lambda k: len(k.encode("utf-8")) <= cbor.MAX_KEY_BYTES)
LEAVES = st.one_of(st.none(), st.booleans(), INTS, st.binary(max_size=40), st.text(max_size=30))


def values(depth: int) -> st.SearchStrategy[Any]:
    """Profile values nested at most ``depth`` containers deep."""
    if depth == 0:
        return LEAVES
    inner = values(depth - 1)
    return st.one_of(
        LEAVES,
        st.lists(inner, max_size=4).map(tuple),
        st.lists(inner, max_size=3),
        st.dictionaries(KEYS, inner, max_size=4),
    )


VALUES = values(4)
# A document always holds an integer, a byte string and a map with two or more entries, so
# every mutation below has somewhere to apply.
DOCUMENTS = st.tuples(
    INTS, st.binary(max_size=30), st.dictionaries(KEYS, VALUES, min_size=2, max_size=4), VALUES
)


@THOROUGH
@given(VALUES)
def test_encode_decode_encode_is_byte_exact(value: Any) -> None:
    data = cbor.encode(value)
    decoded = cbor.decode(data)
    assert same(decoded, normalise(value))
    assert cbor.encode(decoded) == data


def independent_encode(value: Any) -> bytes:
    """RFC 8949 section 4.2.1 written out again: shortest heads, keys sorted bytewise."""
    if value is False or value is True or value is None:
        return {False: b"\xf4", True: b"\xf5", None: b"\xf6"}[value]
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return head(3, len(raw)) + raw
    if isinstance(value, list | tuple):
        return head(4, len(value)) + b"".join(independent_encode(v) for v in value)
    entries = sorted(independent_encode(k) + independent_encode(v) for k, v in value.items())
    return head(5, len(value)) + b"".join(entries)


@given(VALUES)
def test_encoding_matches_an_independent_rfc8949_encoder(value: Any) -> None:
    assert cbor.encode(value) == independent_encode(value)


def test_map_keys_sort_bytewise() -> None:
    # "b" < "aa" bytewise (0x61 0x62 < 0x62 0x61 0x61) and length-first: the two orders agree.
    assert cbor.encode({"aa": 1, "b": 2}).hex() == "a261620262616101"
    assert cbor.encode({"b": 1, "a": 2}).hex() == "a2616102616201"


def test_encode_rejects_values_outside_the_profile() -> None:
    cases: list[tuple[Any, E.ErrorCode]] = [
        (1.0, E.DECODE_UNSUPPORTED_TYPE),
        (bytearray(b"x"), E.DECODE_UNSUPPORTED_TYPE),
        ({1, 2}, E.DECODE_UNSUPPORTED_TYPE),
        ({1: 2}, E.DECODE_BAD_MAP_KEY),
        ({"k" * 24: 0}, E.DECODE_BAD_MAP_KEY),
        ({"é" * 12: 0}, E.DECODE_BAD_MAP_KEY),  # 12 characters, 24 bytes
        (2**64, E.DECODE_OUT_OF_RANGE),
        (-(2**64) - 1, E.DECODE_OUT_OF_RANGE),
        ((1, [2, {"a": 3.5}]), E.DECODE_UNSUPPORTED_TYPE),
    ]
    for value, code in cases:
        with pytest.raises(E.PeerMarketError) as info:
            cbor.encode(value)
        assert info.value.code == code, value
    assert cbor.encode({"é" * 11: 0})  # 22 bytes: inside the discipline


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb"])
def test_encode_rejects_unencodable_text_with_a_typed_error(text: str) -> None:
    """Lone surrogates cannot be UTF-8: a typed error, not a UnicodeEncodeError."""
    for value in (text, {text: 1}, (1, text), {"a": [text]}):
        with pytest.raises(E.PeerMarketError) as info:
            cbor.encode(value)
        assert info.value.code == E.DECODE_UNSUPPORTED_TYPE


# --------------------------------------------------------------------------------------------
# An independent walker over valid encodings, and the mutators built on it


@dataclass(frozen=True)
class Span:
    """One item of a valid encoding."""

    start: int
    head_end: int
    end: int
    major: int
    ai: int
    arg: int
    entries: tuple[tuple[int, int], ...] = ()  # maps: (start, end) of each key/value pair


_WIDTH = {24: 1, 25: 2, 26: 4, 27: 8}


def walk(data: bytes, whole: bool = True) -> list[Span]:
    """Every item of a valid encoding, in document order (``whole=False``: the first item's)."""
    out: list[Span] = []

    def item(pos: int) -> int:
        ib = data[pos]
        major, ai = ib >> 5, ib & 0x1F
        if ai < 24:
            arg, head_end = ai, pos + 1
        else:
            head_end = pos + 1 + _WIDTH[ai]
            arg = int.from_bytes(data[pos + 1 : head_end], "big")
        slot = len(out)
        out.append(Span(pos, head_end, head_end, major, ai, arg))
        end = head_end
        entries: list[tuple[int, int]] = []
        if major in (2, 3):
            end = head_end + arg
        elif major == 4:
            for _ in range(arg):
                end = item(end)
        elif major == 5:
            for _ in range(arg):
                start = end
                end = item(item(end))
                entries.append((start, end))
        out[slot] = Span(pos, head_end, end, major, ai, arg, tuple(entries))
        return end

    end = item(0)
    assert end == len(data) or not whole
    return out


def head(major: int, arg: int, ai: int | None = None) -> bytes:
    """A head with the given additional information (shortest form when ``ai`` is None)."""
    if ai is None:
        ai = arg if arg < 24 else next(a for a in (24, 25, 26, 27) if arg < 256 ** _WIDTH[a])
    if ai < 24:
        assert arg == ai
        return bytes([major << 5 | ai])
    return bytes([major << 5 | ai]) + arg.to_bytes(_WIDTH[ai], "big")


def test_head_helper_agrees_with_cbor2() -> None:
    for arg in BOUNDARY_INTS:
        if arg >= 0:
            assert head(0, arg) == cbor2.dumps(arg)


def replace(data: bytes, start: int, end: int, new: bytes) -> bytes:
    return data[:start] + new + data[end:]


@THOROUGH
@given(DOCUMENTS, st.data())
def test_non_shortest_head_is_non_canonical(doc: Any, data: st.DataObject) -> None:
    enc = cbor.encode(doc)
    spans = [s for s in walk(enc) if s.major <= 5]  # integers, strings, arrays, maps
    span = data.draw(st.sampled_from(spans))
    longer = [a for a in (24, 25, 26, 27) if a > span.ai and span.arg < 256 ** _WIDTH[a]]
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


@given(st.integers(MAX_FRAME_BYTES - 2, MAX_FRAME_BYTES + 64))
def test_oversize_frame_is_too_large(length: int) -> None:
    # A valid item, and one that breaks every other rule: the size limit is checked first.
    big = cbor.encode(b"\x00" * length)
    assert len(big) > MAX_FRAME_BYTES
    assert_rejected(big, E.DECODE_TOO_LARGE)
    assert_rejected(b"\x1c" * len(big), E.DECODE_TOO_LARGE)


def test_size_limit_boundary_and_parameter() -> None:
    at_limit = cbor.encode(b"\x00" * (MAX_FRAME_BYTES - 3))
    assert len(at_limit) == MAX_FRAME_BYTES
    assert cbor.decode(at_limit) == b"\x00" * (MAX_FRAME_BYTES - 3)
    assert decode_error(b"\x83\x01\x02\x03", max_size=3).code == E.DECODE_TOO_LARGE
    assert cbor.decode(b"\x83\x01\x02\x03", max_size=4) == (1, 2, 3)


def nested(depth: int, kind: str) -> Any:
    value: Any = 0
    for i in range(depth):
        value = (value,) if kind == "array" or i % 2 else {"k": value}
    return value


@pytest.mark.parametrize("kind", ["array", "mixed"])
def test_nesting_limit(kind: str) -> None:
    ok = cbor.encode(nested(MAX_DEPTH, kind))
    assert cbor.decode(ok) == nested(MAX_DEPTH, kind)
    deep = b"\x81" + ok  # one more container around it
    assert_rejected(deep, E.DECODE_TOO_DEEP)
    with pytest.raises(E.PeerMarketError) as info:
        cbor.encode(nested(MAX_DEPTH + 1, kind))
    assert info.value.code == E.DECODE_TOO_DEEP


def test_encoder_and_decoder_agree_on_the_depth_limit_for_empty_containers() -> None:
    """MAX_DEPTH counts containers: 17 nested empty arrays are too deep on both sides."""
    value: Any = ()
    for _ in range(MAX_DEPTH - 1):
        value = (value,)
    assert cbor.decode(cbor.encode(value)) == value  # 16 containers
    with pytest.raises(E.PeerMarketError) as info:
        cbor.encode((value,))  # 17 containers
    assert info.value.code == E.DECODE_TOO_DEEP
    assert_rejected(b"\x81" * MAX_DEPTH + b"\x80", E.DECODE_TOO_DEEP)
    assert_rejected(b"\xa1\x61k" * MAX_DEPTH + b"\xa0", E.DECODE_TOO_DEEP)


def test_hostile_depth_does_not_recurse_without_bound() -> None:
    assert_rejected(b"\x81" * (MAX_FRAME_BYTES - 1) + b"\x00", E.DECODE_TOO_DEEP)
    assert_rejected(b"\x9f" * 10_000, E.DECODE_INDEFINITE_LENGTH)


@pytest.mark.parametrize(
    ("hex_", "code", "why"),
    [
        ("", E.DECODE_MALFORMED, "empty frame"),
        ("1c", E.DECODE_MALFORMED, "reserved additional information 28"),
        ("ff", E.DECODE_MALFORMED, "break outside an indefinite item"),
        ("1f", E.DECODE_MALFORMED, "ai 31 on an integer"),
        ("19 01", E.DECODE_MALFORMED, "truncated head"),
        ("62 61", E.DECODE_MALFORMED, "truncated string"),
        ("9b 00 00 00 01 00 00 00 00", E.DECODE_MALFORMED, "array count larger than the frame"),
        ("bb 00 00 00 01 00 00 00 00", E.DECODE_MALFORMED, "map count larger than the frame"),
        ("61 ff", E.DECODE_MALFORMED, "invalid UTF-8"),
        ("63 ed a0 80", E.DECODE_MALFORMED, "UTF-8 encoded surrogate"),
        ("f8 14", E.DECODE_MALFORMED, "false in the two-byte simple form"),
        ("18 17", E.DECODE_NON_CANONICAL, "23 in one-byte argument"),
        ("39 00 01", E.DECODE_NON_CANONICAL, "-2 in a two-byte argument"),
        ("58 01 00", E.DECODE_NON_CANONICAL, "byte string length 1 in long form"),
        ("78 00", E.DECODE_NON_CANONICAL, "text length 0 in long form"),
        ("98 00", E.DECODE_NON_CANONICAL, "array count in long form"),
        ("b8 00", E.DECODE_NON_CANONICAL, "map count in long form"),
        ("d8 01 00", E.DECODE_NON_CANONICAL, "tag number in long form (head rule first)"),
        ("a1 41 61 00", E.DECODE_BAD_MAP_KEY, "byte-string key"),
        ("a1 f6 00", E.DECODE_BAD_MAP_KEY, "null key"),
        ("a1 78 18" + "61" * 24 + "00", E.DECODE_BAD_MAP_KEY, "24-byte text key"),
        ("a2 61 61 00 61 61 00", E.DECODE_DUPLICATE_KEY, "duplicate key"),
        ("a2 62 61 61 00 61 62 00", E.DECODE_UNSORTED_KEYS, "longer key first"),
        ("a1 c1 61 61 00", E.DECODE_UNSUPPORTED_TYPE, "tagged key: the tag is met first"),
        ("f7", E.DECODE_UNSUPPORTED_TYPE, "undefined"),
        ("f8 20", E.DECODE_UNSUPPORTED_TYPE, "simple(32)"),
        ("00 00", E.DECODE_TRAILING_BYTES, "two items"),
        ("1c 00", E.DECODE_MALFORMED, "left to right: the first bad byte decides"),
        ("82 18 01 f9 3c 00", E.DECODE_NON_CANONICAL, "left to right"),
        ("82 f9 3c 00 18 01", E.DECODE_UNSUPPORTED_TYPE, "left to right"),
    ],
)
def test_hand_written_rejections(hex_: str, code: E.ErrorCode, why: str) -> None:
    exc = decode_error(bytes.fromhex(hex_))
    assert exc.code == code, f"{why}: got {exc.code} ({exc})"
    assert exc.field.startswith("@")


def test_error_names_the_offset_of_the_offending_head() -> None:
    exc = decode_error(bytes.fromhex("83 01 02 18 03"))
    assert (exc.code, exc.field) == (E.DECODE_NON_CANONICAL, "@3")
    exc = decode_error(bytes.fromhex("a2 61 62 00 61 61 00"))
    assert (exc.code, exc.field) == (E.DECODE_UNSORTED_KEYS, "@4")


@THOROUGH
@given(st.binary(max_size=64))
@example(b"")
@example(b"\xff")
@example(b"\x5f\x41\x00\xff")
def test_random_bytes_decode_or_raise_a_typed_error(data: bytes) -> None:
    try:
        value = cbor.decode(data)
    except E.PeerMarketError as exc:
        assert exc.code.category == "decode"
    else:  # only canonical encodings are accepted
        assert cbor.encode(value) == data


@THOROUGH
@given(DOCUMENTS, st.data())
def test_corrupted_encodings_decode_canonically_or_raise_a_typed_error(
    doc: Any, data: st.DataObject
) -> None:
    enc = bytearray(cbor.encode(doc))
    for _ in range(data.draw(st.integers(1, 3))):
        enc[data.draw(st.integers(0, len(enc) - 1))] = data.draw(st.integers(0, 255))
    try:
        value = cbor.decode(bytes(enc))
    except E.PeerMarketError as exc:
        assert exc.code.category == "decode"
    else:
        assert cbor.encode(value) == bytes(enc)


@pytest.mark.parametrize(
    ("value", "code", "field"),
    [
        ((1, {"a": [2, 1.5]}), E.DECODE_UNSUPPORTED_TYPE, "[1].a[1]"),
        ({"x": {"y": {1: 2}}}, E.DECODE_BAD_MAP_KEY, "x.y"),
        ({"k": 2**64}, E.DECODE_OUT_OF_RANGE, "k"),
        ([[{"b": set()}]], E.DECODE_UNSUPPORTED_TYPE, "[0][0].b"),
        (1.5, E.DECODE_UNSUPPORTED_TYPE, ""),
        ({"a" * 24: 1}, E.DECODE_BAD_MAP_KEY, ""),
        ({"s": ("ok", "\ud800")}, E.DECODE_UNSUPPORTED_TYPE, "s[1]"),
    ],
)
def test_encode_errors_name_the_path(value: Any, code: E.ErrorCode, field: str) -> None:
    with pytest.raises(E.PeerMarketError) as info:
        cbor.encode(value)
    assert (info.value.code, info.value.field) == (code, field)


@pytest.mark.parametrize(
    ("hex_", "code", "field"),
    [
        # Map values on and around the decoder's inline fast paths, each with its offset.
        ("a1 61 61", E.DECODE_MALFORMED, "@3"),  # value missing
        ("a1 61 61 17", None, ""),  # largest immediate integer
        ("a1 61 61 18 17", E.DECODE_NON_CANONICAL, "@3"),
        ("a1 61 61 43 01 02", E.DECODE_MALFORMED, "@3"),  # short byte string truncated
        ("a1 61 61 57" + "00" * 23, None, ""),  # 23 bytes, immediate length
        ("a1 61 61 58", E.DECODE_MALFORMED, "@3"),  # one-byte length missing
        ("a1 61 61 58 17" + "00" * 23, E.DECODE_NON_CANONICAL, "@3"),
        ("a1 61 61 58 18" + "00" * 23, E.DECODE_MALFORMED, "@3"),  # one byte short
        ("a1 61 61 58 18" + "00" * 24, None, ""),
        ("a1 61 61 58 18" + "00" * 25, E.DECODE_TRAILING_BYTES, "@29"),
        ("a1 61 61 62 c3", E.DECODE_MALFORMED, "@3"),
        ("a1 61 61 61 ff", E.DECODE_MALFORMED, "@3"),
        ("a1 61", E.DECODE_MALFORMED, "@0"),  # cannot hold one entry: reported at the map
        ("a1 62 61", E.DECODE_MALFORMED, "@1"),  # key truncated
        ("a1 61 ff 00", E.DECODE_MALFORMED, "@1"),  # key not UTF-8
        ("a1 77" + "61" * 23 + "00", None, ""),  # 23-byte key
        ("a2 61 61 00 60 00", E.DECODE_UNSORTED_KEYS, "@4"),
        ("a2 60 00 60 00", E.DECODE_DUPLICATE_KEY, "@3"),
        ("82 a1 61 61 00 a1 61 61 18 01", E.DECODE_NON_CANONICAL, "@8"),
    ],
)
def test_map_values_and_keys_at_the_edges(hex_: str, code: E.ErrorCode | None, field: str) -> None:
    data = bytes.fromhex(hex_)
    if code is None:
        assert cbor.encode(cbor.decode(data)) == data
    else:
        exc = decode_error(data)
        assert (exc.code, exc.field) == (code, field), str(exc)
