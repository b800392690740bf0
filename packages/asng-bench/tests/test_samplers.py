"""``asng-bench samplers``: the optuna-sampler comparison, as a ``--quick`` smoke run and its pieces."""

from __future__ import annotations

import math

import pandas as pd
import pytest

pytest.importorskip("optuna")

from bench_cli import run  # noqa: E402

from asng_bench.samplers.report import summarize  # noqa: E402
from asng_bench.samplers.runs import PROBLEMS, SAMPLERS, run_one  # noqa: E402


def test_quick_run_writes_every_table(tmp_path, capsys):
    out = tmp_path / "samplers"
    code, stdout, err = run(["samplers", "--out", str(out), "--quick", "--seeds", "1"], capsys)
    assert code == 0, err
    assert "samplers.md" in stdout.strip().splitlines()[-1]
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == len(PROBLEMS) * len(SAMPLERS)
    assert set(runs["sampler"]) == set(SAMPLERS) and set(runs["problem"]) == set(PROBLEMS)
    assert (runs["n_trials"] <= 30).all() and (runs["overhead_ms"] > 0).all() and (runs["best_gap"] >= 0).all()
    hits = pd.read_csv(out / "hits.csv")
    reached = hits.dropna(subset=["trials"])
    assert (reached["trials"] <= reached["n_trials"]).all()
    text = (out / "samplers.md").read_text()
    assert "--seeds 1 --budget 30" in text and "samples categorical parameters at random" in text
    for name in [*PROBLEMS, *SAMPLERS]:
        assert name in text
    # a second run into the same folder is refused, with one line naming the flag
    code, _, err = run(["samplers", "--out", str(out), "--quick"], capsys)
    assert code == 2 and "--overwrite" in err.strip().splitlines()[-1]


def test_unknown_sampler_is_refused(tmp_path, capsys):
    code, _, err = run(["samplers", "--out", str(tmp_path), "--samplers", "nope"], capsys)
    assert code == 2 and "nope" in err


def test_run_one_records_targets_in_order():
    row, hits = run_one("mixed", "random", 0, 20)
    assert row["n_trials"] == 20 and row["sampler"] == "random"
    trials = [h["trials"] for h in hits]  # targets get harder: each is reached no earlier than the last
    reached = [t for t in trials if t is not None]
    assert reached == sorted(reached) and all(trials[i] is not None for i in range(len(reached)))
    assert math.isfinite(row["best_gap"])
    if trials[0] is not None:
        assert row["best_gap"] <= hits[0]["target_gap"]


def test_ert_counts_failed_runs_budget():
    runs = [{"problem": "p", "sampler": "s", "seed": s, "n_trials": n} for s, n in ((0, 10), (1, 40))]
    hits = [
        {"problem": "p", "sampler": "s", "seed": 0, "target_index": 0, "target_gap": "1.0", "trials": "10"},
        {"problem": "p", "sampler": "s", "seed": 1, "target_index": 0, "target_gap": "1.0", "trials": ""},
    ]
    (row,) = summarize(runs, hits)
    assert row["successes"] == 1 and row["ert"] == 50.0  # (10 + 40) / 1
