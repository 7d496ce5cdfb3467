"""The CBOR profile against known answers: RFC 8949 Appendix A, the shared fail vectors, and
hand-written rejections, each with the code and offset it must get.
"""

import base64
import threading
from collections.abc import Callable
from typing import Any

import pytest
from cbor_kit import decode_error, normalise, same  # tests/ is on sys.path under pytest

from reference import cbor
from spec.v1 import errors as E

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
# Hand-written rejections


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
