"""The toy study (issue 3): objective, schedule, SP1, runners, CLI and figures. Small and fast."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from asng_bench.cli import main
from asng_bench.stats import run_statistics, sp1
from asng_bench.toy.figures import render
from asng_bench.toy.grids import delta0_grid, figure_settings
from asng_bench.toy.problem import (
    SUCCESS_THRESHOLD,
    cosine_factors,
    evaluate,
    loss_and_grad_dense,
    noise_free,
    sgd_momentum_step,
)
from asng_bench.toy.runner import run_batched, run_single
from asng_bench.toy.settings import Setting
from asng_bench.toy.summary import summarize_settings
from asng_bench.toy.tables import RUN_COLUMNS

# two variables, K = 5: x is 2 x 5, flattened row-major
X = np.array([[0.5, 1.0, -1.0, 2.0, 0.0], [0.1, -0.3, 0.2, 0.4, 1.5]])
C = np.array([[0, 3], [2, 3]])  # two samples; both pick category 3 of variable 1
Z = np.array([0.1, -0.2])


def test_objective_value_by_hand() -> None:
    losses, nf = evaluate(X.reshape(1, -1), C[None], Z[None])
    # sample 0: (0.5 - 0.1)^2 + 0/5 + (0.4 + 0.2)^2 + 3/5 = 0.16 + 0.36 + 0.6
    # sample 1: (-1 - 0.1)^2 + 2/5 + (0.4 + 0.2)^2 + 3/5 = 1.21 + 0.4 + 0.36 + 0.6
    np.testing.assert_allclose(losses[0], [1.12, 2.57], rtol=1e-12)
    # noise-free: 0.25 + 0.16 + 0.6 and 1 + 0.4 + 0.16 + 0.6
    np.testing.assert_allclose(nf[0], [1.01, 2.16], rtol=1e-12)
    np.testing.assert_allclose(noise_free(X.reshape(1, -1), C[None])[0], [1.01, 2.16], rtol=1e-12)


def test_gradient_by_hand_and_momentum() -> None:
    x = X.reshape(1, -1).copy()
    v = np.zeros_like(x)
    nf = sgd_momentum_step(x, v, C[None], Z[None], np.array([1.0]))
    np.testing.assert_allclose(nf[0], [1.01, 2.16], rtol=1e-12)  # judged before the step
    # gradient of the mean of the two losses: (2/2)(x - z) at the chosen entries, summed where shared
    g = np.zeros((2, 5))
    g[0, 0] = 0.5 - 0.1
    g[0, 2] = -1.0 - 0.1
    g[1, 3] = 2 * (0.4 + 0.2)
    np.testing.assert_allclose(v.reshape(2, 5), g, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.reshape(2, 5), X - g, rtol=1e-12, atol=1e-15)
    loss, dense = loss_and_grad_dense(X, C, Z)
    assert loss == pytest.approx((1.12 + 2.57) / 2)
    np.testing.assert_allclose(dense, g, rtol=1e-12, atol=1e-15)
    # second step: v <- 0.9 v + g, x <- x - lr v
    x2, v2 = x.copy(), v.copy()
    sgd_momentum_step(x2, v2, C[None], Z[None], np.array([0.5]))
    _, g2 = loss_and_grad_dense(x.reshape(2, 5), C, Z)
    np.testing.assert_allclose(v2.reshape(2, 5), 0.9 * g + g2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x2.reshape(2, 5), x.reshape(2, 5) - 0.5 * (0.9 * g + g2), rtol=1e-12, atol=1e-15)


def test_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((30, 5))
    c = rng.integers(0, 5, size=(2, 30))
    z = rng.standard_normal(30) / 5
    _, g = loss_and_grad_dense(x, c, z)
    h = 1e-6
    for i, k in [(0, c[0, 0]), (7, c[1, 7]), (3, (c[0, 3] + 1) % 5)]:
        xp, xm = x.copy(), x.copy()
        xp[i, k] += h
        xm[i, k] -= h
        fd = (loss_and_grad_dense(xp, c, z)[0] - loss_and_grad_dense(xm, c, z)[0]) / (2 * h)
        assert g[i, k] == pytest.approx(fd, abs=1e-6)


def test_noise_free_success_criterion() -> None:
    assert SUCCESS_THRESHOLD == pytest.approx(0.2)
    d = 30
    x = np.zeros((1, d * 5))
    x[0, ::5] = np.sqrt(0.2 / d)  # x[i, 0]^2 sums to exactly the threshold (up to rounding)
    zeros = np.zeros((1, 1, d), dtype=np.int64)
    one = zeros.copy()
    one[0, 0, 4] = 1  # a single c_i = 1 costs 1/K = 0.2 on its own
    assert noise_free(x, zeros)[0, 0] == pytest.approx(0.2)
    assert noise_free(np.zeros((1, d * 5)), one)[0, 0] <= SUCCESS_THRESHOLD  # exactly 0.2: succeeds
    assert noise_free(x, one)[0, 0] > SUCCESS_THRESHOLD  # 0.2 + x^2
    x[0, 0] += 0.01
    assert noise_free(x, zeros)[0, 0] > SUCCESS_THRESHOLD


def test_cosine_schedule() -> None:
    f = cosine_factors(4)
    np.testing.assert_allclose(f, [1.0, 0.5 + 0.5 / math.sqrt(2), 0.5, 0.5 - 0.5 / math.sqrt(2)], rtol=1e-12)
    f = cosine_factors(100_000)
    assert f[0] == 1.0 and f[50_000] == pytest.approx(0.5) and 0 < f[-1] < 1e-8
    assert np.all(np.diff(f) < 0)


def test_sp1_arithmetic() -> None:
    s = np.array([True, True, False, False])
    it = np.array([100, 300, 100_000, 100_000])
    assert sp1(s, it) == pytest.approx(200 / 0.5)
    assert sp1(np.array([True] * 4), np.array([1, 2, 3, 6])) == pytest.approx(3.0)
    assert sp1(np.zeros(5, bool), np.full(5, 100_000)) == math.inf
    assert math.isnan(sp1(np.zeros(0, bool), np.zeros(0)))
    st = run_statistics(s, it)
    assert st["successes"] == 2 and st["success_rate"] == 0.5 and st["sp1"] == pytest.approx(400)
    assert st["q1"] == pytest.approx(250.0) and st["median"] == math.inf and st["q3"] == math.inf
    st = run_statistics(np.array([True, True, True, False]), np.array([10, 20, 30, 99]))
    assert st["median"] == pytest.approx(25.0) and st["q1"] == pytest.approx(17.5) and st["q3"] == math.inf
    none = run_statistics(np.zeros(3, bool), np.full(3, 7))
    assert none["sp1"] == math.inf and none["successes"] == 0 and math.isnan(none["mean_success_iterations"])


def test_summarize_keeps_zero_success_settings() -> None:
    df = pd.DataFrame(
        {
            "alg": ["asng", "asng", "sng", "sng"],
            "eps_x": [0.05] * 4,
            "delta0": [1.0, 1.0, 0.5, 0.5],
            "alpha": [1.5, 1.5, np.nan, np.nan],
            "run": [0, 1, 0, 1],
            "seed": [0, 1, 0, 1],
            "success": [True, False, False, False],
            "iterations": [50, 100, 100, 100],
        }
    )
    out = summarize_settings(df).set_index("alg")
    assert out.loc["asng", "sp1"] == pytest.approx(100.0)
    assert out.loc["sng", "sp1"] == math.inf and out.loc["sng", "successes"] == 0


def test_grids() -> None:
    g = delta0_grid()
    assert len(g) == 7 and g[0] == 1.0 and g[-1] == pytest.approx(120**-1.5)
    assert len(figure_settings(1)) == 42 and len(figure_settings(3)) == 70
    both = {s.key for f in (1, 3) for s in figure_settings(f)}
    assert len(both) == 98  # figure 3's alpha = 1.5 is figure 1's ASNG


@pytest.mark.parametrize(
    "setting",
    [Setting("asng", 0.05, 1.0, 1.5), Setting("sng", 0.05, 0.0913), Setting("adam", 0.05, 0.0083)],
    ids=["asng", "sng", "adam"],
)
def test_batched_equals_single_run(setting: Setting) -> None:
    """Same seeds -> the same random numbers -> identical trajectories (success, iterations, theta)."""
    seeds = [0, 1, 2]
    t_max = 2500
    batch = run_batched(setting.alg, setting.eps_x, setting.delta0, seeds, alpha=setting.alpha, t_max=t_max)
    single = [run_single(setting, s, t_max=t_max) for s in seeds]
    assert batch.success.tolist() == [r.success for r in single]
    assert batch.iterations.tolist() == [r.iterations for r in single]
    np.testing.assert_allclose(batch.theta, np.stack([r.theta for r in single]), rtol=0, atol=1e-12)
    assert batch.success.any()


def test_batched_runner_mixes_settings_and_drops_finished_runs() -> None:
    seeds = np.arange(8)
    eps = np.array([0.05, 0.0005] * 4)
    d0 = np.repeat([1.0, 0.3, 0.09, 0.03], 2)
    active = []
    a = run_batched("asng", eps, d0, seeds, alpha=1.5, t_max=1500, chunk=16, progress=lambda t, n: active.append(n))
    b = run_batched("asng", eps[[0, 5]], d0[[0, 5]], seeds[[0, 5]], t_max=1500, chunk=7)  # other batch, chunking
    assert b.iterations.tolist() == a.iterations[[0, 5]].tolist() and b.success.tolist() == a.success[[0, 5]].tolist()
    assert a.success.any() and active[0] == 8 and active[-1] == 0 and sorted(active, reverse=True) == active


def test_cli_toy_writes_documented_csv(tmp_path, capsys) -> None:
    out = tmp_path / "toy"
    main(
        ["toy", "--alg", "sng", "--delta0", "0.1", "--eps-x", "0.05", "--runs", "3", "--seed", "5"]
        + ["--out", str(out), "--t-max", "400"]
    )
    df = pd.read_csv(out / "runs.csv")
    assert list(df.columns) == ["alg", "eps_x", "delta0", "alpha", "run", "seed", "success", "iterations"]
    assert list(df.columns) == RUN_COLUMNS
    assert df["run"].tolist() == [0, 1, 2] and df["seed"].tolist() == [5, 6, 7]
    assert (df["alg"] == "sng").all() and df["alpha"].isna().all() and (df["iterations"] <= 400).all()
    printed = capsys.readouterr().out
    assert "SP1" in printed and "median" in printed and "quartiles" in printed
    # the single-run mode writes the same table
    main(
        ["toy", "--alg", "sng", "--delta0", "0.1", "--eps-x", "0.05", "--runs", "3", "--seed", "5"]
        + ["--out", str(tmp_path / "single"), "--t-max", "400", "--single"]
    )
    pd.testing.assert_frame_equal(df, pd.read_csv(tmp_path / "single" / "runs.csv"))


def test_cli_sweep_and_figures(tmp_path) -> None:
    toy, figs = tmp_path / "toy", tmp_path / "figures"
    main(["toy-sweep", "--figure", "1", "3", "--runs", "1", "--t-max", "60", "--out", str(toy)])
    f1, f3 = pd.read_csv(toy / "runs_fig1.csv"), pd.read_csv(toy / "runs_fig3.csv")
    assert len(f1) == 42 and len(f3) == 70 and list(f1.columns) == RUN_COLUMNS
    a1 = f1[(f1["alg"] == "asng")].drop(columns="alpha").reset_index(drop=True)
    a3 = f3[f3["alpha"] == 1.5].drop(columns="alpha").reset_index(drop=True)
    pd.testing.assert_frame_equal(a1, a3)  # shared alpha = 1.5 runs
    assert list(toy.glob("sweep_fig1_3.json"))
    # a setting that never succeeds: its point is missing, the rest still plotted
    f1.loc[f1["alg"] == "sng", "success"] = False
    f1.to_csv(toy / "runs_fig1.csv", index=False)
    paths = render(toy, figs)
    assert (figs / "fig1_toy.png").stat().st_size > 10_000 and (figs / "fig3_alpha.png").exists()
    summary = pd.read_csv(toy / "summary.csv")
    assert set(summary["figure"]) == {1, 3} and len(summary) == 42 + 70 and len(paths) == 4
    assert "| δ0 |" in (toy / "summary.md").read_text()
    assert np.isinf(summary.loc[summary["alg"] == "sng", "sp1"]).all()


def test_speedup_script_runs_both_modes(tmp_path) -> None:
    """Counts and derived fields only: the speed-up itself is a benchmark (`asng-bench toy-speed`)."""
    from asng_bench.toy.speed import DEFAULT_SETTING, measure_speedup

    res = measure_speedup(n_single=1, n_batch=3, t_max=300, out=tmp_path)
    alone = [run_single(DEFAULT_SETTING, s, t_max=300) for s in range(3)]
    assert res["first_runs_identical"]
    assert res["single"]["runs"] == 1 and res["single"]["run_iterations"] == alone[0].iterations
    assert res["batched"]["runs"] == 3 and res["batched"]["run_iterations"] == sum(r.iterations for r in alone)
    rates = res["batched_run_iterations_per_second"] / res["single_iterations_per_second"]
    assert res["speedup"] == pytest.approx(rates, rel=1e-3, abs=0.006)  # both rounded
    assert json.loads((tmp_path / "speedup.json").read_text()) == res


def test_sweep_batches_are_cached_for_resuming(tmp_path) -> None:
    from asng_bench.toy.batches import run_settings

    settings = figure_settings(1)[:6]
    first = run_settings(settings, 2, t_max=80, cache=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 3  # one batch per algorithm (small groups are merged)
    seen = []
    again = run_settings(settings, 2, t_max=80, cache=tmp_path, progress=lambda done, total: seen.append(done))
    assert again == first and seen[-1] == 12
