"""Codec cases of the ``wire`` protocol: one envelope value in a form the profile forbids.

Each case is the standard ping from ``b`` (:mod:`reference.corpus.wire_frames`)
with the encoding of exactly one value replaced: a non-shortest head, an
indefinite length, a reserved or break byte, a float, a tag, a simple value,
invalid UTF-8, nesting too deep. The signature stays valid over the
canonical signing input, so the encoding is the only thing wrong. The
profile is checked left to right before the envelope schema, so a defect in
a value the schema would also refuse (a float where ``seq`` wants an
integer) is reported by the decoder, with the decoder's code, at the
value's byte offset.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from reference.corpus.casekit import ATTACK, EDGE, reject_frame
from reference.corpus.mutations import (
    BREAK,
    bstr,
    float16,
    float32,
    float64,
    head,
    indefinite_array,
    indefinite_bstr,
    indefinite_tstr,
    nested_arrays,
    simple,
    tag,
    text_bytes,
    tstr,
    uint,
)
from reference.corpus.wire_frames import decoded_bytes, standard_envelope
from spec.v1 import errors as E
from spec.v1.envelope import MAX_DEPTH
from spec.v1.trace import Generator, Tag, Trace


@dataclass(frozen=True)
class ValueEdit:
    """Replace the encoding of one envelope value; the decoder must stop right there."""

    case_id: str
    description: str
    flags: tuple[str, ...]
    key: str
    value: bytes
    error: E.ErrorCode
    seq: int = 1
    tags: tuple[Tag, ...] = ATTACK
    offset_delta: int = 0
    """Where in the new value the decoder stops (e.g. inside nested arrays)."""
    location: str | None = None
    """The field the schema names, for a defect the scan passes (else the byte offset)."""


def _body_of(seq: int = 1) -> bytes:
    return decoded_bytes(standard_envelope(seq), "body")


VALUE_EDITS: Final = (
    ValueEdit(
        "wire/codec/non-shortest-seq-001",
        "seq 1 encoded in two bytes (0x18 0x01); the signature is valid over the canonical "
        "signing input, so the encoding is the only defect.",
        ("NonShortestInteger",),
        "seq",
        uint(1, 1),
        E.DECODE_NON_CANONICAL,
    ),
    ValueEdit(
        "wire/codec/non-shortest-seq-8-byte-001",
        "seq 1 encoded with an 8-byte argument (0x1b 00..01).",
        ("NonShortestInteger",),
        "seq",
        uint(1, 8),
        E.DECODE_NON_CANONICAL,
    ),
    ValueEdit(
        "wire/codec/non-shortest-seq-boundary-001",
        "seq 23, the largest value of the initial byte, encoded as 0x18 0x17.",
        ("NonShortestInteger",),
        "seq",
        uint(23, 1),
        E.DECODE_NON_CANONICAL,
        seq=23,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/non-shortest-seq-2-byte-001",
        "seq 255 encoded with a 2-byte argument (0x19 0x00ff) where one byte holds it.",
        ("NonShortestInteger",),
        "seq",
        uint(255, 2),
        E.DECODE_NON_CANONICAL,
        seq=255,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/non-shortest-text-length-001",
        "The protocol name 'wire' with its length in a one-byte argument (0x78 0x04).",
        ("NonShortestInteger",),
        "protocol",
        tstr("wire", 1),
        E.DECODE_NON_CANONICAL,
    ),
    ValueEdit(
        "wire/codec/non-shortest-bytes-length-001",
        "The body byte string's length 25 in a two-byte argument (0x59 0x0019).",
        ("NonShortestInteger",),
        "body",
        bstr(_body_of(), 2),
        E.DECODE_NON_CANONICAL,
    ),
    ValueEdit(
        "wire/codec/indefinite-text-001",
        "The protocol name as an indefinite-length text string of chunks 'wi' and 're'.",
        ("IndefiniteLength",),
        "protocol",
        indefinite_tstr(("wi", "re")),
        E.DECODE_INDEFINITE_LENGTH,
    ),
    ValueEdit(
        "wire/codec/indefinite-bytes-001",
        "The body as an indefinite-length byte string of two chunks holding the same bytes.",
        ("IndefiniteLength",),
        "body",
        indefinite_bstr((_body_of()[:12], _body_of()[12:])),
        E.DECODE_INDEFINITE_LENGTH,
    ),
    ValueEdit(
        "wire/codec/indefinite-array-001",
        "seq as an indefinite-length array [_ 1]; the CBOR profile is checked before the "
        "schema, so the indefinite length is reported, not the wrong type.",
        ("IndefiniteLength",),
        "seq",
        indefinite_array((uint(1),)),
        E.DECODE_INDEFINITE_LENGTH,
    ),
    ValueEdit(
        "wire/codec/reserved-additional-info-001",
        "seq's head replaced by 0x1c (major type 0, additional information 28, reserved).",
        ("ReservedEncoding",),
        "seq",
        b"\x1c",
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/stray-break-001",
        "seq replaced by a break code (0xff) outside any indefinite-length item.",
        ("ReservedEncoding",),
        "seq",
        BREAK,
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/float-seq-half-001",
        "seq as the half-precision float 1.0 (0xf9 0x3c00), equal in value to the signed seq 1.",
        ("FloatForInteger",),
        "seq",
        float16(1),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/float-seq-single-001",
        "seq as the single-precision float 1.0 (0xfa 0x3f800000).",
        ("FloatForInteger",),
        "seq",
        float32(1),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/float-seq-double-001",
        "seq as the double-precision float 1.0 (0xfb 0x3ff0000000000000).",
        ("FloatForInteger",),
        "seq",
        float64(1),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/tag-bignum-seq-001",
        "seq 1 as a tag-2 bignum (0xc2 0x41 0x01); tags are outside the profile.",
        ("TagUsed",),
        "seq",
        tag(2, bstr(b"\x01")),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/tag-embedded-cbor-body-001",
        "The body byte string wrapped in tag 24 (encoded CBOR data item), which it is.",
        ("TagUsed",),
        "body",
        tag(24, bstr(_body_of())),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/too-deep-001",
        f"seq holds {MAX_DEPTH} nested arrays: with the envelope map that is {MAX_DEPTH + 1} "
        "levels; the depth limit is met before the schema is consulted.",
        ("DeepNesting",),
        "seq",
        nested_arrays(MAX_DEPTH, uint(1)),
        E.DECODE_TOO_DEEP,
        offset_delta=MAX_DEPTH - 1,
    ),
    ValueEdit(
        "wire/codec/huge-bytes-length-001",
        "The body's length head claims 2**32-1 bytes; a decoder must not allocate or read past "
        "the frame.",
        ("Truncated",),
        "body",
        head(2, 2**32 - 1) + _body_of(),
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/invalid-utf8-protocol-001",
        "The protocol name's last byte replaced by 0xff ('wir' 0xff), a byte that never "
        "occurs in UTF-8.",
        ("InvalidUtf8",),
        "protocol",
        text_bytes(b"wir\xff"),
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/invalid-utf8-overlong-001",
        "The protocol name 'wire' with its 'e' in the overlong two-byte form 0xc1 0xa5: a "
        "decoder that accepts overlong forms reads 'wire', over which the signature is valid.",
        ("InvalidUtf8",),
        "protocol",
        text_bytes(b"wir\xc1\xa5"),
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/invalid-utf8-surrogate-001",
        "The protocol name 'wi' followed by 0xed 0xa0 0x80, the three-byte form of the "
        "surrogate U+D800, which UTF-8 excludes (CESU-8 and WTF-8 decoders accept it).",
        ("InvalidUtf8",),
        "protocol",
        text_bytes(b"wi\xed\xa0\x80"),
        E.DECODE_MALFORMED,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/protocol-leading-bom-001",
        "The protocol name U+FEFF 'wire' (0xef 0xbb 0xbf, then 'wire'), the signature valid "
        "over 'wire': the byte order mark is a character of the text, which then fails the "
        "name pattern; a decoder that strips it reads 'wire' and accepts the ping.",
        ("BadValue", "LeadingBom"),
        "protocol",
        tstr("\ufeffwire"),
        E.DECODE_BAD_VALUE,
        location="protocol",
    ),
    ValueEdit(
        "wire/codec/undefined-seq-001",
        "seq as undefined (0xf7), which the profile does not carry; the profile is checked "
        "before the schema, so the code is unsupported_type, not wrong_type.",
        ("SimpleValue",),
        "seq",
        simple(23),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/simple-value-16-001",
        "seq as the unassigned one-byte simple value 16 (0xf0).",
        ("SimpleValue",),
        "seq",
        simple(16),
        E.DECODE_UNSUPPORTED_TYPE,
    ),
    ValueEdit(
        "wire/codec/simple-value-32-001",
        "seq as simple value 32 (0xf8 0x20), the smallest well-formed two-byte simple value; "
        "it is outside the profile.",
        ("SimpleValue",),
        "seq",
        simple(32, 1),
        E.DECODE_UNSUPPORTED_TYPE,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/simple-two-byte-false-001",
        "seq as 0xf8 0x14, false (simple value 20) in the two-byte form, which RFC 8949 "
        "section 3.3 makes not well-formed; a lenient decoder reads false.",
        ("SimpleValue",),
        "seq",
        simple(20, 1),
        E.DECODE_MALFORMED,
    ),
    ValueEdit(
        "wire/codec/simple-two-byte-zero-001",
        "seq as 0xf8 0x00, simple value 0 in the two-byte form: not well-formed.",
        ("SimpleValue",),
        "seq",
        simple(0, 1),
        E.DECODE_MALFORMED,
        tags=EDGE,
    ),
    ValueEdit(
        "wire/codec/simple-two-byte-31-001",
        "seq as 0xf8 0x1f, simple value 31 in the two-byte form: the largest argument that "
        "is not well-formed there (32 is well-formed, and unsupported).",
        ("SimpleValue",),
        "seq",
        simple(31, 1),
        E.DECODE_MALFORMED,
        tags=EDGE,
    ),
)


def value_edit_cases(
    generator: Generator, edits: Iterable[ValueEdit] = VALUE_EDITS
) -> Iterable[Trace]:
    """Each of ``edits`` (by default :data:`VALUE_EDITS`) in the standard ping from ``b``."""
    for edit in edits:
        base = standard_envelope(edit.seq)
        raw = base.replace(edit.key, edit.value)
        offset = raw.offset_of_value(edit.key) + edit.offset_delta
        yield reject_frame(
            generator,
            edit.case_id,
            edit.description,
            edit.flags,
            raw.encode(),
            edit.error,
            edit.location or f"@{offset}",
            control=base.encode(),
            note=f"ping from b, {edit.key} encoded as {edit.value[:12].hex()}",
            tags=edit.tags,
        )
