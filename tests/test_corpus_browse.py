"""``peermarket corpus list`` and ``corpus show``: from a case id to its trace and its steps.

The corpus may be regenerated (new spec version, new cases), so counts and
versions are read from the manifest and the spec, never written down here.
"""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conformance import paths, tracefile
from conformance.cli import main
from conformance.traceoutline import outline_lines

CORPUS = paths.installed_corpus()
POSITIVE = "wire/ping/round-trip-001"
NEGATIVE = "wire/codec/non-shortest-seq-001"


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CORPUS / tracefile.MANIFEST_NAME).read_text("utf-8"))
    return loaded


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def flat(text: str) -> str:
    """``text`` with rich's line wrapping undone."""
    return " ".join(text.split())


# -- corpus list ---------------------------------------------------------------------------


def test_list_has_a_row_per_case_and_the_manifest_count() -> None:
    result = invoke("corpus", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    ids = [entry["case_id"] for entry in manifest()["cases"]]
    assert lines[0].split() == ["case", "protocol", "tags", "flags", "steps", "errors"]
    assert [line.split()[0] for line in lines[1:-1]] == ids
    assert lines[-1].startswith(f"{len(ids)} cases (")
    row = next(line for line in lines if line.startswith(NEGATIVE + " "))
    assert row.split()[1:] == [
        "wire",
        "negative,adversarial",
        "NonShortestInteger",
        "1",
        "decode.non_canonical",
    ]
    positive = next(line for line in lines if line.startswith(POSITIVE + " "))
    assert positive.split()[1:] == ["wire", "positive", "-", "2", "-"]


def test_list_json_matches_the_traces() -> None:
    result = invoke("corpus", "list", "--json")
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    assert listing["count"] == listing["total"] == len(manifest()["cases"])
    by_id = {case["case_id"]: case for case in listing["cases"]}
    negative = by_id[NEGATIVE]
    assert negative["errors"] == ["decode.non_canonical"]
    assert negative["flags"] == ["NonShortestInteger"]
    assert negative["steps"] == 1
    trace = tracefile.read_trace(Path(negative["file"]))
    assert trace.content.header.case_id == NEGATIVE


def test_list_filters() -> None:
    everything = json.loads(invoke("corpus", "list", "--json").output)["cases"]

    def listed(*args: str) -> list[str]:
        result = invoke("corpus", "list", "--json", *args)
        assert result.exit_code == 0, result.output
        return [case["case_id"] for case in json.loads(result.output)["cases"]]

    wire = listed("--protocol", "wire")
    assert wire == [c["case_id"] for c in everything if c["protocol"] == "wire"]
    assert wire and len(wire) < len(everything)
    negative = listed("--tag", "negative")
    assert negative == [c["case_id"] for c in everything if "negative" in c["tags"]]
    signed = listed("--flag", "BadSignature", "--select", "wire/auth/*")
    assert signed == [
        c["case_id"]
        for c in everything
        if "BadSignature" in c["flags"] and c["case_id"].startswith("wire/auth/")
    ]
    assert signed
    text = invoke("corpus", "list", "--select", "wire/auth/*", "--flag", "BadSignature")
    assert (
        text.output.splitlines()[-1]
        == f"{len(signed)} of {len(everything)} cases (wire {len(signed)})"
    )


def test_list_refuses_an_unknown_protocol_or_flag_naming_the_known_ones() -> None:
    result = invoke("corpus", "list", "--protocol", "wrie")
    assert result.exit_code == 2
    assert "the protocols auction, auction_stack, overlay, sla, sla_stack, wire" in flat(
        result.output
    )
    assert "did you mean wire" in flat(result.output)
    result = invoke("corpus", "list", "--flag", "BadSignatur")
    assert result.exit_code == 2
    assert "did you mean BadSignature" in flat(result.output)
    result = invoke("corpus", "list", "--tag", "nope")
    assert result.exit_code == 2


def test_list_of_a_sub_folder_gives_one_hint() -> None:
    result = invoke("corpus", "list", "--traces", str(CORPUS / "wire"))
    assert result.exit_code == 2
    text = flat(result.output)
    assert "is the sub-folder wire/ of a corpus" in text
    assert f"--traces {CORPUS}" in text and "--select 'wire/*'" in text
    assert "differs from its path" not in text


# -- corpus show ---------------------------------------------------------------------------


def test_show_by_id_names_the_file_and_outlines_the_steps() -> None:
    result = invoke("corpus", "show", POSITIVE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"file: {tracefile.trace_path(CORPUS, POSITIVE)}"
    assert POSITIVE in result.output
    trace = tracefile.read_trace(tracefile.trace_path(CORPUS, POSITIVE))
    assert trace.content.header.spec_version in result.output
    outline = outline_lines(trace)
    for line in outline:
        assert line in lines
    assert outline[1].split()[:4] == ["1", "1", "a", "command"]
    assert "deliver wire/pong seq=1 from b" in outline[2]
    assert lines[-1] == f"show one step in full: peermarket corpus show {POSITIVE} --step N"
    assert "sender_key" not in result.output  # no step in full


def test_show_step_decodes_that_step_only() -> None:
    result = invoke("corpus", "show", POSITIVE, "--step", "1")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.splitlines()[0] == f"file: {tracefile.trace_path(CORPUS, POSITIVE)}"
    assert "step 1  node a at tick 1" in out
    assert "input command ping" in out
    assert '"nonce-a1"' in out  # the command's arguments, decoded
    assert "body (wire/ping" in out  # the expected output, decoded
    assert "next_seq" in out  # the expected state, decoded
    assert "state digest sha256" in out
    assert "step 2" not in out and "wire/pong" not in out


def test_show_step_of_a_negative_case_shows_the_error_and_the_defect() -> None:
    result = invoke("corpus", "show", NEGATIVE, "--step", "1")
    assert result.exit_code == 0, result.output
    assert "decode.non_canonical" in result.output
    assert "does not decode" in result.output and "@5" in result.output
    assert "NonShortestInteger" in result.output


def test_show_step_json() -> None:
    result = invoke("corpus", "show", POSITIVE, "--step", "2", "--json")
    assert result.exit_code == 0, result.output
    rendered = json.loads(result.output)
    assert rendered["file"] == str(tracefile.trace_path(CORPUS, POSITIVE))
    assert rendered["step_count"] == 2
    (step,) = rendered["steps"]
    assert step["step"] == 2
    assert step["input"]["decoded"]["envelope"]["value"]["type"] == "pong"
    assert len(step["expect"]["state_digest"]) == 64


def test_show_accepts_a_file_name_form_of_the_id() -> None:
    result = invoke("corpus", "show", f"./{POSITIVE}.cbor", "--step", "1")
    assert result.exit_code == 0, result.output
    assert "input command ping" in result.output


@pytest.mark.parametrize("step", ["0", "3", "-1"])
def test_show_step_out_of_range_names_the_valid_range(step: str) -> None:
    result = invoke("corpus", "show", POSITIVE, "--step", step)
    assert result.exit_code == 2
    assert "numbered 1 to 2" in flat(result.output)
    assert "Traceback" not in result.output


def test_show_unknown_id_suggests_close_ids() -> None:
    result = invoke("corpus", "show", "wire/ping/round-trip")
    assert result.exit_code == 2
    assert "no case 'wire/ping/round-trip'" in result.output
    assert "did you mean:" in result.output
    assert f"  {POSITIVE}" in result.output.splitlines()
    result = invoke("corpus", "show", "nothing/like/this-at-all")
    assert result.exit_code == 2
    assert "corpus list" in result.output


def test_show_given_a_file_path_points_at_the_id_and_at_trace_show() -> None:
    path = str(tracefile.trace_path(CORPUS, POSITIVE))
    result = invoke("corpus", "show", path)
    assert result.exit_code == 2
    assert "did you mean:" in result.output
    assert result.output.splitlines().index(f"  {POSITIVE}") > 0
    assert f"peermarket trace show {path}" in flat(result.output)


def test_show_in_another_corpus_puts_traces_in_the_hint(tmp_path: Path) -> None:
    other = tmp_path / "v1"
    shutil.copytree(CORPUS, other)
    result = invoke("corpus", "show", POSITIVE, "--traces", str(other))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"file: {tracefile.trace_path(other, POSITIVE)}"
    assert result.output.splitlines()[-1].endswith(f"--step N --traces {other}")


def test_trace_show_by_file_gains_step() -> None:
    path = tracefile.trace_path(CORPUS, POSITIVE)
    result = invoke("trace", "show", str(path), "--step", "2")
    assert result.exit_code == 0, result.output
    assert "step 2  node a at tick 4" in result.output
    assert "step 1" not in result.output
    result = invoke("trace", "show", str(path), "--step", "5")
    assert result.exit_code == 2
    assert "numbered 1 to 2" in flat(result.output)
    full = invoke("trace", "show", str(path))
    assert "step 1" in full.output and "step 2" in full.output


def test_the_outline_of_a_long_trace_is_one_line_per_step() -> None:
    longest = max(CORPUS.rglob("*.cbor"), key=lambda p: p.stat().st_size)
    case_id = tracefile.case_id_of_path(longest, CORPUS)
    trace = tracefile.read_trace(longest)
    result = invoke("corpus", "show", case_id)
    assert result.exit_code == 0, result.output
    steps = len(trace.content.steps)
    full = invoke("trace", "show", str(longest)).output.count("\n")
    assert result.output.count("\n") < steps + 60 < full
