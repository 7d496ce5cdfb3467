"""Messages to bytes and back: deterministic CBOR plus the strict model check.

A map is checked against its model after the CBOR layer has accepted it;
pydantic's first complaint becomes one typed error naming the field path.
"""

from collections.abc import Mapping
from typing import Final, TypeVar

from pydantic import TypeAdapter, ValidationError

from reference import cbor
from spec.v1 import errors as E
from spec.v1.base import WireModel

M = TypeVar("M", bound=WireModel)

_RANGE_ERRORS: Final = frozenset(
    {
        "too_long",
        "too_short",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "bytes_too_long",
        "bytes_too_short",
        "string_too_long",
        "string_too_short",
    }
)
_TAG_ERRORS: Final = frozenset({"literal_error", "union_tag_invalid"})
_VALUE_ERRORS: Final = frozenset(
    {
        "literal_error",
        "string_pattern_mismatch",
        "value_error",
        "assertion_error",
        "enum",
        "union_tag_invalid",
    }
)


def to_value(message: WireModel) -> dict[str, cbor.Value]:
    """The profile value of a message: a map keyed by field name."""
    dumped: dict[str, cbor.Value] = message.model_dump(mode="python")
    return dumped


def encode_message(message: WireModel) -> bytes:
    """Deterministic CBOR of a message."""
    return cbor.encode(to_value(message))


def from_value(model: type[M], value: cbor.Value, path: str = "") -> M:
    """Check a decoded value against a model; raise the first violation as a typed error."""
    if not isinstance(value, Mapping):
        raise E.PeerMarketError(
            E.DECODE_WRONG_TYPE, path, f"{model.__name__} must be a map, got {type(value).__name__}"
        )
    try:
        # model_validate(value, strict=True) without its Python-level wrapper (hot path).
        validated: M = model.__pydantic_validator__.validate_python(value, strict=True)
    except ValidationError as exc:
        raise _typed(exc, path) from None
    return validated


def decode_message(model: type[M], data: bytes, path: str = "") -> M:
    """Strictly decode the bytes of one message of a known model.

    CBOR errors inside a nested message name the enclosing field, e.g. ``body@12``.
    """
    try:
        value = cbor.decode(data)
    except E.PeerMarketError as exc:
        if not path:
            raise
        raise E.PeerMarketError(exc.code, f"{path}{exc.field}", exc.reason) from None
    return from_value(model, value, path)


def _typed(exc: ValidationError, prefix: str) -> E.PeerMarketError:
    first = exc.errors(include_url=False)[0]
    kind = first["type"]
    field = _path(prefix, first["loc"])
    if kind in ("missing", "union_tag_not_found"):
        code = E.DECODE_MISSING_FIELD
    elif kind == "extra_forbidden":
        code = E.DECODE_UNKNOWN_FIELD
    elif kind in _RANGE_ERRORS:
        code = E.DECODE_OUT_OF_RANGE
    elif kind in _TAG_ERRORS and not isinstance(first.get("input"), str):
        # Every literal and union tag of v1 is text: anything else is the wrong CBOR type.
        code = E.DECODE_WRONG_TYPE
    elif kind in _VALUE_ERRORS:
        code = E.DECODE_BAD_VALUE
    else:
        code = E.DECODE_WRONG_TYPE
    return E.PeerMarketError(code, field, str(first["msg"]))


def _path(prefix: str, loc: tuple[int | str, ...]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else part
    return path


T = TypeVar("T")


def from_value_as(adapter: "TypeAdapter[T]", value: cbor.Value, path: str = "") -> T:
    """Like :func:`from_value` for a union of models (e.g. a discriminated request type)."""
    if not isinstance(value, Mapping):
        raise E.PeerMarketError(
            E.DECODE_WRONG_TYPE, path, f"expected a map, got {type(value).__name__}"
        )
    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError as exc:
        raise _typed(exc, path) from None
