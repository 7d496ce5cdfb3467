"""The error reference: ``spec.v1.errors.ERROR_CODES`` as one table per category."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from docutils import nodes

from peermarket_docs.docnodes import data_table, inline, lit, para, titled_section
from spec.v1 import errors as spec_errors

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
        section = titled_section(f"errors-{nodes.make_id(category)}", lit(category))
        if category in CATEGORY_BLURBS:
            section += para(CATEGORY_BLURBS[category])
        rows = (
            (
                [para(lit(code.code)), para(*inline(code.summary)), code.detail],
                error_anchor(code.code),
            )
            for code in members
        )
        section += data_table(
            ["code", "summary", "detail"], rows, [26, 32, 42], ["peermarket-errors"]
        )
        out.append(section)
    return out
