"""Signed envelopes: sealing, opening, tampering, and the normative order of the checks."""

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_strategies import instances
from nacl.signing import VerifyKey

from reference import cbor
from reference.codec import encode_message, to_value
from reference.envelope import Opened, open_envelope, seal, seal_envelope, signing_input
from reference.identity import Identity
from spec.v1 import WIRE_VERSION
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.envelope import MAX_FRAME_BYTES, SIGNING_CONTEXT, Envelope, signing_input_items
from spec.v1.registry import MESSAGES
from spec.v1.types import U63_MAX
from spec.v1.wire import Ping, Pong

ALICE = Identity.from_label("alice")
BOB = Identity.from_label("bob")
PING = Ping(nonce=bytes(range(8)), sent_at=42)

# Known answer: Identity.from_label("kat") seals Ping(nonce=00..07, sent_at=42) as seq 7.
# This pins the wire format (envelope keys and order, the signing input, the encoding of
# the body). If it changes, that is a WIRE CHANGE: it needs a spec version bump and a
# regenerated conformance corpus, not just a new constant here.
KAT_FRAME = bytes.fromhex(
    "a8637365710764626f6479581aa2656e6f6e6365480001020304050607677365"
    "6e745f6174182a64747970656470696e676673656e646572503d7cb5db429cbc"
    "75594b7e38bbe2f51b6776657273696f6e016870726f746f636f6c6477697265"
    "697369676e61747572655840de2f3c5c390699dfdefb92463e17da8d80925cae"
    "4b3e0aae19f4d65897d792f493556241d0ae3c43b263175974a9870119fee060"
    "5e3d23e67fe1b1807ce7e3016a73656e6465725f6b65795820c51a29feb7d52b"
    "a62ffb8708368e089964c8c3cd87a06c85f14a8a828cd5c6ad"
)


def opening_error(frame: bytes, **kwargs: Any) -> E.PeerMarketError:
    try:
        opened = open_envelope(frame, **kwargs)
    except E.PeerMarketError as exc:
        return exc
    pytest.fail(f"frame was opened: {opened!r}")


def raw_frame(
    signer: Identity = ALICE,
    *,
    body: bytes | None = None,
    sign_as: dict[str, Any] | None = None,
    **fields: Any,
) -> bytes:
    """An envelope built field by field, signed by ``signer`` over ``sign_as`` (else the fields)."""
    value: dict[str, Any] = {
        "version": WIRE_VERSION,
        "protocol": "wire",
        "type": "ping",
        "sender": signer.node_id,
        "sender_key": signer.public_key,
        "seq": 1,
        "body": encode_message(PING) if body is None else body,
    }
    value.update(fields)
    signed = {**value, **(sign_as or {})}
    items = signing_input_items(
        signed["protocol"],
        signed["version"],
        signed["type"],
        signed["sender"],
        signed["seq"],
        signed["body"],
    )
    value.setdefault("signature", signer.sign(cbor.encode(items)))
    return cbor.encode(value)


# --------------------------------------------------------------------------------------------
# Round trips


def test_seal_open_round_trip() -> None:
    frame = seal(ALICE, PING, seq=3)
    opened = open_envelope(frame)
    assert isinstance(opened, Opened)
    assert opened.body == PING
    env = opened.envelope
    assert (env.version, env.protocol, env.type, env.seq) == (1, "wire", "ping", 3)
    assert (env.sender, env.sender_key) == (ALICE.node_id, ALICE.public_key)
    assert env.body == encode_message(PING)
    assert encode_message(env) == frame
    assert seal_envelope(ALICE, PING, 3) == env


MESSAGE_STRATEGY = st.one_of(
    st.builds(Ping, nonce=st.binary(min_size=8, max_size=8), sent_at=st.integers(0, U63_MAX)),
    st.builds(Pong, nonce=st.binary(min_size=8, max_size=8), ping_sent_at=st.integers(0, U63_MAX)),
)
IDENTITIES = st.sampled_from([Identity.from_label(label) for label in ("a", "b", "c", "kat")])


@given(IDENTITIES, MESSAGE_STRATEGY, st.integers(0, U63_MAX))
def test_any_message_round_trips(who: Identity, message: WireModel, seq: int) -> None:
    frame = seal(who, message, seq)
    opened = open_envelope(frame)
    assert opened.body == message
    assert opened.envelope.seq == seq
    assert opened.envelope.type == {Ping: "ping", Pong: "pong"}[type(message)]
    assert seal(who, message, seq) == frame  # deterministic


def test_sealing_is_deterministic() -> None:
    assert seal(ALICE, PING, 9) == seal(ALICE, PING, 9)
    assert seal(ALICE, PING, 9) != seal(ALICE, PING, 10)
    assert seal(ALICE, PING, 9) != seal(BOB, PING, 9)


def test_known_answer_frame() -> None:
    frame = seal(Identity.from_label("kat"), Ping(nonce=bytes(range(8)), sent_at=42), seq=7)
    assert frame.hex() == KAT_FRAME.hex()
    assert open_envelope(KAT_FRAME).body == Ping(nonce=bytes(range(8)), sent_at=42)


def test_known_answer_signing_input_is_the_documented_array() -> None:
    """Rebuild the signed bytes by hand from the prose and verify with PyNaCl directly."""
    env = open_envelope(KAT_FRAME).envelope
    kat = Identity.from_label("kat")
    by_hand = (
        b"\x87"
        + b"\x73" + SIGNING_CONTEXT.encode()
        + b"\x64wire"
        + b"\x01"
        + b"\x64ping"
        + b"\x50" + kat.node_id
        + b"\x07"
        + b"\x58\x1a" + encode_message(Ping(nonce=bytes(range(8)), sent_at=42))
    )  # fmt: skip
    assert signing_input(env) == by_hand
    VerifyKey(kat.public_key).verify(by_hand, env.signature)  # raises if it does not verify


# --------------------------------------------------------------------------------------------
# Tampering: every single-bit flip fails, with a typed error of an allowed category

ALLOWED_ON_TAMPER = {"decode", "envelope", "auth"}


def assert_tamper_rejected(frame: bytes, bit: int) -> None:
    tampered = bytearray(frame)
    tampered[bit // 8] ^= 1 << (bit % 8)
    try:
        open_envelope(bytes(tampered))
    except E.PeerMarketError as exc:
        assert exc.code.category in ALLOWED_ON_TAMPER, f"bit {bit}: {exc}"
    else:
        pytest.fail(f"frame with bit {bit} flipped was accepted")


def test_every_single_bit_flip_of_the_known_frame_fails() -> None:
    for bit in range(len(KAT_FRAME) * 8):
        assert_tamper_rejected(KAT_FRAME, bit)


@settings(max_examples=300)
@given(IDENTITIES, MESSAGE_STRATEGY, st.integers(0, U63_MAX), st.data())
def test_any_single_bit_flip_fails(
    who: Identity, message: WireModel, seq: int, data: st.DataObject
) -> None:
    frame = seal(who, message, seq)
    assert_tamper_rejected(frame, data.draw(st.integers(0, len(frame) * 8 - 1)))


# --------------------------------------------------------------------------------------------
# One defect each


def test_wrong_key() -> None:
    # Bob signs correctly, but claims to be Alice.
    exc = opening_error(raw_frame(BOB, sender=ALICE.node_id))
    assert (exc.code, exc.field) == (E.AUTH_WRONG_KEY, "sender_key")
    # Alice's frame with Bob's key in it.
    value = {**to_value(seal_envelope(ALICE, PING, 1)), "sender_key": BOB.public_key}
    assert opening_error(cbor.encode(value)).code == E.AUTH_WRONG_KEY


@pytest.mark.parametrize(
    "signed_over",
    [
        {"seq": 2},
        {"type": "pong"},
        {"protocol": "echo"},
        {"version": 2},
        {"sender": BOB.node_id},
        {"body": encode_message(Ping(nonce=bytes(8), sent_at=42))},
    ],
)
def test_signature_over_different_fields_is_bad(signed_over: dict[str, Any]) -> None:
    frame = raw_frame(ALICE, sign_as=signed_over)
    messages = {**MESSAGES, ("echo", "ping"): Ping}
    exc = opening_error(frame, messages=messages)
    assert (exc.code, exc.field) == (E.AUTH_BAD_SIGNATURE, "signature")


def test_signature_from_another_key_is_bad() -> None:
    frame = raw_frame(ALICE, signature=BOB.sign(signing_input(seal_envelope(ALICE, PING, 1))))
    assert opening_error(frame).code == E.AUTH_BAD_SIGNATURE


def test_replayed_frame_relabelled_with_a_fresh_seq_is_bad() -> None:
    value = {**to_value(seal_envelope(ALICE, PING, 1)), "seq": 2}
    assert opening_error(cbor.encode(value)).code == E.AUTH_BAD_SIGNATURE


@pytest.mark.parametrize("version", [0, 2, 255, -1, U63_MAX, 2**64 - 1, -(2**64)])
def test_unsupported_version(version: int) -> None:
    exc = opening_error(raw_frame(version=version))
    assert (exc.code, exc.field) == (E.ENVELOPE_UNSUPPORTED_VERSION, "version")


def test_version_is_checked_before_the_envelope_schema() -> None:
    # A later version may change the envelope's shape: any integer version but 1 is refused
    # as unsupported, whatever else the map holds.
    exc = opening_error(cbor.encode({"version": 2, "frames": (b"",)}))
    assert (exc.code, exc.field) == (E.ENVELOPE_UNSUPPORTED_VERSION, "version")
    # No integer version: the schema decides.
    for version in ("2", True, None, (2,)):
        exc = opening_error(raw_frame(version=version))
        assert (exc.code, exc.field) == (E.DECODE_WRONG_TYPE, "version"), version
    exc = opening_error(cbor.encode({"protocol": "wire"}))
    assert (exc.code, exc.field) == (E.DECODE_MISSING_FIELD, "version")


def test_unknown_protocol_and_type() -> None:
    exc = opening_error(raw_frame(protocol="nosuch"))  # no spec version defines it
    assert (exc.code, exc.field) == (E.ENVELOPE_UNKNOWN_PROTOCOL, "protocol")
    exc = opening_error(raw_frame(type="pang"))
    assert (exc.code, exc.field) == (E.ENVELOPE_UNKNOWN_TYPE, "type")
    # The registry is a parameter: a receiver that does not implement "wire" knows no such protocol.
    exc = opening_error(seal(ALICE, PING, 1), messages={("echo", "ping"): Ping})
    assert exc.code == E.ENVELOPE_UNKNOWN_PROTOCOL


def test_envelope_schema_errors() -> None:
    value = to_value(seal_envelope(ALICE, PING, 1))
    exc = opening_error(cbor.encode({k: v for k, v in value.items() if k != "seq"}))
    assert (exc.code, exc.field) == (E.DECODE_MISSING_FIELD, "seq")
    exc = opening_error(cbor.encode({**value, "note": "hi"}))
    assert (exc.code, exc.field) == (E.DECODE_UNKNOWN_FIELD, "note")
    exc = opening_error(cbor.encode({**value, "seq": -1}))
    assert (exc.code, exc.field) == (E.DECODE_OUT_OF_RANGE, "seq")
    exc = opening_error(cbor.encode((1, 2)))
    assert exc.code == E.DECODE_WRONG_TYPE


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (cbor.encode({"nonce": bytes(3), "sent_at": 1}), E.DECODE_OUT_OF_RANGE, "body.nonce"),
        (cbor.encode({"nonce": bytes(8), "sent_at": "1"}), E.DECODE_WRONG_TYPE, "body.sent_at"),
        (cbor.encode({"nonce": bytes(8)}), E.DECODE_MISSING_FIELD, "body.sent_at"),
        (
            cbor.encode({"nonce": bytes(8), "sent_at": 1, "x": 0}),
            E.DECODE_UNKNOWN_FIELD,
            "body.x",
        ),
        (cbor.encode((1,)), E.DECODE_WRONG_TYPE, "body"),
        (b"", E.DECODE_MALFORMED, "body@0"),
        (b"\x1c", E.DECODE_MALFORMED, "body@0"),
        (encode_message(PING) + b"\x00", E.DECODE_TRAILING_BYTES, "body@26"),
        (
            bytes.fromhex("a2656e6f6e636548000102030405060767") + b"sent_at\x18\x01",
            E.DECODE_NON_CANONICAL,
            "body@24",
        ),
    ],
)
def test_body_errors_after_a_valid_signature(body: bytes, code: E.ErrorCode, field: str) -> None:
    exc = opening_error(raw_frame(body=body))
    assert (exc.code, exc.field) == (code, field), str(exc)


def test_body_depth_counts_from_the_body_itself() -> None:
    inner: Any = 0
    for _ in range(15):
        inner = (inner,)
    # 16 levels inside the body (map + 15 arrays): deep, but not too deep; the schema decides.
    exc = opening_error(raw_frame(body=cbor.encode({"nonce": inner, "sent_at": 1})))
    assert (exc.code, exc.field) == (E.DECODE_WRONG_TYPE, "body.nonce")
    body = cbor.encode({"nonce": inner, "sent_at": 1})
    head = len(b"\xa2" + cbor.encode("nonce"))
    exc = opening_error(raw_frame(body=body[:head] + b"\x81" + body[head:]))  # 17 levels
    assert (exc.code, exc.field) == (E.DECODE_TOO_DEEP, f"body@{head + 15}")


def test_oversize_frame() -> None:
    frame = raw_frame(body=bytes(MAX_FRAME_BYTES))
    assert len(frame) > MAX_FRAME_BYTES
    assert opening_error(frame).code == E.DECODE_TOO_LARGE


# --------------------------------------------------------------------------------------------
# The check order of open_envelope's docstring (and spec/v1/prose/envelope.md): size, CBOR
# profile, version, envelope schema, protocol, type, key binding, signature, body.

ORDER: list[tuple[str, E.ErrorCode]] = [
    ("size", E.DECODE_TOO_LARGE),
    ("profile", E.DECODE_TRAILING_BYTES),
    ("version", E.ENVELOPE_UNSUPPORTED_VERSION),
    ("schema", E.DECODE_UNKNOWN_FIELD),
    ("protocol", E.ENVELOPE_UNKNOWN_PROTOCOL),
    ("type", E.ENVELOPE_UNKNOWN_TYPE),
    ("key", E.AUTH_WRONG_KEY),
    ("signature", E.AUTH_BAD_SIGNATURE),
    ("body", E.DECODE_MALFORMED),
]


def frame_with(defects: set[str]) -> bytes:
    """A frame carrying exactly the named defects (each one alone is a single-defect case)."""
    signer = BOB if "key" in defects else ALICE  # Bob signs; the envelope claims Alice
    body = b"\x1c" if "body" in defects else encode_message(PING)
    if "size" in defects:
        body += bytes(MAX_FRAME_BYTES)
    fields: dict[str, Any] = {
        "version": 2 if "version" in defects else WIRE_VERSION,
        "protocol": "nope" if "protocol" in defects else "wire",
        "type": "nope" if "type" in defects else "ping",
        "sender": ALICE.node_id,
        "sender_key": signer.public_key,
        "seq": 5,
        "body": body,
    }
    items = signing_input_items(
        fields["protocol"], fields["version"], fields["type"], ALICE.node_id, 5, body
    )
    signed = b"not the signing input" if "signature" in defects else cbor.encode(items)
    fields["signature"] = signer.sign(signed)
    if "schema" in defects:
        fields["zzz"] = 0
    frame = cbor.encode(fields)
    return frame + b"\x00" if "profile" in defects else frame


def test_defect_builder_without_defects_gives_a_valid_frame() -> None:
    assert open_envelope(frame_with(set())).body == PING


@pytest.mark.parametrize(("defect", "code"), ORDER, ids=[name for name, _ in ORDER])
def test_each_defect_alone(defect: str, code: E.ErrorCode) -> None:
    assert opening_error(frame_with({defect})).code == code


@pytest.mark.parametrize(
    ("first", "second"),
    list(itertools.combinations(range(len(ORDER)), 2)),
    ids=[f"{ORDER[i][0]}+{ORDER[j][0]}" for i, j in itertools.combinations(range(len(ORDER)), 2)],
)
def test_earlier_check_wins(first: int, second: int) -> None:
    frame = frame_with({ORDER[first][0], ORDER[second][0]})
    exc = opening_error(frame)
    assert exc.code == ORDER[first][1], f"expected {ORDER[first][1]}, got {exc}"


def test_envelope_model_is_strict_and_frozen() -> None:
    env = seal_envelope(ALICE, PING, 1)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        env.seq = 2  # type: ignore[misc]
    assert Envelope.model_validate(to_value(env)) == env


@given(instances(Envelope))
def test_signing_input_is_the_profile_encoding_of_the_documented_array(env: Envelope) -> None:
    items = signing_input_items(env.protocol, env.version, env.type, env.sender, env.seq, env.body)
    assert signing_input(env) == cbor.encode(items)
    assert cbor.decode(signing_input(env)) == items
