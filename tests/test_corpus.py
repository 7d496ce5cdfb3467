"""The checked-in corpus: reproducible byte for byte, well-formed, and what the reference does.

``corpus generate --check`` must pass on the checked-in corpus and fail,
naming the file, when one byte, one file too many or one file too few
differs. Every trace replays through the reference exactly (outputs,
errors, states), every negative trace says what it attacks, and between
them the traces require every error code of the taxonomy and use every flag.
"""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import reference.corpus.registry as registry
from conformance import tracefile
from conformance.cli_corpus import CORPUS_DIR, corpus
from reference.corpus import CorpusGenerator, casekit, mutations, wire_frames, wire_generators
from reference.corpus.verify import replay
from spec.v1 import errors as E
from spec.v1.errors import BY_CODE, ERROR_CODES
from spec.v1.flags import FLAGS
from spec.v1.trace import Trace

TRACE_FILES = sorted(CORPUS_DIR.rglob(f"*{tracefile.TRACE_SUFFIX}"))


def case_id(path: Path) -> str:
    return tracefile.case_id_of_path(path, CORPUS_DIR)


def load_all() -> dict[str, Trace]:
    return {case_id(path): tracefile.read_trace(path) for path in TRACE_FILES}


TRACES = load_all()


def generate(*args: str) -> Result:
    return CliRunner().invoke(corpus, ["generate", *args])


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    out = tmp_path / "v1"
    shutil.copytree(CORPUS_DIR, out)
    yield out


# -- reproducibility --------------------------------------------------------------------------


def test_the_corpus_is_not_empty() -> None:
    assert len(TRACE_FILES) >= 100
    assert (CORPUS_DIR / tracefile.MANIFEST_NAME).is_file()


def test_check_passes_on_the_checked_in_corpus() -> None:
    result = generate("--check")
    assert result.exit_code == 0, result.output
    assert "byte for byte" in result.output


@pytest.mark.usefixtures("corpus_built_once")
def test_check_fails_naming_a_file_with_one_changed_byte(corpus_copy: Path) -> None:
    victim = corpus_copy / "wire" / "auth" / "wrong-key-001.cbor"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    result = generate("--check", "--out", str(corpus_copy))
    assert result.exit_code == 1, result.output
    assert "differs:" in result.output
    assert str(victim) in result.output
    assert "0 missing, 0 extra, 1 differing" in result.output


@pytest.mark.usefixtures("corpus_built_once")
def test_check_fails_naming_an_extra_file(corpus_copy: Path) -> None:
    extra = corpus_copy / "wire" / "codec" / "not-generated-001.cbor"
    shutil.copy(corpus_copy / "wire" / "codec" / "empty-frame-001.cbor", extra)
    result = generate("--check", "--out", str(corpus_copy))
    assert result.exit_code == 1, result.output
    assert "extra" in result.output
    assert str(extra) in result.output
    assert "0 missing, 1 extra, 0 differing" in result.output


@pytest.mark.usefixtures("corpus_built_once")
def test_check_fails_naming_a_missing_file(corpus_copy: Path) -> None:
    gone = corpus_copy / "wire" / "ping" / "answer-001.cbor"
    gone.unlink()
    result = generate("--check", "--out", str(corpus_copy))
    assert result.exit_code == 1, result.output
    assert "missing:" in result.output
    assert str(gone) in result.output
    assert "1 missing, 0 extra, 0 differing" in result.output


@pytest.mark.usefixtures("corpus_built_once")
def test_check_fails_on_a_changed_manifest(corpus_copy: Path) -> None:
    manifest = corpus_copy / tracefile.MANIFEST_NAME
    manifest.write_text(manifest.read_text("utf-8").replace('"wire-codec"', '"wire-codex"'))
    result = generate("--check", "--out", str(corpus_copy))
    assert result.exit_code == 1, result.output
    assert str(manifest) in result.output


@pytest.mark.usefixtures("corpus_built_once")
def test_check_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    result = generate("--check", "--out", str(out))
    assert result.exit_code == 1
    assert not out.exists()


@pytest.mark.usefixtures("corpus_built_once")
def test_generate_writes_the_corpus_and_removes_only_stale_trace_files(tmp_path: Path) -> None:
    out = tmp_path / "v1"
    stale = out / "wire" / "old" / "gone-001.cbor"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"\xa0")
    leftover = out / "wire" / "codec" / "x.cbor.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"")
    notes = out / "NOTES.txt"
    notes.write_text("not a corpus file")
    result = generate("--out", str(out))
    assert result.exit_code == 0, result.output
    assert not stale.exists() and not stale.parent.exists()
    assert not leftover.exists()
    assert notes.exists()
    assert generate("--check", "--out", str(out)).exit_code == 0
    again = generate("--out", str(out))
    assert f"0 files written, {len(TRACE_FILES) + 1} unchanged, 0 stale removed" in again.output
    for path in TRACE_FILES:
        assert (out / path.relative_to(CORPUS_DIR)).read_bytes() == path.read_bytes()


def test_duplicate_case_ids_across_generators_are_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    twin = CorpusGenerator("wire-codec-twin", "1", wire_generators.CODEC_GENERATOR.generate)
    monkeypatch.setattr(registry, "GENERATORS", (wire_generators.CODEC_GENERATOR, twin))
    result = generate("--check")
    assert result.exit_code == 2, result.output
    assert "duplicate case id 'wire/codec/empty-frame-001'" in result.output


def test_generation_is_deterministic() -> None:
    first = tracefile.build_corpus(registry.GENERATORS)
    second = tracefile.build_corpus(registry.GENERATORS)
    assert first.files == second.files


def test_manifest_names_every_trace_with_its_hashes() -> None:
    manifest = json.loads((CORPUS_DIR / tracefile.MANIFEST_NAME).read_text("utf-8"))
    assert manifest["manifest_format"] == tracefile.MANIFEST_FORMAT
    listed = {entry["case_id"]: entry for entry in manifest["cases"]}
    assert sorted(listed) == sorted(TRACES)
    generators = {g["name"]: g for g in manifest["generators"]}
    for cid, trace in TRACES.items():
        entry = listed[cid]
        path = CORPUS_DIR / entry["file"]
        assert entry["content_hash"] == trace.content_hash.hex()
        assert entry["file_sha256"] == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
        assert entry["generator"] == trace.content.header.generator.name
        assert generators[entry["generator"]]["version"] == trace.content.header.generator.version


# -- well-formed ------------------------------------------------------------------------------


def test_every_file_is_a_valid_trace_at_its_case_id() -> None:
    problems = [
        f"{path}: {problem}"
        for path in TRACE_FILES
        for problem in tracefile.validate_trace(TRACES[case_id(path)], path, CORPUS_DIR)
    ]
    assert not problems, "\n".join(problems)


def test_case_ids_are_unique_and_never_positional() -> None:
    ids = [trace.content.header.case_id for trace in TRACES.values()]
    assert len(ids) == len(set(ids))
    for cid in ids:
        assert not cid.split("/")[-1].isdigit(), f"{cid}: positional last segment"
        assert not any(segment.isdigit() for segment in cid.split("/")), cid


def test_every_negative_trace_names_an_existing_error_and_a_flag() -> None:
    for cid, trace in TRACES.items():
        header = trace.content.header
        errors = [step.expect.error for step in trace.content.steps if step.expect.error]
        if "negative" not in header.tags:
            assert not errors, cid
            continue
        assert errors, f"{cid}: negative without an expected error"
        for error in errors:
            assert error in BY_CODE, f"{cid}: {error}"
        assert header.flags, f"{cid}: negative without flags"
        assert all(flag in {f.name for f in FLAGS} for flag in header.flags), cid
        assert header.description, cid


def test_rejections_leave_the_state_unchanged() -> None:
    for cid, trace in TRACES.items():
        previous: dict[str, bytes] = {}
        for number, step in enumerate(trace.content.steps, start=1):
            state = step.expect.state
            if step.expect.error is not None:
                assert not step.expect.outputs, f"{cid} step {number}"
                if state is not None and step.node in previous:
                    assert state == previous[step.node], f"{cid} step {number}"
            if state is not None:
                previous[step.node] = state


def test_every_error_code_is_required_by_some_trace() -> None:
    required = {step.expect.error for trace in TRACES.values() for step in trace.content.steps}
    missing = [
        code.code for code in ERROR_CODES if code.category != "engine" and code.code not in required
    ]
    assert not missing, f"no trace requires {missing}"


def test_every_flag_is_used_by_some_trace() -> None:
    used = {flag for trace in TRACES.values() for flag in trace.content.header.flags}
    unused = [flag.name for flag in FLAGS if flag.name not in used]
    assert not unused, f"no trace attacks with {unused}"


# -- what the reference does -----------------------------------------------------------------


@pytest.mark.parametrize("path", TRACE_FILES, ids=case_id)
def test_trace_replays_through_the_reference(path: Path) -> None:
    mismatches = replay(TRACES[case_id(path)])
    assert not mismatches, "\n".join(str(m) for m in mismatches)


def test_replay_notices_a_wrong_expectation() -> None:
    trace = TRACES["wire/ping/answer-001"]
    step = trace.content.steps[0]
    wrong = step.model_copy(update={"expect": step.expect.model_copy(update={"outputs": ()})})
    content = trace.content.model_copy(update={"steps": (wrong,)})
    mismatches = replay(trace.model_copy(update={"content": content}))
    assert [m.what for m in mismatches] == ["outputs"]


def test_the_byte_helpers_write_exactly_the_forms_the_cases_need() -> None:
    assert mutations.simple(23) == b"\xf7"  # undefined
    assert mutations.simple(16) == b"\xf0"
    assert mutations.simple(32) == b"\xf8\x20"
    assert mutations.simple(20, 1) == b"\xf8\x14"  # false in the two-byte form
    with pytest.raises(mutations.MutationError):
        mutations.simple(24)  # no one-byte form, and the two-byte one must be asked for
    assert mutations.text_bytes(b"wir\xff") == b"\x64wir\xff"
    assert mutations.text_bytes(b"wire") == mutations.tstr("wire")


# -- the generators fail loudly -------------------------------------------------------------


def reject_ping_from_b(
    frame: bytes, error: E.ErrorCode, field: str | None, control: bytes | None = None
) -> None:
    """A one-step codec case through the generators' own checks, which must raise."""
    casekit.reject_frame(
        wire_generators.CODEC,
        "wire/codec/x",
        "d",
        ("TrailingBytes",),
        frame,
        error,
        field,
        control=control,
        note="n",
    )


def test_a_case_rejected_with_another_code_fails_the_generator() -> None:
    frame = wire_frames.standard_envelope().encode() + b"\x00"
    with pytest.raises(casekit.CaseError, match=r"intended decode\.malformed"):
        reject_ping_from_b(frame, E.DECODE_MALFORMED, None)


def test_a_case_rejected_at_another_field_fails_the_generator() -> None:
    frame = wire_frames.standard_envelope().encode() + b"\x00"
    with pytest.raises(casekit.CaseError, match="intended '@1'"):
        reject_ping_from_b(frame, E.DECODE_TRAILING_BYTES, "@1")


def test_a_control_that_is_itself_rejected_fails_the_generator() -> None:
    frame = wire_frames.standard_envelope().encode() + b"\x00"
    with pytest.raises(casekit.CaseError, match="control input is itself rejected"):
        reject_ping_from_b(frame, E.DECODE_TRAILING_BYTES, None, control=frame)


def test_an_accepted_negative_frame_fails_the_generator() -> None:
    frame = wire_frames.standard_envelope().encode()
    with pytest.raises(casekit.CaseError, match="accepted but meant to be rejected"):
        reject_ping_from_b(frame, E.DECODE_TRAILING_BYTES, None)
