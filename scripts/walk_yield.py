"""Where the walk ends: asng-bb of the black-box study under several values of
``asng_opt._cache.WALK_YIELD`` (the walk of a converged categorical distribution ends once its last
``STALE_ROUNDS`` rounds drew fewer new points than this), and optionally other optimizers of the
study, all in one process on the same seeds, so that library time per evaluation compares as a
ratio (results/blackbox/notes.md, "Where the walk ends" and "Overhead").

    python scripts/walk_yield.py --seeds 12 --problems nk-adjacent ioh-f22-mis --yields 1 5 20 \
        --also cmaes-catcmawm bb-restart-converged

Prints, per problem and variant: runs that reached the optimum, ERT (evaluations over successes),
median best gap, median library time per evaluation in µs (wall time minus time in the objective).
Needs asng-bench with its peers for the peers' rows.
"""

from __future__ import annotations

import argparse

import numpy as np

import asng_opt._cache as cache
from asng_bench.blackbox.registry import get_problem, main_budgets
from asng_bench.blackbox.runs import run_one


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=12, help="seeds 0..N-1 (default 12)")
    ap.add_argument("--problems", nargs="+", default=["nk-adjacent", "ioh-f22-mis", "catellipsoid-K10"])
    ap.add_argument("--yields", nargs="+", type=int, default=[1, 5, 20], help="WALK_YIELD values for asng-bb")
    ap.add_argument("--also", nargs="*", default=[], help="other optimizers of the study to run alongside")
    args = ap.parse_args()
    budgets = main_budgets()
    default = cache.WALK_YIELD
    for name in args.problems:
        problem = get_problem(name)
        variants = [(f"asng-bb WALK_YIELD={y}", "asng-bb", y) for y in args.yields]
        variants += [(opt, opt, default) for opt in args.also]
        for label, optimizer, walk_yield in variants:
            cache.WALK_YIELD = walk_yield
            runs = [run_one(problem, optimizer, budgets[name], seed) for seed in range(args.seeds)]
            solved = sum(bool(r["solved"]) for r in runs)
            ert = sum(r["n_evals"] for r in runs) / solved if solved else float("inf")
            gap = float(np.median([r["best_gap"] for r in runs]))
            overhead = float(np.median([r["overhead_us_per_eval"] for r in runs]))
            print(
                f"{name:18} {label:28} solved {solved:2}/{args.seeds}  ERT {ert:9.0f}  median gap {gap:8.4g}  "
                f"{overhead:7.1f} µs/eval",
                flush=True,
            )
        cache.WALK_YIELD = default


if __name__ == "__main__":
    main()
