"""Codec cases of the ``wire`` protocol: the frame's structure, attacked in a valid envelope.

Each case is the standard ping from ``b`` (:mod:`reference.corpus.wire_frames`)
with exactly one defect in the envelope map's own head, its keys (order,
repeats, types, lengths, UTF-8) or the frame's extent (trailing bytes,
truncation, the size limit). The signature stays valid, so the structure is
the only thing wrong. Defects in the encoding of one value are in
:mod:`reference.corpus.wire_codec_values`.
"""

from collections.abc import Iterable

from reference.corpus.casekit import EDGE, CaseError, RejectionCases, as_sent, reject_frame
from reference.corpus.mutations import (
    RawMap,
    bstr,
    float16,
    head,
    nested_arrays,
    text_bytes,
    tstr,
    uint,
)
from reference.corpus.wire_frames import standard_envelope
from spec.v1 import errors as E
from spec.v1.envelope import MAX_DEPTH, MAX_FRAME_BYTES
from spec.v1.trace import Generator, Trace


def structure_cases(generator: Generator) -> Iterable[Trace]:
    """Defects in the envelope map's own head, its keys, or the frame's extent."""
    base = standard_envelope()
    control = base.encode()

    case = RejectionCases(generator, control, as_sent)

    long_tag = base.replace("seq", head(6, 2, 1) + bstr(b"\x01"))
    yield case(
        "wire/codec/tag-long-form-001",
        "seq as tag 2 written with a one-byte tag number (0xd8 0x02): the non-shortest head is "
        "met before the tag itself, so the code is non_canonical, not unsupported_type.",
        ("TagUsed", "NonShortestInteger"),
        long_tag.encode(),
        E.DECODE_NON_CANONICAL,
        f"@{long_tag.offset_of_value('seq')}",
        "ping from b whose seq is 0xd802 0x4101",
        EDGE,
    )
    float_key = base.insert_at(0, float16(1), uint(0))
    yield case(
        "wire/codec/float-map-key-001",
        "An extra pair with the float key 1.0 at the front: the key is decoded first, so the "
        "float is reported (unsupported_type) before the key discipline.",
        ("BadMapKey", "FloatForInteger"),
        float_key.encode(),
        E.DECODE_UNSUPPORTED_TYPE,
        "@1",
        "ping from b with an extra pair 1.0: 0",
        EDGE,
    )
    yield case(
        "wire/codec/non-shortest-map-count-001",
        "The envelope map's count 8 in a one-byte argument (0xb8 0x08).",
        ("NonShortestInteger",),
        base.encode(width=1),
        E.DECODE_NON_CANONICAL,
        "@0",
        "ping from b, map head 0xb808",
    )
    long_seq_key = base.rekey("seq", tstr("seq", 1))
    yield case(
        "wire/codec/non-shortest-key-length-001",
        "The key 'seq' with its length in a one-byte argument (0x78 0x03).",
        ("NonShortestInteger",),
        long_seq_key.encode(),
        E.DECODE_NON_CANONICAL,
        f"@{long_seq_key.offset_of_entry(0)}",
        "ping from b, key 'seq' encoded as 0x7803736571",
    )
    yield case(
        "wire/codec/indefinite-map-001",
        "The envelope as an indefinite-length map (0xbf ... 0xff) with the same pairs.",
        ("IndefiniteLength",),
        base.encode_indefinite(),
        E.DECODE_INDEFINITE_LENGTH,
        "@0",
        "ping from b as an indefinite-length map",
    )
    swapped = base.swap("body", "type")
    yield case(
        "wire/codec/unsorted-keys-001",
        "The keys 'body' and 'type' exchanged, so 'body' follows 'type'.",
        ("UnsortedKeys",),
        swapped.encode(),
        E.DECODE_UNSORTED_KEYS,
        f"@{swapped.offset_of_key('body')}",
        "ping from b with 'type' before 'body'",
    )
    alphabetical = base.reorder(
        ("body", "protocol", "sender", "sender_key", "seq", "signature", "type", "version")
    )
    yield case(
        "wire/codec/keys-in-text-order-001",
        "Keys sorted as text (body, protocol, sender, ...) instead of by their encodings, "
        "where the shorter key comes first.",
        ("UnsortedKeys",),
        alphabetical.encode(),
        E.DECODE_UNSORTED_KEYS,
        f"@{alphabetical.offset_of_key('sender')}",
        "ping from b with keys in alphabetical order",
    )
    twice = base.duplicate("seq")
    yield case(
        "wire/codec/duplicate-key-001",
        "The pair seq: 1 repeated (map count 9); identical values are still a duplicate.",
        ("DuplicateKey",),
        twice.encode(),
        E.DECODE_DUPLICATE_KEY,
        f"@{twice.offset_of_entry(1)}",
        "ping from b with seq: 1 twice",
    )
    conflicting = base.duplicate("seq", uint(2))
    yield case(
        "wire/codec/duplicate-key-conflicting-001",
        "seq: 1 followed by seq: 2; first-wins and last-wins decoders would disagree.",
        ("DuplicateKey",),
        conflicting.encode(),
        E.DECODE_DUPLICATE_KEY,
        f"@{conflicting.offset_of_entry(1)}",
        "ping from b with seq: 1 then seq: 2",
    )
    bad_key = base.rekey("seq", text_bytes(b"se\xff"))
    yield case(
        "wire/codec/invalid-utf8-key-001",
        "The key 'seq' with its last byte replaced by 0xff: a map key that is not valid UTF-8 "
        "(it keeps its place, first in bytewise order).",
        ("InvalidUtf8",),
        bad_key.encode(),
        E.DECODE_MALFORMED,
        f"@{bad_key.offset_of_entry(0)}",
        "ping from b with the key 'se' 0xff",
    )
    int_key = base.insert_at(0, uint(0), uint(0))
    yield case(
        "wire/codec/int-map-key-001",
        "An extra pair with the integer key 0 at the front of the envelope map.",
        ("BadMapKey",),
        int_key.encode(),
        E.DECODE_BAD_MAP_KEY,
        "@1",
        "ping from b with an extra pair 0: 0",
    )
    bytes_key = base.rekey("seq", bstr(b"seq"))
    yield case(
        "wire/codec/bytes-map-key-001",
        "The key seq as a byte string h'736571' instead of a text string.",
        ("BadMapKey",),
        bytes_key.encode(),
        E.DECODE_BAD_MAP_KEY,
        "@1",
        "ping from b with the key h'736571'",
    )
    long_key = base.insert_sorted(tstr("key_of_twenty_four_bytes"), uint(0))
    yield case(
        "wire/codec/map-key-24-bytes-001",
        "An extra pair whose text key has 24 bytes, one more than the key discipline allows.",
        ("BadMapKey",),
        long_key.encode(),
        E.DECODE_BAD_MAP_KEY,
        f"@{long_key.offset_of_entry(len(long_key.entries) - 1)}",
        "ping from b with the key 'key_of_twenty_four_bytes'",
        EDGE,
    )
    key_23 = base.insert_sorted(tstr("key_of_twentythree_byte"), uint(0))
    yield case(
        "wire/codec/map-key-23-bytes-001",
        "An extra pair whose text key has 23 bytes: allowed by the profile, so the schema "
        "reports the unknown field.",
        ("UnknownField",),
        key_23.encode(),
        E.DECODE_UNKNOWN_FIELD,
        "key_of_twentythree_byte",
        "ping from b with the key 'key_of_twentythree_byte'",
        EDGE,
    )
    yield case(
        "wire/codec/trailing-byte-001",
        "A valid frame followed by one zero byte.",
        ("TrailingBytes",),
        control + b"\x00",
        E.DECODE_TRAILING_BYTES,
        f"@{len(control)}",
        "ping from b, then 0x00",
    )
    yield case(
        "wire/codec/trailing-frame-001",
        "Two valid frames concatenated; a frame holds exactly one item.",
        ("TrailingBytes",),
        control + control,
        E.DECODE_TRAILING_BYTES,
        f"@{len(control)}",
        "ping from b, twice in one frame",
    )
    yield case(
        "wire/codec/truncated-001",
        "A valid frame without its last byte (inside the sender_key byte string).",
        ("Truncated",),
        control[:-1],
        E.DECODE_MALFORMED,
        f"@{base.offset_of_value('sender_key')}",
        "ping from b, last byte cut",
    )
    key_at = base.offset_of_value("sender_key")
    yield case(
        "wire/codec/truncated-head-001",
        "A frame cut right after the 0x58 head of the last value: the head's argument is missing.",
        ("Truncated",),
        control[: key_at + 1],
        E.DECODE_MALFORMED,
        f"@{key_at}",
        "ping from b, cut inside the head of sender_key",
    )
    yield case(
        "wire/codec/empty-frame-001",
        "A frame of zero bytes.",
        ("Truncated",),
        b"",
        E.DECODE_MALFORMED,
        "@0",
        "an empty frame",
        EDGE,
    )
    yield case(
        "wire/codec/huge-map-count-001",
        "The envelope map's head claims 2**32-1 pairs; a decoder must not preallocate them.",
        ("Truncated",),
        head(5, 2**32 - 1) + base.body(),
        E.DECODE_MALFORMED,
        "@0",
        "ping from b under a map head of 2**32-1 pairs",
    )
    # A map count that fits in 1 byte per entry but not in the 2 an entry needs at least:
    # c zero bytes follow the head, then the rest of the envelope (r bytes), c = r + 1.
    after_seq = len(control) - base.offset_of_value("seq") - len(uint(1))
    count = after_seq + 1
    tight = base.replace("seq", head(5, count) + bytes(count))
    yield case(
        "wire/codec/map-count-two-bytes-per-entry-001",
        f"seq holds a map head of {count} pairs followed by {2 * count - 1} bytes: room for "
        f"{count} one-byte items but not for {count} pairs of two, so the count is refused at "
        "the head (malformed); a decoder that allows one byte per pair reads the first key, "
        "the integer 0, and reports bad_map_key.",
        ("Truncated",),
        tight.encode(),
        E.DECODE_MALFORMED,
        f"@{tight.offset_of_value('seq')}",
        f"ping from b whose seq is a map head of {count} pairs",
        EDGE,
    )
    at_limit = base.replace("seq", nested_arrays(MAX_DEPTH - 1, uint(1)))
    yield case(
        "wire/codec/depth-at-limit-001",
        f"seq holds {MAX_DEPTH - 1} nested arrays: exactly {MAX_DEPTH} levels, allowed by the "
        "profile, so the schema reports the wrong type.",
        ("WrongType",),
        at_limit.encode(),
        E.DECODE_WRONG_TYPE,
        "seq",
        f"ping from b whose seq is {MAX_DEPTH - 1} nested arrays",
        EDGE,
    )
    yield from _size_cases(generator, base, control)


def _padded(base: RawMap, total: int) -> bytes:
    """``base`` with an extra ``padding`` byte string making the frame exactly ``total`` bytes."""
    empty = base.insert_sorted(tstr("padding"), bstr(b"", 2)).encode()
    frame = base.insert_sorted(tstr("padding"), bstr(bytes(total - len(empty)), 2)).encode()
    if len(frame) != total:
        raise CaseError(f"padding produced {len(frame)} bytes, wanted {total}")
    return frame


def _size_cases(generator: Generator, base: RawMap, control: bytes) -> Iterable[Trace]:
    yield reject_frame(
        generator,
        "wire/codec/oversized-frame-001",
        f"A frame of {MAX_FRAME_BYTES + 1} bytes (a valid envelope plus a padding field); the "
        "size limit is checked before any byte is parsed.",
        ("OversizedFrame",),
        _padded(base, MAX_FRAME_BYTES + 1),
        E.DECODE_TOO_LARGE,
        "@0",
        control=control,
        note=f"ping from b padded to {MAX_FRAME_BYTES + 1} bytes",
    )
    yield reject_frame(
        generator,
        "wire/codec/frame-at-size-limit-001",
        f"A frame of exactly {MAX_FRAME_BYTES} bytes (the limit is inclusive): it is parsed, "
        "and the padding field is unknown.",
        ("UnknownField",),
        _padded(base, MAX_FRAME_BYTES),
        E.DECODE_UNKNOWN_FIELD,
        "padding",
        control=control,
        note=f"ping from b padded to {MAX_FRAME_BYTES} bytes",
        tags=EDGE,
    )
