"""Stable names for exported schemas, derived from the registry so that files never get renumbered.

A message body is named by its (protocol, type): ``wire.ping`` for the JSON
Schema file, ``wire-ping`` for the CDDL rule. Any other model (the envelope,
message parts) is named after its class: ``envelope``, ``service-offer``.
"""

import re
from collections.abc import Mapping

from spec.v1.base import WireModel
from spec.v1.export.shapes import ExportError
from spec.v1.registry import MESSAGES

Registry = Mapping[tuple[str, str], type[WireModel]]

JSON_DIR = "json"
"""Folder (under ``spec/v1/schemas/``) of the JSON Schema files, one per model."""

CDDL_FILE = "peermarket-v1.cddl"
"""The single CDDL file (under ``spec/v1/schemas/``) holding every rule."""

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def message_key(model: type[WireModel], messages: Registry = MESSAGES) -> tuple[str, str] | None:
    """The (protocol, type) of a registered body, ``None`` for any other model."""
    keys = [key for key, value in messages.items() if value is model]
    if len(keys) > 1:
        raise ExportError(f"{model.__name__} is registered under several names: {sorted(keys)}")
    return keys[0] if keys else None


def schema_name(model: type[WireModel], messages: Registry = MESSAGES) -> str:
    """``protocol.type`` for a body, the class name in snake_case otherwise."""
    key = message_key(model, messages)
    if key is not None:
        return f"{key[0]}.{key[1]}"
    return _CAMEL_BOUNDARY.sub("_", model.__name__).lower()


def json_path(model: type[WireModel], messages: Registry = MESSAGES) -> str:
    """Relative path of a model's JSON Schema file, e.g. ``json/wire.ping.schema.json``."""
    return f"{JSON_DIR}/{schema_name(model, messages)}.schema.json"


def schema_id(model: type[WireModel], messages: Registry = MESSAGES) -> str:
    """The ``$id`` of a model's JSON Schema: a URN, stable across minor spec versions."""
    return f"urn:peermarket:spec:v1:{schema_name(model, messages)}"


def rule_name(model: type[WireModel], messages: Registry = MESSAGES) -> str:
    """The CDDL rule of a model: kebab-case, e.g. ``wire-ping`` or ``envelope``."""
    return schema_name(model, messages).replace(".", "-").replace("_", "-")


def envelope_rule_name(key: tuple[str, str]) -> str:
    """The CDDL rule of the envelope that carries one message type, e.g. ``wire-ping-envelope``."""
    return f"{key[0]}-{key[1]}-envelope".replace("_", "-")
