"""The exported JSON Schema and CDDL: checked in, in sync, and true to what we put on the wire.

A schema that rejects our own output is a bug, and so is one that accepts a
message the models reject: every generated instance must pass both schemas,
and every mutation of it (that the codec refuses) must fail both.
"""

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import pycddl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from model_strategies import bounds, instances
from pydantic import Field

from conformance.cli import SCHEMA_DIR, main
from reference import cbor
from reference.codec import decode_message, encode_message, to_value
from reference.envelope import seal
from reference.identity import Identity
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.envelope import Envelope
from spec.v1.export import CDDL_FILE, ExportError, json_path, render_all, rule_name
from spec.v1.export.cddl import render_cddl
from spec.v1.export.json_schema import HEX_PATTERN, json_schema
from spec.v1.export.names import envelope_rule_name
from spec.v1.export.shapes import members
from spec.v1.registry import ALL_MODELS, MESSAGES, OBSERVABLE
from spec.v1.types import U63_MAX, BasisPoints, NodeId, ShortText

# ---- the files on disk -------------------------------------------------------------------


def _export(*args: str) -> Any:
    return CliRunner().invoke(main, ["spec", "export", *args])


def test_checked_in_schemas_match_the_models() -> None:
    result = _export("--check")
    assert result.exit_code == 0, result.output


def test_export_writes_exactly_what_check_expects(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    assert _export("--out", str(out)).exit_code == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sorted(render_all())
    assert _export("--check", "--out", str(out)).exit_code == 0


@pytest.mark.parametrize("tamper", ["edit-json", "edit-cddl", "delete", "add"])
def test_check_fails_when_a_file_drifts(tmp_path: Path, tamper: str) -> None:
    out = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIR, out)
    json_file = out / json_path(Envelope)
    if tamper == "edit-json":
        text = json_file.read_text("utf-8")
        edited = text.replace('"minimum": 0', '"minimum": 1', 1)
        assert edited != text
        json_file.write_text(edited)
    elif tamper == "edit-cddl":
        cddl_file = out / CDDL_FILE
        cddl_file.write_text(cddl_file.read_text("utf-8") + "\n")
    elif tamper == "delete":
        json_file.unlink()
    else:
        (out / "json" / "stray.schema.json").write_text("{}\n")
    result = _export("--check", "--out", str(out))
    assert result.exit_code == 1, result.output
    assert "drifted" in result.output


def test_render_all_ignores_the_hash_seed() -> None:
    script = (
        "import json, sys; from spec.v1.export import render_all; "
        "json.dump(render_all(), sys.stdout)"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert json.loads(outputs[0]) == json.loads(outputs[1]) == render_all()


def test_files_are_stable_text() -> None:
    for name, text in render_all().items():
        assert text.endswith("\n") and not text.endswith("\n\n"), name
        if name.endswith(".json"):
            parsed = json.loads(text)
            assert json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text
            if name.endswith(".schema.json"):
                Draft202012Validator.check_schema(parsed)
    assert render_all()[CDDL_FILE].startswith("; PeerMarket wire format, spec version")


# ---- the corrections to pydantic's JSON Schema ------------------------------------------


class Tagged(WireModel):
    """A test model with the shapes pydantic gets wrong: a defaulted discriminator and bytes."""

    kind: Literal["tagged"] = "tagged"
    """Defaulted, yet always on the wire."""
    who: NodeId
    note: bytes | None = None


def test_json_schema_marks_every_field_required_and_shows_no_default() -> None:
    schema = json_schema(Tagged, {})
    assert schema["required"] == ["kind", "note", "who"]
    assert schema["properties"]["kind"] == {
        "const": "tagged",
        "description": "Defaulted, yet always on the wire.",
        "type": "string",
    }
    assert schema["additionalProperties"] is False


def test_json_schema_states_byte_lengths_in_hex() -> None:
    who = json_schema(Tagged, {})["properties"]["who"]
    assert who == {
        "type": "string",
        "contentEncoding": "base16",
        "pattern": HEX_PATTERN,
        "minLength": 32,
        "maxLength": 32,
    }
    assert "binary" not in json.dumps(json_schema(Tagged, {}))


def _define(annotation: Any) -> type[WireModel]:
    class Odd(WireModel):
        x: annotation

    return Odd


@pytest.mark.parametrize(
    "annotation",
    [float, list[int], dict[str, int], set[int], tuple, "multiple_of"],
    ids=str,
)
def test_unsupported_annotations_fail_the_export(annotation: Any) -> None:
    if annotation == "multiple_of":
        annotation = Annotated[int, Field(multiple_of=2)]
    model = _define(annotation)
    with pytest.raises(ExportError, match=r"Odd\.x"):
        members(model)
    with pytest.raises(ExportError):
        json_schema(model, {})


@pytest.mark.parametrize(
    ("low", "high", "step"),
    [(None, 8, 2), (0, None, 2), (0, 1000, 2), (1, 1, 2)],
    ids=["no-minimum", "no-maximum", "too-many-values", "no-value"],
)
def test_a_multiple_needs_both_bounds_and_few_values(
    low: int | None, high: int | None, step: int
) -> None:
    model = _define(Annotated[int, Field(ge=low, le=high, multiple_of=step)])
    with pytest.raises(ExportError, match=r"Odd\.x: multiple_of"):
        members(model)


def test_a_multiple_is_stated_in_both_languages() -> None:
    class Even(WireModel):
        x: Annotated[int, Field(ge=-3, le=6, multiple_of=2)]

    assert json_schema(Even, {})["properties"]["x"] == {
        "type": "integer",
        "minimum": -3,
        "maximum": 6,
        "multipleOf": 2,
    }
    assert "  x: (-2 / 0 / 2 / 4 / 6),\n" in render_cddl([Even], {})


# ---- our own output against the schemas --------------------------------------------------


class Share(WireModel):
    """A nested part, as market messages will have."""

    who: NodeId
    """Whose share."""
    bps: BasisPoints


class Rich(WireModel):
    """Every shape the export supports, so that pycddl and jsonschema are tried on each today."""

    kind: Literal["rich"] = "rich"
    shares: Annotated[tuple[Share, ...], Field(min_length=1, max_length=3)]
    lead: Share | None
    label: ShortText
    code: Annotated[str, Field(min_length=2, max_length=4, pattern=r"^[A-Z]+$")]
    flag: bool
    delta: Annotated[int, Field(ge=-5, le=5)]
    even: Annotated[int, Field(ge=-3, le=6, multiple_of=2)]
    mode: Literal["a", "b", 3, None]
    pair: tuple[int, bool]
    ids: Annotated[tuple[Annotated[bytes, Field(max_length=3)] | None, ...], Field(max_length=2)]


SYNTHETIC: dict[tuple[str, str], type[WireModel]] = {("test", "rich"): Rich}
TESTED_MODELS: tuple[type[WireModel], ...] = (*ALL_MODELS, Rich)
TESTED_IDS = [model.__name__ for model in TESTED_MODELS]


@functools.cache
def _json_validator(model: type[WireModel]) -> Draft202012Validator:
    """The checked-in schema of a v1 model; a fresh rendering for a synthetic one."""
    if model in ALL_MODELS:
        schema = json.loads((SCHEMA_DIR / json_path(model)).read_text("utf-8"))
    else:
        schema = json_schema(model, SYNTHETIC)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _rule(model: type[WireModel]) -> str:
    return rule_name(model, MESSAGES if model in ALL_MODELS else SYNTHETIC)


@functools.cache
def _cddl(rule: str) -> pycddl.Schema:
    """pycddl checks the first rule of a schema, so put a root rule naming ``rule`` first."""
    if rule in {_rule(model) for model in SYNTHETIC.values()}:
        text = render_cddl(list(SYNTHETIC.values()), SYNTHETIC)
    else:
        text = (SCHEMA_DIR / CDDL_FILE).read_text("utf-8")
    return pycddl.Schema(f"peermarket-root = {rule}\n{text}")


def _cddl_accepts(rule: str, data: bytes) -> bool:
    try:
        _cddl(rule).validate_cbor(data)
    except pycddl.ValidationError:
        return False
    return True


def _jsonable(value: Any) -> Any:
    """A profile value as our JSON rendering shows it: bytes as lowercase hex."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


@pytest.mark.parametrize("model", TESTED_MODELS, ids=TESTED_IDS)
@given(data=st.data())
def test_instances_pass_both_schemas(model: type[WireModel], data: st.DataObject) -> None:
    message = data.draw(instances(model))
    rendered = json.loads(message.model_dump_json())
    assert rendered == _jsonable(to_value(message))  # the convention the schemas describe
    _json_validator(model).validate(rendered)
    _cddl(_rule(model)).validate_cbor(encode_message(message))


_RELABELS: Final = {
    key: tuple(
        other
        for other in MESSAGES
        if other[0] == key[0] or other == min(k for k in MESSAGES if k[0] == other[0])
    )
    for key in MESSAGES
}
"""What each message's envelope is relabelled as: every other type of its own protocol and one
type of each other protocol (a rule names its protocol and type as literals, so one other
protocol tells as much as all of its types, and the test stays linear in the message count)."""


@pytest.mark.parametrize("key", sorted(MESSAGES), ids="/".join)
@given(data=st.data())
def test_sealed_frames_pass_their_envelope_rule(key: tuple[str, str], data: st.DataObject) -> None:
    body = data.draw(instances(MESSAGES[key]))
    frame = seal(Identity.from_label("schemas"), body, data.draw(st.integers(0, U63_MAX)))
    assert _cddl_accepts("envelope", frame)
    assert _cddl_accepts(envelope_rule_name(key), frame)
    envelope = dict(to_value(decode_message(Envelope, frame)))
    for other in _RELABELS[key]:
        if other != key:
            relabelled = {**envelope, "protocol": other[0], "type": other[1]}
            assert not _cddl_accepts(envelope_rule_name(key), cbor.encode(relabelled))
    bad_body = cbor.encode({**to_value(body), "zz_unknown": 0})
    for body_bytes in (bad_body, b"\xff", b""):
        smuggled = cbor.encode({**envelope, "body": body_bytes})
        assert _cddl_accepts("envelope", smuggled)  # the generic envelope does not look inside
        assert not _cddl_accepts(envelope_rule_name(key), smuggled)


# ---- mutations: each must fail the codec and both schemas ------------------------------

_NOT_PATTERN = ("Z", "0", "-", " ", "\u00e9")


def _mutations(model: type[WireModel], value: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Invalid variants of one message's profile value, each named by what it breaks."""
    yield "unknown field", {**value, "zz_unknown": 0}
    for name, info in model.model_fields.items():
        rest = {k: v for k, v in value.items() if k != name}
        yield f"missing {name}", rest
        limits = bounds(info.metadata)
        current = value[name]
        if info.annotation is int:
            yield f"text for int {name}", {**rest, name: str(current)}
            if "le" in limits:
                yield f"{name} above maximum", {**rest, name: limits["le"] + 1}
            if "ge" in limits:
                yield f"{name} below minimum", {**rest, name: limits["ge"] - 1}
            if limits.get("multiple_of", 1) > 1:
                yield f"{name} not a multiple", {**rest, name: current + 1}
        elif info.annotation is bytes:
            yield f"int for bytes {name}", {**rest, name: 0}
            if "max_len" in limits:
                long = current.ljust(limits["max_len"] + 1, b"\x00")
                yield f"{name} one byte too long", {**rest, name: long}
            if limits.get("min_len", 0) > 0:
                short = current[: limits["min_len"] - 1]
                yield f"{name} one byte too short", {**rest, name: short}
        elif info.annotation is str:
            yield f"int for text {name}", {**rest, name: 0}
            if "max_len" in limits:  # 4-byte characters: over the bound however it is counted
                yield f"{name} too long", {**rest, name: "\U0001f600" * (limits["max_len"] + 1)}
            if "pattern" in limits:
                low, high = limits.get("min_len", 0), limits.get("max_len", 1)
                for text in _NOT_PATTERN:
                    if low <= len(text) <= high and not re.search(limits["pattern"], text):
                        yield f"{name} breaks its pattern", {**rest, name: text}
                        break
        elif info.annotation is bool:
            yield f"int for bool {name}", {**rest, name: 1}
        elif isinstance(info.annotation, type) and issubclass(info.annotation, WireModel):
            yield f"text for model {name}", {**rest, name: "x"}
        elif typing.get_origin(info.annotation) is Literal:
            yield f"{name} not one of its literals", {**rest, name: "zz-not-a-literal"}
        elif typing.get_origin(info.annotation) is tuple:
            yield f"text for array {name}", {**rest, name: "x"}
            if "max_len" in limits and current:
                long = (*current, *[current[0]] * (limits["max_len"] + 1 - len(current)))
                yield f"{name} one item too many", {**rest, name: long}


def test_mutations_cover_each_kind_of_violation() -> None:
    envelope = Envelope(
        version=1,
        protocol="wire",
        type="ping",
        sender=bytes(16),
        sender_key=bytes(32),
        seq=0,
        body=b"",
        signature=bytes(64),
    )
    labels = {label for label, _ in _mutations(Envelope, dict(to_value(envelope)))}
    assert {
        "unknown field",
        "missing body",
        "sender one byte too long",
        "sender one byte too short",
        "seq above maximum",
        "seq below minimum",
        "text for int seq",
        "int for bytes body",
        "int for text protocol",
        "protocol breaks its pattern",
    } <= labels


_STATES: Final = frozenset(OBSERVABLE.values())
"""Observable states: large drawn instances, mutated only at the top level."""
_MUTATED = [m for m in TESTED_MODELS if m not in _STATES]


@pytest.mark.parametrize("model", _MUTATED, ids=[m.__name__ for m in _MUTATED])
@given(data=st.data())
@settings(max_examples=30)
def test_mutations_fail_both_schemas(model: type[WireModel], data: st.DataObject) -> None:
    _mutations_fail(model, data)


@pytest.mark.parametrize(
    "model", sorted(_STATES, key=lambda m: m.__name__), ids=lambda m: m.__name__
)
@given(data=st.data())
@settings(max_examples=8)
def test_mutations_of_a_state_fail_both_schemas(
    model: type[WireModel], data: st.DataObject
) -> None:
    """The same check for the observable states, with fewer draws: each draw is a large
    nested instance, and the mutations (of its top-level fields) do not depend on its depth."""
    _mutations_fail(model, data)


def _mutations_fail(model: type[WireModel], data: st.DataObject) -> None:
    value = dict(to_value(data.draw(instances(model))))
    defaulted = {f"missing {n}" for n, info in model.model_fields.items() if not info.is_required()}
    for label, mutated in _mutations(model, value):
        frame = cbor.encode(mutated)
        if label not in defaulted:  # the codec fills in defaults; the wire rule is "always sent"
            with pytest.raises(E.PeerMarketError):  # the mutation really is invalid
                decode_message(model, frame)
        assert not _json_validator(model).is_valid(_jsonable(mutated)), f"JSON accepts: {label}"
        if not model.model_fields:
            # RFC 8610 reads `{}` as the empty map, but pycddl 0.6 accepts any map for it;
            # the rule text is still checked by test_empty_model_is_the_empty_map.
            continue
        assert not _cddl_accepts(_rule(model), frame), f"CDDL accepts: {label}"


def test_empty_model_is_the_empty_map() -> None:
    """A model without fields exports as the CDDL empty map, which RFC 8610 closes."""
    from spec.v1.export import render_all
    from spec.v1.overlay.commands import CreateRingCommand

    assert not CreateRingCommand.model_fields
    assert f"\n{_rule(CreateRingCommand)} = {{\n}}\n" in render_all()["peermarket-v1.cddl"]
