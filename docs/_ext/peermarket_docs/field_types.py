"""What a model's fields are on the wire: CBOR type, bounds, pattern and meaning.

Read from the pydantic annotations (``Annotated`` constraints) and from the
attribute docstrings in the source, so the message reference cannot drift
from the models.
"""

from __future__ import annotations

import ast
import enum
import inspect
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from peermarket_docs.diagnostic import diag_literal
from peermarket_docs.pysource import attribute_docs, source_tree


@dataclass(frozen=True)
class FieldDoc:
    """What the message reference says about one field."""

    name: str
    declared: str
    """The annotation as written in the source, e.g. ``NodeId``."""
    cbor_type: str
    bounds: str
    pattern: str | None
    doc: str


def field_docstrings(model: type[BaseModel]) -> dict[str, tuple[str, str]]:
    """Each field's declared annotation and attribute docstring, base classes first."""
    found: dict[str, tuple[str, str]] = {}
    for klass in reversed(model.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, BaseModel)) or klass is BaseModel:
            continue
        tree = source_tree(klass)
        if tree is None:
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == klass.__name__:
                found.update(attribute_docs(stmt.body))
    return found


def constraints(metadata: Iterable[Any]) -> dict[str, Any]:
    """ge/gt/le/lt/min_length/max_length/pattern from annotated-types or pydantic metadata."""
    out: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            out.update(constraints(item.metadata))
            continue
        for key in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern"):
            value = getattr(item, key, None)
            if value is not None:
                out[key] = value
    return out


def _number(n: int) -> str:
    for power in range(16, 129):
        if n == 2**power - 1:
            return f"2^{power}-1"
        if n == 2**power:
            return f"2^{power}"
    return str(n)


def bounds_text(base: Any, c: Mapping[str, Any]) -> str:
    """The constraints ``c`` on a ``base`` value in words; large powers of two as ``2^n``."""
    if base is int:
        lo = c.get("ge", c["gt"] + 1 if "gt" in c else None)
        hi = c.get("le", c["lt"] - 1 if "lt" in c else None)
        if lo is not None and hi is not None:
            return f"{_number(lo)} to {_number(hi)}"
        if lo is not None:
            return f"at least {_number(lo)}"
        if hi is not None:
            return f"at most {_number(hi)}"
        return ""
    unit = {bytes: "bytes", str: "characters"}.get(base, "elements")
    lo, hi = c.get("min_length"), c.get("max_length")
    if lo is not None and lo == hi:
        return f"exactly {lo} {unit}"
    if lo and hi is not None:
        return f"{lo} to {hi} {unit}"
    if hi is not None:
        return f"at most {hi} {unit}"
    if lo:
        return f"at least {lo} {unit}"
    return ""


def cbor_type(tp: Any) -> str:
    """The CBOR-level type of a Python annotation, e.g. ``array of bstr (exactly 16 bytes)``."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(tp)
        inner = cbor_type(base)
        bounds = bounds_text(base, constraints(metadata))
        return f"{inner} ({bounds})" if bounds else inner
    if origin in (typing.Union, types.UnionType):
        return " or ".join(cbor_type(arg) for arg in typing.get_args(tp))
    if origin is typing.Literal:
        return " or ".join(diag_literal(arg) for arg in typing.get_args(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"array of {cbor_type(args[0])}"
        return "array [" + ", ".join(cbor_type(arg) for arg in args) + "]"
    if origin in (list, Sequence):
        (arg,) = typing.get_args(tp)
        return f"array of {cbor_type(arg)}"
    if tp is type(None):
        return "null"
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is bytes:
        return "bstr"
    if tp is str:
        return "tstr"
    if inspect.isclass(tp) and issubclass(tp, BaseModel):
        return f"map ({tp.__name__})"
    if inspect.isclass(tp) and issubclass(tp, enum.Enum):
        return " or ".join(diag_literal(member.value) for member in tp)
    return getattr(tp, "__name__", str(tp))


def model_fields(model: type[BaseModel]) -> list[FieldDoc]:
    """Every field of a model in declaration order (the order the reference reports errors)."""
    docs = field_docstrings(model)
    out: list[FieldDoc] = []
    for name, info in model.model_fields.items():
        declared, doc = docs.get(name, ("", ""))
        c = constraints(info.metadata)
        base = info.annotation
        kind = cbor_type(base)
        if base is int and c.get("ge", c.get("gt", -1)) >= 0:
            kind = "uint"
        out.append(
            FieldDoc(
                name=name,
                declared=declared,
                cbor_type=kind,
                bounds=bounds_text(base, c),
                pattern=c.get("pattern"),
                doc=doc or (info.description or ""),
            )
        )
    return out


def nested_parts(models: Iterable[type[BaseModel]]) -> list[type[BaseModel]]:
    """Models used as field types that are not in ``models`` themselves (message parts)."""
    seen = list(models)
    parts: list[type[BaseModel]] = []

    def walk(tp: Any) -> Iterator[type[BaseModel]]:
        if inspect.isclass(tp) and issubclass(tp, BaseModel):
            yield tp
        for arg in typing.get_args(tp):
            yield from walk(arg)

    queue = list(seen)
    while queue:
        model = queue.pop(0)
        for info in model.model_fields.values():
            for found in walk(info.annotation):
                if found not in seen:
                    seen.append(found)
                    parts.append(found)
                    queue.append(found)
    return parts
