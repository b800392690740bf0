"""``asng-bench nas-compare``: the ``--quick`` study end to end on small Fashion-MNIST-format IDX
files the test writes (CI has no Fashion-MNIST), its resume / overwrite rules, the DARTS
derivation and the rank test. Needs torch, asng-nas and scipy (the ``tests_nas`` nox session)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("asng_nas")
pytest.importorskip("scipy")

from bench_cli import run  # noqa: E402

from asng_bench.cli import main  # noqa: E402
from asng_bench.nas_compare.config import QUICK, STRATEGIES  # noqa: E402
from asng_bench.nas_compare.report import uniform_concentration  # noqa: E402
from asng_bench.nas_compare.stats import pairwise, rank_test  # noqa: E402
from asng_bench.report_io import read_csv  # noqa: E402
from asng_nas.classification.ops import OP_NAMES  # noqa: E402


def _write_idx(path: Path, array: np.ndarray) -> None:
    """An uncompressed IDX file of uint8 data: magic 0 0 8 ndim, big-endian int32 dims, the bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">i", d) for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def idx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fashion-MNIST's four files at 28 x 28: 256 training and 64 test images; the class sets
    the brightness of one 7-pixel band, so a network can learn something."""
    d = tmp_path_factory.mktemp("fashion")
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 256), ("t10k", 64)):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 60, (n, 28, 28))
        for i, c in enumerate(y):
            x[i, (c % 4) * 7 : (c % 4) * 7 + 7, :] += 20 * c
        _write_idx(d / f"{prefix}-images-idx3-ubyte", x)
        _write_idx(d / f"{prefix}-labels-idx1-ubyte", y)
    return d


@pytest.fixture(scope="module")
def quick(idx_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nc") / "study"
    main(["nas-compare", "--quick", "--out", str(out), "--data-dir", str(idx_dir)])
    return out


def test_quick_study_writes_every_output(quick: Path) -> None:
    rows = read_csv(quick / "runs.csv")
    assert sorted((r["strategy"], int(r["seed"])) for r in rows) == sorted((s, k) for s in STRATEGIES for k in (0, 1))
    for r in rows:
        assert 0.0 <= float(r["test_error"]) <= 1.0
        assert int(r["params"]) > 0 and float(r["search_cpu_s"]) > 0
        assert int(r["iterations"]) == QUICK.iterations
    md = (quick / "nas_compare.md").read_text()
    for s in STRATEGIES:
        assert f"| {s} | 2 |" in md
    assert "Friedman" in md or "No rank test" in md
    assert "Total CPU time" in md and "--quick" in md
    assert f"{uniform_concentration(QUICK.n_nodes):.2f} is uniform" in md
    assert (quick / "nas_compare.png").read_bytes()[:4] == b"\x89PNG"
    meta = json.loads((quick / "meta.json").read_text())
    assert meta["total_cpu_s"] > 0 and meta["sittings"][0]["runs"] == 8


def test_darts_derives_the_argmax_of_its_alphas(quick: Path) -> None:
    rec = json.loads((quick / "runs" / "darts-seed0.json").read_text())
    alphas = rec["history"][-1]["alphas"]
    assert set(alphas) == set(rec["choices"])
    for label, a in alphas.items():
        k = int(np.argmax(a))
        want = k if ".input_" in label else QUICK_OPS[k]
        assert rec["choices"][label] == want, label
    assert any("arch_loss" in h for h in rec["history"])


QUICK_OPS = OP_NAMES  # the operations' order: the LayerChoice candidates


def test_a_finished_study_is_refused_resumed_or_replaced(quick: Path, idx_dir: Path, capsys) -> None:
    before = (quick / "runs.csv").read_text()
    code, _, err = run(["nas-compare", "--quick", "--out", str(quick), "--data-dir", str(idx_dir)], capsys)
    assert code == 2 and "--resume" in err and "--overwrite" in err and len(err.strip().splitlines()) == 1
    assert (quick / "runs.csv").read_text() == before
    code, _, err = run(["nas-compare", "--quick", "--out", str(quick), "--resume", "--overwrite"], capsys)
    assert code == 2 and "exclude" in err
    # resume: only the missing (strategy, seed) runs again
    saved = json.loads((quick / "runs" / "random-ws-seed1.json").read_text())
    (quick / "runs" / "random-ws-seed1.json").unlink()
    code, out, _ = run(["nas-compare", "--quick", "--out", str(quick), "--data-dir", str(idx_dir), "--resume"], capsys)
    assert code == 0 and out.count("[nas-compare] random-ws seed 1") == 1 and "darts seed" not in out
    meta = json.loads((quick / "meta.json").read_text())
    assert [s["runs"] for s in meta["sittings"]] == [8, 1]
    again = json.loads((quick / "runs" / "random-ws-seed1.json").read_text())
    assert again["choices"] == saved["choices"] and again["test_error"] == saved["test_error"]  # same seed, same run


def test_resume_refuses_runs_of_another_configuration(quick: Path, idx_dir: Path, capsys) -> None:
    code, _, err = run(
        ["nas-compare", "--quick", "--iterations", "3", "--out", str(quick), "--data-dir", str(idx_dir), "--resume"],
        capsys,
    )
    assert code == 2 and "another configuration" in err


def test_missing_data_is_one_line_naming_the_folder(tmp_path: Path, capsys) -> None:
    code, _, err = run(["nas-compare", "--quick", "--out", str(tmp_path / "o"), "--data-dir", str(tmp_path)], capsys)
    assert code == 2 and str(tmp_path) in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "runs").exists()


def test_rank_test_finds_a_consistent_winner() -> None:
    errors = {
        "a": {0: 0.10, 1: 0.11, 2: 0.09, 3: 0.1},
        "b": {0: 0.2, 1: 0.21, 2: 0.19, 3: 0.2},
        "c": {0: 0.3, 1: 0.2, 2: 0.4, 3: 0.3},
    }
    res = rank_test(errors)
    assert res["mean_rank"]["a"] == 1.0 and res["seeds"] == [0, 1, 2, 3]
    assert res["p_value"] is not None and res["p_value"] < 0.05
    assert pairwise(errors, "a", ["b"])["b"] == pytest.approx(2 / 2**4)
    assert rank_test({"a": {0: 0.1}, "b": {1: 0.2}, "c": {2: 0.3}})["p_value"] is None  # no common seed


def test_uniform_concentration_is_the_mean_of_one_over_the_candidates() -> None:
    # 2 nodes: inputs of 2, 2, 3, 3 candidates, four operation choices of 5
    assert uniform_concentration(2) == pytest.approx((1 / 2 + 1 / 2 + 1 / 3 + 1 / 3 + 4 / 5) / 8)
