"""``python -m asng_nas.gpu_check --device cpu --tiny``: the GPU readiness check at tiny size on
the CPU (search epoch, retraining epoch, fp32 against bf16 autocast, ASNG / DARTS timing)."""

import json

import numpy as np
import pytest
import torch

from asng_nas import gpu_check as G

torch.set_num_threads(1)


def test_tiny_cpu_run_writes_a_passing_report(tmp_path, capsys):
    out = tmp_path / "gc"
    assert G.main(["--device", "cpu", "--tiny", "--out", str(out)]) == 0
    r = json.loads((out / "gpu_check.json").read_text())
    assert r["passed"] and all(r["checks"].values()) and r["size"] == "tiny" and r["device"] == "cpu"
    s, t, c, b = (r[k] for k in ("search_epoch", "retrain_epoch", "fp32_cpu_vs_bf16_device", "asng_vs_darts_iteration"))
    assert s["images_per_second"] > 0 and t["images_per_second"] > 0
    assert np.isfinite([s["train_loss"], s["theta_loss"], t["train_loss"], t["test_loss"]]).all()
    # the comparison really ran in two precisions: bf16 differs from fp32, within the tolerance
    assert c["n_archs"] == G.TINY.n_archs and len(c["bf16_device_losses"]) == c["n_archs"]
    assert 0 < c["max_abs_diff"] <= min(c["tolerances"])
    assert c["tolerances"] == [G.loss_tolerance(v) for v in c["fp32_cpu_losses"]]
    assert b["asng_seconds"] > 0 and b["asng_over_darts"] == pytest.approx(b["asng_seconds"] / b["darts_seconds"])
    md = (out / "gpu_check.md").read_text()
    assert md.startswith("# GPU check: PASSED") and "Kendall tau" in md and "ASNG / DARTS" in md
    assert "PASSED" in capsys.readouterr().out


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_asked_for_without_cuda_is_a_clear_error(tmp_path, capsys):
    assert G.main(["--device", "cuda", "--tiny", "--out", str(tmp_path / "gc")]) == 2
    assert "torch.cuda.is_available() is False" in capsys.readouterr().err
    assert not (tmp_path / "gc").exists()


def test_rank_correlations():
    r = G.rank_correlations([1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0])
    assert r["spearman"] == pytest.approx(0.8) and r["kendall"] == pytest.approx(2 / 3)
    assert G.rank_correlations([3, 2, 1], [1, 2, 3]) == {"spearman": pytest.approx(-1.0), "kendall": -1.0}
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=9), rng.normal(size=9)
    b[3] = b[5]  # a tie
    scipy_stats = pytest.importorskip("scipy.stats")
    r = G.rank_correlations(a, b)
    assert r["spearman"] == pytest.approx(scipy_stats.spearmanr(a, b)[0])
    assert r["kendall"] == pytest.approx(scipy_stats.kendalltau(a, b)[0])
    with pytest.raises(ValueError, match="same length"):
        G.rank_correlations([1, 2], [1, 2, 3])


def test_loss_tolerance_grows_with_the_loss():
    assert G.loss_tolerance(0.0) == pytest.approx(0.02)
    assert G.loss_tolerance(2.3) == pytest.approx(0.02 + 0.046)
