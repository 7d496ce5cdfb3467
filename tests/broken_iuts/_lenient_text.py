"""Lenient readings of the profile's text rules, applied where the reference opens an envelope.

Each broken IUT of this family is the reference with one rule of
``spec/v1/prose/encoding.md`` read the common wrong way; the envelope is the
message every frame starts with, so that is where the defect is applied.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

import reference.envelope
from spec.v1 import errors as E
from spec.v1.envelope import Envelope

Check = Callable[[type[Any], Any, str], Any]


def text_constraints(model: type[Any]) -> dict[str, tuple[int | None, str | None]]:
    """Field name -> (max_length, pattern) of the model's text fields."""
    found: dict[str, tuple[int | None, str | None]] = {}
    for name, info in model.model_fields.items():
        if info.annotation is not str:
            continue
        longest = pattern = None
        for meta in info.metadata:
            longest = getattr(meta, "max_length", longest)
            pattern = getattr(meta, "pattern", pattern)
        found[name] = (longest, pattern)
    return found


def patch_envelope(wrap: Callable[[Check], Check]) -> None:
    """Replace the reference's envelope check with ``wrap`` of it."""
    reference.envelope.from_value = wrap(reference.envelope.from_value)  # type: ignore[assignment]


def counting_bytes(check: Check) -> Check:
    """Text bounds counted in UTF-8 bytes instead of characters."""

    def checked(model: type[Any], value: Any, path: str = "") -> Any:
        if model is Envelope and isinstance(value, Mapping):
            for name, (longest, _) in text_constraints(model).items():
                text = value.get(name)
                too_long = longest is not None and len(str(text).encode("utf-8")) > longest
                if isinstance(text, str) and too_long:
                    raise E.PeerMarketError(E.DECODE_OUT_OF_RANGE, name, "too many bytes")
        return check(model, value, path)

    return checked


def dollar_before_newline(check: Check) -> Check:
    """Patterns matched with Python's ``re.match``, whose ``$`` matches before a final newline."""

    def checked(model: type[Any], value: Any, path: str = "") -> Any:
        if model is Envelope and isinstance(value, Mapping):
            loose = {}
            for name, (_, pattern) in text_constraints(model).items():
                text = value.get(name)
                newline = isinstance(text, str) and text.endswith("\n")
                if newline and pattern and re.match(pattern, text):
                    loose[name] = text
            if loose:
                fixed = {**value, **{name: text[:-1] for name, text in loose.items()}}
                return check(model, fixed, path).model_copy(update=loose)
        return check(model, value, path)

    return checked


def stripping_bom(check: Check) -> Check:
    """A UTF-8 decoder that drops a leading byte order mark from every text."""

    def checked(model: type[Any], value: Any, path: str = "") -> Any:
        if model is Envelope and isinstance(value, Mapping):
            value = {
                k: v[1:] if isinstance(v, str) and v.startswith("\ufeff") else v
                for k, v in value.items()
            }
        return check(model, value, path)

    return checked


def pattern_before_bound(check: Check) -> Check:
    """A text's pattern checked before its length bound (the profile checks the bound first)."""

    def checked(model: type[Any], value: Any, path: str = "") -> Any:
        if model is Envelope and isinstance(value, Mapping):
            for name, (_, pattern) in text_constraints(model).items():
                text = value.get(name)
                if isinstance(text, str) and pattern and not re.fullmatch(pattern, text):
                    raise E.PeerMarketError(E.DECODE_BAD_VALUE, name, "pattern")
        return check(model, value, path)

    return checked
