"""Messages to bytes and back: byte-exact round trips and one typed error per schema defect."""

from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from model_strategies import instances  # tests/ is on sys.path under pytest

from reference import cbor
from reference.codec import decode_message, encode_message, from_value, to_value
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.envelope import Envelope
from spec.v1.registry import ALL_MODELS
from spec.v1.types import U63_MAX, Nonce, Tick
from spec.v1.wire import Ping, Pong


def fixed(n: int) -> st.SearchStrategy[bytes]:
    return st.binary(min_size=n, max_size=n)


TICKS = st.one_of(st.sampled_from([0, 23, 24, U63_MAX]), st.integers(0, U63_MAX))
NAMES16 = st.from_regex(r"\A[a-z][a-z0-9_]{0,15}\Z")
NAMES23 = st.from_regex(r"\A[a-z][a-z0-9_]{0,22}\Z")

EXPLICIT: dict[type[WireModel], st.SearchStrategy[Any]] = {
    Ping: st.builds(Ping, nonce=fixed(8), sent_at=TICKS),
    Pong: st.builds(Pong, nonce=fixed(8), ping_sent_at=TICKS),
    Envelope: st.builds(
        Envelope,
        version=st.one_of(st.just(1), st.integers(0, U63_MAX)),
        protocol=NAMES16,
        type=NAMES23,
        sender=fixed(16),
        sender_key=fixed(32),
        seq=TICKS,
        body=st.binary(max_size=300),
        signature=fixed(64),
    ),
}


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_every_model_round_trips_byte_exactly(model: type[WireModel], data: st.DataObject) -> None:
    # Every registered model, through the generic strategy read from its annotations...
    message = data.draw(instances(model))
    assert type(message) is model
    encoded = encode_message(message)
    decoded = decode_message(model, encoded)
    assert decoded == message
    assert encode_message(decoded) == encoded


@pytest.mark.parametrize("model", list(EXPLICIT), ids=lambda m: m.__name__)
@given(data=st.data())
def test_round_trip_with_hand_written_strategies(
    model: type[WireModel], data: st.DataObject
) -> None:
    # ...and the foundation's models again through strategies written out by hand.
    message = data.draw(EXPLICIT[model])
    assert type(message) is model
    encoded = encode_message(message)
    decoded = decode_message(model, encoded)
    assert decoded == message
    assert encode_message(decoded) == encoded
    assert cbor.decode(encoded) == cbor.decode(cbor.encode(to_value(message)))


def test_encoding_is_a_map_keyed_by_field_name() -> None:
    ping = Ping(nonce=bytes(range(8)), sent_at=42)
    assert encode_message(ping).hex() == "a2656e6f6e63654800010203040506076773656e745f6174182a"


# --------------------------------------------------------------------------------------------
# One defect each: the code and the field path


def error_of(model: type[WireModel], value: cbor.Value, path: str = "") -> E.PeerMarketError:
    """Go through the bytes, as a receiver does."""
    with pytest.raises(E.PeerMarketError) as info:
        decode_message(model, cbor.encode(value), path)
    return info.value


PING: dict[str, Any] = {"nonce": bytes(8), "sent_at": 5}
ENVELOPE: dict[str, Any] = {
    "version": 1,
    "protocol": "wire",
    "type": "ping",
    "sender": bytes(16),
    "sender_key": bytes(32),
    "seq": 0,
    "body": b"",
    "signature": bytes(64),
}


@pytest.mark.parametrize(
    ("model", "base", "change", "code", "field"),
    [
        # unknown and missing fields
        (Ping, PING, {"extra": 0}, E.DECODE_UNKNOWN_FIELD, "extra"),
        (Ping, PING, {"sent_at": None, "Sent_at": 1}, E.DECODE_WRONG_TYPE, "sent_at"),
        (Ping, PING, {"sent_at": ...}, E.DECODE_MISSING_FIELD, "sent_at"),
        (Envelope, ENVELOPE, {"signature": ...}, E.DECODE_MISSING_FIELD, "signature"),
        # wrong CBOR type
        (Ping, PING, {"sent_at": "5"}, E.DECODE_WRONG_TYPE, "sent_at"),
        (Ping, PING, {"sent_at": True}, E.DECODE_WRONG_TYPE, "sent_at"),
        (Ping, PING, {"sent_at": None}, E.DECODE_WRONG_TYPE, "sent_at"),
        (Ping, PING, {"sent_at": (5,)}, E.DECODE_WRONG_TYPE, "sent_at"),
        (Ping, PING, {"nonce": 5}, E.DECODE_WRONG_TYPE, "nonce"),
        (Ping, PING, {"nonce": "abcdefgh"}, E.DECODE_WRONG_TYPE, "nonce"),
        (Ping, PING, {"nonce": {"a": 1}}, E.DECODE_WRONG_TYPE, "nonce"),
        (Envelope, ENVELOPE, {"protocol": b"wire"}, E.DECODE_WRONG_TYPE, "protocol"),
        (Envelope, ENVELOPE, {"version": False}, E.DECODE_WRONG_TYPE, "version"),
        # out of range
        (Ping, PING, {"nonce": bytes(7)}, E.DECODE_OUT_OF_RANGE, "nonce"),
        (Ping, PING, {"nonce": bytes(9)}, E.DECODE_OUT_OF_RANGE, "nonce"),
        (Ping, PING, {"sent_at": -1}, E.DECODE_OUT_OF_RANGE, "sent_at"),
        (Ping, PING, {"sent_at": U63_MAX + 1}, E.DECODE_OUT_OF_RANGE, "sent_at"),
        (Ping, PING, {"sent_at": cbor.INT_MAX}, E.DECODE_OUT_OF_RANGE, "sent_at"),
        (Envelope, ENVELOPE, {"sender": bytes(15)}, E.DECODE_OUT_OF_RANGE, "sender"),
        (Envelope, ENVELOPE, {"signature": bytes(65)}, E.DECODE_OUT_OF_RANGE, "signature"),
        (Envelope, ENVELOPE, {"protocol": ""}, E.DECODE_OUT_OF_RANGE, "protocol"),
        (Envelope, ENVELOPE, {"protocol": "a" * 17}, E.DECODE_OUT_OF_RANGE, "protocol"),
        (Envelope, ENVELOPE, {"type": "a" * 24}, E.DECODE_OUT_OF_RANGE, "type"),
        # bad value: the right type, not an allowed value
        (Envelope, ENVELOPE, {"protocol": "Wire"}, E.DECODE_BAD_VALUE, "protocol"),
        (Envelope, ENVELOPE, {"protocol": "1wire"}, E.DECODE_BAD_VALUE, "protocol"),
        (Envelope, ENVELOPE, {"protocol": "wire\n"}, E.DECODE_BAD_VALUE, "protocol"),
        (Envelope, ENVELOPE, {"type": "pi-ng"}, E.DECODE_BAD_VALUE, "type"),
        # several defects: the first declared field decides, unknown keys come last
        (Envelope, ENVELOPE, {"seq": "x", "protocol": "X"}, E.DECODE_BAD_VALUE, "protocol"),
        (Envelope, ENVELOPE, {"aaa": 1, "signature": ...}, E.DECODE_MISSING_FIELD, "signature"),
        (Envelope, ENVELOPE, {"a": 1, "body": 3}, E.DECODE_WRONG_TYPE, "body"),
    ],
)
def test_schema_defect(
    model: type[WireModel],
    base: dict[str, Any],
    change: dict[str, Any],
    code: E.ErrorCode,
    field: str,
) -> None:
    value = {k: v for k, v in {**base, **change}.items() if v is not ...}
    exc = error_of(model, value)
    assert (exc.code, exc.field) == (code, field), str(exc)
    assert exc.reason


def test_top_level_must_be_a_map() -> None:
    for value in ((1, 2), 5, b"", "ping", None):
        exc = error_of(Ping, value, "body")
        assert (exc.code, exc.field) == (E.DECODE_WRONG_TYPE, "body")


def test_cbor_errors_come_before_schema_errors() -> None:
    # sent_at = 5 in a long form, and an unknown field: the scan fails first.
    valid = cbor.encode({"extra": 0, "nonce": bytes(8), "sent_at": 5})
    assert valid.endswith(b"\x05")
    data = valid[:-1] + b"\x18\x05"
    with pytest.raises(E.PeerMarketError) as info:
        decode_message(Ping, data)
    assert info.value.code == E.DECODE_NON_CANONICAL


class Item(WireModel):
    nonce: Nonce
    at: Tick


class Nested(WireModel):
    kind: Literal["buy", "sell"]
    items: tuple[Item, ...]
    best: Item | None


NESTED: dict[str, Any] = {
    "kind": "buy",
    "items": ({"nonce": bytes(8), "at": 1}, {"nonce": bytes(8), "at": 2}),
    "best": None,
}


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"kind": "hold"}, E.DECODE_BAD_VALUE, "body.kind"),
        (
            {"items": ({"nonce": bytes(8), "at": 1}, {"nonce": bytes(3), "at": 2})},
            E.DECODE_OUT_OF_RANGE,
            "body.items[1].nonce",
        ),
        (
            {"items": ({"nonce": bytes(8), "at": 1, "x": 0},)},
            E.DECODE_UNKNOWN_FIELD,
            "body.items[0].x",
        ),
        ({"items": ({"nonce": bytes(8)},)}, E.DECODE_MISSING_FIELD, "body.items[0].at"),
        ({"items": (5,)}, E.DECODE_WRONG_TYPE, "body.items[0]"),
        ({"best": {"nonce": bytes(8), "at": -1}}, E.DECODE_OUT_OF_RANGE, "body.best.at"),
    ],
)
def test_nested_paths(change: dict[str, Any], code: E.ErrorCode, field: str) -> None:
    exc = error_of(Nested, {**NESTED, **change}, "body")
    assert exc.code == code, str(exc)
    assert exc.field == field


def test_nested_model_round_trips() -> None:
    message = from_value(Nested, NESTED)
    assert decode_message(Nested, encode_message(message)) == message
    assert message.items[1].at == 2


# --------------------------------------------------------------------------------------------
# An independent oracle for one-field substitutions

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(cbor.INT_MIN, cbor.INT_MAX),
    st.binary(max_size=12),
    st.text(max_size=10),
    st.lists(st.integers(0, 3), max_size=2).map(tuple),
    st.dictionaries(st.sampled_from(["a", "nonce"]), st.integers(0, 3), max_size=2),
)


def expected_code(field: str, value: Any) -> E.ErrorCode | None:
    """What a Ping with ``field`` set to ``value`` must give, from the prose's table."""
    if field == "nonce":
        if not isinstance(value, bytes):
            return E.DECODE_WRONG_TYPE
        return None if len(value) == 8 else E.DECODE_OUT_OF_RANGE
    if isinstance(value, bool) or not isinstance(value, int):
        return E.DECODE_WRONG_TYPE
    return None if 0 <= value <= U63_MAX else E.DECODE_OUT_OF_RANGE


@given(st.sampled_from(["nonce", "sent_at"]), ANY_VALUE)
def test_field_substitution_matches_the_oracle(field: str, value: Any) -> None:
    data = cbor.encode({**PING, field: value})
    code = expected_code(field, value)
    if code is None:
        ping = decode_message(Ping, data)
        assert getattr(ping, field) == value
        assert encode_message(ping) == data
    else:
        with pytest.raises(E.PeerMarketError) as info:
            decode_message(Ping, data)
        assert (info.value.code, info.value.field) == (code, field)
