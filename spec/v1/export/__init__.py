"""The machine-readable spec of v1 for other languages: JSON Schema, CDDL and registries.

:func:`render_all` returns every file's text; it writes nothing, so the
``peermarket spec export`` command (which does the I/O) and the drift test
compare exactly the same strings.
"""

from spec.v1.export.cddl import render_cddl
from spec.v1.export.json_schema import render_json_schema
from spec.v1.export.names import CDDL_FILE, JSON_DIR, json_path, rule_name
from spec.v1.export.registries import render_registries
from spec.v1.export.shapes import ExportError
from spec.v1.registry import ALL_MODELS, MESSAGES

__all__ = ["CDDL_FILE", "JSON_DIR", "ExportError", "json_path", "render_all", "rule_name"]


def render_all() -> dict[str, str]:
    """Every schema file of v1: relative path under ``spec/v1/schemas/`` to its text, sorted."""
    files = {
        json_path(model, MESSAGES): render_json_schema(model, MESSAGES) for model in ALL_MODELS
    }
    if len(files) != len(ALL_MODELS):
        raise ExportError("two models map to the same JSON Schema file")
    files[CDDL_FILE] = render_cddl(ALL_MODELS, MESSAGES)
    files.update(render_registries())
    return dict(sorted(files.items()))
