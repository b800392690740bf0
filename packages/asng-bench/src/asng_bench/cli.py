"""The ``asng-bench`` command line: one sub-command per study."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def _add_overhead(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("overhead", help="time one ask()+tell() pair of the asng-opt optimizers")
    p.add_argument("--out", default="results/opt", help="folder for overhead.json / overhead.md")
    p.add_argument("--repeats", type=int, default=5, help="timing repeats (the median is reported)")
    p.add_argument("--pairs", type=int, default=4000, help="ask/tell pairs per repeat")

    def run(args: argparse.Namespace) -> None:
        from .overhead import main as overhead_main

        overhead_main(args.out, repeats=args.repeats, pairs=args.pairs)

    p.set_defaults(func=run)


def _add_blackbox(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("blackbox", help="black-box comparison with cmaes, optuna, nevergrad and random search")
    p.add_argument("--out", default="results/blackbox", help="folder for the CSVs, meta.json, blackbox.md, ecdf.png")
    p.add_argument("--seeds", type=int, default=None, help="seeds per optimizer and problem (25; 3 with --quick)")
    p.add_argument("--problems", nargs="+", default=None, help="problem names (default: all available)")
    p.add_argument("--optimizers", nargs="+", default=None, help="optimizer names (default: all installed)")
    p.add_argument("--short-budget", type=int, default=150, help="budget of the short track (0: no short track)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--quick", action="store_true", help="smoke run: 3 seeds, budgets <= 400, four problems")
    p.add_argument("--readme", default=None, help="results/README.md whose black-box section to (re)write")
    p.add_argument("--resume", action="store_true", help="keep the runs of a stopped study (partial.jsonl)")
    p.add_argument("--report-only", action="store_true", help="only rebuild the tables and figures from the CSVs")

    def run(args: argparse.Namespace) -> None:
        from .blackbox import main as blackbox_main

        blackbox_main(args)

    p.set_defaults(func=run)


def _add_toy(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("toy", help="one setting of the selective squared error study (section 3.1)")
    p.add_argument("--alg", choices=["asng", "sng", "adam"], required=True)
    p.add_argument("--delta0", type=float, required=True, help="ASNG delta_theta^0, SNG delta, Adam learning rate")
    p.add_argument("--eps-x", type=float, required=True, help="SGD learning rate of x before cosine annealing")
    p.add_argument("--alpha", type=float, default=1.5, help="ASNG's alpha (ignored by sng / adam)")
    p.add_argument("--runs", type=int, default=100, help="independent runs")
    p.add_argument("--seed", type=int, default=0, help="run r uses seed SEED + r (recorded in runs.csv)")
    p.add_argument("--out", required=True, help="folder for runs.csv")
    p.add_argument("--t-max", type=int, default=100_000, help="iteration budget and cosine period (paper: 1e5)")
    p.add_argument(
        "--single", action="store_true", help="drive each run through the asng-opt classes (ask/tell), not batched"
    )

    def run(args: argparse.Namespace) -> None:
        from .toy_cli import toy_command

        toy_command(args)

    p.set_defaults(func=run)


def _add_toy_sweep(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("toy-sweep", help="the grids of figures 1 and 3 (runs_fig{1,3}.csv and sweep JSON)")
    p.add_argument("--figure", type=int, nargs="+", choices=[1, 3], required=True, help="1, 3 or both")
    p.add_argument("--runs", type=int, default=100, help="runs per setting")
    p.add_argument("--seed", type=int, default=0, help="run r of every setting uses seed SEED + r")
    p.add_argument("--out", default="results/toy", help="folder for runs_fig*.csv and sweep_fig*.json")
    p.add_argument("--t-max", type=int, default=100_000, help="iteration budget and cosine period (paper: 1e5)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (batches: one per alg, eps_x, alpha)")

    def run(args: argparse.Namespace) -> None:
        from .toy_cli import toy_sweep_command

        toy_sweep_command(args)

    p.set_defaults(func=run)


def _add_figures(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("figures", help="figures 1 and 3 and summary.csv from the toy sweep's runs tables")
    p.add_argument("--toy", default="results/toy", help="folder with runs_fig1.csv / runs_fig3.csv")
    p.add_argument("--out", default="results/figures", help="folder for fig1_toy.png / fig3_alpha.png")

    def run(args: argparse.Namespace) -> None:
        from .figures import render

        for path in render(args.toy, args.out):
            print(f"wrote {path}")

    p.set_defaults(func=run)


def _add_toy_speed(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("toy-speed", help="batched vs single-run throughput of the toy study (speedup.json)")
    p.add_argument("--out", default="results/toy", help="folder for speedup.json")
    p.add_argument("--single-runs", type=int, default=4, help="runs in single-run mode")
    p.add_argument("--batch-runs", type=int, default=1000, help="runs in the batch")

    def run(args: argparse.Namespace) -> None:
        from .toy_speed import measure_speedup

        res = measure_speedup(n_single=args.single_runs, n_batch=args.batch_runs, out=args.out)
        print(
            f"single-run: {res['single_iterations_per_second']:,.0f} it/s; batched: "
            f"{res['batched_run_iterations_per_second']:,.0f} run-it/s; speed-up {res['speedup']}x "
            f"(same results: {res['first_runs_identical']}); wrote {args.out}/speedup.json"
        )

    p.set_defaults(func=run)


def _add_nas_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("nas-report", help="Table 1 / Figure 2 / Table 2 from asng-nas run folders")
    p.add_argument("--classification", nargs="*", default=[], metavar="SEARCH[:RETRAIN]")
    p.add_argument("--inpainting", nargs="*", default=[], metavar="MASK:ENCODING:SEARCH[:RETRAIN]")
    p.add_argument("--label", default="this run", help="what our rows were run on, e.g. 'digits, CPU'")
    p.add_argument("--out", default="results/nas")

    def run(args: argparse.Namespace) -> None:
        from .nas_report import main as report_main

        report_main(args.classification, args.inpainting, args.out, args.label)

    p.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asng-bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_overhead(sub)
    _add_blackbox(sub)
    _add_toy(sub)
    _add_toy_sweep(sub)
    _add_figures(sub)
    _add_toy_speed(sub)
    _add_nas_report(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
