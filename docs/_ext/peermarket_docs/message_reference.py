"""The message reference: every model of ``spec.v1.registry``, grouped by protocol.

Also the table of the shared value types of ``spec.v1.types``, which the
field tables link to where a field uses one.
"""

from __future__ import annotations

import ast
import sys
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from docutils import nodes
from pydantic import BaseModel

from peermarket_docs.docnodes import data_table, inline, lit, para, paras, titled_section
from peermarket_docs.field_types import (
    bounds_text,
    cbor_type,
    constraints,
    model_fields,
    nested_parts,
)
from peermarket_docs.pysource import attribute_docs, own_doc, source_tree


def _value_type_names() -> dict[str, str]:
    """Names of the value types of ``spec.v1.types`` -> their anchors."""
    from spec.v1 import types as value_types

    tree = source_tree(value_types) or ast.Module(body=[], type_ignores=[])
    return {
        name: "type-" + nodes.make_id(name)
        for name in attribute_docs(tree.body)
        if typing.get_origin(getattr(value_types, name, None)) is typing.Annotated
    }


def _field_table(model: type[BaseModel], type_anchors: Mapping[str, str]) -> nodes.table:
    rows = []
    for f in model_fields(model):
        kind: list[nodes.Node] = [lit(f.cbor_type)]
        if f.declared in type_anchors:
            ref = nodes.reference("", "", internal=True, refid=type_anchors[f.declared])
            ref += nodes.Text(f.declared)
            kind += [nodes.Text(" ("), ref, nodes.Text(")")]
        bounds: list[nodes.Node] = [nodes.Text(f.bounds)] if f.bounds else []
        if f.pattern:
            bounds += [nodes.Text("; " if bounds else ""), nodes.Text("matches "), lit(f.pattern)]
        rows.append(([para(lit(f.name)), kind, bounds or "", para(*inline(f.doc))], None))
    return data_table(
        ["field", "CBOR type", "bounds", "meaning"], rows, [16, 26, 22, 36], ["peermarket-fields"]
    )


def message_anchor(model: type[BaseModel]) -> str:
    """The HTML anchor of a model's section, e.g. ``message-ping``."""
    return "message-" + str(nodes.make_id(model.__name__))


def _model_section(
    model: type[BaseModel], title: Sequence[nodes.Node | str], type_anchors: Mapping[str, str]
) -> nodes.section:
    section = titled_section(message_anchor(model), *title)
    section.extend(paras(own_doc(model)))
    if model.model_fields:
        section += _field_table(model, type_anchors)
    else:
        section += para("No fields: the empty map ", lit("a0"), ".")
    return section


def _registry_docs() -> dict[str, str]:
    """The attribute docstrings of ``spec.v1.registry`` (``MESSAGES``, ``COMMANDS``, ...)."""
    from spec.v1 import registry

    tree = source_tree(registry)
    return {name: doc for name, (_, doc) in attribute_docs(tree.body if tree else []).items()}


def registered(name: str) -> Mapping[Any, type[BaseModel]]:
    """A map of ``spec.v1.registry`` by name; empty until the registry defines it."""
    from spec.v1 import registry

    found = getattr(registry, name, None)
    return found if isinstance(found, Mapping) else {}


def message_sections(models: Sequence[type[BaseModel]] | None = None) -> list[nodes.Node]:
    """Every model of the wire and of the driver, grouped by protocol.

    First each model of ``ALL_MODELS`` that no protocol registers (the
    envelope); then, per protocol, its messages (``MESSAGES``), commands
    (``COMMANDS``), node parameters (``PARAMS``) and observable state
    (``OBSERVABLE``), whichever the registry defines; then the message parts
    those models use. An upcall's argument model (``UPCALLS``) says which
    trigger it is the input of.
    """
    from spec.v1 import registry

    models = list(registry.ALL_MODELS if models is None else models)
    anchors = _value_type_names()
    docs = _registry_docs()
    out: list[nodes.Node] = []
    rendered: list[type[BaseModel]] = []

    def model_section(model: type[BaseModel], *title: nodes.Node | str) -> nodes.section:
        rendered.append(model)
        return _model_section(model, title, anchors)

    messages = registered("MESSAGES")
    commands = registered("COMMANDS")
    params = registered("PARAMS")
    observable = registered("OBSERVABLE")
    protocols = sorted(
        {p for p, _ in messages} | {p for p, _ in commands} | set(params) | set(observable)
    )
    in_protocols = {*messages.values(), *commands.values(), *params.values(), *observable.values()}
    upcall_names = {model: name for name, model in registered("UPCALLS").items()}
    for model in models:
        if model not in in_protocols:
            sub = model_section(model, model.__name__)
            if model in upcall_names:
                trigger = lit(f"upcall:{upcall_names[model]}")
                sub.insert(
                    1,
                    para(
                        "The arguments of the upcall input with trigger ",
                        trigger,
                        ", which only an application protocol run alone takes (",
                        lit("UPCALLS"),
                        "): the deterministic CBOR of this map.",
                    ),
                )
            out.append(sub)

    for protocol in protocols:
        section = titled_section(f"protocol-{nodes.make_id(protocol)}", "Protocol ", lit(protocol))
        module = next(
            (sys.modules[m.__module__] for (p, _), m in messages.items() if p == protocol), None
        )
        if module is not None and module.__doc__:
            section.extend(paras(module.__doc__))
        for (p, type_), model in messages.items():
            if p != protocol:
                continue
            sub = model_section(model, "Message ", lit(type_), f" ({model.__name__})")
            where = para(
                "In an envelope with ",
                lit(f'protocol = "{protocol}"'),
                " and ",
                lit(f'type = "{type_}"'),
                ".",
            )
            sub.insert(1, where)
            section += sub
        for (p, name), model in commands.items():
            if p != protocol:
                continue
            sub = model_section(model, "Command ", lit(name), f" ({model.__name__})")
            args = "Its arguments are the deterministic CBOR of this map."
            sub.insert(1, para("A local input with trigger ", lit(f"command:{name}"), ". ", args))
            section += sub
        if protocol in params:
            model = params[protocol]
            sub = model_section(model, f"Node parameters ({model.__name__})")
            sub.insert(1, para(*inline(docs.get("PARAMS", ""))))
            section += sub
        if protocol in observable:
            model = observable[protocol]
            sub = model_section(model, f"Observable state ({model.__name__})")
            sub.insert(1, para(*inline(docs.get("OBSERVABLE", ""))))
            section += sub
        out.append(section)

    parts = nested_parts(rendered)
    if parts:
        section = titled_section("message-parts", "Message parts")
        section += para("Maps used inside the models above.")
        for part in parts:
            section += model_section(part, part.__name__)
        out.append(section)
    return out


def value_type_nodes() -> list[nodes.Node]:
    """A section with a table of the shared value types of ``spec.v1.types``."""
    from spec.v1 import types as value_types

    tree = source_tree(value_types)
    docs = attribute_docs(tree.body) if tree else {}
    rows = []
    for name, anchor in _value_type_names().items():
        alias = getattr(value_types, name)
        base, *metadata = typing.get_args(alias)
        c = constraints(metadata)
        kind = cbor_type(base)
        if base is int and c.get("ge", -1) >= 0:
            kind = "uint"
        bounds: list[nodes.Node] = [nodes.Text(bounds_text(base, c))]
        if c.get("pattern"):
            bounds += [nodes.Text("; matches "), lit(c["pattern"])]
        rows.append(
            ([para(lit(name)), para(lit(kind)), bounds, para(*inline(docs[name][1]))], anchor)
        )
    section = titled_section("value-types", "Value types")
    section += para(
        "Named types shared by every protocol (",
        lit("spec/v1/types.py"),
        "). The message tables below name them where a field uses one.",
    )
    headers = ["type", "CBOR type", "bounds", "meaning"]
    section += data_table(headers, rows, [16, 12, 30, 42], ["peermarket-types"])
    return [section]
