"""``peermarket experiment overlay``: files, fields, determinism, option errors, and the
experiment's pure parts (the hop bound, the closest-node rule, judging deliveries)."""

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conformance.cli_experiment import PLOT_STEM, RESULTS_FILE, experiment
from reference.sim.experiments import paper
from reference.sim.experiments.lookups import Planned, closest, judge
from reference.sim.experiments.overlay import QUICK, Config
from reference.sim.overlay import Delivery

TINY = ["--sizes", "40,120", "--failure-size", "80", "--churn-size", "60", "--lookups", "80"]
"""A configuration of every part that runs in about a second."""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(experiment, ["overlay", *args])


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("quick")
    return invoke("--quick", "--out", str(out)), out


def test_quick_run_writes_json_png_svg_and_prints_the_table(
    quick_run: tuple[Result, Path],
) -> None:
    result, out = quick_run
    assert result.exit_code == 0, result.output
    assert (out / RESULTS_FILE).is_file()
    assert (out / f"{PLOT_STEM}.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (out / f"{PLOT_STEM}.svg").read_bytes()
    for heading in ("measured", "paper", "hop distribution", "mean hops"):
        assert heading in result.output


def test_quick_run_json_has_the_documented_fields(quick_run: tuple[Result, Path]) -> None:
    _, out = quick_run
    data = json.loads((out / RESULTS_FILE).read_text("utf-8"))
    assert data["experiment"] == "overlay"
    assert data["config"]["sizes"] == list(QUICK.sizes)
    assert data["paper"]["hop_distribution"]["4"] == 0.6449
    for run, size in zip(data["scaling"], QUICK.sizes, strict=True):
        assert run["size"] == size
        assert run["bound"] == paper.bound(size)
        hops = run["hops"]
        for field in ("mean", "max", "counts", "distribution", "closest_share", "answered"):
            assert field in hops
        assert hops["answered"] == hops["lookups"] == QUICK.lookups
        assert sum(hops["counts"]) == hops["answered"]
        # a stable ring: every lookup delivered by the closest live node, within the bound + 1
        assert hops["closest_share"] == 1.0
        assert run["within_bound_plus_one"] >= 0.99
        assert 0 < run["routing_entries_mean"] <= run["routing_entries_possible"]
        assert 0 < run["routing_completeness"] <= 1
        assert run["messages_per_join"] > 0
    failure = data["failure"]
    assert failure["failed"] == QUICK.failure_size * QUICK.failure_share_ppm // 1_000_000
    for phase in ("before", "no_repair", "after_repair"):
        assert failure[phase]["mean"] > 0
    assert failure["repair_per_failed"] > 0
    churn = data["churn"]
    assert 0 <= churn["lookups"]["inconsistent_rate"] <= 1
    figures = {(row["section"], row["figure"]) for row in data["comparison"]}
    assert (f"N = {QUICK.sizes[0]:,}", "mean hops") in figures
    for row in data["comparison"]:
        assert set(row) == {
            "section",
            "figure",
            "measured",
            "paper",
            "difference",
            "relative",
            "note",
            "target",
            "met",
        }


def test_same_seed_same_json_and_svg_bytes(tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = invoke(*TINY, "--seed", "7", "--out", str(out))
        assert result.exit_code == 0, result.output
        outputs.append(((out / RESULTS_FILE).read_bytes(), (out / f"{PLOT_STEM}.svg").read_bytes()))
    assert outputs[0] == outputs[1]
    other = tmp_path / "c"
    assert invoke(*TINY, "--seed", "8", "--out", str(other)).exit_code == 0
    assert (other / RESULTS_FILE).read_bytes() != outputs[0][0]


def test_options_apply_over_quick(tmp_path: Path) -> None:
    result = invoke(
        "--quick",
        "--sizes",
        "30",
        "--failure-size",
        "0",
        "--churn-size",
        "0",
        "--lookups",
        "20",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads((tmp_path / RESULTS_FILE).read_text("utf-8"))
    assert [run["size"] for run in data["scaling"]] == [30]
    assert data["failure"] is None and data["churn"] is None
    assert data["scaling"][0]["hops"]["lookups"] == 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", "abc"], "is not a size"),
        (["--sizes", "1000,-5"], "is not a size"),
        (["--sizes", "1"], "at least 2 nodes"),
        (["--lookups", "0"], "--lookups"),
        (["--failure-size", "-1"], "--failure-size"),
        (["--failure-share-ppm", "1000000"], "--failure-share-ppm"),
        (["--seed", "x"], "--seed"),
        (["--sizes", "none", "--failure-size", "0", "--churn-size", "0"], "nothing to run"),
        (["--failure-size", "1"], "at least 2 nodes"),
    ],
)
def test_bad_options_are_click_errors_not_tracebacks(args: list[str], message: str) -> None:
    result = invoke("--quick", *args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.output
    assert "Traceback" not in result.output


def test_help_explains_every_option() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for option in (
        "--sizes",
        "--failure-size",
        "--failure-share-ppm",
        "--lookups",
        "--seed",
        "--out",
        "--frames",
        "--quick",
        "--repair-ticks",
        "--churn-size",
    ):
        assert option in result.output


def test_bound_is_ceil_log16() -> None:
    assert [paper.bound(n) for n in (2, 16, 17, 256, 257, 1_000, 10_000, 100_000)] == [
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        5,
    ]
    assert paper.routing_entries_estimate(100_000) == paper.ROUTING_ENTRIES
    assert abs(paper.MEAN_HOPS - 3.98) < 0.01


def test_closest_wraps_around_the_ring_and_breaks_ties_to_the_smaller_id() -> None:
    top = (1 << 128) - 1
    live = [10, 20, top - 5]
    assert closest(live, 0) == top - 5  # 6 away across zero, against 10
    assert closest(live, 15) == 10  # a tie: the smaller id
    assert closest(live, 16) == 20
    assert closest(live, top) == top - 5
    assert closest([], 5) is None


def test_judge_flags_misdelivery_and_double_delivery() -> None:
    ids = [100, 200, 300]
    planned = [
        Planned(1, 0, 190, b"\x00" * 7 + b"\x01"),
        Planned(1, 0, 290, b"\x00" * 7 + b"\x02"),
        Planned(1, 0, 110, b"\x00" * 7 + b"\x03"),
    ]
    deliveries = [
        Delivery(5, 200, 100, 190, planned[0].nonce, 1),  # right
        Delivery(5, 200, 100, 290, planned[1].nonce, 1),  # 300 is closer: misdelivered
        Delivery(5, 100, 100, 110, planned[2].nonce, 0),  # right...
        Delivery(9, 200, 100, 110, planned[2].nonce, 2),  # ...and again by another node
    ]
    judged = judge(planned, deliveries, ids, {0: 0, 1: 0, 2: 0}, {})
    assert (judged.answered, judged.correct, judged.misdelivered, judged.doubled) == (3, 1, 2, 1)
    assert judged.hops == (1, 2)
    # Once node 2 has crashed, 200 is the closest live node to key 290.
    judged = judge(planned[1:2], deliveries[1:2], ids, {0: 0, 1: 0, 2: 0}, {2: 5})
    assert judged.correct == 1


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        Config(sizes=(1,))
    with pytest.raises(ValueError, match="lookups"):
        Config(lookups=0)


def test_signed_frames_give_the_same_figures_as_bodies() -> None:
    """The body runtime is only a faster carrier: the same seed gives the same results.

    Except for repair after the no-repair phase: a held request is a frame sealed when it
    was made, and a receiver that has since accepted a later frame from the same sender
    refuses it as stale (replay protection), which bodies do not have.
    """
    from reference.sim.experiments.overlay import run

    small = Config(sizes=(40,), failure_size=30, churn_size=20, lookups=30)
    bodies = run(small).to_json()
    frames = run(Config(**{**small.__dict__, "frames": True})).to_json()
    assert bodies["scaling"] == frames["scaling"]
    assert bodies["churn"] == frames["churn"]
    for phase in ("before", "no_repair"):
        assert bodies["failure"][phase] == frames["failure"][phase]
    assert "replay.stale_sequence" not in bodies["failure"]["window_rejected"]


def test_completeness_counts_the_slots_a_live_node_fits() -> None:
    from reference.overlay.routing_table import EMPTY
    from reference.sim.experiments.completeness import measure, possible_slots

    def node(*digits: int) -> int:
        return sum(d << (124 - 4 * i) for i, d in enumerate(digits))

    me, other, near = node(1, 2), node(3), node(1, 5)
    live = sorted([me, other, near])
    # row 0: column 3 (other); row 1: column 5 (near); nobody else shares "15" or "12"
    assert possible_slots(live, me) == [(0, 3), (1, 5)]
    result = measure(live, [(me, EMPTY)])
    assert (result.possible, result.filled, result.missing_by_row) == (2, 0, (1, 1))


def test_without_matplotlib_one_line_names_the_extra_and_nothing_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    monkeypatch.delitem(sys.modules, "conformance.plots", raising=False)
    out = tmp_path / "out"
    result = invoke("--quick", "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: the overlay experiment draws plots with matplotlib, which is not installed: "
        "pip install 'peermarket[experiment]'"
    ]
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a traceback
    assert "Traceback" not in result.output
    assert not out.exists()


def test_help_names_the_experiment_extra() -> None:
    for args in (["overlay", "--help"], ["--help"]):
        result = CliRunner().invoke(experiment, args)
        assert result.exit_code == 0
        assert "pip install 'peermarket[experiment]'" in " ".join(result.output.split())
