"""RFC 8949 section 8 diagnostic notation, for field types and the worked example."""

from __future__ import annotations

from collections.abc import Mapping


def diag_literal(value: object) -> str:
    """One scalar in diagnostic notation: ``h'..'`` bytes, quoted text, ``null``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, bytes):
        return f"h'{value.hex()}'"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def diagnostic(value: object, *, multiline: bool = False) -> str:
    """RFC 8949 section 8 diagnostic notation of a decoded profile value.

    With ``multiline`` the top-level array or map puts one element per line.
    """
    if isinstance(value, tuple | list):
        items = [diagnostic(v) for v in value]
        brackets = "[]"
    elif isinstance(value, Mapping):
        items = [f"{diagnostic(k)}: {diagnostic(v)}" for k, v in value.items()]
        brackets = "{}"
    else:
        return diag_literal(value)
    if multiline and items:
        return brackets[0] + "\n" + ",\n".join("  " + i for i in items) + "\n" + brackets[1]
    return brackets[0] + ", ".join(items) + brackets[1]
