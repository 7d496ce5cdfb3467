"""Envelope cases of the ``wire`` protocol: its schema and its routing fields.

Each case is the standard ping from ``b`` with one envelope field missing,
extra, of the wrong type, out of its bounds or not an allowed value, or
naming a version, protocol or type the receiver does not speak. Where the
defect needs a changed field value (a seq of 2**63, the protocol ``Wire``),
the envelope is signed over that value, so the signature is not a second
defect. The version is checked before the rest of the envelope schema, then
protocol, then type (``spec/v1/prose/envelope.md``).
"""

from collections.abc import Iterable

from reference.corpus.casekit import EDGE, RejectionCases, as_sent, identity
from reference.corpus.mutations import RawMap, bstr, enc, tstr, uint
from reference.corpus.wire_frames import (
    decoded_bytes,
    envelope_fields,
    ping_body,
    ping_value,
    standard_envelope,
)
from spec.v1 import WIRE_VERSION
from spec.v1 import errors as E
from spec.v1.trace import Generator, Trace
from spec.v1.types import U63_MAX
from spec.v1.wire import PROTOCOL


def envelope_schema_cases(generator: Generator) -> Iterable[Trace]:
    b = identity("b")
    base = standard_envelope()
    control = base.encode()

    case = RejectionCases(generator, control, as_sent)

    def signed(
        *, seq: int = 1, protocol: str = PROTOCOL, type_: str = "ping", version: int = WIRE_VERSION
    ) -> bytes:
        """The standard ping envelope with some fields changed, signed over them."""
        fields = envelope_fields(
            b, ping_body(), seq, protocol=protocol, type_=type_, version=version
        )
        return enc(fields)

    yield case(
        "wire/envelope/unknown-field-001",
        "An extra envelope field 'extra': 0 in its sorted place; the signature still verifies, "
        "since unknown fields are not signed.",
        ("UnknownField",),
        base.insert_sorted(tstr("extra"), uint(0)).encode(),
        E.DECODE_UNKNOWN_FIELD,
        "extra",
        "ping from b with an extra field",
    )
    yield case(
        "wire/envelope/missing-seq-001",
        "The envelope without its seq field.",
        ("MissingField",),
        base.drop("seq").encode(),
        E.DECODE_MISSING_FIELD,
        "seq",
        "ping from b without seq",
    )
    yield case(
        "wire/envelope/missing-signature-001",
        "The envelope without its signature field (an unsigned message).",
        ("MissingField",),
        base.drop("signature").encode(),
        E.DECODE_MISSING_FIELD,
        "signature",
        "ping from b without a signature",
    )
    yield case(
        "wire/envelope/seq-as-text-001",
        "seq as the text string '1'.",
        ("WrongType",),
        base.replace("seq", tstr("1")).encode(),
        E.DECODE_WRONG_TYPE,
        "seq",
        "ping from b whose seq is '1'",
    )
    yield case(
        "wire/envelope/version-as-bool-001",
        "version as true (0xf5), which some languages equate with the integer 1.",
        ("WrongType",),
        base.replace("version", b"\xf5").encode(),
        E.DECODE_WRONG_TYPE,
        "version",
        "ping from b whose version is true",
        EDGE,
    )
    yield case(
        "wire/envelope/body-as-map-001",
        "The body as an inline map instead of a byte string holding the map's encoding.",
        ("WrongType",),
        base.replace("body", enc(ping_value())).encode(),
        E.DECODE_WRONG_TYPE,
        "body",
        "ping from b with an inline body",
    )
    yield case(
        "wire/envelope/sender-15-bytes-001",
        "A sender id of 15 bytes (node ids have 16).",
        ("OutOfRange",),
        base.replace("sender", bstr(b.node_id[:15])).encode(),
        E.DECODE_OUT_OF_RANGE,
        "sender",
        "ping from b with a 15-byte sender",
    )
    yield case(
        "wire/envelope/sender-key-33-bytes-001",
        "A sender key of 33 bytes (Ed25519 keys have 32).",
        ("OutOfRange",),
        base.replace("sender_key", bstr(b.public_key + b"\x00")).encode(),
        E.DECODE_OUT_OF_RANGE,
        "sender_key",
        "ping from b with a 33-byte key",
    )
    signature = decoded_bytes(base, "signature")
    yield case(
        "wire/envelope/signature-63-bytes-001",
        "A signature of 63 bytes (Ed25519 signatures have 64).",
        ("OutOfRange",),
        base.replace("signature", bstr(signature[:63])).encode(),
        E.DECODE_OUT_OF_RANGE,
        "signature",
        "ping from b with a 63-byte signature",
    )
    yield case(
        "wire/envelope/seq-above-u63-001",
        "seq 2**63, one above the largest sequence number, correctly signed.",
        ("OutOfRange",),
        signed(seq=U63_MAX + 1),
        E.DECODE_OUT_OF_RANGE,
        "seq",
        "ping from b with seq 2**63",
        EDGE,
    )
    yield case(
        "wire/envelope/negative-seq-001",
        "seq -1, correctly signed.",
        ("OutOfRange",),
        signed(seq=-1),
        E.DECODE_OUT_OF_RANGE,
        "seq",
        "ping from b with seq -1",
    )
    yield case(
        "wire/envelope/protocol-bad-name-001",
        "The protocol name 'Wire' (names are lowercase), correctly signed.",
        ("BadValue",),
        signed(protocol="Wire"),
        E.DECODE_BAD_VALUE,
        "protocol",
        "ping from b for protocol 'Wire'",
    )
    yield case(
        "wire/envelope/type-bad-name-001",
        "The message type 'ping!' (outside the type-name pattern), correctly signed.",
        ("BadValue",),
        signed(type_="ping!"),
        E.DECODE_BAD_VALUE,
        "type",
        "ping from b of type 'ping!'",
    )
    yield case(
        "wire/envelope/type-multibyte-within-bound-001",
        "The message type U+1F600 x 12, correctly signed: 12 characters (code points), within "
        "the type's bound of 23, but 24 UTF-16 code units and 48 UTF-8 bytes. Bounds count "
        "code points, so the bound holds and the pattern fails (bad_value); a decoder counting "
        "bytes or UTF-16 units reports out_of_range.",
        ("BadValue", "CharacterCount"),
        signed(type_="\U0001f600" * 12),
        E.DECODE_BAD_VALUE,
        "type",
        "ping from b of type U+1F600 x 12",
        EDGE,
    )
    yield case(
        "wire/envelope/type-too-long-and-bad-001",
        "The message type 'PING' x 6, correctly signed: 24 characters, over the bound of 23, "
        "and outside the pattern. The bound is checked before the pattern, so the code is "
        "out_of_range, not bad_value.",
        ("OutOfRange", "CharacterCount"),
        signed(type_="PING" * 6),
        E.DECODE_OUT_OF_RANGE,
        "type",
        "ping from b of type 'PING' x 6",
        EDGE,
    )
    yield case(
        "wire/envelope/protocol-trailing-newline-001",
        "The protocol name 'wire' followed by a newline, correctly signed: a pattern matches "
        "the whole text, and $ does not match before a trailing newline, so it is bad_value; "
        "a decoder whose $ does reads the unknown protocol 'wire\\n'.",
        ("BadValue", "PatternAnchor"),
        signed(protocol="wire\n"),
        E.DECODE_BAD_VALUE,
        "protocol",
        "ping from b for protocol 'wire' and a newline",
    )
    yield case(
        "wire/envelope/unsupported-version-001",
        "Wire version 2, signed as version 2: authentic, but not a version v1 speaks.",
        ("UnsupportedVersion",),
        signed(version=2),
        E.ENVELOPE_UNSUPPORTED_VERSION,
        "version",
        "ping from b in wire version 2",
    )
    v2 = RawMap.canonical(envelope_fields(b, ping_body(), 1, version=2))
    v2_shape = v2.drop("sender_key").insert_sorted(tstr("key_id"), bstr(b.node_id[:8]))
    yield case(
        "wire/envelope/future-version-shape-001",
        "A version 2 envelope of another shape (no sender_key, an unknown key_id): the version "
        "is checked before the v1 schema, so the code is unsupported_version.",
        ("UnsupportedVersion",),
        v2_shape.encode(),
        E.ENVELOPE_UNSUPPORTED_VERSION,
        "version",
        "a version 2 envelope from b without sender_key",
        EDGE,
    )
    yield case(
        "wire/envelope/version-zero-001",
        "Wire version 0, signed as version 0.",
        ("UnsupportedVersion",),
        signed(version=0),
        E.ENVELOPE_UNSUPPORTED_VERSION,
        "version",
        "ping from b in wire version 0",
        EDGE,
    )
    yield case(
        "wire/envelope/unknown-protocol-001",
        "The well-formed protocol name 'teleport', which the spec does not define; signed.",
        ("UnknownProtocol",),
        signed(protocol="teleport"),
        E.ENVELOPE_UNKNOWN_PROTOCOL,
        "protocol",
        "a 'ping' of protocol 'teleport' from b",
    )
    yield case(
        "wire/envelope/protocol-not-spoken-001",
        "Protocol 'auction', which a node of the wire role does not speak; signed.",
        ("UnknownProtocol",),
        signed(protocol="auction"),
        E.ENVELOPE_UNKNOWN_PROTOCOL,
        "protocol",
        "a 'ping' of protocol 'auction' from b",
    )
    yield case(
        "wire/envelope/unknown-type-001",
        "The message type 'pang', which the wire protocol does not define; signed.",
        ("UnknownType",),
        signed(type_="pang"),
        E.ENVELOPE_UNKNOWN_TYPE,
        "type",
        "a wire 'pang' from b",
    )
