"""Body cases of the ``wire`` protocol: defects inside the body byte string.

The envelope is valid and signed over the exact body bytes it carries, so
the body's own decoding (the same CBOR profile, then the message schema) is
the only thing that fails. Error fields name the body, e.g. ``body@12`` or
``body.nonce``.
"""

from collections.abc import Iterable

from reference.corpus.casekit import EDGE, RejectionCases
from reference.corpus.mutations import RawMap, bstr, enc, float16, nint, tstr, uint
from reference.corpus.wire_frames import NONCE_B, SENT_AT_B, body_frame, ping_value
from spec.v1 import errors as E
from spec.v1.trace import Generator, Trace
from spec.v1.types import U63_MAX


def body_cases(generator: Generator) -> Iterable[Trace]:
    """Defects inside the body byte string, signed over the exact body bytes received."""
    base = RawMap.canonical(ping_value())
    control = body_frame(base.encode())

    case = RejectionCases(generator, control, body_frame)

    signed = " The signature covers these exact body bytes."
    long_sent_at = base.replace("sent_at", uint(SENT_AT_B, 1))
    yield case(
        "wire/body/non-shortest-integer-001",
        "The ping body's sent_at 5 encoded as 0x18 0x05." + signed,
        ("NonShortestInteger",),
        long_sent_at.encode(),
        E.DECODE_NON_CANONICAL,
        f"body@{long_sent_at.offset_of_value('sent_at')}",
        "ping from b whose body has a non-shortest sent_at",
    )
    long_nonce = base.replace("nonce", bstr(NONCE_B, 1))
    yield case(
        "wire/body/non-shortest-length-001",
        "The ping body's nonce length 8 in a one-byte argument (0x58 0x08)." + signed,
        ("NonShortestInteger",),
        long_nonce.encode(),
        E.DECODE_NON_CANONICAL,
        f"body@{long_nonce.offset_of_value('nonce')}",
        "ping from b whose body has a non-shortest nonce length",
    )
    swapped = base.swap("nonce", "sent_at")
    yield case(
        "wire/body/unsorted-keys-001",
        "The ping body with sent_at before nonce." + signed,
        ("UnsortedKeys",),
        swapped.encode(),
        E.DECODE_UNSORTED_KEYS,
        f"body@{swapped.offset_of_key('nonce')}",
        "ping from b whose body keys are out of order",
    )
    twice = base.duplicate("nonce")
    yield case(
        "wire/body/duplicate-key-001",
        "The ping body with the nonce pair twice." + signed,
        ("DuplicateKey",),
        twice.encode(),
        E.DECODE_DUPLICATE_KEY,
        f"body@{twice.offset_of_entry(1)}",
        "ping from b whose body repeats nonce",
    )
    yield case(
        "wire/body/indefinite-map-001",
        "The ping body as an indefinite-length map." + signed,
        ("IndefiniteLength",),
        base.encode_indefinite(),
        E.DECODE_INDEFINITE_LENGTH,
        "body@0",
        "ping from b whose body is an indefinite-length map",
    )
    yield case(
        "wire/body/trailing-bytes-001",
        "The ping body followed by a zero byte inside the body byte string." + signed,
        ("TrailingBytes",),
        base.encode() + b"\x00",
        E.DECODE_TRAILING_BYTES,
        f"body@{len(base.encode())}",
        "ping from b whose body has a trailing byte",
    )
    floated = base.replace("sent_at", float16(SENT_AT_B))
    yield case(
        "wire/body/float-integer-001",
        "The ping body's sent_at as the half float 5.0." + signed,
        ("FloatForInteger",),
        floated.encode(),
        E.DECODE_UNSUPPORTED_TYPE,
        f"body@{floated.offset_of_value('sent_at')}",
        "ping from b whose sent_at is a float",
    )
    yield case(
        "wire/body/empty-001",
        "An empty body byte string." + signed,
        ("Truncated",),
        b"",
        E.DECODE_MALFORMED,
        "body@0",
        "ping from b with an empty body",
        EDGE,
    )
    yield case(
        "wire/body/unknown-field-001",
        "The ping body with an extra field 'extra': 0." + signed,
        ("UnknownField",),
        base.insert_sorted(tstr("extra"), uint(0)).encode(),
        E.DECODE_UNKNOWN_FIELD,
        "body.extra",
        "ping from b whose body has an extra field",
    )
    yield case(
        "wire/body/missing-field-001",
        "The ping body without sent_at." + signed,
        ("MissingField",),
        base.drop("sent_at").encode(),
        E.DECODE_MISSING_FIELD,
        "body.sent_at",
        "ping from b whose body lacks sent_at",
    )
    yield case(
        "wire/body/wrong-type-001",
        "The ping body's nonce as the text string 'nonce-b1'." + signed,
        ("WrongType",),
        base.replace("nonce", tstr(NONCE_B.decode())).encode(),
        E.DECODE_WRONG_TYPE,
        "body.nonce",
        "ping from b whose nonce is text",
    )
    yield case(
        "wire/body/not-a-map-001",
        "A body holding the array [nonce, sent_at] instead of a map." + signed,
        ("WrongType",),
        enc((NONCE_B, SENT_AT_B)),
        E.DECODE_WRONG_TYPE,
        "body",
        "ping from b whose body is an array",
    )
    yield case(
        "wire/body/nonce-7-bytes-001",
        "The ping body's nonce of 7 bytes (nonces have 8)." + signed,
        ("OutOfRange",),
        base.replace("nonce", bstr(NONCE_B[:7])).encode(),
        E.DECODE_OUT_OF_RANGE,
        "body.nonce",
        "ping from b with a 7-byte nonce",
    )
    yield case(
        "wire/body/sent-at-above-u63-001",
        "The ping body's sent_at 2**63, one above the largest tick." + signed,
        ("OutOfRange",),
        base.replace("sent_at", uint(U63_MAX + 1)).encode(),
        E.DECODE_OUT_OF_RANGE,
        "body.sent_at",
        "ping from b with sent_at 2**63",
        EDGE,
    )
    yield case(
        "wire/body/negative-integer-001",
        "The ping body's sent_at -1." + signed,
        ("OutOfRange",),
        base.replace("sent_at", nint(-1)).encode(),
        E.DECODE_OUT_OF_RANGE,
        "body.sent_at",
        "ping from b with sent_at -1",
    )
