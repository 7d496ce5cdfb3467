"""Reading Python source: attribute docstrings, and objects named by a dotted path.

Field and table docs are the string literals written under an assignment
(attribute docstrings), which Python itself does not keep, so they are read
from the source with :mod:`ast`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import types
from collections.abc import Sequence
from typing import Any


def source_tree(obj: Any) -> ast.Module | None:
    """The parsed source of a module or class; None where there is none (built-ins)."""
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(obj)))
    except (OSError, TypeError):
        return None


def attribute_docs(body: Sequence[ast.stmt]) -> dict[str, tuple[str, str]]:
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


def own_doc(obj: type) -> str:
    """A class's own docstring, never one inherited from a base class."""
    doc = obj.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def resolve(path: str) -> tuple[Any, types.ModuleType, str]:
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
    return resolve(path)[0]


def attribute_doc(module: types.ModuleType, name: str) -> str:
    """The docstring written under a module-level assignment ``name = ...``."""
    tree = source_tree(module)
    return attribute_docs(tree.body)[name][1] if tree and name in attribute_docs(tree.body) else ""
