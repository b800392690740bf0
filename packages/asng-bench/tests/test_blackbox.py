import csv
import itertools
import json
import math

import numpy as np
import pytest

from asng_bench.blackbox import problems as bp
from asng_bench.blackbox.registry import (
    OPTIMIZERS,
    OURS,
    PROBLEMS,
    applies,
    default_problems,
    get_problem,
    importable,
    main_budgets,
    make_searcher,
    quick_problems,
    untuned_label,
    untuned_problems,
)
from asng_bench.blackbox.runner import HIT_COLUMNS, RUN_COLUMNS, run_one, run_study
from asng_bench.blackbox.summary import SUMMARY_COLUMNS
from asng_bench.cli import main
from asng_bench.stats import ert, sp1_of_hits

# ---- problems against hand-computed values ---------------------------------------------------


def test_onemax_values():
    p = bp.onemax(100)
    assert p(np.ones(100, dtype=int)) == 0.0 == p.f_opt
    assert p(np.zeros(100, dtype=int)) == 100.0
    x = np.ones(100, dtype=int)
    x[[3, 50, 99]] = 0
    assert p(x) == 3.0
    assert p.gaps[-1] == 0 and list(p.categories) == [2] * 100


def test_leadingones_values():
    p = bp.leadingones(100)
    assert p(np.ones(100, dtype=int)) == 0.0
    assert p(np.zeros(100, dtype=int)) == 100.0
    x = np.ones(100, dtype=int)
    x[2] = 0  # 1 1 0 1 1 ...: two leading ones
    assert p(x) == 98.0
    x[[2, 60]] = [1, 0]  # sixty leading ones
    assert p(x) == 40.0


def test_categorical_sphere_optimum_and_a_known_point():
    p = bp.categorical_sphere(20, 5)
    opt = np.array([1, 4, 2, 0, 3] * 4)  # (3 i + 1) mod 5
    assert p(opt) == 0.0 == p.f_opt
    # all zeros: each block of five contributes (1 + 16 + 4 + 0 + 9) / 16 = 1.875
    assert p(np.zeros(20, dtype=int)) == pytest.approx(4 * 1.875)
    x = opt.copy()
    x[0] = 3  # two categories away: (2/4)^2
    assert p(x) == pytest.approx(0.25)


def test_categorical_ellipsoid_optimum_and_weights():
    p = bp.categorical_ellipsoid(20, 10)
    opt = (3 * np.arange(20) + 1) % 10
    assert p(opt) == 0.0
    first, last = opt.copy(), opt.copy()
    first[0] += 1
    last[-1] += 1
    assert p(first) == pytest.approx(1 / 81)
    assert p(last) == pytest.approx(1000 / 81)
    assert p.categories.tolist() == [10] * 20


def test_mixed_values():
    p = bp.mixed()
    c_opt = np.array([1, 4, 2, 0, 3] * 2)
    z_opt = -10 + (7 * np.arange(10) + 3) % 21
    assert z_opt[:3].tolist() == [-7, 0, 7]
    assert p(c_opt, z_opt) == 0.0
    c, z = c_opt.copy(), z_opt.copy()
    c[4] = 0
    z[0] += 5
    assert p(c, z) == pytest.approx(1 + 0.25)
    assert p.n_int == 10 and p.int_low.tolist() == [-10] * 10 and p.int_high.tolist() == [10] * 10


def test_rosenbrock_and_mixed_real_values():
    p = bp.rosenbrock(shift_seed=None)
    assert (p.n_cat, p.n_int, p.n_real, p.gaps[-1]) == (0, 0, 10, 1e-6)
    assert p(np.zeros(0), None, np.ones(10)) == 0.0
    assert p(np.zeros(0), None, np.zeros(10)) == pytest.approx(9.0)  # (1 - 0)^2 per term
    assert p(np.zeros(0), None, np.full(10, 99.0)) == p(np.zeros(0), None, np.full(10, 5.0))  # clipped into the box
    moved = bp.rosenbrock()  # the study's: the optimum moved to r* ~ U(-3, 3)^10 (seed 2019)
    r_opt = np.random.default_rng(2019).uniform(-3.0, 3.0, 10)
    assert moved(np.zeros(0), None, r_opt) == 0.0 and moved.description != p.description
    y = np.linspace(-1.0, 1.0, 10)  # y + r* - 1 stays inside the box
    assert moved(np.zeros(0), None, y + r_opt - 1.0) == pytest.approx(p(np.zeros(0), None, y))
    m = bp.mixed_real()
    c_opt, r_opt = (3 * np.arange(10) + 1) % 4, -3.5 + 1.7 * np.arange(5)
    assert m(c_opt, None, r_opt) == 0.0
    r = r_opt.copy()
    r[4] += 0.1  # weight 100
    assert m((c_opt + 1) % 4, None, r) == pytest.approx(10 + 1.0)


def test_toy_fixed_x_is_the_papers_expectation():
    d, k = 30, 5
    p = bp.toy_fixed_x(d, k, seed=0, shuffle_seed=None)
    x = np.random.default_rng(0).standard_normal((d, k))
    c = np.zeros(d, dtype=int)
    assert p(c) == pytest.approx(np.sum(x[:, 0] ** 2) + d / k**2)
    best = np.argmin(x**2 + np.arange(k) / k, axis=1)
    assert p(best) == pytest.approx(p.f_opt)
    assert all(p(np.full(d, j)) >= p.f_opt for j in range(k))
    # the study's: each variable's categories shuffled (seed 2019), the same values otherwise
    s = bp.toy_fixed_x(d, k, seed=0)
    perm = np.argsort(np.random.default_rng(2019).random((d, k)), axis=1)
    assert s.f_opt == pytest.approx(p.f_opt) and s.description != p.description
    rng = np.random.default_rng(1)
    for _ in range(20):
        c = rng.integers(0, k, d)
        assert s(c) == pytest.approx(p(perm[np.arange(d), c]))


def start_point_issues(p: bp.Problem) -> list[str]:
    """What makes problem ``p`` favour a point optimizers start from (empty: nothing). Category 0 in
    every variable is nevergrad's first point; the box's centre (integers rounded) is every
    model-based optimizer's first mean, ours included. Neither may reach the first target, and
    category 0 everywhere (the other variables at the centre) must be no better than the 1 %
    quantile of 1,000 uniform draws of the categories. The centre is not held to a quantile: on a
    problem that grows away from its optimum the centre beats most uniform draws of the box (the
    moved Rosenbrock's, gap 14,863, beats 99.6 % of them), and every model-based optimizer starts there
    alike."""
    z0 = np.round((p.int_low + p.int_high) / 2).astype(np.int64) if p.n_int else None
    r0 = (p.real_low + p.real_high) / 2 if p.n_real else None
    start = p(np.zeros(p.n_cat, dtype=np.int64), z0, r0) - p.f_opt
    issues = []
    if not start > p.gaps[0]:
        issues.append(f"{p.name}: its start point has gap {start:g}, past the first target {p.gaps[0]:g}")
    if p.n_cat:
        rng = np.random.default_rng(0)
        q01 = float(np.quantile([p(rng.integers(0, p.categories), z0, r0) - p.f_opt for _ in range(1000)], 0.01))
        if start < q01:
            issues.append(f"{p.name}: category 0 everywhere (gap {start:g}) beats 99 % of uniform draws ({q01:g})")
    return issues


def test_no_problem_favours_a_start_point():
    """A kind the toy and Rosenbrock were (``start_point_issues``): no problem of the study is, and
    their definitions before the shuffle / the move are caught, each by its own criterion."""
    for name in default_problems():
        assert start_point_issues(get_problem(name)) == []
    toy = start_point_issues(bp.toy_fixed_x(shuffle_seed=None))  # gap 5.9; uniform draws' median 31
    assert len(toy) == 1 and "beats 99 %" in toy[0]
    rosenbrock = start_point_issues(bp.rosenbrock(shift_seed=None))  # the centre: gap 9, first target 100
    assert len(rosenbrock) == 1 and "past the first target" in rosenbrock[0]


def test_ioh_problem_if_installed():
    pytest.importorskip("ioh")
    mask = np.random.default_rng(2019).integers(0, 2, 100)
    p = bp.ioh_problem(19)
    assert p(np.ones(100, dtype=int) ^ mask) == 0.0 == p(mask)  # the Ising ring's optimum: all spins equal
    assert p(np.zeros(100, dtype=int)) > 0  # no longer at the corner
    assert bp.ioh_problem(19, xor_seed=None)(np.zeros(100, dtype=int)) == 0.0


# ---- registries -------------------------------------------------------------------------------


def test_problem_registry_names_budgets_and_studies():
    for name, spec in PROBLEMS.items():
        if importable(spec.package):
            assert get_problem(name).name == name
    assert main_budgets()["leadingones"] == 6000 and main_budgets()["catellipsoid-K10"] == 4000
    assert set(main_budgets(400).values()) == {400}
    assert quick_problems() == ["onemax", "catsphere-K5", "mixed", "toy-fixed-x"]
    default = ["onemax", "catsphere-K5", "mixed", "toy-fixed-x", "catellipsoid-K10", "leadingones"]
    with_ioh = ["ioh-f19-isingring", "ioh-f22-mis"] if importable("ioh") else []
    f24 = ["ioh-f24-concatenatedtrap"] if importable("ioh") else []
    new = ["int-real-ellipsoid", "hpo-conditional", "int-rastrigin", "int-knapsack", "int-rotated-ellipsoid",
           "int-rosenbrock", "cat-int-conditional", "int-log-widths", "int-schwefel"]  # fmt: skip
    f20 = ["ioh-f20-isingtorus"] if importable("ioh") else []
    newer = ["int-styblinski-tang", "int-levy"]
    newest = ["int-zakharov", "sharp-ridge", "different-powers", "cat-real-cigar", "linear-slope", "attractive-sector"]
    new = (
        new + f20 + ["int-step-ellipsoid"] + newer + newest + ["int-ackley", "int-griewank", "int-trid", "int-salomon"]
    )
    assert default_problems() == default + with_ioh + ["nk-adjacent", "rosenbrock", "mixed-real"] + f24 + new
    assert untuned_problems() == ["ioh-f22-mis", "nk-adjacent", "rosenbrock", "mixed-real",
                                  "ioh-f24-concatenatedtrap", *new]  # fmt: skip
    # the real-valued ones were tuned on from asng-opt 0.7 on (the real step's elite rule), int-real
    # from 0.8 on (the integer rules), int-rastrigin from 0.9 on (the integer mutants' steps), the
    # knapsack and the rotated ellipsoid from 0.10 on (the integers in the full covariance), int-rosenbrock and
    # cat-int-conditional from 0.11 on (the restart rule), the other problems with mutants from 0.12 on
    # (mutants earn their share), int-step-ellipsoid from 0.13 on (the integers' start), the problems
    # added in 0.13's round from 0.14 on (active CMA-ES): labelled so; the Ising torus (0.12's round;
    # categorical, where neither 0.13's nor 0.14's rule changes anything) is untuned, int-zakharov (0.14's
    # round; integers alone, where 0.15's resolution of the reals changes nothing) was until 0.17; sharp-ridge
    # (0.14's round) from 0.15 on (the reals' resolution); the problems added in 0.15's round (0.16's
    # repaired draws change none of their default runs) and in 0.16's are untuned; int-zakharov is labelled
    # from 0.17 on (the integer mutants' uniform values were checked on it); those added in 0.17's round from
    # 0.18 on (the descent without the elite and the walk stall were checked on them); 0.18's untuned
    labels = [untuned_label(p) for p in untuned_problems()]
    assert labels == (
        ["untuned until asng-opt 0.12"] * 2 + ["untuned until asng-opt 0.7"] * 2
        + ["untuned until asng-opt 0.12", "untuned until asng-opt 0.8"]
        + ["untuned until asng-opt 0.12", "untuned until asng-opt 0.9"] + ["untuned until asng-opt 0.10"] * 2
        + ["untuned until asng-opt 0.11"] * 2 + ["untuned until asng-opt 0.12"] * 2 + ["untuned"] * len(f20)
        + ["untuned until asng-opt 0.13"] + ["untuned until asng-opt 0.14"] * 2
        + ["untuned until asng-opt 0.17", "untuned until asng-opt 0.15", "untuned", "untuned", "untuned", "untuned"]
        + ["untuned until asng-opt 0.18"] * 2 + ["untuned", "untuned"]
    )  # fmt: skip
    assert untuned_label("onemax") == "" == untuned_label("no-such-problem")


def test_optimizer_registry_ours_first():
    ablations = ("bb-no-margin", "bb-no-elitism", "bb-restart-uniform", "bb-restart-converged", "bb-quantile-all",
                 "bb-log-all", "bb-lam16",
                 "bb-no-mutant", "bb-one-mutant", "bb-no-union", "bb-half-mutants", "bb-diagonal", "bb-sigma-quarter",
                 "bb-real-elite-twice", "bb-ranks",
                 "bb-lam-dim", "bb-no-cache", "bb-no-int-margin", "bb-raw-elite", "bb-int-asng",
                 "bb-unit-int-steps", "bb-harmonic-int-steps", "bb-no-inject-clip", "bb-near-after-spent",
                 "bb-unearned-mutants",
                 "bb-int-sigma-half", "bb-no-active", "bb-resolution-1e-6", "bb-elite-in-descent",
                 "bb-no-walk-stall")  # fmt: skip
    assert OURS == ("asng-bb", "asng-l2", "asng-l16", *ablations) == tuple(OPTIMIZERS)[: len(OURS)]
    assert [OPTIMIZERS[n].role for n in OURS[:3]] == ["main", "reference", "reference"]
    assert [n for n, o in OPTIMIZERS.items() if o.short_only] == ["bb-lam-dim", "optuna-tpe", "optuna-cmaes"]


# ---- ERT / SP1 ---------------------------------------------------------------------------------


def test_ert_and_sp1_arithmetic():
    evals, used = [10, None, 30], [10, 100, 30]
    assert ert(evals, used) == pytest.approx((10 + 100 + 30) / 2)
    assert sp1_of_hits(evals) == pytest.approx(20 / (2 / 3))
    # every run succeeds: both are the mean
    assert ert([4, 6], [4, 6]) == sp1_of_hits([4, 6]) == 5.0


def test_ert_and_sp1_with_zero_successes():
    assert ert([None, None], [100, 100]) == math.inf
    assert sp1_of_hits([None, None]) == math.inf
    with pytest.raises(ValueError):
        ert([1], [1, 2])


# ---- runner ------------------------------------------------------------------------------------


def test_run_one_counts_evaluations_and_hits():
    p = get_problem("onemax")
    r = run_one(p, "random", 64, 0)
    assert r["n_evals"] == 64 and not r["solved"]
    r = run_one(p, "asng-l2", 3000, 0)  # seeded: solves OneMax
    assert r["solved"] and None not in r["hits"] and r["hits"] == sorted(r["hits"])
    assert r["n_evals"] == r["hits"][-1] and r["best_gap"] == 0
    assert run_one(p, "asng-l2", 3000, 0)["hits"] == r["hits"]  # the same seed, the same run
    # the overhead is the run's time outside the objective, per evaluation
    assert 0 <= r["objective_s"] <= r["wall_s"]
    assert r["overhead_us_per_eval"] == pytest.approx((r["wall_s"] - r["objective_s"]) / r["n_evals"] * 1e6)


def test_runner_writes_the_documented_csv_columns(tmp_path):
    meta = run_study(
        tmp_path,
        problems=["onemax", "mixed"],
        optimizers=["asng-l2", "random"],
        seeds=2,
        budgets={"onemax": 60, "mixed": 60},
        short_budget=20,
        progress=False,
    )
    for name, cols in (("runs.csv", RUN_COLUMNS), ("hits.csv", HIT_COLUMNS), ("summary.csv", SUMMARY_COLUMNS)):
        with open(tmp_path / name, newline="") as f:
            rows = list(csv.DictReader(f))
        assert list(rows[0]) == cols, name
    with open(tmp_path / "runs.csv", newline="") as f:
        runs = list(csv.DictReader(f))
    # 2 problems x 2 optimizers x 2 seeds x 2 tracks
    assert len(runs) == 16
    assert {r["track"] for r in runs} == {"main", "short"}
    assert all(int(r["n_evals"]) <= int(r["budget"]) for r in runs)
    assert json.loads((tmp_path / "meta.json").read_text())["seeds"] == meta["seeds"] == 2
    assert "ERT" in (tmp_path / "blackbox.md").read_text()
    assert (tmp_path / "ecdf.png").stat().st_size > 0


def test_cli_quick_and_readme_section(tmp_path):
    out = tmp_path / "bb"
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Results\n\n## Toy study\n\nkeep me\n\n## Black-box comparison\n\nold\n\n## Later\n\nkeep too\n"
    )
    main(
        [
            "blackbox",
            "--quick",
            "--out",
            str(out),
            "--seeds",
            "1",
            "--problems",
            "onemax",
            "--optimizers",
            "asng-l16",
            "random",
            "--readme",
            str(readme),
        ]
    )
    text = readme.read_text()
    assert "keep me" in text and "keep too" in text and "\nold\n" not in text
    assert text.count("## Black-box comparison") == 1 and "asng-l16" in text


# ---- peers (skipped when not installed) -------------------------------------------------------


@pytest.mark.parametrize(
    "name, module",
    [("cmaes-catcmawm", "cmaes"), ("cmaes-catcmawm-cache", "cmaes"), ("ng-dopo", "nevergrad"),
     ("ng-ngopt", "nevergrad"), ("optuna-tpe", "optuna")],
)  # fmt: skip
def test_peer_runs_on_a_categorical_and_the_mixed_problem(name, module):
    pytest.importorskip(module)
    for pname in ("catsphere-K5", "mixed"):
        r = run_one(get_problem(pname), name, 40, 0)
        assert r["n_evals"] == 40 and math.isfinite(r["best_gap"])


@pytest.mark.parametrize(
    "name, module",
    [("asng-bb", None), ("asng-l2", None), ("random", None), ("cmaes-catcmawm", "cmaes"), ("ng-ngopt", "nevergrad"),
     ("ng-dopo", "nevergrad"), ("optuna-tpe", "optuna"), ("optuna-cmaes", "optuna")],
)  # fmt: skip
def test_every_optimizer_runs_on_the_real_valued_problems(name, module):
    if module:
        pytest.importorskip(module)
    for pname in ("rosenbrock", "mixed-real"):
        prob = get_problem(pname)
        if not applies(name, prob):
            assert name in ("ng-dopo", "ng-ngopt") and prob.n_cat == 0  # not on a purely real problem
            continue
        searcher = make_searcher(name, prob, 40, 0)
        cands = searcher.ask()
        for c, z, r in cands:
            assert c.shape == (prob.n_cat,) and z is None and r.shape == (prob.n_real,)
        searcher.tell([prob(c, z, r) for c, z, r in cands])
        res = run_one(prob, name, 40, 0)
        assert res["n_evals"] == 40 and 0 <= res["best_gap"] < math.inf


def test_optuna_cmaes_on_the_mixed_problem():
    pytest.importorskip("optuna")
    r = run_one(get_problem("mixed"), "optuna-cmaes", 30, 0)
    assert r["n_evals"] == 30


def test_resume_keeps_finished_runs(tmp_path):
    kw = dict(problems=["onemax"], optimizers=["random"], seeds=2, budgets={"onemax": 30}, short_budget=None)
    run_study(tmp_path, progress=False, **kw)
    row = next(csv.DictReader(open(tmp_path / "runs.csv", newline="")))
    kept = {k: row[k] for k in ("track", "problem", "optimizer")}
    kept.update(budget=30, seed=0, n_evals=30, best_gap=-1.0, overhead_us_per_eval=1.0)  # -1: a marker
    hits = [{**kept, "target_index": 0, "target_gap": 20.0, "evals": None, "n_evals": 30}]
    (tmp_path / "partial.jsonl").write_text(json.dumps([kept, hits]) + "\n")
    meta = run_study(tmp_path, progress=False, resume=True, **kw)
    assert meta["resumed_runs"] == 1 and not (tmp_path / "partial.jsonl").exists()
    runs = list(csv.DictReader(open(tmp_path / "runs.csv", newline="")))
    assert len(runs) == 2 and sorted(float(r["best_gap"]) for r in runs)[0] == -1.0
    assert "wall_s_total" not in meta  # the stopped pass did not record its time (an older partial.jsonl)


def test_resume_records_the_wall_time_of_every_pass(tmp_path):
    from asng_bench.blackbox.partial import append_partial, read_partial
    from asng_bench.blackbox.runs import run_task

    kw = dict(problems=["onemax"], optimizers=["random"], seeds=2, budgets={"onemax": 30}, short_budget=None)
    meta = run_study(tmp_path, progress=False, **kw)
    assert "wall_s_total" not in meta  # one pass: wall_s is all of it
    partial = tmp_path / "partial.jsonl"
    partial.write_text("")
    append_partial(partial, run_task(("main", "onemax", "random", 30, 0)), 100.0)  # a first pass stopped at 100 s
    done, wall = read_partial(partial, resume=True)
    assert list(done) == [("main", "onemax", "random", 30, 0)] and wall == 100.0
    meta = run_study(tmp_path, progress=False, resume=True, **kw)
    assert meta["resumed_runs"] == 1 and meta["run_here"] == 1
    assert meta["wall_s_total"] == pytest.approx(100.0 + meta["wall_s"], abs=0.11)
    assert json.loads((tmp_path / "meta.json").read_text())["wall_s_total"] == meta["wall_s_total"]


def test_partial_file_with_a_broken_line_is_refused(tmp_path):
    from asng_bench.blackbox.partial import read_partial

    partial = tmp_path / "partial.jsonl"
    partial.write_text('[{"track": "main"}, []]\n')
    with pytest.raises(ValueError, match="partial.jsonl: line 1 is not a finished run"):
        read_partial(partial, resume=True)
    assert partial.read_text() == '[{"track": "main"}, []]\n'  # left as it was


def test_command_line_records_resume():
    from asng_bench.blackbox.cli import _command_line
    from asng_bench.cli import build_parser

    args = build_parser().parse_args(["blackbox", "--out", "x", "--jobs", "2", "--resume", "--seeds", "3"])
    assert _command_line(args) == "asng-bench blackbox --out x --jobs 2 --resume --seeds 3"
    args = build_parser().parse_args(["blackbox", "--out", "x"])
    assert "--resume" not in _command_line(args)


def test_report_only_rebuilds_from_the_csvs(tmp_path):
    run_study(tmp_path, problems=["onemax"], optimizers=["random"], seeds=1, budgets={"onemax": 20}, progress=False)
    (tmp_path / "summary.csv").unlink()
    (tmp_path / "blackbox.md").unlink()
    main(["blackbox", "--report-only", "--out", str(tmp_path)])
    assert (tmp_path / "summary.csv").exists() and "random" in (tmp_path / "blackbox.md").read_text()


def test_fewer_seeds_for_a_problem_apply_to_its_main_track_only():
    """``--untuned-seeds`` limits the main track (whose peers' runs take minutes); the short track,
    150 evaluations, keeps every seed."""
    from asng_bench.blackbox.runs import plan

    tasks = plan(["onemax", "nk-adjacent"], ["random"], 4, {"onemax": 100, "nk-adjacent": 100}, 150, {"nk-adjacent": 2})
    seeds = {(track, p): sorted(s for t, q, _, _, s in tasks if (t, q) == (track, p)) for track, p, *_ in tasks}
    assert seeds == {("main", "onemax"): [0, 1, 2, 3], ("short", "onemax"): [0, 1, 2, 3],
                     ("main", "nk-adjacent"): [0, 1], ("short", "nk-adjacent"): [0, 1, 2, 3]}  # fmt: skip


def test_the_preamble_names_the_track_fewer_seeds_apply_to():
    from asng_bench.blackbox.preamble import preamble

    meta = {"command": "c", "wall_s": 1.0, "jobs": 1, "seeds": 25, "seeds_by_problem": {"nk-adjacent": 12},
            "versions": {}, "machine": {}}  # fmt: skip
    old = preamble(meta)[0]  # a study before asng-opt 0.7's: both tracks had the fewer seeds
    new = preamble({**meta, "short_seeds_full": True})[0]
    assert old.endswith("25 seeds (0–24) per optimizer and problem; 12 (0–11) on nk-adjacent.")
    assert new.endswith("25 seeds (0–24) per optimizer and problem; 12 (0–11) on the main track of nk-adjacent.")
    assert "1 seed (0–0) per optimizer and problem." in preamble({**meta, "seeds": 1, "seeds_by_problem": {}})[0]


def test_int_real_ellipsoid_has_its_optimum_where_drawn_and_rotated_reals():
    p = bp.int_real_ellipsoid()
    rng = np.random.default_rng(2026)  # the problem's draws, in its order
    z_opt = rng.integers(-18, 19, 10)
    r_opt = rng.uniform(-4.0, 4.0, 5)
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt, r_opt) == pytest.approx(0.0, abs=1e-20) and p.f_opt == 0.0
    z = z_opt.copy()
    z[0] += 1  # weight 1: one unit off costs exactly 1
    assert p(none, z, r_opt) == pytest.approx(1.0)
    # rotated: moving one real alone changes the value by a quadratic form that is not diagonal
    e0, e1 = np.eye(5)[0] * 0.1, np.eye(5)[1] * 0.1
    f = lambda d: p(none, z_opt, r_opt + d)  # noqa: E731
    assert f(e0 + e1) != pytest.approx(f(e0) + f(e1))
    assert (p.n_cat, p.n_int, p.n_real) == (0, 10, 5) and start_point_issues(p) == []


def test_hpo_conditional_has_its_optimum_where_drawn_and_moves_it_with_the_first_category():
    p = bp.hpo_conditional()
    rng = np.random.default_rng(2027)  # the problem's draws, in its order
    k, low, high = np.array([2, 3, 4, 5]), np.array([1, 0, -50, 2, 0]), np.array([8, 100, 50, 40, 3])
    c_opt, z_opt = rng.integers(0, k), rng.integers(low, high + 1)
    a, b = rng.uniform(-1.2, 1.2, 4), rng.uniform(-1.2, 1.2, 4)
    r_opt = a + c_opt[0] * b
    assert np.all(np.abs(r_opt) <= 3) and p(c_opt, z_opt, r_opt) == pytest.approx(0.0, abs=1e-20)
    # another first category: one wrong category, and the reals' optimum moves with it
    c = c_opt.copy()
    c[0] = 1 - c[0]
    assert p(c, z_opt, a + c[0] * b) == pytest.approx(1.0)
    assert p(c, z_opt, r_opt) > 1.0 + 1e-3
    z = z_opt.copy()
    z[1] += 1 if z[1] < 100 else -1  # the widest integer: one unit costs (1 / 10)^2
    assert p(c_opt, z, r_opt) == pytest.approx(0.01)
    assert (p.n_cat, p.n_int, p.n_real) == (4, 5, 4) and start_point_issues(p) == []


def test_int_rastrigin_has_a_local_minimum_every_fourth_integer():
    p = bp.int_rastrigin()
    z_opt = np.random.default_rng(2027).integers(-25, 26, 10)
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == pytest.approx(0.0, abs=1e-12)
    values = []
    for d in range(-6, 7):
        z = z_opt.copy()
        z[3] += d
        values.append(p(none, z))
    values = np.array(values)  # d = -6 .. 6
    assert values[6] == pytest.approx(0.0, abs=1e-12) and values[10] == pytest.approx(4.0)  # d = 0, d = 4
    assert values[9] == pytest.approx(12.25) and values[11] == pytest.approx(16.25)  # its neighbours
    local = [i for i in range(1, 12) if values[i] < values[i - 1] and values[i] < values[i + 1]]
    assert [i - 6 for i in local] == [-4, 0, 4]
    # over the whole reach of d (the box [-30, 30] and z* in [-25, 25]): minima at 0, +-4, ..., +-20
    d = np.arange(-55, 56)
    term = d * d / 4.0 + 10.0 * (1.0 - np.cos(np.pi * d / 2.0))
    strict = d[1:-1][(term[1:-1] < term[:-2]) & (term[1:-1] < term[2:])]
    assert strict.tolist() == list(range(-20, 21, 4))
    assert (p.n_cat, p.n_int, p.n_real) == (0, 10, 0) and start_point_issues(p) == []


def _knapsack_by_recursion(value, weight, count, cap, rho):
    """The penalised knapsack's optimum and one optimal z, by memoised recursion over (item, weight
    so far): an implementation independent of the problem's table."""
    import functools

    n = len(value)

    @functools.cache
    def best(i, w):
        if i == n:
            return -rho * max(w - cap, 0), ()
        options = [(best(i + 1, w + j * int(weight[i]))[0] + j * int(value[i]), j) for j in range(int(count[i]) + 1)]
        v, j = max(options)
        return v, (j, *best(i + 1, w + j * int(weight[i]))[1])

    return best(0, 0)


def test_knapsack_table_matches_brute_force_on_small_instances():
    import itertools

    rng = np.random.default_rng(0)
    for _ in range(30):
        n = int(rng.integers(1, 5))
        w, v, u = rng.integers(1, 9, n), rng.integers(1, 12, n), rng.integers(0, 4, n)
        cap, rho = int(w @ u) // 2, float(np.ceil(2 * max(v / w)))
        every = itertools.product(*[range(k + 1) for k in u])
        brute = max(float(v @ z) - rho * max(float(w @ z) - cap, 0) for z in every)
        table = bp._knapsack_penalised_optimum(v, w, u, cap, rho)
        assert table == brute == _knapsack_by_recursion(v, w, u, cap, rho)[0]


def test_int_knapsack_reaches_zero_at_its_optimum_and_nowhere_below():
    p = bp.int_knapsack()
    rng = np.random.default_rng(2028)  # the problem's draws, in its order
    weight = rng.integers(5, 41, 12)
    value = weight + rng.integers(-5, 11, 12)
    count = rng.integers(3, 16, 12)
    cap, rho = int(weight @ count) // 2, float(np.ceil(2 * np.max(value / weight)))
    v_opt, z_opt = _knapsack_by_recursion(value, weight, count, cap, rho)
    none = np.zeros(0, dtype=np.int64)
    assert p(none, np.array(z_opt)) == 0.0 and p.f_opt == 0.0  # exact: integer arithmetic
    assert np.array_equal(p.int_high, count) and np.all(p.int_low == 0)
    draws = rng.integers(0, count + 1, (3000, 12))
    vals = np.array([p(none, z) for z in draws])
    assert np.all(vals > 0) and np.all(vals == np.round(vals))  # random points: worse, whole numbers
    # one copy more of an item that fits nowhere costs at least its value's worth: the constraint binds
    assert all(p(none, np.array(z_opt) + np.eye(12, dtype=np.int64)[i]) > 0 for i in range(12) if z_opt[i] < count[i])
    assert (p.n_cat, p.n_int, p.n_real) == (0, 12, 0) and start_point_issues(p) == []


def test_int_rotated_ellipsoid_has_its_optimum_where_drawn_and_couples_the_integers():
    p = bp.int_rotated_ellipsoid()
    rng = np.random.default_rng(2028)
    z_opt = rng.integers(-40, 41, 8)
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 and p.f_opt == 0.0
    e = np.eye(8, dtype=np.int64)
    single = [p(none, z_opt + e[i]) for i in range(8)]
    assert min(single) > 6.45  # no point near the optimum below 6.455 (review: a target of 1 was the optimum's)
    assert p.gaps == (1000.0, 100.0, 10.0, 0.0)
    assert p(none, z_opt + e[0] + e[1]) != pytest.approx(single[0] + single[1])  # not separable
    assert (p.n_cat, p.n_int, p.n_real) == (0, 8, 0) and start_point_issues(p) == []


def test_int_rosenbrock_has_its_only_zero_where_drawn_and_couples_neighbours():
    p = bp.int_rosenbrock()
    z_opt = np.random.default_rng(2029).integers(-10, 11, 6)
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (1000.0, 100.0, 10.0, 0.0)
    small = bp.int_rosenbrock(n=3, low=-9, high=9, seed=5)  # every point of a small instance
    grid = np.array(list(itertools.product(range(-9, 10), repeat=3)))
    vals = np.array([small(none, z) for z in grid])
    assert np.count_nonzero(vals == 0) == 1 and vals.min() == 0 and np.all(vals == np.round(vals))
    e = np.eye(6, dtype=np.int64)
    # a curved valley: moving two neighbours together is not the sum of moving each
    assert p(none, z_opt + e[0] + e[1]) != p(none, z_opt + e[0]) + p(none, z_opt + e[1])
    assert (p.n_cat, p.n_int, p.n_real) == (0, 6, 0) and start_point_issues(p) == []


def test_cat_int_conditional_optimum_is_exact_and_the_best_integer_follows_the_category():
    small = bp.cat_int_conditional(n=2, k=3, low=0, high=12, seed=3)
    cs = list(itertools.product(range(3), repeat=2))
    zs = list(itertools.product(range(13), repeat=2))
    vals = [small(np.array(c), np.array(z), None) for c in cs for z in zs]  # every point
    assert min(vals) == 0.0 and all(v == round(v) for v in vals)
    p = bp.cat_int_conditional()
    rng = np.random.default_rng(2029)
    scale = np.argsort(rng.random((8, 4)), axis=1) + 1
    cost = rng.integers(0, 31, (8, 4))
    target = rng.integers(20, 101, 8)
    zs1 = np.arange(61)
    each = (scale[:, :, None] * zs1 - target[:, None, None]) ** 2 + cost[:, :, None]  # (8, 4, 61)
    best_c = np.array([np.unravel_index(np.argmin(each[i]), each[i].shape)[0] for i in range(8)])
    best_z = np.array([np.argmin(each[i, best_c[i]]) for i in range(8)])
    assert p(best_c, best_z, None) == 0.0 == p.f_opt and p.gaps == (200.0, 50.0, 10.0, 0.0)
    # each pair's best integer depends on its category: another category's best integer differs
    other = (best_c + 1) % 4
    assert np.any(np.argmin(each[np.arange(8), other], axis=1) != best_z)
    assert (p.n_cat, p.n_int, p.n_real) == (8, 8, 0) and start_point_issues(p) == []


def _best_of_uniform_draws(p: bp.Problem, draws: int = 2000, seed: int = 0) -> float:
    """The smallest gap among ``draws`` uniform integer points of ``p``'s box (``default_rng(seed)``)."""
    z = np.random.default_rng(seed).integers(p.int_low, p.int_high + 1, (draws, p.n_int))
    none = np.zeros(0, dtype=np.int64)
    return min(p(none, zi) - p.f_opt for zi in z)


def _one_variable_sweeps(p: bp.Problem, z_opt: np.ndarray) -> list[np.ndarray]:
    """For each variable, ``f`` over its whole range, the others at ``z_opt``."""
    none = np.zeros(0, dtype=np.int64)
    sweeps = []
    for i in range(p.n_int):
        vals = []
        for v in range(int(p.int_low[i]), int(p.int_high[i]) + 1):
            z = z_opt.copy()
            z[i] = v
            vals.append(p(none, z))
        sweeps.append(np.array(vals))
    return sweeps


def test_int_log_widths_has_its_only_zero_at_the_drawn_optimum():
    p = bp.int_log_widths()
    rng = np.random.default_rng(2030)  # the problem's draws
    t = np.round(2.0 ** rng.uniform(1.0, 10.0, 6)).astype(np.int64)
    assert t.tolist() == [24, 305, 370, 21, 5, 25]
    z_opt = np.array([24, 292, 358, 21, 5, 25])  # each term's minimum, the compute cost pulling the large ones down
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (150.0, 1.0, 1e-3, 0.0)
    assert np.all(p.int_low == 1) and np.all(p.int_high == 2048) and (p.n_cat, p.n_int, p.n_real) == (0, 6, 0)
    # separable: every variable over its whole range, the others at the optimum: 0 only at z*, else > 0
    for i, vals in enumerate(_one_variable_sweeps(p, z_opt)):
        assert vals.min() == 0.0 and np.flatnonzero(vals == 0).tolist() == [z_opt[i] - 1]
        assert np.sort(vals)[1] > 2e-5  # the next best value, far above rounding
    # the definition, independently: at a random point
    w = 10.0 ** (np.arange(6) / 5)
    g = lambda z: np.sum(w * (np.log2(z) - np.log2(t)) ** 2 + z / 1024)  # noqa: E731
    z = np.array([3, 1000, 2048, 1, 64, 700])
    assert p(none, z) == pytest.approx(g(z) - g(z_opt), rel=1e-12)
    # a small instance, every point: one zero, nothing below
    small = bp.int_log_widths(n=3, low=1, high=40, seed=7)
    vals = np.array([small(none, np.array(z)) for z in itertools.product(range(1, 41), repeat=3)])
    assert vals.min() == 0.0 and np.count_nonzero(vals == 0) == 1
    # the first target is below the best of 2,000 uniform draws (207), the box's centre far above it
    assert _best_of_uniform_draws(p) > 200 > p.gaps[0] and start_point_issues(p) == []


def test_int_schwefel_has_its_only_zero_at_the_drawn_optimum_and_is_deceptive():
    p = bp.int_schwefel()
    rng = np.random.default_rng(2030)  # the problem's draws, in its order
    centre = rng.integers(-100, 101, 8)
    sign = rng.choice(np.array([-1, 1]), 8)
    z_opt = centre + 421 * sign
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (1000.0, 100.0, 1.0, 0.0)
    assert np.array_equal(p.int_low, centre - 500) and np.array_equal(p.int_high, centre + 500)
    assert (p.n_cat, p.n_int, p.n_real) == (0, 8, 0) and set(sign.tolist()) == {-1, 1}
    # separable: every variable over its whole range, the others at the optimum: 0 only at z*, else > 0
    for i, vals in enumerate(_one_variable_sweeps(p, z_opt)):
        assert vals.min() == 0.0 and np.flatnonzero(vals == 0).tolist() == [z_opt[i] - p.int_low[i]]
        assert np.sort(vals)[1] > 0.1  # one unit off: 0.118
        # deceptive: the second deepest local minimum is on the other side of the box's centre
        x = sign[i] * (np.arange(p.int_low[i], p.int_high[i] + 1) - centre[i])
        inner = np.flatnonzero((vals[1:-1] < vals[:-2]) & (vals[1:-1] < vals[2:])) + 1
        second = inner[np.argsort(vals[inner])[1]]
        assert x[second] == -303 and vals[second] == pytest.approx(418.983 - 300.516, abs=1e-3)
    # a small instance, every point: one zero, nothing below
    small = bp.int_schwefel(n=2, half=60, seed=3)
    lows, highs = small.int_low, small.int_high
    grid = itertools.product(range(lows[0], highs[0] + 1), range(lows[1], highs[1] + 1))
    vals = np.array([small(none, np.array(z)) for z in grid])
    assert vals.min() == 0.0 and np.count_nonzero(vals == 0) == 1
    # the first target is below the best of 2,000 uniform draws (1,379), the box's centre far above it
    assert _best_of_uniform_draws(p) > 1300 > p.gaps[0] and start_point_issues(p) == []


def test_int_step_ellipsoid_is_zero_exactly_on_the_plateau_around_its_optimum():
    p = bp.int_step_ellipsoid()
    z_opt = np.random.default_rng(2031).integers(-30, 31, 10)  # the problem's draw
    assert z_opt.tolist() == [6, -7, -11, 2, 16, 26, -30, 9, 9, 0]
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (1000.0, 100.0, 10.0, 0.0)
    assert np.all(p.int_low == -40) and np.all(p.int_high == 40) and (p.n_cat, p.n_int, p.n_real) == (0, 10, 0)
    w = 100.0 ** (np.arange(10) / 9)
    for i, vals in enumerate(_one_variable_sweeps(p, z_opt)):
        d = np.arange(-40, 41) - z_opt[i]
        assert np.array_equal(vals, w[i] * (np.abs(d) // 3) ** 2)  # the definition, variable by variable
        assert np.flatnonzero(vals == 0).tolist() == list(range(z_opt[i] + 40 - 2, z_opt[i] + 40 + 3))
    rng = np.random.default_rng(5)  # f = 0 on the whole plateau, > 0 one step beyond it
    for _ in range(200):
        z = z_opt + rng.integers(-2, 3, 10)
        assert p(none, z) == 0.0
        j = rng.integers(10)
        z[j] = z_opt[j] + rng.choice([-3, 3])
        assert p(none, z) == pytest.approx(w[j])
    # the first target is below the best of 2,000 uniform draws (1,630), the box's centre far above it
    assert _best_of_uniform_draws(p) > 1600 > p.gaps[0] and start_point_issues(p) == []


def test_int_styblinski_tang_has_its_optimum_29_from_each_centre_and_a_second_basin_opposite():
    p = bp.int_styblinski_tang()
    rng = np.random.default_rng(2032)  # the problem's draws
    centre, sign = rng.integers(-10, 11, 10), rng.choice(np.array([-1, 1]), 10)
    assert centre.tolist() == [-3, 0, 10, 2, -4, -2, 3, 10, -7, -8]
    assert sign.tolist() == [1, -1, 1, -1, 1, 1, 1, -1, -1, 1]
    z_opt = centre - 29 * sign  # x = s (z - m) / 10 = -2.9
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (100.0, 30.0, 10.0, 0.0)
    assert np.array_equal(p.int_low, centre - 50) and np.array_equal(p.int_high, centre + 50)

    def st(x):
        return (x**4 - 16 * x**2 + 5 * x) / 2

    for i, vals in enumerate(_one_variable_sweeps(p, z_opt)):
        x = sign[i] * (np.arange(p.int_low[i], p.int_high[i] + 1) - centre[i]) / 10
        assert np.allclose(vals, st(x) - st(-2.9), atol=1e-9)  # the definition, variable by variable
        assert np.flatnonzero(vals == 0).tolist() == [int(z_opt[i] - p.int_low[i])]
    z = z_opt.copy()
    z[3] = centre[3] + 27 * sign[3]  # the other basin's floor (x = 2.7) costs 14.17
    assert p(none, z) == pytest.approx(st(2.7) - st(-2.9), abs=1e-9) and 14.1 < p(none, z) < 14.2
    # the first target is below the best of 2,000 uniform draws (108), the box's centre far above it
    assert _best_of_uniform_draws(p) > 105 > p.gaps[0] and start_point_issues(p) == []


def test_int_levy_is_zero_exactly_at_its_drawn_optimum_and_rippled_around_it():
    p = bp.int_levy()
    z_opt = np.random.default_rng(2033).integers(-30, 31, 8)  # the problem's draw
    assert z_opt.tolist() == [25, -25, -22, 11, -25, 8, 5, 7]
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (5.0, 2.0, 0.5, 0.0)
    assert np.all(p.int_low == -50) and np.all(p.int_high == 50) and (p.n_cat, p.n_int, p.n_real) == (0, 8, 0)
    rng = np.random.default_rng(6)
    for _ in range(100):  # Levy's formula on x = 1 + (z - z*) / 5, minus its value at the optimum (0)
        z = rng.integers(-50, 51, 8)
        w = 1 + (z - z_opt) / 20
        f = np.sin(np.pi * w[0]) ** 2 + np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
        f += (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2)
        assert p(none, z) == pytest.approx(f, abs=1e-9)
    for i, vals in enumerate(_one_variable_sweeps(p, z_opt)):
        assert np.flatnonzero(vals == 0).tolist() == [int(z_opt[i] + 50)]  # one optimum per variable
        assert np.count_nonzero((vals[1:-1] < vals[:-2]) & (vals[1:-1] < vals[2:])) >= 3  # local minima
    # the first target is below the best of 2,000 uniform draws (8.0), the box's centre far above it
    assert _best_of_uniform_draws(p) > 7.9 > p.gaps[0] and start_point_issues(p) == []


def test_int_zakharov_is_zakharov_s_function_around_its_drawn_optimum():
    p = bp.int_zakharov()
    z_opt = np.random.default_rng(2034).integers(-25, 26, 8)  # the problem's draw
    assert z_opt.tolist() == [-2, -23, -9, 15, 12, 14, -8, -25]
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (1000.0, 100.0, 10.0, 0.0)
    assert np.all(p.int_low == -30) and np.all(p.int_high == 30)
    rng = np.random.default_rng(3)
    for _ in range(50):  # the definition, from its terms
        z = rng.integers(-30, 31, 8)
        y = (z - z_opt).astype(float)
        s = sum((i + 1) / 2 * y[i] for i in range(8))
        assert p(none, z) == pytest.approx(float(np.sum(y * y)) + s**2 + s**4, rel=1e-12)
        assert p(none, z) * 16 == round(p(none, z) * 16)  # multiples of 1/16: exact
    # the optimum is the only zero of the 3^8 points within one integer of it on each axis; the best
    # other one costs 1.3125 (y_1 = +-1: 1 + 1/4 + 1/16)
    near = [p(none, z_opt + np.array(d)) for d in itertools.product((-1, 0, 1), repeat=8)]
    assert near.count(0.0) == 1 and min(v for v in near if v > 0) == 1.3125
    # the first target is below the best of 2,000 uniform draws (1,589), the box's centre far above it
    assert _best_of_uniform_draws(p) > 1500 > p.gaps[0] and start_point_issues(p) == []


def _drawn_optimum_and_rotation(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A rotated real problem's draws, written out: r* uniform in [-3, 3]^n, then the Haar rotation Q."""
    rng = np.random.default_rng(seed)
    r_opt = rng.uniform(-3.0, 3.0, n)
    q, rr = np.linalg.qr(rng.standard_normal((n, n)))
    q = q * np.sign(np.diag(rr))
    assert np.allclose(q @ q.T, np.eye(n))
    return r_opt, q


def test_sharp_ridge_is_a_cone_around_a_rotated_axis_through_its_optimum():
    p = bp.sharp_ridge()
    r_opt, q = _drawn_optimum_and_rotation(2035, 6)  # the problem's draws
    none = np.zeros(0, dtype=np.int64)
    assert p(none, None, r_opt) == 0.0 == p.f_opt and p.gaps == (100.0, 1.0, 1e-2, 1e-6)
    assert p.n_real == 6 and np.all(p.real_low == -5) and np.all(p.real_high == 5)
    for t in (1e-3, 0.5, 2.0):  # along the ridge's axis (Q's first row): y_1^2 alone
        assert p(none, None, r_opt + t * q[0]) == pytest.approx(t * t, rel=1e-9)
    for j in range(1, 6):  # across it: 100 |t|, a cone whose slope does not shrink near the axis
        for t in (1e-6, 1e-3, 1.0):
            assert p(none, None, r_opt + t * q[j]) == pytest.approx(100 * t, rel=1e-6)
    # the box's centre (410) and the best of 2,000 uniform draws (156) lie above the first target
    draws = np.random.default_rng(0).uniform(-5, 5, (2000, 6))
    assert min(p(none, None, r) for r in draws) > 150 > p.gaps[0] and start_point_issues(p) == []


def test_different_powers_has_a_power_per_rotated_direction():
    p = bp.different_powers()
    r_opt, q = _drawn_optimum_and_rotation(2036, 6)  # the problem's draws
    none = np.zeros(0, dtype=np.int64)
    assert p(none, None, r_opt) == 0.0 == p.f_opt and p.gaps == (1.0, 0.1, 1e-2, 1e-6)
    assert p.n_real == 6 and p.n_cat == 0 and np.all(p.real_low == -5) and np.all(p.real_high == 5)
    for j, power in enumerate([2.0, 2.8, 3.6, 4.4, 5.2, 6.0]):  # along Q's j-th row: |t|^power, rooted
        for t in (1e-3, -0.5, 2.0):
            assert p(none, None, r_opt + t * q[j]) == pytest.approx(abs(t) ** (power / 2), rel=1e-9)
    # 1e-6 needs the first direction within 1e-6 but the last only within 1e-2
    assert p(none, None, r_opt + 1e-6 * q[0]) == pytest.approx(1e-6)
    assert p(none, None, r_opt + 1e-2 * q[5]) == pytest.approx(1e-6)
    # the box's centre (10.9) and the best of 2,000 uniform draws (2.88) lie above the first target
    draws = np.random.default_rng(0).uniform(-5, 5, (2000, 6))
    assert p(none, None, np.zeros(6)) > 10 and min(p(none, None, r) for r in draws) > 2.8 > p.gaps[0]
    assert start_point_issues(p) == []


def test_cat_real_cigar_adds_the_mismatches_to_a_rotated_bent_cigar():
    p = bp.cat_real_cigar()
    rng = np.random.default_rng(2037)  # the problem's draws
    c_opt = rng.integers(0, 3, 4)
    r_opt = rng.uniform(-3.0, 3.0, 5)
    q, rr = np.linalg.qr(rng.standard_normal((5, 5)))
    q = q * np.sign(np.diag(rr))
    assert p(c_opt, None, r_opt) == 0.0 == p.f_opt and p.gaps == (2.0, 1.0, 1e-2, 1e-6)
    assert p.n_cat == 4 and p.categories.tolist() == [3] * 4 and p.n_real == 5 and p.n_int == 0
    for i in range(4):  # one categorical value off: 1
        c = c_opt.copy()
        c[i] = (c[i] + 1) % 3
        assert p(c, None, r_opt) == 1.0
    assert p(c_opt, None, r_opt + 0.5 * q[0]) == pytest.approx(0.25)  # the long axis
    for j in range(1, 5):  # the others 1,000 times shorter
        assert p(c_opt, None, r_opt + 0.5e-3 * q[j]) == pytest.approx(0.25)
    # the best of 2,000 uniform draws (5.6e5) lies far above the first target
    rng = np.random.default_rng(0)
    best = min(p(rng.integers(0, 3, 4), None, rng.uniform(-5, 5, 5)) for _ in range(2000))
    assert best > 5e5 and start_point_issues(p) == []


def test_linear_slope_is_a_plane_with_its_optimum_at_a_corner():
    p = bp.linear_slope()
    sign = np.where(np.random.default_rng(2038).random(5) < 0.5, -1.0, 1.0)  # the problem's draw
    s = sign * 10.0 ** (np.arange(5) / 4)
    none = np.zeros(0, dtype=np.int64)
    corner = 5.0 * sign
    assert p(none, None, corner) == 0.0 == p.f_opt and p.gaps == (10.0, 1.0, 1e-2, 1e-6)
    assert p.n_real == 5 and p.n_cat == 0 and np.all(p.real_low == -5) and np.all(p.real_high == 5)
    for i in range(5):  # a step t inward along variable i costs |s_i| t: slopes 1 to 10
        r = corner.copy()
        r[i] -= 0.3 * sign[i]
        assert p(none, None, r) == pytest.approx(0.3 * abs(s[i]), rel=1e-12)
    assert p(none, None, 1.5 * corner) == 0.0  # beyond the corner counts as at it (BBOB's rule)
    assert p(none, None, np.zeros(5)) == pytest.approx(5 * np.sum(np.abs(s)))  # the centre: 107.8
    draws = np.random.default_rng(0).uniform(-5, 5, (2000, 5))
    assert min(p(none, None, r) for r in draws) > 12 > p.gaps[0] and start_point_issues(p) == []
    with pytest.raises(ValueError, match="corner"):
        bp.linear_slope(low=-4.0)


def test_attractive_sector_is_steep_on_one_side_of_each_direction():
    p = bp.attractive_sector()
    rng = np.random.default_rng(2039)  # the problem's draws
    r_opt = rng.uniform(-3.0, 3.0, 5)
    q, rot = (_haar(rng, 5) for _ in range(2))
    m = q @ np.diag(10.0 ** (0.5 * np.arange(5) / 4)) @ rot
    none = np.zeros(0, dtype=np.int64)
    assert p(none, None, r_opt) == 0.0 == p.f_opt and p.gaps == (100.0, 1.0, 1e-2, 1e-6)
    assert p.n_real == 5 and np.all(p.real_low == -5) and np.all(p.real_high == 5)
    m_inv = np.linalg.inv(m)
    for j in range(5):  # y = t e_j: 100^2 t^2 on the side where t r*_j > 0, t^2 on the other, then T_osz and ^0.9
        for t in (0.3, -0.3):
            steep = 100.0 if t * r_opt[j] > 0 else 1.0
            got = p(none, None, r_opt + m_inv[:, j] * t)
            assert got == pytest.approx(bp._t_osz((steep * t) ** 2) ** 0.9, rel=1e-9)
        assert p(none, None, r_opt + m_inv[:, j] * 0.3 * np.sign(r_opt[j])) > 1e3 * p(
            none, None, r_opt - m_inv[:, j] * 0.3 * np.sign(r_opt[j])
        )
    # T_osz: monotone, the identity at 0 and at 1, within a few percent elsewhere
    xs = np.linspace(-10, 10, 2001)
    ts = [bp._t_osz(float(x)) for x in xs]
    assert bp._t_osz(0.0) == 0.0 and bp._t_osz(1.0) == 1.0 and np.all(np.diff(ts) > 0)
    assert all(abs(t - x) <= 0.15 * abs(x) for t, x in zip(ts, xs))
    for x in (2.0, 0.37, 1e4):  # BBOB's other written form, exp(10 h + 0.49 (sin(10 h) + sin(7.9 h)))^0.1
        h = math.log(x)
        assert bp._t_osz(x) == pytest.approx(math.exp(10 * h + 0.49 * (math.sin(10 * h) + math.sin(7.9 * h))) ** 0.1)
        assert bp._t_osz(-x) == pytest.approx(-math.exp(h + 0.049 * (math.sin(5.5 * h) + math.sin(3.1 * h))))
    assert bp._t_osz(2.0) == pytest.approx(2.0 * math.exp(0.049 * (math.sin(6.931472) + math.sin(5.475863))), rel=1e-6)
    draws = np.random.default_rng(0).uniform(-5, 5, (2000, 5))
    assert p(none, None, np.zeros(5)) > 6e4 and min(p(none, None, r) for r in draws) > 28
    assert start_point_issues(p) == []


def _haar(rng: np.random.Generator, n: int) -> np.ndarray:
    q, rr = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(rr))


@pytest.mark.skipif(not importable("ioh"), reason="needs ioh")
def test_ioh_f20_ising_torus_has_its_optimum_at_the_mask_and_its_complement():
    from asng_bench.blackbox.registry import get_problem

    p = get_problem("ioh-f20-isingtorus")
    mask = np.random.default_rng(2019).integers(0, 2, 100)  # the XOR mask: spins alike where c == mask
    assert p(mask, None) == 0.0 == p(1 - mask, None) and p.gaps == (40.0, 20.0, 8.0, 0.0)
    flipped = mask.copy()
    flipped[0] ^= 1  # one spin off: its four edges unsatisfied
    assert p(flipped, None) == 4.0
    rng = np.random.default_rng(0)
    best = min(p(rng.integers(0, 2, 100), None) for _ in range(2000))
    assert best == 70.0 > p.gaps[0]  # 130 of 200 edges: the first target needs a search


@pytest.mark.parametrize("make", [bp.int_log_widths, bp.int_schwefel])
def test_table_problems_refuse_integers_outside_their_box(make):
    p = make()
    inside = p.int_low.copy()
    assert p(np.zeros(0, dtype=np.int64), inside) >= 0
    for bad in (p.int_low - 1, p.int_high + 1):
        with pytest.raises(ValueError, match=f"{p.name}: z must lie in"):
            p(np.zeros(0, dtype=np.int64), bad)


def test_int_ackley_is_ackley_s_function_around_its_drawn_optimum():
    p = bp.int_ackley()
    z_opt = np.random.default_rng(2040).integers(-25, 26, 10)  # the problem's draw
    assert z_opt.tolist() == [6, 10, 22, 8, 25, -23, -20, -14, -24, 25]
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (5.0, 2.0, 0.5, 0.0)
    assert np.all(p.int_low == -40) and np.all(p.int_high == 40) and (p.n_cat, p.n_int, p.n_real) == (0, 10, 0)
    rng = np.random.default_rng(7)
    for _ in range(100):  # the textbook formula on x = (z - z*) / 5 (its value at 0 is 0 up to rounding)
        z = rng.integers(-40, 41, 10)
        x = (z - z_opt) / 5
        f = -20 * np.exp(-0.2 * np.sqrt(np.mean(x**2))) - np.exp(np.mean(np.cos(2 * np.pi * x))) + 20 + np.e
        assert p(none, z) == pytest.approx(f, abs=1e-9) and p(none, z) > 0
    # one variable moved: a local minimum within one of every fifth integer from the optimum (the
    # cone pulls them in: -45, -40, -35, -30, -24, ..., -4, 0, 4, ... for the first), the optimum the only zero
    for i, vals in enumerate(_one_variable_sweeps(p, z_opt)):
        assert np.flatnonzero(vals == 0).tolist() == [int(z_opt[i] + 40)]
        minima = np.flatnonzero((vals[1:-1] < vals[:-2]) & (vals[1:-1] < vals[2:])) + 1 - 40 - z_opt[i]
        assert len(minima) >= 6 and np.all(np.isin(minima % 5, (0, 1, 4)))
    near = [p(none, z_opt + d * np.eye(10, dtype=np.int64)[i]) for i in range(10) for d in (-1, 1)]
    assert min(near) == pytest.approx(0.4329, abs=1e-4) and min(near) < p.gaps[2]
    # the first target is below the best of 2,000 uniform draws (9.2), the box's centre (12.1) above it
    assert p(none, np.zeros(10, dtype=np.int64)) > 12 and _best_of_uniform_draws(p) > 9 > p.gaps[0]
    assert start_point_issues(p) == []


def test_int_trid_is_the_trid_function_moved_by_its_drawn_offset():
    p = bp.int_trid()
    offset = np.random.default_rng(2042).integers(-50, 51, 8)  # the problem's draw
    i = np.arange(1, 9)
    z_opt = i * (9 - i) + offset
    assert z_opt.tolist() == [29, 17, 39, -1, 22, 48, -4, -37]
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (1000.0, 100.0, 10.0, 0.0)
    assert np.all(p.int_low == -100) and np.all(p.int_high == 100) and (p.n_cat, p.n_int, p.n_real) == (0, 8, 0)
    rng = np.random.default_rng(9)
    for _ in range(100):  # the textbook formula on x = z - o, minus its minimum -n (n + 4) (n - 1) / 6 = -112
        z = rng.integers(-100, 101, 8)
        x = z - offset
        f = np.sum((x - 1) ** 2) - np.sum(x[1:] * x[:-1]) + 112
        assert p(none, z) == f and f > 0 and float(f).is_integer()
    # one variable moved, the others at the optimum: a parabola with its only zero at the optimum
    for k, vals in enumerate(_one_variable_sweeps(p, z_opt)):
        assert np.flatnonzero(vals == 0).tolist() == [int(z_opt[k] + 100)] and np.all(vals >= 0)
    near = [p(none, z_opt + d * np.eye(8, dtype=np.int64)[k]) for k in range(8) for d in (-1, 1)]
    assert near == [1.0] * 16  # the Hessian's diagonal is 2: every neighbour one above
    # the first target is below the best of 2,000 uniform draws (1,914), the box's centre (4,718) above it
    assert p(none, np.zeros(8, dtype=np.int64)) == 4718 and _best_of_uniform_draws(p) == 1914 > p.gaps[0]
    assert start_point_issues(p) == []


def test_int_salomon_is_salomon_s_function_around_its_drawn_optimum():
    p = bp.int_salomon()
    z_opt = np.random.default_rng(2043).integers(-60, 61, 8)  # the problem's draw
    assert z_opt.tolist() == [-10, 41, 56, -12, 1, -22, -10, 15]
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (1.0, 0.5, 0.15, 0.0)
    assert np.all(p.int_low == -100) and np.all(p.int_high == 100) and (p.n_cat, p.n_int, p.n_real) == (0, 8, 0)
    rng = np.random.default_rng(10)
    for _ in range(100):  # the textbook formula on y = (z - z*) / 4
        z = rng.integers(-100, 101, 8)
        r = np.linalg.norm((z - z_opt) / 4)
        assert p(none, z) == pytest.approx(1 - np.cos(2 * np.pi * r) + 0.1 * r, abs=1e-12) and p(none, z) > 0
    # the optimum's neighbours 1.025 above it; the first ring (|z - z*| = 4: a variable moved by 4) 0.1
    near = [p(none, z_opt + d * np.eye(8, dtype=np.int64)[k]) for k in range(8) for d in (-1, 1)]
    assert min(near) == pytest.approx(1.025, abs=1e-12)
    ring = p(none, z_opt + 4 * np.eye(8, dtype=np.int64)[0])
    assert ring == pytest.approx(0.1, abs=1e-12) and p.gaps[3] < ring < p.gaps[2]
    # the first target is below the best of 2,000 uniform draws (1.80), the box's centre (2.36) above it
    assert p(none, np.zeros(8, dtype=np.int64)) > 2.3 and _best_of_uniform_draws(p) > 1.8 > p.gaps[0]
    assert start_point_issues(p) == []


def test_int_griewank_is_griewank_s_function_around_its_drawn_optimum():
    p = bp.int_griewank()
    z_opt = np.random.default_rng(2041).integers(-200, 201, 8)  # the problem's draw
    assert z_opt.tolist() == [6, 32, 116, 138, -147, -156, 90, 48]
    none = np.zeros(0, dtype=np.int64)
    assert p(none, z_opt) == 0.0 == p.f_opt and p.gaps == (5.0, 1.0, 0.1, 0.0)
    assert np.all(p.int_low == -300) and np.all(p.int_high == 300) and (p.n_cat, p.n_int, p.n_real) == (0, 8, 0)
    rng = np.random.default_rng(8)
    for _ in range(100):  # the textbook formula on y = z - z*
        y = (rng.integers(-300, 301, 8) - z_opt).astype(float)
        f = 1 + np.sum(y**2) / 4000 - np.prod(np.cos(y / np.sqrt(np.arange(1, 9))))
        assert p(none, z_opt + y.astype(np.int64)) == pytest.approx(f, abs=1e-12)
    # one variable moved, the others at the optimum: its optimum the only zero
    for i, vals in enumerate(_one_variable_sweeps(p, z_opt)):
        assert np.flatnonzero(vals == 0).tolist() == [int(z_opt[i] + 300)] and np.all(vals >= 0)
    near = [p(none, z_opt + d * np.eye(8, dtype=np.int64)[i]) for i in range(8) for d in (-1, 1)]
    assert min(near) == pytest.approx(0.0621, abs=1e-4) and min(near) < p.gaps[2]
    # the first target is below the best of 2,000 uniform draws (7.1), the box's centre (23.5) above it
    assert p(none, np.zeros(8, dtype=np.int64)) > 23 and _best_of_uniform_draws(p) > 7 > p.gaps[0]
    assert start_point_issues(p) == []
