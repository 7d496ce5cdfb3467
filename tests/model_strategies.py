"""Hypothesis strategies for valid instances of any wire model, read from its field annotations.

Deliberately independent of ``spec.v1.export``: the schemas are tested
against instances built from a second reading of the same constraints.

Usage::

    from model_strategies import instances  # tests/ is on sys.path under pytest

    @given(instances(Ping))
    def test_something(ping: Ping) -> None: ...
"""

import functools
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any, Literal, TypeVar, Union

import annotated_types as at
from hypothesis import strategies as st
from pydantic import BaseModel, Strict, ValidationError
from pydantic.fields import FieldInfo

M = TypeVar("M", bound=BaseModel)

# Unbounded model integers are drawn from CBOR's range, the widest the wire can carry.
CBOR_INT_MIN = -(2**64)
CBOR_INT_MAX = 2**64 - 1


def instances(model: type[M]) -> st.SearchStrategy[M]:
    """Valid instances of ``model``, every field (defaulted ones too) drawn from its constraints."""
    return _instances(model)  # type: ignore[return-value]


@functools.cache
def _instances(model: type[BaseModel]) -> st.SearchStrategy[BaseModel]:
    fields = {
        name: values(info.annotation, info.metadata) for name, info in model.model_fields.items()
    }
    built = st.fixed_dictionaries(fields).map(lambda kwargs: _build(model, kwargs))
    return built.filter(lambda instance: instance is not None)


def _one_window(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A whole stack's two parts name one replay window size: the application takes the
    overlay's (two independent draws almost never agree, and would all be filtered)."""
    senders = kwargs["overlay"].replay_senders
    part = "auction" if "auction" in kwargs else "sla"
    return {**kwargs, part: kwargs[part].model_copy(update={"replay_senders": senders})}


def _names(kwargs: dict[str, Any], *fields: str) -> dict[str, Any]:
    """Name lists ascending and unique."""
    return {**kwargs, **{f: tuple(sorted(set(kwargs[f]))) for f in fields}}


def _description(kwargs: dict[str, Any]) -> dict[str, Any]:
    return _names(_offer(kwargs), "functions", "interfaces")


def _wanted(kwargs: dict[str, Any]) -> dict[str, Any]:
    return _names({**kwargs, "guarantees": _by_metric(kwargs["guarantees"])}, "functions")


def _negotiated(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A cfp opens an id whose nonce begins with a 0 bit."""
    neg = kwargs["neg"]
    return {**kwargs, "neg": neg[:16] + bytes((neg[16] & 0x7F,)) + neg[17:]}


def _nonce(kwargs: dict[str, Any]) -> dict[str, Any]:
    nonce = kwargs["nonce"]
    return {**kwargs, "nonce": bytes((nonce[0] & 0x7F,)) + nonce[1:]}


def _by_metric(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """Bounds or guarantees ascending by metric, one per metric."""
    return tuple(sorted({item.metric: item for item in items}.values(), key=lambda b: b.metric))


def _offer(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**kwargs, "bounds": _by_metric(kwargs["bounds"])}


def _period_and_price(kwargs: dict[str, Any], price: str) -> dict[str, Any]:
    """SLA terms: guarantees by metric, start <= end, price * units within 2^63 - 1."""
    start, end = sorted((kwargs["start"], kwargs["end"]))
    most = (2**63 - 1) // kwargs["units"]
    return {
        **kwargs,
        "guarantees": _by_metric(kwargs["guarantees"]),
        "start": start,
        "end": end,
        price: min(kwargs[price], most),
    }


def _measures(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**kwargs, "measures": _by_metric(kwargs["measures"])}


def _requirements(kwargs: dict[str, Any]) -> dict[str, Any]:
    return _period_and_price(kwargs, "max_price")


def _terms(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Also: the negotiation id begins with the consumer."""
    aligned = _period_and_price(kwargs, "unit_price")
    return {**aligned, "neg": kwargs["consumer"] + kwargs["neg"][16:]}


_ALIGN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "AuctionStackParams": _one_window,
    "SlaStackParams": _one_window,
    "Leg": lambda kwargs: _period_and_price(kwargs, "unit_price"),
    "Description": _description,
    "Wanted": _wanted,
    "Publish": lambda kwargs: _names(kwargs, "functions", "interfaces"),
    "Cfp": _negotiated,
    "Negotiate": _nonce,
    "OfferService": _offer,
    "Requirements": _requirements,
    "Terms": _terms,
    "Usage": _measures,
    "ReportUsage": _measures,
}
"""Models whose validator ties fields together: how to make a draw agree before building."""


def _build(model: type[BaseModel], kwargs: dict[str, Any]) -> BaseModel | None:
    """The instance, or ``None`` when a model validator refuses the field combination."""
    align = _ALIGN.get(model.__name__)
    if align is not None:
        kwargs = align(kwargs)
    try:
        return model(**kwargs)
    except ValidationError:
        return None


def values(annotation: Any, metadata: Iterable[Any] = ()) -> st.SearchStrategy[Any]:
    """Values of one annotation under its pydantic / annotated-types constraints."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *extra = typing.get_args(annotation)
        return values(base, (*metadata, *extra))
    found = bounds(metadata)
    low, high = found.get("min_len", 0), found.get("max_len")
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        low_int, high_int = found.get("ge", CBOR_INT_MIN), found.get("le", CBOR_INT_MAX)
        step = found.get("multiple_of")
        if step is None:
            return st.integers(low_int, high_int)
        return st.integers(-(-low_int // step), high_int // step).map(lambda k: k * step)
    if annotation is bytes:
        return st.binary(min_size=low, max_size=high)
    if annotation is str:
        if "pattern" not in found:
            return st.text(min_size=low, max_size=high)
        texts = st.from_regex(found["pattern"], fullmatch=True)
        return texts.filter(lambda s: low <= len(s) and (high is None or len(s) <= high))
    if annotation is None or annotation is type(None):
        return st.none()
    if origin is Literal:
        return st.sampled_from(typing.get_args(annotation))
    if origin is Union or origin is types.UnionType:
        return st.one_of([values(arg) for arg in typing.get_args(annotation)])
    if origin is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            items = st.lists(values(args[0]), min_size=low, max_size=high)
            return items.map(tuple)
        return st.tuples(*(values(arg) for arg in args if arg != ()))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        nested = annotation
        return st.deferred(lambda: instances(nested))  # deferred: models may nest themselves
    raise TypeError(f"no strategy for annotation {annotation!r}; extend tests/model_strategies.py")


def _flatten(metadata: Iterable[Any]) -> Iterator[Any]:
    for item in metadata:
        if isinstance(item, FieldInfo):
            yield from _flatten(item.metadata)
        elif isinstance(item, at.GroupedMetadata):
            yield from _flatten(iter(item))
        else:
            yield item


def bounds(metadata: Iterable[Any]) -> dict[str, Any]:
    """ge/le (inclusive), multiple_of, min_len/max_len and pattern, from whatever form they were
    given in.

    ``metadata`` is a ``FieldInfo.metadata`` list or the extras of an ``Annotated``.
    """
    found: dict[str, Any] = {}
    for item in _flatten(metadata):
        if isinstance(item, at.Ge):
            found["ge"] = item.ge
        elif isinstance(item, at.Gt):
            found["ge"] = typing.cast(int, item.gt) + 1
        elif isinstance(item, at.Le):
            found["le"] = item.le
        elif isinstance(item, at.Lt):
            found["le"] = typing.cast(int, item.lt) - 1
        elif isinstance(item, at.MultipleOf):
            found["multiple_of"] = item.multiple_of
        elif isinstance(item, at.MinLen):
            found["min_len"] = item.min_length
        elif isinstance(item, at.MaxLen):
            found["max_len"] = item.max_length
        elif getattr(item, "pattern", None) is not None:
            found["pattern"] = str(getattr(item.pattern, "pattern", item.pattern))
        elif not isinstance(item, Strict):
            raise TypeError(
                f"no strategy for constraint {item!r}; extend tests/model_strategies.py"
            )
    return found
