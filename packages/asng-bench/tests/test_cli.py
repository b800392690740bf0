"""The command line as a newcomer meets it: defaults, bad values, empty or finished output folders,
progress counts and verdicts. Every test runs the command (``main(argv)``, or the installed entry
point in a subprocess) and checks the exit status and the one line the user reads."""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from bench_cli import run

from asng_bench.blackbox.cli import QUICK_BUDGET_CAP
from asng_bench.blackbox.registry import main_budgets
from asng_bench.blackbox.runner import HIT_COLUMNS
from asng_bench.blackbox.runner import RUN_COLUMNS as BB_RUN_COLUMNS
from asng_bench.cli import build_parser
from asng_bench.report_io import write_csv
from asng_bench.toy.speed import DEFAULT_SETTING
from asng_bench.toy.tables import RUN_COLUMNS

REPO = Path(__file__).resolve().parents[3]
SUBCOMMANDS = ["overhead", "blackbox", "toy", "toy-sweep", "figures", "toy-speed", "nas-report", "samplers"]


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _toy_runs(folder: Path, n: int = 3) -> Path:
    """A tiny runs.csv as ``asng-bench toy`` writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [["asng", 0.05, 1.0, 1.5, r, r, r != 1, 100 * (r + 1)] for r in range(n)]
    pd.DataFrame(rows, columns=RUN_COLUMNS).to_csv(folder / "runs.csv", index=False)
    return folder


# ---- 1. defaults ---------------------------------------------------------------------------------


def test_toy_runs_without_flags_on_the_documented_defaults(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["toy", "--t-max", "300"], capsys)  # only the budget cut, to keep the test short
    assert code == 0, err
    df = pd.read_csv(tmp_path / "runs" / "toy" / "runs.csv")
    assert len(df) == 10 and df["seed"].tolist() == list(range(10))
    setting = df.iloc[0]
    assert (setting["alg"], setting["delta0"], setting["eps_x"], setting["alpha"]) == (
        DEFAULT_SETTING.alg, DEFAULT_SETTING.delta0, DEFAULT_SETTING.eps_x, DEFAULT_SETTING.alpha,
    )  # fmt: skip
    assert "asng (alpha=1.5, delta0=1, eps_x=0.05), seeds 0..9" in out


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_help_shows_the_defaults(command, capsys) -> None:
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0
    text = " ".join(out.split())
    for action in _subparsers()[command]._actions:
        default = action.default
        if not action.option_strings or default in (None, [], argparse.SUPPRESS) or isinstance(default, bool):
            continue
        assert f"(default: {default})" in text, action.option_strings


# ---- 2., 3. values out of range: one usage line naming the flag -----------------------------------

BAD_VALUES = [
    (["toy", "--delta0", "-1"], "--delta0", "must be a number > 0, got '-1'"),
    (["toy", "--delta0", "abc"], "--delta0", "must be a number > 0, got 'abc'"),
    (["toy", "--eps-x", "0"], "--eps-x", "must be a number > 0, got '0'"),
    (["toy", "--eps-x", "inf"], "--eps-x", "must be a number > 0, got 'inf'"),
    (["toy", "--alpha", "0.5"], "--alpha", "must be a number > 1, got '0.5'"),
    (["toy", "--alpha", "1"], "--alpha", "must be a number > 1, got '1'"),
    (["toy", "--runs", "0"], "--runs", "must be an integer >= 1, got '0'"),
    (["toy", "--seed", "-1"], "--seed", "must be an integer >= 0, got '-1'"),
    (["toy", "--t-max", "0"], "--t-max", "must be an integer >= 1, got '0'"),
    (["toy-sweep", "--figure", "1", "--runs", "0"], "--runs", "must be an integer >= 1, got '0'"),
    (["toy-sweep", "--figure", "1", "--seed", "-2"], "--seed", "must be an integer >= 0, got '-2'"),
    (["toy-sweep", "--figure", "1", "--t-max", "-5"], "--t-max", "must be an integer >= 1, got '-5'"),
    (["toy-sweep", "--figure", "1", "--jobs", "0"], "--jobs", "must be an integer >= 1, got '0'"),
    (["toy-speed", "--single-runs", "0"], "--single-runs", "must be an integer >= 1, got '0'"),
    (["toy-speed", "--batch-runs", "1.5"], "--batch-runs", "must be an integer >= 1, got '1.5'"),
    (["blackbox", "--seeds", "0"], "--seeds", "must be an integer >= 1, got '0'"),
    (["blackbox", "--jobs", "0"], "--jobs", "must be an integer >= 1, got '0'"),
    (["blackbox", "--short-budget", "-1"], "--short-budget", "must be an integer >= 0, got '-1'"),
    (["blackbox", "--problems", "nope"], "--problems", "invalid choice: 'nope'"),
    (["blackbox", "--optimizers", "nope"], "--optimizers", "invalid choice: 'nope'"),
    (["overhead", "--repeats", "0"], "--repeats", "must be an integer >= 1, got '0'"),
    (["overhead", "--pairs", "-3"], "--pairs", "must be an integer >= 1, got '-3'"),
    (["nas-report", "--classification", "a:b:c"], "--classification", "cannot parse run 'a:b:c'"),
    (["nas-report", "--inpainting", "moon:cat:x"], "--inpainting", "mask must be one of"),
    (["nas-report", "--classification", "nowhere"], "--classification", "run 'nowhere': no folder nowhere"),
]


@pytest.mark.parametrize("argv, flag, message", BAD_VALUES, ids=[" ".join(a) for a, _, _ in BAD_VALUES])
def test_a_bad_value_is_a_usage_error_naming_the_flag(argv, flag, message, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(argv, capsys)
    assert code == 2 and "Traceback" not in err
    assert last_line(err).startswith(f"asng-bench {argv[0]}: error: argument {flag}")
    assert message in last_line(err)
    assert not any(tmp_path.iterdir())  # nothing written


def test_every_numeric_flag_is_checked_at_parse_time() -> None:
    """No sub-command takes a bare int / float (which would let 0 or -1 through to a traceback)."""
    for name, sub in _subparsers().items():
        for action in sub._actions:
            if action.type in (int, float):
                assert action.choices, (name, action.option_strings)  # e.g. toy-sweep --figure {1, 3}


def test_toy_refuses_zero_runs_and_writes_nothing(tmp_path, capsys) -> None:
    code, out, err = run(["toy", "--runs", "0", "--out", str(tmp_path / "toy")], capsys)
    assert code == 2 and "success 0/0" not in out
    assert last_line(err) == "asng-bench toy: error: argument --runs: must be an integer >= 1, got '0'"
    assert not (tmp_path / "toy").exists()


def test_toy_speed_needs_as_many_batched_runs_as_single_ones(tmp_path, capsys) -> None:
    code, _, err = run(["toy-speed", "--single-runs", "5", "--batch-runs", "3", "--out", str(tmp_path)], capsys)
    assert code == 2 and "must be at least --single-runs (5)" in last_line(err)


def test_the_installed_command_gives_one_line_and_no_traceback(tmp_path) -> None:
    """As a user runs it: a separate process, exit status 2, the message last on stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "asng_bench.cli", "toy", "--delta0", "-1", "--out", str(tmp_path / "t")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert last_line(proc.stderr) == "asng-bench toy: error: argument --delta0: must be a number > 0, got '-1'"


# ---- 4. figures of a `toy` run ---------------------------------------------------------------------


def test_figures_plots_the_folder_of_a_toy_run(tmp_path, capsys) -> None:
    toy, figs = tmp_path / "toy", tmp_path / "figs"
    code, _, err = run(
        ["toy", "--runs", "3", "--t-max", "400", "--alg", "sng", "--delta0", "0.1", "--out", str(toy)], capsys
    )
    assert code == 0, err
    code, out, err = run(["figures", "--toy", str(toy), "--out", str(figs)], capsys)
    assert code == 0, err
    assert (figs / "runs_ecdf.png").stat().st_size > 10_000
    summary = pd.read_csv(toy / "runs_summary.csv")
    assert len(summary) == 1 and summary.loc[0, "alg"] == "sng" and summary.loc[0, "runs"] == 3
    assert "| sng (δ0 = 0.1, ε_x = 0.05) | 3 |" in (toy / "runs_summary.md").read_text()
    assert f"wrote {figs / 'runs_ecdf.png'}" in out


def test_figures_without_runs_tables_names_the_commands_that_write_them(tmp_path, capsys) -> None:
    code, _, err = run(["figures", "--toy", str(tmp_path), "--out", str(tmp_path / "figs")], capsys)
    assert code == 2 and "Traceback" not in err
    assert last_line(err) == (
        f"asng-bench figures: error: no runs tables in {tmp_path}: it needs runs_fig1.csv / runs_fig3.csv "
        "(written by `asng-bench toy-sweep`) or runs.csv (written by `asng-bench toy`)"
    )
    code, _, err = run(["figures", "--toy", str(tmp_path / "missing")], capsys)
    assert code == 2 and "is not a folder" in last_line(err)


# ---- 5. blackbox progress --------------------------------------------------------------------------

QUICK_ONE = ["blackbox", "--quick", "--seeds", "1", "--problems", "onemax", "--optimizers", "random"]


def test_blackbox_progress_reaches_the_total_it_announces(tmp_path, capsys) -> None:
    code, out, err = run(QUICK_ONE + ["--out", str(tmp_path / "bb")], capsys)
    assert code == 0, err
    progress = [line for line in out.splitlines() if re.match(r"\[blackbox\] \d+/\d+ runs", line)]
    assert progress and progress[-1].startswith("[blackbox] 2/2 runs")  # one main-track and one short-track run


def test_blackbox_progress_counts_the_runs_of_a_resumed_study(tmp_path, capsys) -> None:
    from asng_bench.blackbox.runner import _task

    out_dir = tmp_path / "bb"
    out_dir.mkdir()
    kept = _task(("main", "onemax", "random", main_budgets(QUICK_BUDGET_CAP)["onemax"], 0))
    (out_dir / "partial.jsonl").write_text(json.dumps(kept) + "\n")
    code, out, err = run(QUICK_ONE + ["--out", str(out_dir)], capsys)  # a stopped study: not without a flag
    assert code == 2 and last_line(err) == (
        f"asng-bench blackbox: error: {out_dir} holds a stopped study (partial.jsonl); "
        "pass --resume to continue it or --overwrite to start again"
    )
    code, out, err = run(QUICK_ONE + ["--out", str(out_dir), "--resume"], capsys)
    assert code == 0, err
    assert "[blackbox] resuming: 1/2 runs kept from partial.jsonl" in out
    assert "[blackbox] 2/2 runs" in out


# ---- 6. blackbox verdicts when nobody reaches a target ----------------------------------------------


def _synthetic_study(folder: Path) -> None:
    """Two problems, one of ours and one peer, one run each: on "nobody" no one reaches the target,
    on "peer-only" only random search does."""
    folder.mkdir()
    runs, hits = [], []
    for problem, evals in (
        ("nobody", {"asng-l2": None, "random": None}),
        ("peer-only", {"asng-l2": None, "random": 40}),
    ):
        for opt, ev in evals.items():
            key = {"track": "main", "problem": problem, "optimizer": opt, "seed": 0, "budget": 100}
            runs.append({**key, "n_evals": 100, "best_gap": 1.0, "solved": ev is not None, "restarts": 0,
                         "wall_s": 0.1, "objective_s": 0.05, "overhead_us_per_eval": 5.0})  # fmt: skip
            hits.append({**key, "target_index": 0, "target_gap": 0.0, "evals": ev, "n_evals": 100})
    write_csv(folder / "runs.csv", runs, BB_RUN_COLUMNS)
    write_csv(folder / "hits.csv", hits, HIT_COLUMNS)
    meta = {"command": "synthetic", "wall_s": 1.0, "jobs": 1, "seeds": 1, "short_budget": None,
            "versions": {"asng-opt": "0"}, "machine": {"cores": 2}}  # fmt: skip
    (folder / "meta.json").write_text(json.dumps(meta))


def test_blackbox_table_names_no_winner_when_no_one_reached_the_target(tmp_path, capsys) -> None:
    _synthetic_study(tmp_path / "bb")
    code, _, err = run(["blackbox", "--report-only", "--out", str(tmp_path / "bb")], capsys)
    assert code == 0, err
    md = (tmp_path / "bb" / "blackbox.md").read_text()
    nobody = next(line for line in md.splitlines() if line.startswith("| nobody | 0 |"))
    assert nobody.endswith("| no one reached the target | no one reached the target |")
    peer_only = next(line for line in md.splitlines() if line.startswith("| peer-only | 0 |"))
    assert peer_only.endswith("| none of ours reached it | random |")
    assert "| main | the last target (the optimum: gap 0; 1e-6 with reals) | nobody | no one reached the target |" in md
    assert "| main | the last target (the optimum: gap 0; 1e-6 with reals) | peer-only | **peer (random)** |" in md


def test_blackbox_problem_without_its_package_is_a_one_line_error(tmp_path, monkeypatch, capsys) -> None:
    import asng_bench.blackbox.registry as registry

    monkeypatch.setattr(registry, "importable", lambda module: module is None)  # as if ioh were not installed
    code, _, err = run(["blackbox", "--problems", "ioh-f19-isingring", "--out", str(tmp_path / "bb")], capsys)
    assert code == 2 and last_line(err) == (
        "asng-bench blackbox: error: problem ioh-f19-isingring needs the package ioh: pip install 'asng-bench[peers]'"
    )


def test_blackbox_report_only_needs_a_study(tmp_path, capsys) -> None:
    code, _, err = run(["blackbox", "--report-only", "--out", str(tmp_path)], capsys)
    assert code == 2 and "Traceback" not in err
    assert last_line(err).startswith("asng-bench blackbox: error: --report-only needs runs.csv, hits.csv, meta.json")


# ---- 7. the documentation stands on its own ---------------------------------------------------------


def test_the_toy_protocol_is_written_in_the_repository() -> None:
    """The docs point to the README's own protocol section, not to a folder outside the repository."""
    outside = "shared" + "/"  # spelled in two parts so that this file does not mention it either
    readme = (REPO / "packages" / "asng-bench" / "README.md").read_text()
    results = (REPO / "results" / "README.md").read_text()
    assert "### Protocol of the toy study" in readme
    assert "../packages/asng-bench/README.md#protocol-of-the-toy-study" in results
    for text in (readme, results):
        assert outside not in text
    for path in (REPO / "packages" / "asng-bench").rglob("*"):
        if path.suffix in (".py", ".md", ".toml") and "egg-info" not in str(path):
            assert outside not in path.read_text(), path


# ---- 8. an output folder with a previous run ----------------------------------------------------------


def _previous(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("keep me")
    return folder / name


OVERWRITE_CASES = {
    "toy": (lambda d: ["toy", "--t-max", "50", "--runs", "1", "--out", str(d)], "runs.csv"),
    "toy-sweep": (lambda d: ["toy-sweep", "--figure", "1", "--runs", "1", "--out", str(d)], "runs_fig1.csv"),
    "toy-speed": (lambda d: ["toy-speed", "--single-runs", "1", "--batch-runs", "1", "--out", str(d)], "speedup.json"),
    "overhead": (lambda d: ["overhead", "--repeats", "1", "--pairs", "5", "--out", str(d)], "overhead.json"),
    "blackbox": (lambda d: QUICK_ONE + ["--out", str(d)], "meta.json"),
    "nas-report": (lambda d: ["nas-report", "--classification", str(d), "--out", str(d)], "table1.md"),
}  # fmt: skip


@pytest.mark.parametrize("command", list(OVERWRITE_CASES))
def test_a_folder_with_a_previous_run_is_not_overwritten_without_the_flag(command, tmp_path, capsys) -> None:
    argv, name = OVERWRITE_CASES[command]
    folder = tmp_path / "out"
    kept = _previous(folder, name)
    code, out, err = run(argv(folder), capsys)
    assert code == 2 and "Traceback" not in err
    assert last_line(err) == (
        f"asng-bench {command}: error: {folder} already holds the outputs of a previous run ({name}); "
        "pass --overwrite to replace them"
    )
    assert kept.read_text() == "keep me" and sorted(p.name for p in folder.iterdir()) == [name]


def test_figures_refuses_earlier_figures_and_overwrites_with_the_flag(tmp_path, capsys) -> None:
    toy, figs = _toy_runs(tmp_path / "toy"), tmp_path / "figs"
    _previous(figs, "runs_ecdf.png")
    code, _, err = run(["figures", "--toy", str(toy), "--out", str(figs)], capsys)
    assert code == 2 and last_line(err) == (
        f"asng-bench figures: error: {figs} already holds the outputs of a previous run (runs_ecdf.png); "
        "pass --overwrite to replace them"
    )
    code, _, err = run(["figures", "--toy", str(toy), "--out", str(figs), "--overwrite"], capsys)
    assert code == 0, err
    assert (figs / "runs_ecdf.png").stat().st_size > 10_000 and (toy / "runs_summary.md").exists()


def test_toy_overwrites_a_previous_run_with_the_flag(tmp_path, capsys) -> None:
    argv = ["toy", "--t-max", "50", "--runs", "2", "--out", str(tmp_path)]
    assert run(argv, capsys)[0] == 0
    first = (tmp_path / "runs.csv").read_text()
    assert run(argv, capsys)[0] == 2
    assert run(argv + ["--overwrite"], capsys)[0] == 0
    assert (tmp_path / "runs.csv").read_text() == first  # the same seeds, the same table


def test_toy_sweep_resumes_an_interrupted_sweep_without_a_flag(tmp_path, capsys) -> None:
    """Finished batches in OUT/.parts are no finished outputs: the rerun goes on (and resumes)."""
    (tmp_path / ".parts").mkdir()
    code, _, err = run(["toy-sweep", "--figure", "1", "--runs", "1", "--t-max", "60", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert (tmp_path / "runs_fig1.csv").exists() and not (tmp_path / ".parts").exists()


def test_an_out_path_that_is_a_file_is_a_one_line_error(tmp_path, capsys) -> None:
    path = tmp_path / "file"
    path.write_text("")
    code, _, err = run(["toy", "--out", str(path)], capsys)
    assert code == 2 and last_line(err) == f"asng-bench toy: error: {path} is a file, not a folder"


def test_blackbox_resume_and_overwrite_exclude_each_other(tmp_path, capsys) -> None:
    code, _, err = run(QUICK_ONE + ["--out", str(tmp_path), "--resume", "--overwrite"], capsys)
    assert code == 2 and "not allowed with argument" in last_line(err)


def test_blackbox_reuse_names_the_missing_folder_or_file(tmp_path, capsys) -> None:
    code, _, err = run(
        ["blackbox", "--quick", "--out", str(tmp_path / "o"), "--reuse", str(tmp_path / "nowhere")], capsys
    )
    assert code == 2 and last_line(err).endswith(f"--reuse {tmp_path / 'nowhere'}: no such folder")
    src = tmp_path / "src"
    src.mkdir()
    (src / "runs.csv").write_text("")
    code, _, err = run(["blackbox", "--quick", "--out", str(tmp_path / "o"), "--reuse", str(src)], capsys)
    assert code == 2 and "no hits.csv, meta.json there" in last_line(err) and not (tmp_path / "o").exists()


def test_blackbox_short_budget_is_honoured_with_quick_and_recorded(tmp_path, capsys) -> None:
    out = tmp_path / "bb"
    argv = ["blackbox", "--quick", "--out", str(out), "--problems", "onemax", "--optimizers", "random", "--seeds", "1"]
    code, _, _ = run([*argv, "--short-budget", "0"], capsys)
    meta = json.loads((out / "meta.json").read_text())
    assert code == 0 and meta["short_budget"] is None and "--short-budget 0" in meta["command"]
    with open(out / "runs.csv", newline="") as f:
        assert {r["track"] for r in csv.DictReader(f)} == {"main"}


def test_blackbox_interrupted_says_how_to_go_on(tmp_path, capsys, monkeypatch) -> None:
    """Ctrl-C during a study: no traceback, but where the finished runs are and the flag that continues."""
    from asng_bench.blackbox import runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_study", interrupted)
    code, _, err = run(["blackbox", "--quick", "--out", str(tmp_path / "bb")], capsys)
    assert code == 130 and "Traceback" not in err
    assert last_line(err) == (
        f"asng-bench blackbox: stopped; the finished runs are kept in {tmp_path / 'bb' / 'partial.jsonl'}: "
        "run the same command with --resume to go on"
    )
