"""Sphinx directives that render the PeerMarket spec site from ``spec/`` itself.

Nothing on the generated pages is copied by hand: the error table comes from
``spec.v1.errors.ERROR_CODES``; the message reference from the pydantic
models of ``spec.v1.registry`` (``ALL_MODELS``, and the ``MESSAGES``,
``COMMANDS``, ``PARAMS`` and ``OBSERVABLE`` maps where they exist), with
field docs read from the attribute docstrings in the source; machine
diagrams from any ``MachineTable`` given by import path; the CLI page from
the click commands; and the worked envelope example from the reference
implementation at build time.

Directives (MyST syntax shown)::

    ```{peermarket-errors}
    ```
    ```{peermarket-value-types}
    ```
    ```{peermarket-messages}
    ```
    ```{peermarket-machine} dotted.path.to.TABLE
    :no-doc:
    ```
    ```{peermarket-cli}
    ```
    ```{peermarket-envelope-example}
    ```

The ``*_sections`` / ``*_nodes`` functions are pure (no Sphinx application
needed), so tests can call them directly.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import re
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import click
from docutils import nodes
from docutils.parsers.rst import directives
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain
from sphinx.util.docutils import SphinxDirective
from sphinxcontrib.mermaid import mermaid

from spec.v1 import errors as spec_errors
from spec.v1.machine import MachineTable

REPO_ROOT = Path(__file__).resolve().parents[2]

Cell: typing.TypeAlias = str | nodes.Node | Sequence[nodes.Node]

# ---------------------------------------------------------------- node helpers


def _inline(text: str) -> list[nodes.Node]:
    """Plain text with ``code``, `code` and :role:`code` rendered as literals."""
    out: list[nodes.Node] = []
    pos = 0
    for match in re.finditer(r"(?::[a-z:]+:)?``?([^`]+)``?", text):
        if match.start() > pos:
            out.append(nodes.Text(text[pos : match.start()]))
        out.append(nodes.literal(text=match.group(1).lstrip("~")))
        pos = match.end()
    if pos < len(text):
        out.append(nodes.Text(text[pos:]))
    return out


def _para(*children: nodes.Node | str) -> nodes.paragraph:
    para = nodes.paragraph()
    for child in children:
        para += nodes.Text(child) if isinstance(child, str) else child
    return para


def _paras(doc: str) -> list[nodes.Node]:
    """A docstring as paragraphs (blank lines separate them)."""
    text = inspect.cleandoc(doc)
    return [_para(*_inline(" ".join(p.split()))) for p in re.split(r"\n\s*\n", text) if p.strip()]


def _lit(text: str) -> nodes.literal:
    return nodes.literal(text=text)


def _cell(value: Cell) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(value, str):
        entry += _para(value) if value else nodes.paragraph()
    elif isinstance(value, nodes.Node):
        entry += value if not isinstance(value, nodes.Inline | nodes.Text) else _para(value)
    else:
        entry += _para(*value)
    return entry


def _table(
    headers: Sequence[str],
    rows: Iterable[tuple[Sequence[Cell], str | None]],
    widths: Sequence[int],
    classes: Sequence[str] = (),
) -> nodes.table:
    """A docutils table; each row is (cells, optional anchor id)."""
    table = nodes.table(classes=["peermarket-table", *classes])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    row = nodes.row()
    for header in headers:
        row += _cell(header)
    head += row
    group += head
    body = nodes.tbody()
    for cells, anchor in rows:
        row = nodes.row(ids=[anchor] if anchor else [])
        for value in cells:
            row += _cell(value)
        body += row
    group += body
    return table


def _section(anchor: str, *title: nodes.Node | str) -> nodes.section:
    section = nodes.section(ids=[anchor], names=[anchor])
    heading = nodes.title()
    for part in title:
        heading += nodes.Text(part) if isinstance(part, str) else part
    section += heading
    return section


def _literal_block(text: str, language: str = "text") -> nodes.literal_block:
    block = nodes.literal_block(text, text)
    block["language"] = language
    return block


# ---------------------------------------------------------------- error codes

CATEGORY_BLURBS: Mapping[str, str] = {
    "decode": "The frame is not a well-formed item of the CBOR profile, or does not match "
    "its message schema.",
    "envelope": "Well-formed, but not addressed to anything this spec (or this receiver) defines.",
    "auth": "The sender is not who the envelope claims.",
    "replay": "Authentic, but not fresh.",
    "machine": "A valid message that the protocol state does not allow now.",
    "engine": "The implementation broke its own table: a bug, never the peer's fault. "
    "Never expected by a conformance trace.",
}
"""One line per category. A category missing here still renders, without a blurb."""


def error_anchor(code: str) -> str:
    """The HTML anchor of an error code's row, e.g. ``error-decode-too-large``."""
    return "error-" + str(nodes.make_id(code))


def errors_by_category(
    codes: Iterable[spec_errors.ErrorCode] = spec_errors.ERROR_CODES,
) -> list[tuple[str, list[spec_errors.ErrorCode]]]:
    """Codes grouped by category, categories and codes in taxonomy order."""
    groups: dict[str, list[spec_errors.ErrorCode]] = {}
    for code in codes:
        groups.setdefault(code.category, []).append(code)
    return list(groups.items())


def error_sections(
    codes: Iterable[spec_errors.ErrorCode] = spec_errors.ERROR_CODES,
) -> list[nodes.Node]:
    """One section per category, each with a code / summary / detail table."""
    out: list[nodes.Node] = []
    for category, members in errors_by_category(codes):
        section = _section(f"errors-{nodes.make_id(category)}", _lit(category))
        if category in CATEGORY_BLURBS:
            section += _para(CATEGORY_BLURBS[category])
        rows = (
            (
                [_para(_lit(code.code)), _para(*_inline(code.summary)), code.detail],
                error_anchor(code.code),
            )
            for code in members
        )
        section += _table(["code", "summary", "detail"], rows, [26, 32, 42], ["peermarket-errors"])
        out.append(section)
    return out


# ---------------------------------------------------------------- message models


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


def _source_tree(obj: Any) -> ast.Module | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(obj)))
    except (OSError, TypeError):
        return None


def _attribute_docs(body: Sequence[ast.stmt]) -> dict[str, tuple[str, str]]:
    """``name -> (annotation source, docstring)`` for ``name: T`` / ``name = T`` + docstring."""
    found: dict[str, tuple[str, str]] = {}
    for stmt, after in zip(body, [*body[1:], None], strict=True):
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name, annotation = stmt.target.id, ast.unparse(stmt.annotation)
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            name, annotation = stmt.targets[0].id, ast.unparse(stmt.value)
        else:
            continue
        doc = ""
        if (
            isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            doc = inspect.cleandoc(after.value.value)
        found[name] = (annotation, doc)
    return found


def field_docstrings(model: type[BaseModel]) -> dict[str, tuple[str, str]]:
    """Each field's declared annotation and attribute docstring, base classes first."""
    found: dict[str, tuple[str, str]] = {}
    for klass in reversed(model.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, BaseModel)) or klass is BaseModel:
            continue
        tree = _source_tree(klass)
        if tree is None:
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == klass.__name__:
                found.update(_attribute_docs(stmt.body))
    return found


def _constraints(metadata: Iterable[Any]) -> dict[str, Any]:
    """ge/gt/le/lt/min_length/max_length/pattern from annotated-types or pydantic metadata."""
    out: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            out.update(_constraints(item.metadata))
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


def _bounds(base: Any, c: Mapping[str, Any]) -> str:
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


def _diag_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, bytes):
        return f"h'{value.hex()}'"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def cbor_type(tp: Any) -> str:
    """The CBOR-level type of a Python annotation, e.g. ``array of bstr (exactly 16 bytes)``."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(tp)
        inner = cbor_type(base)
        bounds = _bounds(base, _constraints(metadata))
        return f"{inner} ({bounds})" if bounds else inner
    if origin in (typing.Union, types.UnionType):
        return " or ".join(cbor_type(arg) for arg in typing.get_args(tp))
    if origin is typing.Literal:
        return " or ".join(_diag_literal(arg) for arg in typing.get_args(tp))
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
        return " or ".join(_diag_literal(member.value) for member in tp)
    return getattr(tp, "__name__", str(tp))


def model_fields(model: type[BaseModel]) -> list[FieldDoc]:
    """Every field of a model in declaration order (the order the reference reports errors)."""
    docs = field_docstrings(model)
    out: list[FieldDoc] = []
    for name, info in model.model_fields.items():
        declared, doc = docs.get(name, ("", ""))
        c = _constraints(info.metadata)
        base = info.annotation
        kind = cbor_type(base)
        if base is int and c.get("ge", c.get("gt", -1)) >= 0:
            kind = "uint"
        out.append(
            FieldDoc(
                name=name,
                declared=declared,
                cbor_type=kind,
                bounds=_bounds(base, c),
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


def _value_type_names() -> dict[str, str]:
    """Names of the value types of ``spec.v1.types`` -> their anchors."""
    from spec.v1 import types as value_types

    tree = _source_tree(value_types) or ast.Module(body=[], type_ignores=[])
    return {
        name: "type-" + nodes.make_id(name)
        for name in _attribute_docs(tree.body)
        if typing.get_origin(getattr(value_types, name, None)) is typing.Annotated
    }


def _own_doc(obj: type) -> str:
    doc = obj.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def _field_table(model: type[BaseModel], type_anchors: Mapping[str, str]) -> nodes.table:
    rows = []
    for f in model_fields(model):
        kind: list[nodes.Node] = [_lit(f.cbor_type)]
        if f.declared in type_anchors:
            ref = nodes.reference("", "", internal=True, refid=type_anchors[f.declared])
            ref += nodes.Text(f.declared)
            kind += [nodes.Text(" ("), ref, nodes.Text(")")]
        bounds: list[nodes.Node] = [nodes.Text(f.bounds)] if f.bounds else []
        if f.pattern:
            bounds += [nodes.Text("; " if bounds else ""), nodes.Text("matches "), _lit(f.pattern)]
        rows.append(([_para(_lit(f.name)), kind, bounds or "", _para(*_inline(f.doc))], None))
    return _table(
        ["field", "CBOR type", "bounds", "meaning"], rows, [16, 26, 22, 36], ["peermarket-fields"]
    )


def message_anchor(model: type[BaseModel]) -> str:
    return "message-" + str(nodes.make_id(model.__name__))


def _model_section(
    model: type[BaseModel], title: Sequence[nodes.Node | str], type_anchors: Mapping[str, str]
) -> nodes.section:
    section = _section(message_anchor(model), *title)
    section.extend(_paras(_own_doc(model)))
    if model.model_fields:
        section += _field_table(model, type_anchors)
    else:
        section += _para("No fields: the empty map ", _lit("a0"), ".")
    return section


def _registry_docs() -> dict[str, str]:
    """The attribute docstrings of ``spec.v1.registry`` (``MESSAGES``, ``COMMANDS``, ...)."""
    from spec.v1 import registry

    tree = _source_tree(registry)
    return {name: doc for name, (_, doc) in _attribute_docs(tree.body if tree else []).items()}


def _registered(name: str) -> Mapping[Any, type[BaseModel]]:
    from spec.v1 import registry

    found = getattr(registry, name, None)
    return found if isinstance(found, Mapping) else {}


def message_sections(models: Sequence[type[BaseModel]] | None = None) -> list[nodes.Node]:
    """Every model of the wire and of the driver, grouped by protocol.

    First each model of ``ALL_MODELS`` that no protocol registers (the
    envelope); then, per protocol, its messages (``MESSAGES``), commands
    (``COMMANDS``), node parameters (``PARAMS``) and observable state
    (``OBSERVABLE``), whichever the registry defines; then the message parts
    those models use.
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

    messages = _registered("MESSAGES")
    commands = _registered("COMMANDS")
    params = _registered("PARAMS")
    observable = _registered("OBSERVABLE")
    protocols = sorted(
        {p for p, _ in messages} | {p for p, _ in commands} | set(params) | set(observable)
    )
    in_protocols = {*messages.values(), *commands.values(), *params.values(), *observable.values()}
    for model in models:
        if model not in in_protocols:
            out.append(model_section(model, model.__name__))

    for protocol in protocols:
        section = _section(f"protocol-{nodes.make_id(protocol)}", "Protocol ", _lit(protocol))
        module = next(
            (sys.modules[m.__module__] for (p, _), m in messages.items() if p == protocol), None
        )
        if module is not None and module.__doc__:
            section.extend(_paras(module.__doc__))
        for (p, type_), model in messages.items():
            if p != protocol:
                continue
            sub = model_section(model, "Message ", _lit(type_), f" ({model.__name__})")
            where = _para(
                "In an envelope with ",
                _lit(f'protocol = "{protocol}"'),
                " and ",
                _lit(f'type = "{type_}"'),
                ".",
            )
            sub.insert(1, where)
            section += sub
        for (p, name), model in commands.items():
            if p != protocol:
                continue
            sub = model_section(model, "Command ", _lit(name), f" ({model.__name__})")
            args = "Its arguments are the deterministic CBOR of this map."
            sub.insert(1, _para("A local input with trigger ", _lit(f"command:{name}"), ". ", args))
            section += sub
        if protocol in params:
            model = params[protocol]
            sub = model_section(model, f"Node parameters ({model.__name__})")
            sub.insert(1, _para(*_inline(docs.get("PARAMS", ""))))
            section += sub
        if protocol in observable:
            model = observable[protocol]
            sub = model_section(model, f"Observable state ({model.__name__})")
            sub.insert(1, _para(*_inline(docs.get("OBSERVABLE", ""))))
            section += sub
        out.append(section)

    parts = nested_parts(rendered)
    if parts:
        section = _section("message-parts", "Message parts")
        section += _para("Maps used inside the models above.")
        for part in parts:
            section += model_section(part, part.__name__)
        out.append(section)
    return out


def value_type_nodes() -> list[nodes.Node]:
    """A section with a table of the shared value types of ``spec.v1.types``."""
    from spec.v1 import types as value_types

    tree = _source_tree(value_types)
    docs = _attribute_docs(tree.body) if tree else {}
    rows = []
    for name, anchor in _value_type_names().items():
        alias = getattr(value_types, name)
        base, *metadata = typing.get_args(alias)
        c = _constraints(metadata)
        kind = cbor_type(base)
        if base is int and c.get("ge", -1) >= 0:
            kind = "uint"
        bounds: list[nodes.Node] = [nodes.Text(_bounds(base, c))]
        if c.get("pattern"):
            bounds += [nodes.Text("; matches "), _lit(c["pattern"])]
        rows.append(
            ([_para(_lit(name)), _para(_lit(kind)), bounds, _para(*_inline(docs[name][1]))], anchor)
        )
    section = _section("value-types", "Value types")
    section += _para(
        "Named types shared by every protocol (",
        _lit("spec/v1/types.py"),
        "). The message tables below name them where a field uses one.",
    )
    headers = ["type", "CBOR type", "bounds", "meaning"]
    section += _table(headers, rows, [16, 12, 30, 42], ["peermarket-types"])
    return [section]


# ---------------------------------------------------------------- machine tables


def _resolve(path: str) -> tuple[Any, types.ModuleType, str]:
    """``package.module.NAME`` or ``package.module:NAME`` -> (object, module, ``NAME``)."""
    if ":" in path:
        module_name, _, attr_path = path.partition(":")
        candidates = [(module_name, attr_path.split("."))]
    else:
        parts = path.split(".")
        candidates = [(".".join(parts[:cut]), parts[cut:]) for cut in range(len(parts) - 1, 0, -1)]
    for module_name, attrs in candidates:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        obj: Any = module
        for attr in attrs:
            obj = getattr(obj, attr)
        return obj, module, attrs[0]
    raise ImportError(f"cannot import {path!r}")


def import_object(path: str) -> Any:
    """``package.module.NAME`` or ``package.module:NAME`` -> the object."""
    return _resolve(path)[0]


def attribute_doc(module: types.ModuleType, name: str) -> str:
    """The docstring written under a module-level assignment ``name = ...``."""
    tree = _source_tree(module)
    return (
        _attribute_docs(tree.body)[name][1] if tree and name in _attribute_docs(tree.body) else ""
    )


def _mermaid_text(text: str) -> str:
    """Mermaid ends a transition label at ``:`` or ``;`` and a state name at ``"``."""
    return re.sub(r"[:;\"#\n]+", " ", text).strip()


def mermaid_state_diagram(table: MachineTable) -> str:
    """A mermaid ``stateDiagram-v2`` drawn from a table: one edge per row."""
    ids = {state: f"s{i}" for i, state in enumerate(table.states)}
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_mermaid_text(state)}" as {ids[state]}' for state in table.states]
    lines.append(f"    [*] --> {ids[table.initial]}")
    for row in table.transitions:
        label = f"{row.trigger.kind} {row.trigger.name}"
        if row.guard:
            label += f" [{row.guard}]"
        if row.emits:
            label += " / " + ", ".join(row.emits)
        lines.append(f"    {ids[row.source]} --> {ids[row.target]} : {_mermaid_text(label)}")
    return "\n".join(lines) + "\n"


def machine_nodes(table: MachineTable, doc: str = "") -> list[nodes.Node]:
    """The diagram and the transition table of one machine (after ``doc``, if any)."""
    states: list[nodes.Node | str] = [f"Table {table.name}: states "]
    for i, state in enumerate(table.states):
        states += [", " if i else "", _lit(state)]
    states += ["; initial state ", _lit(table.initial), "."]
    diagram = mermaid()
    diagram["code"] = mermaid_state_diagram(table)
    diagram["options"] = {}
    diagram["alt"] = f"State diagram of {table.name}"
    rows = []
    for row in table.transitions:
        emits: list[nodes.Node] = []
        for i, emit in enumerate(row.emits):
            emits += [nodes.Text(", ")] if i else []
            emits.append(_lit(emit))
        rows.append(
            (
                [
                    _para(_lit(row.id)),
                    _para(_lit(row.source)),
                    _para(_lit(row.trigger.key)),
                    _para(_lit(row.guard)) if row.guard else "always",
                    _para(_lit(row.action)) if row.action else "none",
                    _para(_lit(row.target)),
                    emits or "nothing",
                    _para(*_inline(row.note)),
                ],
                f"transition-{nodes.make_id(table.name)}-{nodes.make_id(row.id)}",
            )
        )
    headers = ["id", "source", "trigger", "guard", "action", "target", "may emit", "note"]
    widths = [12, 10, 16, 12, 12, 10, 10, 18]
    table_node = _table(headers, rows, widths, ["peermarket-machine"])
    return [*_paras(doc), _para(*states), diagram, table_node]


# ---------------------------------------------------------------- CLI and example


def _help(command: click.Command, ctx: click.Context) -> str:
    text = command.get_help(ctx)
    return text.replace(str(REPO_ROOT) + "/", "").replace(str(REPO_ROOT), ".")


def cli_sections(
    command: click.Command, name: str, parent: click.Context | None = None
) -> list[nodes.Node]:
    """``--help`` of a command and, recursively, of each of its subcommands."""
    settings: dict[str, Any] = {"terminal_width": 88, "max_content_width": 88}
    settings.update(command.context_settings)
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    path = ctx.command_path
    section = _section("cli-" + nodes.make_id(path), _lit(path))
    section += _literal_block(_help(command, ctx))
    out: list[nodes.Node] = [section]
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                out += cli_sections(sub, sub_name, ctx)
    return out


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
        return _diag_literal(value)
    if multiline and items:
        return brackets[0] + "\n" + ",\n".join("  " + i for i in items) + "\n" + brackets[1]
    return brackets[0] + ", ".join(items) + brackets[1]


def _hex_lines(data: bytes, per_line: int = 32) -> str:
    return "\n".join(data[i : i + per_line].hex() for i in range(0, len(data), per_line))


EXAMPLE_LABEL = "alice"
EXAMPLE_NONCE = bytes(range(8))
EXAMPLE_SENT_AT = 42
EXAMPLE_SEQ = 1


def envelope_example_nodes() -> list[nodes.Node]:
    """A ping sealed by the reference: seed, keys, body, signing input, signature, frame."""
    from reference import cbor
    from reference.codec import encode_message
    from reference.envelope import open_envelope, seal_envelope, signing_input
    from reference.identity import Identity, seed_from_label
    from spec.v1.wire import Ping

    who = Identity.from_label(EXAMPLE_LABEL)
    body = Ping(nonce=EXAMPLE_NONCE, sent_at=EXAMPLE_SENT_AT)
    envelope = seal_envelope(who, body, EXAMPLE_SEQ)
    frame = encode_message(envelope)
    to_sign = signing_input(envelope)
    assert open_envelope(frame).body == body, "the example must open"

    facts = [
        (f'label "{EXAMPLE_LABEL}" (UTF-8)', EXAMPLE_LABEL.encode().hex()),
        ('seed = SHA-256("peermarket/seed/" || label)', seed_from_label(EXAMPLE_LABEL).hex()),
        ("public key", who.public_key.hex()),
        ("node id = SHA-256(public key)[0:16]", who.node_id.hex()),
    ]
    out: list[nodes.Node] = [
        _para(
            "Generated by the reference implementation when this page was built. "
            "The node's seed comes from the label ",
            _lit(EXAMPLE_LABEL),
            "; it sends a ",
            _lit("wire"),
            "/",
            _lit("ping"),
            " as its message number ",
            _lit(str(EXAMPLE_SEQ)),
            ".",
        ),
        _table(
            ["item", "hex"],
            (([_para(name), _para(_lit(value))], None) for name, value in facts),
            [34, 66],
        ),
    ]
    steps = [
        ("The body: the message, encoded on its own.", encode_message(body)),
        ("The signing input: the bytes the signature covers.", to_sign),
        ("The frame: the envelope as sent on the wire.", frame),
    ]
    for caption, data in steps:
        out += [
            _para(caption),
            _literal_block(diagnostic(cbor.decode(data), multiline=True), "text"),
            _literal_block(_hex_lines(data), "text"),
        ]
    out += [
        _para("The Ed25519 signature over the signing input:"),
        _literal_block(_hex_lines(envelope.signature), "text"),
    ]
    return out


# ---------------------------------------------------------------- directives


def _module_files(*module_names: str) -> list[str]:
    files = []
    for name in module_names:
        module = sys.modules.get(name) or importlib.import_module(name)
        file = getattr(module, "__file__", None)
        if file:
            files.append(file)
    return files


class _GeneratedDirective(SphinxDirective):
    """Base: note the source files a generated page depends on, for incremental builds."""

    depends_on: tuple[str, ...] = ()

    def note_sources(self, *extra: str) -> None:
        for file in _module_files(*self.depends_on, *extra):
            self.env.note_dependency(file)

    def labelled(self, generated: list[nodes.Node]) -> list[nodes.Node]:
        """Register every generated section and anchored row as a label (``{ref}`` target)."""
        std = typing.cast(StandardDomain, self.env.get_domain("std"))
        for top in generated:
            for node in top.findall(lambda n: isinstance(n, nodes.section | nodes.row)):
                assert isinstance(node, nodes.Element)
                title = node[0].astext() if len(node) else ""
                for anchor in node["ids"]:
                    std.note_hyperlink_target(anchor, self.env.docname, anchor, title)
        return generated


class ErrorsDirective(_GeneratedDirective):
    """``peermarket-errors``: the error taxonomy, grouped by category."""

    depends_on = ("spec.v1.errors",)

    def run(self) -> list[nodes.Node]:
        self.note_sources()
        return self.labelled(error_sections())


class ValueTypesDirective(_GeneratedDirective):
    """``peermarket-value-types``: the shared value types."""

    depends_on = ("spec.v1.types",)

    def run(self) -> list[nodes.Node]:
        self.note_sources()
        return self.labelled(value_type_nodes())


class MessagesDirective(_GeneratedDirective):
    """``peermarket-messages``: every model of ``spec.v1.registry.ALL_MODELS``."""

    depends_on = ("spec.v1.registry", "spec.v1.types", "spec.v1.base")

    def run(self) -> list[nodes.Node]:
        from spec.v1 import registry

        generated = message_sections()
        modules = {m.__module__ for m in registry.ALL_MODELS}
        for name in ("MESSAGES", "COMMANDS", "PARAMS", "OBSERVABLE"):
            modules |= {m.__module__ for m in _registered(name).values()}
        self.note_sources(*sorted(modules))
        return self.labelled(generated)


class MachineDirective(_GeneratedDirective):
    """``peermarket-machine dotted.path``: diagram and table of one ``MachineTable``.

    The docstring written under the table's assignment is shown first, unless
    the ``:no-doc:`` flag is given.
    """

    required_arguments = 1
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {"no-doc": directives.flag}

    def run(self) -> list[nodes.Node]:
        path = self.arguments[0]
        try:
            table, module, attr = _resolve(path)
        except (ImportError, AttributeError) as exc:
            raise self.error(f"peermarket-machine: cannot import {path!r}: {exc}") from exc
        if not isinstance(table, MachineTable):
            raise self.error(f"peermarket-machine: {path!r} is not a MachineTable")
        self.note_sources(module.__name__)
        doc = attribute_doc(module, attr) if "no-doc" not in self.options else ""
        return self.labelled(machine_nodes(table, doc))


class CliDirective(_GeneratedDirective):
    """``peermarket-cli [dotted.path]``: ``--help`` of the command and its subcommands."""

    optional_arguments = 1
    depends_on = ("conformance.cli",)

    def run(self) -> list[nodes.Node]:
        command = import_object(self.arguments[0] if self.arguments else "conformance.cli:main")
        self.note_sources()
        return self.labelled(cli_sections(command, "peermarket"))


class EnvelopeExampleDirective(_GeneratedDirective):
    """``peermarket-envelope-example``: a worked, signed example frame."""

    depends_on = ("reference.envelope", "reference.cbor", "spec.v1.envelope", "spec.v1.wire")

    def run(self) -> list[nodes.Node]:
        self.note_sources()
        return envelope_example_nodes()


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.mermaid")
    app.add_directive("peermarket-errors", ErrorsDirective)
    app.add_directive("peermarket-value-types", ValueTypesDirective)
    app.add_directive("peermarket-messages", MessagesDirective)
    app.add_directive("peermarket-machine", MachineDirective)
    app.add_directive("peermarket-cli", CliDirective)
    app.add_directive("peermarket-envelope-example", EnvelopeExampleDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
