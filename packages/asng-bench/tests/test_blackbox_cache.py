"""The black-box study's evaluation cache (runs.py): asng-bb evaluates exactly the points that
asng_opt.minimize evaluates by default (its cache and its stale-round restart rule included), a
cached candidate costs no evaluation, a searcher whose rounds cost nothing ends, and the rows
with the cache: bb-no-cache, cmaes-catcmawm-cache (in no verdict, never reused). Small budgets."""

import csv
import dataclasses
import math

import numpy as np
import pytest

from asng_bench.blackbox import problems as bp
from asng_bench.blackbox.ours import search_space
from asng_bench.blackbox.registry import ABLATIONS, MAIN, OPTIMIZERS, OURS, PEER_VARIANTS, OptimizerSpec
from asng_bench.blackbox.reuse import reusable_runs
from asng_bench.blackbox.runner import run_study
from asng_bench.blackbox.runs import FREE_ROUNDS, RUN_COLUMNS, candidate_key, run_one
from asng_bench.blackbox.searcher import Searcher
from asng_bench.blackbox.verdicts import verdict_rows
from asng_opt._cache import STALE_ROUNDS


def _logged(log: list, f_opt: float = -1.0, gaps: tuple = (0.0,)) -> bp.Problem:
    """Two categorical variables (3, 2 categories) and one integer in [0, 4]: 30 points. Each
    evaluation is appended to ``log``. With f_opt = -1 no run reaches the target: it runs on."""

    def fun(c, z, r):
        log.append((tuple(c.tolist()), tuple(z.tolist())))
        return float(c[0] != 2) + float(c[1]) + abs(float(z[0]) - 1)

    return bp.Problem(name="small", categories=np.array([3, 2]), fun=fun, f_opt=f_opt, gaps=gaps,
                      int_low=np.array([0]), int_high=np.array([4]))  # fmt: skip


def _minimize(p: bp.Problem, budget: int, seed: int, **kw):
    from asng_opt import minimize

    return minimize(lambda x: p(x["c"], x["z"]) if isinstance(x, dict) else p(x), search_space(p),
                    max_evals=budget, seed=seed, **kw)  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1])
def test_asng_bb_evaluates_the_points_minimize_evaluates_with_the_cache(seed):
    mine, theirs = [], []
    res = _minimize(_logged(theirs), 2000, seed)  # the default: config="blackbox", cache on
    r = run_one(_logged(mine), MAIN, 2000, seed)
    # the points evaluated once each, restart after restart (29 or 30 of the 30 points: seeds 0-5,
    # asng-opt 0.16 and 0.17 alike), then minimize's "converged" stop
    assert res.stop_reason == "converged" and res.n_restarts > STALE_ROUNDS
    assert len(set(theirs)) == len(theirs) >= 29
    assert mine == theirs and r["n_evals"] == res.n_evals == len(theirs)
    assert r["restarts"] == res.n_restarts and r["cached"] == sum(h["cached"] for h in res.history) > 0
    # without the cache the same row evaluates the points drawn again: its whole budget
    r = run_one(_logged([]), "bb-no-cache", 300, seed)
    assert r["n_evals"] == 300 and r["cached"] == 0


def test_asng_bb_follows_minimize_until_minimizes_budget_ends():
    mine, theirs = [], []
    p = bp.categorical_sphere()
    fun = p.fun
    p_theirs = dataclasses.replace(p, fun=lambda c, z, r: theirs.append(c.tolist()) or fun(c, z, r))
    # f_opt lowered: the study's run does not stop at the optimum
    p_mine = dataclasses.replace(p, fun=lambda c, z, r: mine.append(c.tolist()) or fun(c, z, r), f_opt=p.f_opt - 1)
    res = _minimize(p_theirs, 400, 0)
    r = run_one(p_mine, MAIN, 400, 0)
    # minimize stops when lam more evaluations no longer fit; the study runs on to the budget
    assert res.n_evals <= r["n_evals"] == 400 and mine[: len(theirs)] == theirs
    assert r["cached"] >= sum(h["cached"] for h in res.history) > 0


@pytest.mark.parametrize("budget, seed", [(3000, 0), (150, 1)])
def test_asng_bb_evaluates_what_minimize_evaluates_on_integers_alone(budget, seed):
    """asng-opt 0.18's two rules act here: the descent without the elite (main track; the short
    track's budget caps lambda and keeps it) and the walk stall (Griewank's walks never run dry:
    seed 0 restarts after stalled walks within 3,000 evaluations)."""
    mine, theirs = [], []
    p = bp.int_griewank()
    fun = p.fun
    p_theirs = dataclasses.replace(p, fun=lambda c, z, r: theirs.append(z.tolist()) or fun(c, z, r))
    p_mine = dataclasses.replace(p, fun=lambda c, z, r: mine.append(z.tolist()) or fun(c, z, r), f_opt=p.f_opt - 1)
    from asng_opt import minimize

    none = np.zeros(0, dtype=np.int64)
    res = minimize(lambda z: p_theirs.fun(none, z, None), search_space(p), max_evals=budget, seed=seed)
    assert res.optimizer.elite_in_descent is (budget == 150)
    r = run_one(p_mine, MAIN, budget, seed)
    assert len(theirs) > budget - 20 and mine[: len(theirs)] == theirs
    assert res.n_restarts <= r["restarts"] <= res.n_restarts + 1
    if budget == 3000:
        assert res.n_restarts >= 2


class _Scripted(Searcher):
    """Asks the given rounds of single-bit candidates in turn (the last one again and again)."""

    counts_new = True

    def __init__(self, rounds):
        self.rounds, self.told, self.k = rounds, [], 0

    def ask(self):
        batch = self.rounds[min(self.k, len(self.rounds) - 1)]
        self.k += 1
        return [(np.array([b, 0]), None, None) for b in batch]

    def tell(self, values, n_new=None):
        self.told.append((list(values), n_new))


def _register(monkeypatch, rounds, cache=True) -> list:
    made = []

    def factory(problem, budget, seed):
        made.append(_Scripted(rounds))
        return made[-1]

    monkeypatch.setitem(OPTIMIZERS, "scripted", OptimizerSpec(factory, cache=cache))
    return made


def _bits(log: list) -> bp.Problem:
    def fun(c, z, r):
        log.append(int(c[0]))
        return float(c[0])

    return bp.Problem(name="bits", categories=np.array([3, 2]), fun=fun, f_opt=0.0, gaps=(1.0, 0.0))


def test_cached_candidates_cost_no_evaluation_and_count_nowhere(monkeypatch):
    made = _register(monkeypatch, [[2, 2, 1], [1, 2, 0]])
    log = []
    r = run_one(_bits(log), "scripted", 3, 0)
    # round 1 evaluates 2 and 1 (its second 2 is its first's twin), round 2 only 0: the budget of 3
    # holds the 6 candidates, and the target is reached at evaluation 3, not at candidate 6
    assert log == [2, 1, 0] and r["n_evals"] == 3 and r["cached"] == 3
    assert made[0].told == [([2.0, 2.0, 1.0], 2)]  # the round that found the optimum is not told
    assert r["hits"] == [2, 3] and r["solved"] and [e for e, _ in r["trace"]] == [1, 2, 3]
    # without the cache every candidate is evaluated: the budget ends the run mid-round
    made = _register(monkeypatch, [[2, 2, 1], [1, 2, 0]], cache=False)
    log = []
    r = run_one(_bits(log), "scripted", 3, 0)
    assert log == [2, 2, 1] and r["n_evals"] == 3 and r["cached"] == 0 and not r["solved"]


def test_a_searcher_whose_rounds_are_all_cached_ends(monkeypatch):
    made = _register(monkeypatch, [[2, 1], [1, 2]])
    r = run_one(_bits([]), "scripted", 1000, 0)
    assert r["n_evals"] == 2 and r["cached"] == 2 * FREE_ROUNDS and not r["solved"]
    assert len(made[0].told) == FREE_ROUNDS and made[0].told[-1] == ([1.0, 2.0], 0)
    made = _register(monkeypatch, [[]], cache=False)  # nothing asked: no evaluation either
    assert run_one(_bits([]), "scripted", 1000, 0)["n_evals"] == 0 and len(made[0].told) == FREE_ROUNDS - 1
    # the guard never cuts asng-bb short: its own rule ends it after at most this many free rounds
    assert FREE_ROUNDS > STALE_ROUNDS * (STALE_ROUNDS + 1)


def test_candidate_key_tells_dtypes_shapes_and_parts_apart():
    c = np.array([1, 0])
    assert candidate_key((c, None, None)) == candidate_key((np.array([1, 0]), None, None))
    others = [(c.astype(np.int32), None, None), (np.array([[1, 0]]), None, None), (c, np.zeros(0, int), None),
              (np.array([1]), np.array([0]), None), (c, None, np.array([0.0])),
              (c, None, np.array([-0.0]))]  # fmt: skip
    keys = {candidate_key(k) for k in others} | {candidate_key((c, None, None))}
    assert len(keys) == len(others) + 1


def test_the_rows_with_the_cache():
    assert OPTIMIZERS[MAIN].cache and not OPTIMIZERS["asng-l2"].cache and not OPTIMIZERS["asng-l16"].cache
    assert [a for a in ABLATIONS if not OPTIMIZERS[a].cache] == ["bb-no-cache"]
    assert not any(s.cache for n, s in OPTIMIZERS.items() if n not in OURS and n not in PEER_VARIANTS)
    assert PEER_VARIANTS == ("cmaes-catcmawm-cache",) and OPTIMIZERS["cmaes-catcmawm-cache"].cache
    spec = OPTIMIZERS["cmaes-catcmawm-cache"]
    assert not spec.ours and not spec.reusable and OPTIMIZERS["cmaes-catcmawm"].reusable
    p = bp.mixed()
    assert OPTIMIZERS["bb-no-cache"].factory(p, 300, 0).opt.hyper() == OPTIMIZERS[MAIN].factory(p, 300, 0).opt.hyper()


def _row(opt, ert):
    return {"track": "main", "problem": "onemax", "optimizer": opt, "target_index": 0, "target_gap": 0.0,
            "budget": 100, "runs": 2, "successes": 2, "success_rate": 1.0, "ert": ert, "ert_ci_low": ert,
            "ert_ci_high": ert, "median_best_gap": 0.0}  # fmt: skip


def test_a_peer_variant_is_never_the_best_peer():
    summary = [_row(MAIN, 300.0), _row("cmaes-catcmawm", 500.0), _row("cmaes-catcmawm-cache", 100.0)]
    (v,) = verdict_rows(summary, "main", "final", "the optimum", ["onemax"])
    assert v["outcome"] == "won" and v["peer"].startswith("cmaes-catcmawm:")
    assert verdict_rows([summary[0], summary[2]], "main", "final", "x", ["onemax"]) == []  # no peer as users run it


def test_reuse_takes_old_runs_without_the_cached_column_but_never_the_cache_variant(tmp_path):
    kw = dict(problems=["onemax"], optimizers=["random"], seeds=1, budgets={"onemax": 20}, short_budget=None,
              progress=False)  # fmt: skip
    run_study(tmp_path, **kw)
    with open(tmp_path / "runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert "cached" in RUN_COLUMNS and rows[0]["cached"] == "0"
    with open(tmp_path / "runs.csv", "w", newline="") as f:  # as a study before the cache wrote it
        w = csv.DictWriter(f, fieldnames=[c for c in RUN_COLUMNS if c != "cached"], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    tasks = [("main", "onemax", "random", 20, 0), ("main", "onemax", "cmaes-catcmawm-cache", 20, 0)]
    got, record = reusable_runs(tmp_path, tasks)
    assert list(got) == tasks[:1] and got[tasks[0]][0]["cached"] == 0 and record["rerun"] == {}
    assert math.isfinite(got[tasks[0]][0]["best_gap"])


class _Breaking(_Scripted):
    """A scripted searcher whose ``tell`` (or ``ask``) raises from a given round on, as CatCMAwM's
    eigendecomposition did once its C degenerated."""

    def __init__(self, rounds, fail_at, where):
        super().__init__(rounds)
        self.fail_at, self.where = fail_at, where

    def ask(self):
        if self.where == "ask" and self.k >= self.fail_at:
            raise np.linalg.LinAlgError("Eigenvalues did not converge")
        return super().ask()

    def tell(self, values, n_new=None):
        if self.where == "tell" and self.k >= self.fail_at:
            raise np.linalg.LinAlgError("Eigenvalues did not converge")
        super().tell(values, n_new)


@pytest.mark.parametrize("where", ["ask", "tell"])
def test_a_searcher_that_raises_ends_its_run_not_the_study(monkeypatch, tmp_path, where):
    def factory(problem, budget, seed):
        return _Breaking([[2, 1], [1, 2], [0, 1]], fail_at=2, where=where)

    monkeypatch.setitem(OPTIMIZERS, "breaking", OptimizerSpec(factory))
    log = []
    r = run_one(_bits(log), "breaking", 100, 0)
    assert r["error"] == "LinAlgError: Eigenvalues did not converge"
    # the rounds before the failure count: ask fails on the third round, tell on the second
    assert r["n_evals"] == 4 and r["hits"][0] == 2 and not r["solved"] and [e for e, _ in r["trace"]] == [1, 2]
    _register(monkeypatch, [[0]])
    assert run_one(_bits([]), "scripted", 10, 0)["error"] == ""
    # in a study: the row says so, the others run, and the report names it
    from asng_bench.blackbox import registry

    monkeypatch.setitem(registry.PROBLEMS, "bits", registry.ProblemSpec(lambda: _bits([]), 50))
    meta = run_study(tmp_path, problems=["bits"], optimizers=["breaking", "random"], seeds=2, short_budget=None,
                     progress=False)  # fmt: skip
    rows = list(csv.DictReader(open(tmp_path / "runs.csv")))
    assert {r["optimizer"]: r["error"] for r in rows} == {
        "breaking": "LinAlgError: Eigenvalues did not converge",
        "random": "",
    }
    md = (tmp_path / "blackbox.md").read_text()
    assert (
        "Runs that ended with an error**, breaking on bits (main track): 2 run(s), ended at the optimizer's "
        "exception and counted with what they had found: `LinAlgError: Eigenvalues did not converge` (seeds 0, 1)."
    ) in md
    assert meta["seeds"] == 2


def test_run_errors_lists_each_distinct_message_with_its_seeds():
    from asng_bench.blackbox.report import run_errors

    rows = [
        {"optimizer": "p", "problem": "q", "track": "main", "seed": "3", "error": "A: x"},
        {"optimizer": "p", "problem": "q", "track": "main", "seed": "1", "error": "A: x"},
        {"optimizer": "p", "problem": "q", "track": "main", "seed": "11", "error": "B: y"},
        {"optimizer": "p", "problem": "q", "track": "main", "seed": "2", "error": ""},
        {"optimizer": "p", "problem": "q", "track": "short", "seed": "0"},  # an older runs.csv: no column
    ]
    assert run_errors(rows) == {
        "p on q (main track)": {"runs": 3, "seeds": "1, 3, 11", "messages": {"A: x": "1, 3", "B: y": "11"}}
    }


def test_our_own_rows_raise_instead_of_recording_an_error(monkeypatch):
    """An exception in asng-opt or in our searcher is a bug: the study must stop on it."""
    from asng_opt.blackbox import BlackBoxASNG

    def broken(self, samples, losses):
        raise AssertionError("a bug in asng-opt")

    monkeypatch.setattr(BlackBoxASNG, "tell", broken)
    with pytest.raises(AssertionError, match="a bug in asng-opt"):
        run_one(bp.onemax(20), MAIN, 100, 0)
