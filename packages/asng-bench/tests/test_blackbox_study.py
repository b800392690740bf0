"""The parts of the black-box study added for issue 12: our searcher = minimize's default, the
ablation rows, the bootstrap CI of ERT, the verdict rule, the untuned NK problem, reusing peers'
runs, improvement traces and the IOHanalyzer export. Small budgets only."""

import csv
import gzip
import itertools
import json
import math
import zipfile

import numpy as np
import pytest

from asng_bench.blackbox import problems as bp
from asng_bench.blackbox.ours import NaturalGradient, dense_ranks, search_space
from asng_bench.blackbox.registry import ABLATIONS, MAIN, OPTIMIZERS, PROBLEMS, applies, get_problem, make_searcher
from asng_bench.blackbox.runner import run_one, run_study
from asng_bench.blackbox.tables import verdict
from asng_bench.blackbox.traces import read_traces, write_traces
from asng_bench.cli import main
from asng_bench.stats import bootstrap_ert_ci, ert

# ---- our searcher is minimize's default ---------------------------------------------------------


def _values_of(searcher, problem, n):
    vals = []
    while len(vals) < n:
        v = [problem(c, z, r) for c, z, r in searcher.ask()]
        vals += v
        searcher.tell(v)
    return vals[:n]


def _small_mixed() -> bp.Problem:
    """Two categorical variables and one integer: converges (and restarts) within a few hundred evaluations."""
    return bp.Problem(
        name="small",
        categories=np.array([3, 2]),
        fun=lambda c, z, r: float(c[0] != 2) + float(c[1]) + abs(float(z[0]) - 1),
        f_opt=0.0,
        gaps=(0.0,),
        int_low=np.array([0]),
        int_high=np.array([4]),
    )


@pytest.mark.parametrize("problem, budget, seed", [("catsphere-K5", 300, 0), ("mixed", 300, 2), ("small", 600, 1)])
def test_asng_bb_evaluates_what_minimize_evaluates(problem, budget, seed):
    """Without the cache (bb-no-cache, minimize(cache=False)); with it: test_blackbox_cache.py."""
    from asng_opt import minimize

    p = _small_mixed() if problem == "small" else get_problem(problem)
    res = minimize(lambda x: p(x["c"], x["z"]) if isinstance(x, dict) else p(x), search_space(p),
                   max_evals=budget, seed=seed, cache=False)  # fmt: skip
    expected = [v for h in res.history for v in h["values"]]
    s = make_searcher("bb-no-cache", p, budget, seed)
    assert _values_of(s, p, len(expected)) == expected
    # the same points, restarts included; the searcher may also restart after its last tell, where
    # minimize, with no budget left for another batch, stops instead
    assert res.n_restarts <= s.restarts <= res.n_restarts + 1
    if problem == "small":
        assert res.n_restarts > 0  # the restarts near the best point are compared too


def test_ablations_switch_one_ingredient_off():
    p = get_problem("mixed")
    bb = make_searcher(MAIN, p, 3000, 0).opt
    assert bb.hyper() == {"alpha": 1.5, "delta0": 1.0, "margin": True, "elitist": True, "mutant": True,
                          "mutant_share": 1.0, "cat_utility": "quantile", "real_utility": "log",
                          "covariance": "full", "real_elite_twice": False,
                          "neutral_union": True, "int_margin": True, "elite_integers": True,
                          "int_update": "full", "int_steps": "harmonic-uniform", "clip_injected": True,
                          "earn_mutants": True, "int_sigma0": 0.25, "active_cma": True,
                          "elite_in_descent": True}  # fmt: skip
    changed = {
        "bb-no-margin": ("margin", False),
        "bb-no-elitism": ("elitist", False),
        "bb-no-mutant": ("mutant", False),
        "bb-one-mutant": ("mutant_share", None),
        "bb-quantile-all": ("real_utility", "quantile"),
        "bb-log-all": ("cat_utility", "log"),
        "bb-real-elite-twice": ("real_elite_twice", True),
        "bb-no-union": ("neutral_union", False),
        "bb-half-mutants": ("mutant_share", 0.5),
        "bb-no-int-margin": ("int_margin", False),
        "bb-raw-elite": ("elite_integers", False),
        "bb-unit-int-steps": ("int_steps", "unit"),
        "bb-harmonic-int-steps": ("int_steps", "harmonic"),
        "bb-no-inject-clip": ("clip_injected", False),
        "bb-unearned-mutants": ("earn_mutants", False),
        "bb-int-sigma-half": ("int_sigma0", 0.5),
        "bb-no-active": ("active_cma", False),
    }
    for name, (key, value) in changed.items():
        opt = make_searcher(name, p, 3000, 0).opt
        assert {k: v for k, v in opt.hyper().items() if v != bb.hyper()[k]} == {key: value}, name
        assert opt.lam == bb.lam
    # the integer step: the real variables' separable rule on a space with reals, the integers in the
    # full covariance without (mixed); bb-int-asng is ASNG's step on both
    for name, rule in (("int-real-ellipsoid", "cma"), ("mixed", "full")):
        prob = get_problem(name)
        ir_bb, ir_asng = make_searcher(MAIN, prob, 3000, 0).opt, make_searcher("bb-int-asng", prob, 3000, 0).opt
        assert ir_bb.int_update == rule and ir_asng.int_update == "asng"
        assert {k for k, v in ir_asng.hyper().items() if v != ir_bb.hyper()[k]} == {"int_update"}
    assert applies("bb-int-asng", p) and not applies("bb-int-asng", get_problem("rosenbrock"))
    # one variance per real variable: on a space with reals (where it runs) only the covariance differs
    ir = get_problem("int-real-ellipsoid")
    diag, full = make_searcher("bb-diagonal", ir, 3000, 0).opt, make_searcher(MAIN, ir, 3000, 0).opt
    assert {k: v for k, v in diag.hyper().items() if v != full.hyper()[k]} == {"covariance": "diagonal"}
    assert not applies("bb-diagonal", p)
    assert not applies("bb-no-int-margin", get_problem("onemax")) and applies("bb-no-int-margin", p)
    assert not applies("bb-int-sigma-half", get_problem("onemax")) and applies("bb-int-sigma-half", p)
    # asng-opt 0.18's descent without the elite: on integers alone asng-bb (main track) runs without it,
    # the ablation with it; where the budget caps lambda (the short track) asng-bb keeps it too
    zak = get_problem("int-zakharov")
    zb, ze = make_searcher(MAIN, zak, 3000, 0).opt, make_searcher("bb-elite-in-descent", zak, 3000, 0).opt
    assert {k: v for k, v in ze.hyper().items() if v != zb.hyper()[k]} == {"elite_in_descent": True}
    assert make_searcher(MAIN, zak, 150, 0).opt.elite_in_descent is True
    assert make_searcher(MAIN, get_problem("mixed"), 3000, 0).opt.elite_in_descent is True  # categories too
    # the walk's ablations run where optimizers walk: no real variable
    for name in ("bb-elite-in-descent", "bb-no-walk-stall"):
        assert applies(name, zak) and not applies(name, ir) and not applies(name, get_problem("rosenbrock"))
    assert applies("bb-no-walk-stall", get_problem("onemax")) and not applies(
        "bb-elite-in-descent", get_problem("onemax")
    )
    assert make_searcher("bb-no-walk-stall", zak, 3000, 0)._stale.walk_stall == np.inf
    assert make_searcher(MAIN, zak, 3000, 0)._stale.walk_stall == 160  # 20 updates per variable
    # active CMA-ES acts where a CMA-ES step runs: integers or reals, not categorical variables alone
    assert not applies("bb-no-active", get_problem("onemax")) and applies("bb-no-active", p)
    assert applies("bb-no-active", get_problem("rosenbrock"))
    # the reals' resolution before asng-opt 0.15: the same optimizer, a Gaussian with sigma_min 1e-6 of the range
    ridge = get_problem("sharp-ridge")
    old, new = make_searcher("bb-resolution-1e-6", ridge, 3000, 0).opt, make_searcher(MAIN, ridge, 3000, 0).opt
    assert old.hyper() == new.hyper() and old.lam == new.lam
    span = ridge.real_high - ridge.real_low
    np.testing.assert_allclose(old.distribution.sigma_min, 1e-6 * span)
    np.testing.assert_allclose(new.distribution.sigma_min, 1e-10 * span)
    assert applies("bb-resolution-1e-6", ridge) and not applies("bb-resolution-1e-6", p)
    assert make_searcher("bb-lam16", p, 3000, 0).opt.lam == 16
    assert make_searcher("bb-restart-uniform", p, 3000, 0).near_best is False
    assert make_searcher(MAIN, p, 150, 0).opt.lam == 4  # minimize's budget cap: max(4, 150 // 40)
    assert make_searcher("bb-lam-dim", p, 150, 0).opt.lam == bb.lam == 4 + int(3 * math.log(20))
    assert set(ABLATIONS) >= set(changed) | {"bb-lam16", "bb-restart-uniform", "bb-lam-dim", "bb-ranks"}
    assert OPTIMIZERS["bb-lam-dim"].short_only
    assert not applies("bb-diagonal", p) and applies("bb-diagonal", get_problem("mixed-real"))
    assert not applies("bb-real-elite-twice", p) and applies("bb-real-elite-twice", get_problem("rosenbrock"))
    mr = get_problem("mixed-real")
    quarter = make_searcher("bb-sigma-quarter", mr, 3000, 0).opt
    _, sigma = quarter.distribution.parts["r"].mean_sigma(quarter.theta["r"])
    span = mr.real_high - mr.real_low
    assert np.allclose(sigma, span / 4) and not applies("bb-sigma-quarter", p)
    main = make_searcher(MAIN, mr, 3000, 0).opt
    _, sigma = main.distribution.parts["r"].mean_sigma(main.theta["r"])
    assert np.allclose(sigma, span / 6)


def test_dense_ranks_and_bad_searcher_arguments():
    assert dense_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [2.0, 0.0, 2.0, 1.0]
    p = get_problem("onemax")
    with pytest.raises(ValueError, match="config"):
        NaturalGradient(p, 10, 0, config="nope")
    with pytest.raises(ValueError, match="takes no options"):
        NaturalGradient(p, 10, 0, config="paper", margin=False)
    with pytest.raises(ValueError, match="lam"):
        NaturalGradient(p, 10, 0, config="paper", lam="dim")


# ---- bootstrap CI and the verdict rule ------------------------------------------------------------


def test_bootstrap_ci_brackets_the_ert_and_is_reproducible():
    evals = [100, 120, None, 90, 300, None, 110, 105]
    used = [100, 120, 1000, 90, 300, 1000, 110, 105]
    lo, hi = bootstrap_ert_ci(evals, used, n_resamples=1000, seed=3)
    assert lo < ert(evals, used) < hi
    assert (lo, hi) == bootstrap_ert_ci(evals, used, n_resamples=1000, seed=3)
    assert bootstrap_ert_ci([50, 50, 50], [50, 50, 50]) == (50.0, 50.0)  # no spread, no interval
    assert bootstrap_ert_ci([None, None], [10, 10]) == (math.inf, math.inf)
    assert bootstrap_ert_ci([5, None], [5, 10], n_resamples=2000)[1] == math.inf  # a resample can miss the success
    with pytest.raises(ValueError, match="same length"):
        bootstrap_ert_ci([1], [1, 2])
    with pytest.raises(ValueError, match="level"):
        bootstrap_ert_ci([1], [1], level=1.0)


def _c(e, lo, hi):
    return {"ert": e, "ert_ci_low": lo, "ert_ci_high": hi}


def test_verdict_follows_issue_12s_rule():
    assert verdict(_c(100, 90, 110), _c(200, 180, 220), 0, 0)[0] == "won"
    assert verdict(_c(105, 104, 106), _c(100, 99, 101), 0, 0)[0] == "tied"  # within 1.1x
    assert verdict(_c(150, 120, 180), _c(100, 80, 125), 0, 0) == ("tied", "ERT 1.50×, CIs overlap")
    assert verdict(_c(300, 250, 350), _c(100, 80, 120), 0, 0)[0] == "lost"
    assert verdict(_c(math.inf, math.inf, math.inf), _c(100, 80, 120), 0, 0)[0] == "lost"
    assert verdict(_c(500, 110, math.inf), _c(100, 80, 120), 0, 0)[0] == "tied"  # an open CI overlaps
    assert verdict(_c(500, 200, math.inf), _c(100, 80, 120), 0, 0)[0] == "lost"
    assert verdict(_c(100, 90, 110), _c(math.inf, math.inf, math.inf), 1, 0)[0] == "won"
    # no success of ours: [inf, inf] shares no finite point with an interval open above
    assert verdict(_c(math.inf, math.inf, math.inf), _c(3000, 1200, math.inf), 0, 0)[0] == "lost"
    inf = _c(math.inf, math.inf, math.inf)
    assert verdict(inf, inf, 0.5, 1.0)[0] == "won" and verdict(inf, inf, 2.0, 1.0)[0] == "lost"
    assert verdict(inf, inf, 1.0, 1.0)[0] == "tied"


# ---- the NK landscape -----------------------------------------------------------------------------


def test_nk_optimum_is_the_brute_force_minimum():
    p = bp.nk_adjacent(n=6, k=3, seed=1)
    values = [p(np.array(c), None) for c in itertools.product(range(3), repeat=6)]
    assert p.f_opt == pytest.approx(min(values))
    tables = np.random.default_rng(1).random((4, 3, 3, 3))
    c = np.array([0, 2, 1, 1, 0, 2])
    assert p(c, None) == pytest.approx(sum(tables[i, c[i], c[i + 1], c[i + 2]] for i in range(4)))
    q = get_problem("nk-adjacent")
    assert q.categories.tolist() == [3] * 20 and q.gaps[-1] == 0 and 0 < q.f_opt < 18
    with pytest.raises(ValueError, match="n >= 3"):
        bp.nk_adjacent(n=2)


# ---- traces, reuse and the IOHanalyzer export -----------------------------------------------------


def test_run_one_records_the_improvement_trace(tmp_path):
    r = run_one(get_problem("catsphere-K5"), MAIN, 200, 1)
    tr = r["trace"]
    assert tr[0][0] == 1 and tr[-1][1] == r["best_gap"]
    assert all(a[0] < b[0] and a[1] > b[1] for a, b in zip(tr, tr[1:]))
    write_traces(tmp_path / "t.csv.gz", {("main", "catsphere-K5", MAIN, 1): tr})
    back = read_traces(tmp_path / "t.csv.gz")[("main", "catsphere-K5", MAIN, 1)]
    assert [e for e, _ in back] == [e for e, _ in tr] and np.allclose([g for _, g in back], [g for _, g in tr])
    (tmp_path / "bad.csv.gz").write_bytes(gzip.compress(b"a,b\n"))
    with pytest.raises(ValueError, match="bad.csv.gz: not a traces file"):
        read_traces(tmp_path / "bad.csv.gz")


def _runs(folder):
    with open(folder / "runs.csv", newline="") as f:
        return {(r["track"], r["problem"], r["optimizer"], r["seed"]): r for r in csv.DictReader(f)}


def _rewrite_runs(folder, change):
    rows = list(_runs(folder).values())
    for r in rows:
        change(r)
    with open(folder / "runs.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_reuse_takes_the_peers_runs_and_reruns_ours(tmp_path):
    kw = dict(problems=["onemax"], optimizers=[MAIN, "random"], seeds=2, budgets={"onemax": 40}, short_budget=None,
              progress=False)  # fmt: skip
    run_study(tmp_path / "a", **kw)
    marked = ("main", "onemax", "random", "1")  # seed 0 is spot-checked (run again), seed 1 is taken as it is

    def mark(r):
        if (r["track"], r["problem"], r["optimizer"], r["seed"]) == marked:
            r["wall_s"] = "123.0"  # a marker only a reused row carries

    _rewrite_runs(tmp_path / "a", mark)
    meta = run_study(tmp_path / "b", reuse=[tmp_path / "a"], **kw)
    runs_b = _runs(tmp_path / "b")
    assert float(runs_b[marked]["wall_s"]) == 123.0 and meta["run_here"] == 2  # ours ran again
    rec = meta["reused"]
    assert rec["sources"][0]["reused"] == {"random": ["onemax"]} and rec["sources"][0]["runs"] == 2
    assert rec["spot_checks"] == {"random on onemax": "identical"} and rec["rerun"] == {}
    assert rec["sources"][0]["runs_without_trace"] == 0  # the source recorded traces
    md = (tmp_path / "b" / "blackbox.md").read_text()
    assert "Reused peers' runs: 2 runs taken from" in md and "1 of 1 identical" in md
    assert rec["sources"][0]["code_fingerprint"] == "unchanged"
    # the peers' code changed since the source study: still reused, the spot check decides
    m = json.loads((tmp_path / "a" / "meta.json").read_text())
    (tmp_path / "a" / "meta.json").write_text(json.dumps({**m, "peer_code_sha256": "0" * 64}))
    meta = run_study(tmp_path / "b2", reuse=[tmp_path / "a"], **kw)
    assert meta["run_here"] == 2 and meta["reused"]["spot_checks"] == {"random on onemax": "identical"}
    assert meta["reused"]["sources"][0]["code_fingerprint"].startswith("changed since the source study")
    # a spot check that differs: every run of the pair is made again
    _rewrite_runs(tmp_path / "a", lambda r: r.update(best_gap="-5.0") if r["optimizer"] == "random" else None)
    meta = run_study(tmp_path / "c", reuse=[tmp_path / "a"], **kw)
    assert meta["run_here"] == 4 and meta["reused"]["spot_checks"]["random on onemax"].startswith("differs")
    assert float(_runs(tmp_path / "c")[marked]["wall_s"]) != 123.0
    # another numpy version recorded: nothing is reused, and the reason is recorded
    m = json.loads((tmp_path / "a" / "meta.json").read_text())
    m["versions"]["numpy"] = "0.0"
    (tmp_path / "a" / "meta.json").write_text(json.dumps(m))
    meta = run_study(tmp_path / "d", reuse=[tmp_path / "a"], **kw)
    assert meta["run_here"] == 4 and "versions changed: numpy 0.0 ->" in meta["reused"]["rerun"]["random on onemax"]
    with pytest.raises(ValueError, match="no runs.csv"):
        run_study(tmp_path / "e", reuse=[tmp_path / "nowhere"], **kw)


def test_reuse_goes_track_by_track(tmp_path):
    """A source with fewer short-track seeds than asked (``--untuned-seeds`` limited both tracks
    before asng-opt 0.7's study): its main-track runs are still taken, the short track is run again."""
    kw = dict(problems=["nk-adjacent"], optimizers=["random"], budgets={"nk-adjacent": 40}, short_budget=20,
              progress=False)  # fmt: skip
    run_study(tmp_path / "a", seeds=2, **kw)
    meta = run_study(tmp_path / "b", seeds=3, seeds_by_problem={"nk-adjacent": 2}, **kw)
    assert meta["run_here"] == 5 and meta["reused"] is None
    meta = run_study(tmp_path / "c", seeds=3, seeds_by_problem={"nk-adjacent": 2}, reuse=[tmp_path / "a"], **kw)
    rec = meta["reused"]
    assert rec["runs"] == 2 and meta["run_here"] == 3  # main seeds 0 and 1 taken; the short track's 3 run here
    assert rec["spot_checks"] == {"random on nk-adjacent": "identical"}
    assert list(rec["rerun"]) == ["random on nk-adjacent, short track"]
    assert "short track, budget 20, seed 2" in rec["rerun"]["random on nk-adjacent, short track"]
    assert _runs(tmp_path / "c").keys() == _runs(tmp_path / "b").keys()
    # the tracks from two sources: each source is spot-checked (here the short track's source differs)
    run_study(tmp_path / "d", seeds=3, **kw)
    _rewrite_runs(tmp_path / "d", lambda r: r.update(best_gap="-5.0") if r["track"] == "short" else None)
    two = [tmp_path / "a", tmp_path / "d"]
    meta = run_study(tmp_path / "e", seeds=3, seeds_by_problem={"nk-adjacent": 2}, reuse=two, **kw)
    assert meta["reused"]["spot_checks"]["random on nk-adjacent"].startswith("differs (short track")
    assert meta["run_here"] == 5 and all(float(r["best_gap"]) >= 0 for r in _runs(tmp_path / "e").values())


def test_cli_quick_exports_the_runs_for_iohanalyzer(tmp_path):
    pytest.importorskip("ioh")
    out = tmp_path / "bb"
    main(["blackbox", "--quick", "--out", str(out), "--seeds", "2", "--problems", "onemax", "nk-adjacent",
          "--optimizers", MAIN, "bb-no-margin", "random"])  # fmt: skip
    traces = read_traces(out / "traces.csv.gz")
    runs = _runs(out)
    with zipfile.ZipFile(out / "ioh" / "main.zip") as z:
        names = z.namelist()
        info = json.loads(z.read(f"{MAIN}/IOHprofiler_f1_onemax.json"))
        dat = z.read(f"{MAIN}/data_f1_onemax/IOHprofiler_f1_DIM100.dat").decode().splitlines()
    nk_id = list(PROBLEMS).index("nk-adjacent") + 1
    assert f"random/IOHprofiler_f{nk_id}_nk-adjacent.json" in names
    assert info["function_name"] == "onemax" and info["maximization"] is False
    logged = [r["evals"] for sc in info["scenarios"] for r in sc["runs"]]
    assert logged == [int(runs[("main", "onemax", MAIN, str(s))]["n_evals"]) for s in (0, 1)]
    blocks, cur = [], None
    for line in dat:
        if line.startswith("evaluations"):
            cur = []
            blocks.append(cur)
        else:
            e, y = line.split()
            cur.append((int(e), float(y)))
    assert len(blocks) == 2
    for s, block in enumerate(blocks):
        assert [e for e, _ in block] == [e for e, _ in traces[("main", "onemax", MAIN, s)]]
    assert (out / "ioh" / "short.zip").is_file() and f"f{nk_id}: nk-adjacent" in (out / "ioh" / "README.md").read_text()
    md = (out / "blackbox.md").read_text()
    assert "— untuned problems" in md and "### Ablation, main track" in md and "who wins (issue 12's rule)" in md
