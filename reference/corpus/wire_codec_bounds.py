"""Codec cases of the ``wire`` protocol: heads, lengths and counts at their boundaries.

Each case is the standard ping from ``b`` (:mod:`reference.corpus.wire_frames`)
with one defect placed where a decoder's bound is easiest to get wrong by one:

- *argument widths*: the largest argument of one width written in the next
  (65535 in four bytes, 2**32-1 in eight, a length of 23 in one extra byte),
  and the smallest argument of the eight-byte width, accepted;
- *the initial byte*: additional information 28-30 on the major types that
  also have an indefinite form, and 31 on the major types that do not;
- *simple values and floats* beside the two-byte simple values below 32, and
  a negative integer with an argument above 0 where a count is required;
- *the end of the frame*: a byte string running one byte past it, a frame
  that ends exactly where a key, a value or a head's argument must start, in
  frames short and long (offsets above 255), and a complete key ending there;
- *counts against the bytes left*: an array one element too long for them, a
  map exactly as long as two bytes per entry allow;
- *keys and depth*: a long key at the front of the map, an indefinite-length
  key, and nesting made of maps alone.

Where the defect leaves a decodable envelope the signature is valid over it,
so the defect is the only thing wrong; the code always follows from the
decoder check order of ``spec/v1/prose/encoding.md``.
"""

from collections.abc import Iterable
from typing import Final

from reference.corpus.casekit import (
    ATTACK,
    EDGE,
    Case,
    RejectionCases,
    as_sent,
    identity,
    reject_frame,
)
from reference.corpus.mutations import (
    RawMap,
    bstr,
    enc,
    float16,
    head,
    indefinite_bstr,
    simple,
    tstr,
    uint,
)
from reference.corpus.wire_codec_values import ValueEdit, value_edit_cases
from reference.corpus.wire_frames import (
    envelope_fields,
    ping_body,
    ping_frame,
    standard_envelope,
)
from spec.v1 import errors as E
from spec.v1.envelope import MAX_DEPTH
from spec.v1.trace import Generator, Trace

PADDING: Final = 99
"""Bytes of the unknown ``padding`` field that makes a frame longer than 256 bytes (odd, so
the value of ``sender_key`` after it starts at an odd offset)."""

SEQ_TWO_BYTE: Final = 100
"""A seq written in two bytes (0x18 0x64), which moves every later value by one byte."""


def nested_maps(levels: int, core: bytes) -> bytes:
    """``core`` wrapped in ``levels`` one-entry maps under the key ``"k"``."""
    return (head(5, 1) + tstr("k")) * levels + core


def padded(base: RawMap, size: int = PADDING) -> RawMap:
    """``base`` with an extra ``padding`` byte string of ``size`` zero bytes (an unknown
    field, sorted after ``sender``), only there to make the frame long."""
    return base.insert_sorted(tstr("padding"), bstr(bytes(size)))


BOUNDARY_EDITS: Final = (
    # -- argument widths ----------------------------------------------------------------------
    ValueEdit(
        "wire/codec/non-shortest-seq-4-byte-001",
        "seq 65535, the largest two-byte argument, written with a four-byte argument "
        "(0x1a 0000ffff), correctly signed: non_canonical (the four-byte form starts at 65536).",
        ("NonShortestInteger",),
        "seq",
        uint(65_535, 4),
        E.DECODE_NON_CANONICAL,
        seq=65_535,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/non-shortest-seq-8-byte-boundary-001",
        "seq 2**32-1, the largest four-byte argument, written with an eight-byte argument "
        "(0x1b 00000000ffffffff), correctly signed: non_canonical (the eight-byte form starts "
        "at 2**32).",
        ("NonShortestInteger",),
        "seq",
        uint(2**32 - 1, 8),
        E.DECODE_NON_CANONICAL,
        seq=2**32 - 1,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/non-shortest-bytes-length-23-001",
        "sender_key as a 23-byte string with its length in one extra byte (0x58 0x17): 23 is "
        "the largest length the initial byte holds, so the head is non_canonical; it is "
        "reported before the schema could find the key too short.",
        ("NonShortestInteger",),
        "sender_key",
        bstr(bytes(range(23)), 1),
        E.DECODE_NON_CANONICAL,
        tags=EDGE,
    ),
    # -- the initial byte ---------------------------------------------------------------------
    ValueEdit(
        "wire/codec/reserved-ai-bytes-001",
        "body's head replaced by 0x5c (byte string, additional information 28, reserved): "
        "malformed, not indefinite_length, although major type 2 has an indefinite form.",
        ("ReservedEncoding",),
        "body",
        b"\x5c",
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/reserved-ai-text-001",
        "protocol's head replaced by 0x7d (text string, additional information 29, reserved): "
        "malformed, not indefinite_length.",
        ("ReservedEncoding",),
        "protocol",
        b"\x7d",
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/reserved-ai-array-001",
        "seq replaced by 0x9e (array, additional information 30, reserved): malformed, not "
        "indefinite_length.",
        ("ReservedEncoding",),
        "seq",
        b"\x9e",
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/reserved-ai-map-001",
        "seq replaced by 0xbc (map, additional information 28, reserved): malformed, not "
        "indefinite_length.",
        ("ReservedEncoding",),
        "seq",
        b"\xbc",
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/ai-31-negative-int-001",
        "sender_key, the frame's last value, replaced by 0x3f (negative integer, additional "
        "information 31): major type 1 has no indefinite form, so it is malformed, not "
        "indefinite_length; nothing follows it, so a decoder that steps over it without "
        "consuming it reports trailing bytes instead.",
        ("ReservedEncoding",),
        "sender_key",
        b"\x3f",
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/ai-31-tag-001",
        "seq replaced by 0xdf (tag, additional information 31): major type 6 has no "
        "indefinite form, so it is malformed, not indefinite_length nor unsupported_type.",
        ("ReservedEncoding",),
        "seq",
        b"\xdf",
        E.DECODE_MALFORMED,
    ),
    # -- simple values and floats -------------------------------------------------------------
    ValueEdit(
        "wire/codec/float-seq-half-zero-001",
        "seq as the half-precision float +0.0 (0xf9 0x0000): its argument is below 32 like a "
        "malformed two-byte simple value's, but a float is unsupported_type, not malformed.",
        ("FloatForInteger",),
        "seq",
        float16(0),
        E.DECODE_UNSUPPORTED_TYPE,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/simple-value-255-001",
        "seq as simple value 255 (0xf8 0xff), the largest two-byte simple value: well-formed "
        "and outside the profile, so unsupported_type, not malformed.",
        ("SimpleValue",),
        "seq",
        simple(255, 1),
        E.DECODE_UNSUPPORTED_TYPE,
        tags=EDGE,
    ),
    # -- the end of the frame -----------------------------------------------------------------
    ValueEdit(
        "wire/codec/truncated-short-bytes-001",
        "sender_key, the frame's last value, as a byte string whose head says 20 bytes "
        "(0x54) with only 19 left in the frame: a one-byte-head string one byte longer than "
        "the rest of the frame is malformed (not a short value followed by nothing).",
        ("Truncated",),
        "sender_key",
        b"\x54" + bytes(range(19)),
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/truncated-one-byte-length-001",
        f"The ping with seq {SEQ_TWO_BYTE} (so sender_key starts at an odd offset), its last "
        "value sender_key a byte string whose head says 255 bytes (0x58 0xff) with 254 left "
        "in the frame: malformed, one byte short.",
        ("Truncated",),
        "sender_key",
        b"\x58\xff" + bytes(254),
        E.DECODE_MALFORMED,
        seq=SEQ_TWO_BYTE,
    ),
    # -- counts against the bytes left --------------------------------------------------------
    # The value of seq (offset 5) is replaced by 4 bytes, 0x98 LL 0x18 0x00: the frame has
    # 216 - 1 + 4 = 219 bytes, 212 of them after the array head, so LL = 213 is one too many.
    ValueEdit(
        "wire/codec/array-count-exceeds-frame-001",
        "seq holds an array head of 213 elements (0x98 0xd5) with 212 bytes left in the frame, "
        "its first element non-canonical (0x18 0x00): the count is refused at the head "
        "(malformed) before any element is read, so the element's non_canonical is never met.",
        ("Truncated", "NonShortestInteger"),
        "seq",
        head(4, 213) + uint(0, 1),
        E.DECODE_MALFORMED,
        tags=EDGE,
    ),
    # seq becomes 0xb8 0x69 0x00: 218 bytes, 211 after the map head; 105 pairs need 210.
    ValueEdit(
        "wire/codec/map-count-fits-two-bytes-per-entry-001",
        "seq holds a map head of 105 pairs (0xb8 0x69) with 211 bytes left in the frame: "
        "room for 105 entries of two bytes (not of three), so the count passes and the first "
        "key, the integer 0, is reported (bad_map_key), not the count.",
        ("BadMapKey",),
        "seq",
        head(5, 105) + uint(0),
        E.DECODE_BAD_MAP_KEY,
        offset_delta=2,
        tags=EDGE,
    ),
    # -- depth ----------------------------------------------------------------------------------
    ValueEdit(
        "wire/codec/too-deep-maps-001",
        f"seq holds {MAX_DEPTH} nested one-entry maps ({{'k': {{'k': ...}}}}): with the "
        f"envelope map that is {MAX_DEPTH + 1} levels of maps alone, too_deep; maps count "
        "for the depth as arrays do.",
        ("DeepNesting",),
        "seq",
        nested_maps(MAX_DEPTH, uint(1)),
        E.DECODE_TOO_DEEP,
        offset_delta=3 * (MAX_DEPTH - 1),
    ),
)


def bounds_cases(generator: Generator) -> Iterable[Trace]:
    """Heads, lengths and counts at their boundaries, in the standard ping from ``b``."""
    yield from _width_positive(generator)
    yield from value_edit_cases(generator, BOUNDARY_EDITS)
    yield from _negative_seq(generator)
    yield from _frame_end_cases(generator)
    yield from _key_cases(generator)


def _width_positive(generator: Generator) -> Iterable[Trace]:
    case = Case(
        generator,
        "wire/codec/seq-four-eight-byte-boundary-001",
        "b's pings with seq 2**32-1 (0x1a ffffffff, the largest four-byte argument) and 2**32 "
        "(0x1b 0000000100000000, the smallest eight-byte one) are both in their shortest "
        "form and accepted.",
        ("positive", "edge"),
    )
    b = case.peer("b")
    for seq in (2**32 - 1, 2**32):
        case.deliver(ping_frame(b, seq), "b", f"ping from b, seq {seq}")
    yield case.trace()


def _negative_seq(generator: Generator) -> Iterable[Trace]:
    yield reject_frame(
        generator,
        "wire/codec/negative-seq-100-001",
        "seq -100 (0x38 0x63, argument 99), signed over -100: a negative integer is -1 minus "
        "its argument, so the decoded seq is below 0 and out_of_range (a decoder computing "
        "-1 + 99 reads the seq 98).",
        ("OutOfRange",),
        enc(envelope_fields(identity("b"), ping_body(), -100)),
        E.DECODE_OUT_OF_RANGE,
        "seq",
        control=ping_frame(identity("b"), 1),
        note="ping from b with seq -100",
        tags=EDGE,
    )


def _frame_end_cases(generator: Generator) -> Iterable[Trace]:
    """Frames that end exactly where a key, a value or a head's argument must start."""
    base = standard_envelope()
    control = base.encode()
    case = RejectionCases(generator, control, as_sent)
    long = padded(base)
    long_frame = long.encode()

    at_key = base.offset_of_key("sender_key")
    yield case(
        "wire/codec/truncated-before-key-001",
        f"The ping cut after the signature's value ({at_key} bytes), where the last key, "
        "sender_key, must start: the map's count passed the size check, and the frame ends "
        "where an item must begin, so it is malformed.",
        ("Truncated",),
        control[:at_key],
        E.DECODE_MALFORMED,
        f"@{at_key}",
        "ping from b, cut before the key sender_key",
    )
    at_key = long.offset_of_key("sender_key")
    yield case(
        "wire/codec/truncated-before-key-long-frame-001",
        f"As truncated-before-key, in a frame of {at_key} bytes (a {PADDING}-byte padding "
        "field after sender), so the offset where the key must start is above 255: "
        "malformed; the unknown padding field is never reached.",
        ("Truncated",),
        long_frame[:at_key],
        E.DECODE_MALFORMED,
        f"@{at_key}",
        "padded ping from b, cut before the key sender_key",
    )
    at_value = base.offset_of_value("sender_key")
    yield case(
        "wire/codec/truncated-before-value-001",
        f"The ping cut right after the key sender_key ({at_value} bytes): the frame ends "
        "where that key's value must start, malformed.",
        ("Truncated",),
        control[:at_value],
        E.DECODE_MALFORMED,
        f"@{at_value}",
        "ping from b, cut after the key sender_key",
    )
    at_value = long.offset_of_value("sender_key")
    yield case(
        "wire/codec/truncated-before-value-long-frame-001",
        f"As truncated-before-value, in a frame of {at_value} bytes (a {PADDING}-byte "
        "padding field after sender), so the offset of the missing value is above 255: "
        "malformed.",
        ("Truncated",),
        long_frame[:at_value],
        E.DECODE_MALFORMED,
        f"@{at_value}",
        "padded ping from b, cut after the key sender_key",
    )
    yield case(
        "wire/codec/truncated-head-long-frame-001",
        f"The padded ping (a {PADDING}-byte padding field after sender) cut right after the "
        f"0x58 head of sender_key, at the odd offset {at_value} above 255: the head's "
        "one-byte argument is missing, malformed.",
        ("Truncated",),
        long_frame[: at_value + 1],
        E.DECODE_MALFORMED,
        f"@{at_value}",
        "padded ping from b, cut inside the head of sender_key",
    )


def _key_cases(generator: Generator) -> Iterable[Trace]:
    base = standard_envelope()
    case = RejectionCases(generator, base.encode(), as_sent)

    # One key more than the pairs the frame holds: the map head says 9, and the frame ends
    # right after the ninth key.
    late_key = head(5, len(base.entries) + 1) + base.body() + tstr("seq")
    yield case(
        "wire/codec/unsorted-key-at-frame-end-001",
        "The envelope's map head says 9 pairs; after the 8 pairs the frame ends with a ninth "
        "key 'seq', complete, which sorts before 'sender_key': the key is judged before its "
        "value is looked for, so the code is unsorted_keys, not malformed.",
        ("UnsortedKeys", "Truncated"),
        late_key,
        E.DECODE_UNSORTED_KEYS,
        f"@{len(late_key) - len(tstr('seq'))}",
        "ping from b, map of 9, ending with the key 'seq'",
        EDGE,
    )
    long_key = base.insert_at(0, tstr("key_of_thirty_bytes_long_text_"), uint(0))
    yield case(
        "wire/codec/map-key-30-bytes-first-001",
        "An extra pair at the front of the envelope map whose text key has 30 bytes "
        "(0x78 0x1e): the first key of the map, too long, bad_map_key.",
        ("BadMapKey",),
        long_key.encode(),
        E.DECODE_BAD_MAP_KEY,
        "@1",
        "ping from b with a 30-byte key first",
    )
    indefinite_key = base.rekey("seq", indefinite_bstr((b"seq",)))
    yield case(
        "wire/codec/indefinite-bytes-map-key-001",
        "The key seq as an indefinite-length byte string (0x5f 0x43 'seq' 0xff): the key is "
        "decoded as an item first, so its own violation, indefinite_length, is reported "
        "before the key discipline.",
        ("IndefiniteLength", "BadMapKey"),
        indefinite_key.encode(),
        E.DECODE_INDEFINITE_LENGTH,
        "@1",
        "ping from b with the key 0x5f 0x43 'seq' 0xff",
        ATTACK,
    )
