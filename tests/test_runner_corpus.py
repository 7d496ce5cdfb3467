"""The runner's corpus handling: loading, trace and manifest checks, selection."""

import json
from pathlib import Path
from typing import Any

import pytest
from broken_iuts import kit
from runner_kit import IDS, reference, rewrite_header  # tests/ is on sys.path under pytest

from conformance.runner import (
    CorpusError,
    ExitCode,
    check_trace,
    load_corpus,
    run_corpus,
    select_cases,
)
from reference.codec import encode_message
from reference.corpus import seal_trace
from spec.v1.trace import Trace

# -- corpus --


def test_corpus_loads_with_ids_from_paths(corpus: Path) -> None:
    cases = load_corpus(corpus)
    assert [c.case_id for c in cases] == IDS
    assert all(c.protocol == "wire" for c in cases)


def test_every_kit_trace_is_valid(traces: list[Trace]) -> None:
    for trace in traces:
        assert check_trace(trace, trace.content.header.case_id) == []


def test_wrong_content_hash_is_found(traces: list[Trace]) -> None:
    trace = traces[0].model_copy(update={"content_hash": bytes(32)})
    assert any("content hash" in p for p in check_trace(trace, trace.content.header.case_id))


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"flags": ("NoSuchFlag",)}, "not in the flag registry"),
        ({"tags": ("positive",)}, "tags lack 'negative'"),
        ({"flags": ()}, "must name at least one flag"),
        ({"trace_format": 2}, "trace format 2"),
        ({"spec_version": "2.0.0"}, "spec version"),
    ],
)
def test_negative_trace_header_rules(
    traces: list[Trace], changes: dict[str, Any], problem: str
) -> None:
    stale = traces[2]
    assert stale.content.header.case_id == "wire/replay/stale-001"
    broken = rewrite_header(stale, **changes)
    assert any(problem in p for p in check_trace(broken, "wire/replay/stale-001"))


def test_positive_trace_tagged_negative_is_found(traces: list[Trace]) -> None:
    broken = rewrite_header(traces[1], tags=("negative",), flags=("BadSignature",))
    assert any("no step expects an error" in p for p in check_trace(broken, IDS[2]))


def test_unknown_error_code_and_case_id_mismatch(traces: list[Trace]) -> None:
    stale = traces[2]
    steps = list(stale.content.steps)
    expect = steps[1].expect.model_copy(update={"error": "replay.made_up"})
    steps[1] = steps[1].model_copy(update={"expect": expect})
    broken = seal_trace(stale.content.header, steps)
    problems = check_trace(broken, "wire/replay/elsewhere-001")
    assert any("'replay.made_up' is not in the taxonomy" in p for p in problems)
    assert any("differs from its path" in p for p in problems)


def test_corrupt_and_misplaced_files_are_corpus_errors(tmp_path: Path, traces: list[Trace]) -> None:
    kit.write_corpus(tmp_path, traces)
    (tmp_path / "wire" / "junk.cbor").write_bytes(b"\x18\x01")  # non-canonical
    moved = tmp_path / "wire" / "ping" / "renamed-001.cbor"
    moved.write_bytes(encode_message(traces[1]))
    (tmp_path / "README.txt").write_text("not a trace")  # ignored
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    text = str(caught.value)
    assert "wire/junk.cbor: [decode] not a trace: decode.non_canonical" in text
    assert "wire/ping/renamed-001.cbor: [path] case id 'wire/ping/command-001' differs" in text


def test_missing_traces_directory(tmp_path: Path) -> None:
    outcome = run_corpus(reference(), tmp_path / "absent")
    assert outcome.exit_code == ExitCode.USAGE
    assert "traces directory not found" in outcome.error


def write_manifest(root: Path, traces: list[Trace]) -> None:
    cases = [
        {"case_id": t.content.header.case_id, "content_hash": t.content_hash.hex()} for t in traces
    ]
    manifest = {"manifest_format": 1, "cases": cases}
    (root / "MANIFEST.json").write_text(json.dumps(manifest), "utf-8")


def test_manifest_guards_against_missing_and_unlisted_traces(
    tmp_path: Path, traces: list[Trace]
) -> None:
    kit.write_corpus(tmp_path, traces)
    write_manifest(tmp_path, traces)
    assert len(load_corpus(tmp_path)) == 5
    (tmp_path / "wire" / "ping" / "answer-001.cbor").unlink()
    with pytest.raises(CorpusError, match=r"lists 'wire/ping/answer-001' but .* is missing"):
        load_corpus(tmp_path)
    write_manifest(tmp_path, traces[1:])
    assert len(load_corpus(tmp_path)) == 4
    write_manifest(tmp_path, traces[2:])
    with pytest.raises(CorpusError, match=r"command-001\.cbor is not listed in MANIFEST\.json"):
        load_corpus(tmp_path)
    stale = traces[1].model_copy(update={"content_hash": bytes(32)})
    write_manifest(tmp_path, [stale, *traces[2:]])
    with pytest.raises(CorpusError, match=r"differs from MANIFEST\.json"):
        load_corpus(tmp_path)
    (tmp_path / "MANIFEST.json").write_text("{not json", "utf-8")
    with pytest.raises(CorpusError, match=r"MANIFEST\.json: unreadable"):
        load_corpus(tmp_path)


def test_selection_by_glob_and_protocol(corpus: Path) -> None:
    cases = load_corpus(corpus)
    assert [c.case_id for c in select_cases(cases, ["wire/ping/*"])] == IDS[1:4]
    assert [c.case_id for c in select_cases(cases, ["*stale*", "*two*"])] == [IDS[3], IDS[4]]
    assert select_cases(cases, protocols=["auction"]) == []
    assert len(select_cases(cases, protocols=["wire"])) == 5


def test_a_sub_folder_of_the_corpus_gives_one_hint(corpus: Path) -> None:
    outcome = run_corpus(reference(), corpus / "wire" / "ping")
    assert outcome.exit_code == ExitCode.USAGE
    problems = outcome.error.splitlines()[1:]
    assert len(problems) == 1, outcome.error
    assert "is the sub-folder wire/ping/ of a corpus" in problems[0]
    assert f"--traces {corpus}" in problems[0] and "--select 'wire/ping/*'" in problems[0]
    assert "--protocol" not in problems[0]  # wire/ping is narrower than the protocol
    assert "differs from its path" not in outcome.error
    whole = run_corpus(reference(), corpus / "wire").error
    assert "sub-folder wire/ of a corpus" in whole and "or --protocol wire" in whole


def test_a_misplaced_file_is_not_mistaken_for_a_sub_folder(
    tmp_path: Path, traces: list[Trace]
) -> None:
    kit.write_corpus(tmp_path, traces)
    moved = tmp_path / "wire" / "ping" / "renamed-001.cbor"
    (tmp_path / "wire" / "ping" / "command-001.cbor").rename(moved)
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert "sub-folder" not in str(caught.value)
    assert "differs from its path" in str(caught.value)


def test_an_unknown_protocol_is_a_usage_error_naming_the_known_ones(corpus: Path) -> None:
    outcome = run_corpus(reference(), corpus, protocols=["wire", "wrie"])
    assert outcome.exit_code == ExitCode.USAGE
    assert "unknown protocol 'wrie'" in outcome.error
    assert "has the protocols wire" in outcome.error and "did you mean wire?" in outcome.error
    assert outcome.results == []
