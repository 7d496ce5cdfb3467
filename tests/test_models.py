"""Rules every wire model must follow, checked over every model in spec/.

They keep the encoding rules true by construction: each key fits the
one-byte-head key discipline, every field is always present on the wire, and
arrays decode into the tuples strict pydantic accepts.
"""

import importlib
import pkgutil
import typing

import pytest
from pydantic.fields import FieldInfo

import spec.v1
from spec.v1.base import WireModel


def _all_models() -> list[type[WireModel]]:
    for info in pkgutil.walk_packages(spec.v1.__path__, "spec.v1."):
        importlib.import_module(info.name)
    seen: list[type[WireModel]] = []
    stack = list(WireModel.__subclasses__())
    while stack:
        model = stack.pop()
        if model not in seen and model.__module__.startswith("spec."):
            seen.append(model)
            stack.extend(model.__subclasses__())
    return sorted(seen, key=lambda m: (m.__module__, m.__name__))


MODELS = _all_models()


def _fields() -> list[tuple[str, str, FieldInfo]]:
    return [
        (f"{m.__module__}.{m.__name__}", name, info)
        for m in MODELS
        for name, info in m.model_fields.items()
    ]


def test_models_found() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"Envelope", "Ping", "Pong", "Trace", "StepResult"} <= names


@pytest.mark.parametrize(("model", "name", "info"), _fields())
def test_field_name_fits_the_key_discipline(model: str, name: str, info: FieldInfo) -> None:
    assert name.isascii() and 1 <= len(name.encode()) <= 23, f"{model}.{name}"


@pytest.mark.parametrize(("model", "name", "info"), _fields())
def test_field_has_no_default(model: str, name: str, info: FieldInfo) -> None:
    """A default would let a decoder accept a map without the key."""
    assert info.is_required(), f"{model}.{name} has a default; every v1 field is required"


def _mentions_list(annotation: object) -> bool:
    if typing.get_origin(annotation) is list or annotation is list:
        return True
    return any(_mentions_list(arg) for arg in typing.get_args(annotation))


@pytest.mark.parametrize(("model", "name", "info"), _fields())
def test_field_uses_tuples_not_lists(model: str, name: str, info: FieldInfo) -> None:
    """The decoder yields tuples; strict pydantic refuses them for list fields."""
    assert not _mentions_list(info.annotation), f"{model}.{name} uses list[...]"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_model_is_documented(model: type[WireModel]) -> None:
    assert model.__doc__ and model.__doc__ != WireModel.__doc__, model.__name__
