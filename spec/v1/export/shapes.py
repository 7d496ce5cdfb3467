"""What a wire model's fields may hold, read from their annotations into a closed set of shapes.

Both schema languages are rendered from this one reading, so they state the
same bounds. The set is closed on purpose: an annotation it does not know
(a float, a list, a dict, an enum, a constraint such as ``multiple_of`` on
an unbounded integer) raises :class:`ExportError` instead of exporting a
schema that is silently wrong.
"""

import ast
import functools
import inspect
import re
import textwrap
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Final, Literal, TypeAlias, Union

import annotated_types as at
from pydantic import BaseModel, Strict
from pydantic.fields import FieldInfo

from spec.v1.base import WireModel


class ExportError(Exception):
    """A model uses something the schema export cannot state exactly."""


LiteralValue: TypeAlias = str | int | bool | None


MAX_MULTIPLES: Final = 64
"""Most values an integer with a ``multiple_of`` may take: CDDL has no modulo, so the CDDL
export lists them, and the constraint is refused unless both bounds make the list short."""


@dataclass(frozen=True)
class Int:
    """An integer, optionally bounded (inclusive), optionally a multiple of a positive integer
    (then bounded on both sides, with at most :data:`MAX_MULTIPLES` values)."""

    ge: int | None = None
    le: int | None = None
    multiple_of: int | None = None

    def multiples(self) -> tuple[int, ...]:
        """Every value a ``multiple_of`` integer may take, ascending (``()`` without one)."""
        if self.multiple_of is None:
            return ()
        assert self.ge is not None and self.le is not None
        first = -(-self.ge // self.multiple_of) * self.multiple_of
        return tuple(range(first, self.le + 1, self.multiple_of))


@dataclass(frozen=True)
class Bytes:
    """A byte string of ``min_len..max_len`` bytes."""

    min_len: int = 0
    max_len: int | None = None


@dataclass(frozen=True)
class Text:
    """A text string of ``min_len..max_len`` characters (code points), optionally matching a
    pattern (unanchored search, as pydantic applies it)."""

    min_len: int = 0
    max_len: int | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class Bool:
    """``true`` or ``false``."""


@dataclass(frozen=True)
class Null:
    """``None`` in Python, null in CBOR and JSON."""


@dataclass(frozen=True)
class Const:
    """One of a few literal values (``typing.Literal``)."""

    values: tuple[LiteralValue, ...]


@dataclass(frozen=True)
class Array:
    """``tuple[X, ...]``: any number of items of one shape, within bounds."""

    item: "Shape"
    min_len: int = 0
    max_len: int | None = None


@dataclass(frozen=True)
class Tuple:
    """``tuple[X, Y]``: a fixed number of items, one shape each."""

    items: tuple["Shape", ...]


@dataclass(frozen=True)
class Model:
    """A nested wire model (a CBOR map of its own)."""

    model: type[WireModel]


@dataclass(frozen=True)
class Choice:
    """Any one of several shapes (``X | Y``; ``X | None`` for optional values)."""

    options: tuple["Shape", ...]


Shape: TypeAlias = Int | Bytes | Text | Bool | Null | Const | Array | Tuple | Model | Choice


@dataclass(frozen=True)
class Member:
    """One field of a model: its name (the map key), shape and docstring."""

    name: str
    shape: Shape
    doc: str | None


@functools.cache
def members(model: type[WireModel]) -> tuple[Member, ...]:
    """The fields of ``model`` in declaration order, or :class:`ExportError`."""
    _check_model(model)
    shapes = []
    for name, info in model.model_fields.items():
        where = f"{model.__name__}.{name}"
        if info.alias not in (None, name) or info.serialization_alias not in (None, name):
            raise ExportError(f"{where}: aliases are not supported (the field name is the key)")
        if info.exclude:
            raise ExportError(f"{where}: excluded fields are not supported (never on the wire)")
        if info.annotation is None:
            raise ExportError(f"{where}: field has no annotation")
        shapes.append((name, shape_of(info.annotation, info.metadata, where), info.description))
    docs = field_docs(model)
    return tuple(Member(name, shape, doc or docs.get(name)) for name, shape, doc in shapes)


def reachable_models(roots: Iterable[type[WireModel]]) -> tuple[type[WireModel], ...]:
    """``roots`` and every model nested in them, each once, in discovery order."""
    seen: dict[type[WireModel], None] = {}
    pending = list(roots)
    while pending:
        model = pending.pop(0)
        if model in seen:
            continue
        seen[model] = None
        for member in members(model):
            pending.extend(_models_in(member.shape))
    return tuple(seen)


def _models_in(shape: Shape) -> Iterator[type[WireModel]]:
    if isinstance(shape, Model):
        yield shape.model
    elif isinstance(shape, Array):
        yield from _models_in(shape.item)
    elif isinstance(shape, Tuple | Choice):
        for inner in shape.items if isinstance(shape, Tuple) else shape.options:
            yield from _models_in(inner)


def _check_model(model: type[WireModel]) -> None:
    config = model.model_config
    name = model.__name__
    if config.get("extra") != "forbid" or not config.get("strict"):
        raise ExportError(f"{name}: a wire model must be strict with extra='forbid'")
    if config.get("ser_json_bytes") != "hex" or config.get("val_json_bytes") != "hex":
        raise ExportError(f"{name}: the JSON export assumes bytes render as hex")
    if model.model_computed_fields:
        raise ExportError(f"{name}: computed fields are not supported (they are not decodable)")


def shape_of(annotation: object, metadata: Iterable[object], where: str) -> Shape:
    """The shape of one annotation plus the constraints pydantic attached to it."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *extra = typing.get_args(annotation)
        return shape_of(base, [*metadata, *extra], where)
    bounds = _constraints(metadata, where)
    if annotation is int:
        _only(bounds, where, "ge", "le", "multiple_of")
        return _int(_pop(bounds, "ge"), _pop(bounds, "le"), _pop(bounds, "multiple_of"), where)
    if annotation is bytes:
        _only(bounds, where, "min_len", "max_len")
        return Bytes(_pop(bounds, "min_len") or 0, _pop(bounds, "max_len"))
    if annotation is str:
        _only(bounds, where, "min_len", "max_len", "pattern")
        pattern = bounds.pop("pattern", None)
        assert pattern is None or isinstance(pattern, str)
        return Text(_pop(bounds, "min_len") or 0, _pop(bounds, "max_len"), pattern)
    if origin is tuple:
        return _tuple(annotation, bounds, where)
    _only(bounds, where)
    if annotation is bool:
        return Bool()
    if annotation is None or annotation is type(None):
        return Null()
    if origin is Literal:
        return Const(tuple(_literal(value, where) for value in typing.get_args(annotation)))
    if origin is Union or origin is types.UnionType:
        options: list[Shape] = []
        for arg in typing.get_args(annotation):
            inner = shape_of(arg, (), where)
            options.extend(inner.options if isinstance(inner, Choice) else [inner])
        return Choice(tuple(options))
    if isinstance(annotation, type) and issubclass(annotation, WireModel):
        return Model(annotation)
    raise ExportError(
        f"{where}: cannot export annotation {annotation!r}; supported are int, bool, bytes, str, "
        "None, Literal, unions, tuple[X, ...], tuple[X, Y] and WireModel subclasses"
    )


def _int(ge: int | None, le: int | None, multiple_of: int | None, where: str) -> Int:
    shape = Int(ge, le, multiple_of)
    if multiple_of is None:
        return shape
    if ge is None or le is None:
        raise ExportError(f"{where}: multiple_of={multiple_of} needs both bounds (ge and le)")
    count = len(shape.multiples())
    if not 0 < count <= MAX_MULTIPLES:
        raise ExportError(
            f"{where}: multiple_of={multiple_of} within {ge}..{le} allows {count} values; "
            f"the export states 1 to {MAX_MULTIPLES}"
        )
    return shape


def _tuple(annotation: object, bounds: dict[str, object], where: str) -> Shape:
    args = typing.get_args(annotation)
    if len(args) == 2 and args[1] is Ellipsis:
        _only(bounds, where, "min_len", "max_len")
        item = shape_of(args[0], (), f"{where}[]")
        return Array(item, _pop(bounds, "min_len") or 0, _pop(bounds, "max_len"))
    _only(bounds, where)
    if args == ((),):  # tuple[()]
        return Tuple(())
    if not args:
        raise ExportError(f"{where}: bare tuple has no item type")
    return Tuple(tuple(shape_of(arg, (), f"{where}[{i}]") for i, arg in enumerate(args)))


def _literal(value: object, where: str) -> LiteralValue:
    if value is None or type(value) in (str, int, bool):
        return typing.cast(LiteralValue, value)
    raise ExportError(f"{where}: Literal value {value!r} is not a str, int, bool or None")


def _flatten(metadata: Iterable[object]) -> Iterator[object]:
    for item in metadata:
        if isinstance(item, FieldInfo):
            if item.alias is not None:
                raise ExportError("aliases are not supported (the field name is the key)")
            yield from _flatten(item.metadata)
        elif isinstance(item, at.GroupedMetadata):
            yield from _flatten(iter(item))
        else:
            yield item


def _constraints(metadata: Iterable[object], where: str) -> dict[str, object]:
    """Fold pydantic / annotated-types metadata into ge, le, multiple_of, min_len, max_len and
    pattern."""
    found: dict[str, object] = {}
    for item in _flatten(metadata):
        if isinstance(item, Strict):
            if not item.strict:
                raise ExportError(
                    f"{where}: Strict(False) is not supported (wire models are strict)"
                )
        elif isinstance(item, at.Ge | at.Gt | at.Le | at.Lt):
            _integer_bound(item, found, where)
        elif isinstance(item, at.MultipleOf):
            if type(item.multiple_of) is not int or item.multiple_of < 1:
                raise ExportError(f"{where}: {item!r} is not a positive integer multiple")
            found["multiple_of"] = item.multiple_of
        elif isinstance(item, at.MinLen):
            found["min_len"] = item.min_length
        elif isinstance(item, at.MaxLen):
            found["max_len"] = item.max_length
        elif type(item).__name__ == "_PydanticGeneralMetadata":
            for key, value in vars(item).items():
                if key == "pattern" and value is not None:
                    found["pattern"] = _pattern(value, where)
                elif value is not None and not (key == "strict" and value is True):
                    raise ExportError(f"{where}: constraint {key}={value!r} is not supported")
        else:
            raise ExportError(f"{where}: constraint {item!r} is not supported")
    return found


def _integer_bound(item: object, found: dict[str, object], where: str) -> None:
    """Store a Ge/Gt/Le/Lt as an inclusive integer ``ge`` or ``le``."""
    for kind, key, attr, shift in _BOUND_KINDS:
        if isinstance(item, kind):
            value = getattr(item, attr)
            if type(value) is not int:
                raise ExportError(f"{where}: bound {item!r} is not an integer")
            found[key] = value + shift
            return


_BOUND_KINDS: Final = (
    (at.Ge, "ge", "ge", 0),
    (at.Gt, "ge", "gt", 1),
    (at.Le, "le", "le", 0),
    (at.Lt, "le", "lt", -1),
)


def _pattern(value: object, where: str) -> str:
    if isinstance(value, re.Pattern):
        if value.flags & ~re.UNICODE:
            raise ExportError(f"{where}: regex flags are not supported in patterns")
        value = value.pattern
    if not isinstance(value, str):
        raise ExportError(f"{where}: pattern {value!r} is not text")
    return value


def _only(bounds: dict[str, object], where: str, *allowed: str) -> None:
    """Refuse constraints that the annotation's type cannot carry."""
    unexpected = sorted(set(bounds) - set(allowed))
    if unexpected:
        raise ExportError(f"{where}: constraints {unexpected} do not apply to this type")


def _pop(bounds: dict[str, object], key: str) -> int | None:
    value = bounds.pop(key, None)
    assert value is None or isinstance(value, int)
    return value


def field_docs(model: type[BaseModel]) -> dict[str, str]:
    """Attribute docstrings (the string literal under each field), base classes first.

    Read from the source, as pydantic's ``use_attribute_docstrings`` does, so the
    schemas carry the spec's field descriptions whatever the model config says.
    """
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        if not inspect.get_annotations(cls):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(cls))
        except (OSError, TypeError) as exc:
            raise ExportError(f"{cls.__name__}: source unavailable for field docs: {exc}") from exc
        tree = ast.parse(source)
        node = tree.body[0]
        if not isinstance(node, ast.ClassDef):
            raise ExportError(f"{cls.__name__}: source does not start with its class definition")
        for stmt, after in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[stmt.target.id] = inspect.cleandoc(after.value.value)
    return docs
