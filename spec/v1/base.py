"""The base class every wire message derives from.

Strict, frozen and closed: a model never coerces, never changes after it is
built, and never carries a field the spec does not list. Bytes render as
lowercase hex in JSON so the JSON Schema can state exact lengths.
"""

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """A message or message part. Field names are the CBOR map keys."""

    model_config = ConfigDict(
        frozen=True,
        strict=True,
        extra="forbid",
        ser_json_bytes="hex",
        val_json_bytes="hex",
        validate_default=True,
    )
