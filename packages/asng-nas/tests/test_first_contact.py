"""A newcomer's first commands (issue 13): the defaults work without optional packages, bad
flags and damaged files give one line naming the problem, ``--out`` is not silently
overwritten, a refused checkpoint changes nothing, Ctrl-C says how to resume, outputs get the
user's file mode, and ``--help`` shows the defaults."""

import json
import os
import pickle
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from asng_nas.cli import main, parse_args
from asng_nas.search import utils

torch.set_num_threads(1)

TINY = ["--cells", "2", "--channels", "4", "--batch-size", "16", "--iters-per-epoch", "2", "--max-test", "32"]
TINY += ["--threads", "1", "--no-progress"]


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def search_dir(tmp_path_factory) -> Path:
    """A finished one-epoch search (its checkpoint, logs and export)."""
    out = tmp_path_factory.mktemp("s") / "run"
    assert main(["search", "--out", str(out), "--epochs", "1", *TINY]) == 0
    return out


# ---- defaults without the optional packages ------------------------------------------------


def test_the_embedded_digits_need_no_scikit_learn(monkeypatch):
    from asng_nas.classification import data as D

    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn -> ImportError
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    d = D.load_dataset("digits")
    assert d.x_train.shape == (1500, 1, 8, 8) and d.x_test.shape == (297, 1, 8, 8)
    assert d.x_train.dtype == torch.uint8 and int(d.x_train.max()) == 255
    assert sorted(set(d.y_train.tolist())) == list(range(10))


def test_data_dir_is_refused_for_the_embedded_digits(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(["search", "--data-dir", str(tmp_path)])
    assert e.value.code == 2
    err = _one_error_line(capsys)
    assert "--data-dir" in err and "embedded" in err


# ---- one-line errors for bad flags -----------------------------------------------------------


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["search", "--lr", "nan"], "--lr"),
        (["search", "--lr", "-0.1"], "--lr"),
        (["search", "--alpha", "inf"], "--alpha"),
        (["search", "--momentum", "1"], "--momentum"),
        (["search", "--epochs", "0"], "--epochs"),
        (["search", "--lam-theta", "1"], "--lam-theta"),
        (["search", "--batch-size", "2.5"], "--batch-size"),
        (["retrain", "--arch", "a.json", "--drop-path", "1.5"], "--drop-path"),
        (["inpaint-retrain", "--arch", "a.json", "--eval-every", "0"], "--eval-every"),
        (["search", "--device", "tpu"], "--device"),
        (["search", "--resume", "--overwrite"], "--overwrite"),
    ],
)
def test_bad_flags_are_one_line_usage_errors(argv, flag, capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(argv)
    assert e.value.code == 2
    assert flag in _one_error_line(capsys)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_device_cuda_without_cuda_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        parse_args(["search", "--device", "cuda"])
    assert "CUDA is not available" in _one_error_line(capsys)


def test_config_file_values_are_checked_too(tmp_path, capsys):
    cfg = tmp_path / "c.json"
    cfg.write_text('{"lr": NaN}')
    with pytest.raises(SystemExit):
        parse_args(["search", "--config", str(cfg)])
    assert "--lr" in _one_error_line(capsys)
    cfg.write_text("{not json")
    with pytest.raises(SystemExit) as e:
        parse_args(["search", "--config", str(cfg)])
    assert e.value.code == 2 and str(cfg) in _one_error_line(capsys)


def test_help_shows_the_defaults_and_says_they_are_paper_scale(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        parse_args(["search", "--help"])
    text = capsys.readouterr().out
    assert "paper's scale" in text and "asng-nas search --epochs 10" in text
    for shown in ("--epochs EPOCHS", "(default: 100)", "(default: 0.025)", "(default: runs/search)"):
        assert shown in text, shown


# ---- --out holding a previous run ----------------------------------------------------------


@pytest.mark.parametrize(
    "argv, name, resumable",
    [
        (["search"], "log.csv", False),
        (["search"], "checkpoint.pt", True),
        (["retrain", "--arch", "{search}"], "model.pt", False),
        (["inpaint-search"], "architecture.json", False),
        (["inpaint-retrain", "--arch", "{cae}"], "retrain_checkpoint.pt", True),
    ],
)
def test_a_folder_with_a_previous_run_is_refused(search_dir, tmp_path, capsys, argv, name, resumable):
    cae = tmp_path / "cae.json"
    node = {"kernel": 3, "skip": False, "channels": 4, "input": 0}
    cae.write_text(json.dumps({"architecture": {"nodes": [node], "output": 1}}))
    argv = [a.format(search=search_dir, cae=cae) for a in argv]
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("previous")
    assert main([*argv, "--out", str(out), "--threads", "1"]) == 2
    err = _one_error_line(capsys)
    assert str(out) in err and name in err and "--overwrite" in err
    assert ("--resume" in err) == resumable
    assert sorted(p.name for p in out.iterdir()) == [name] and (out / name).read_text() == "previous"


def test_overwrite_replaces_the_previous_run(search_dir, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    for f in search_dir.iterdir():
        (out / f.name).write_bytes(f.read_bytes())
    (out / "notes.txt").write_text("mine")
    (out / "cells.png").write_text("stale")
    assert main(["search", "--out", str(out), "--epochs", "1", "--seed", "5", *TINY, "--overwrite"]) == 0
    assert json.loads((out / "architecture.json").read_text())["config"]["seed"] == 5
    assert (out / "cells.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "notes.txt").read_text() == "mine"  # only the command's own files are replaced


# ---- damaged inputs ------------------------------------------------------------------------


def test_a_corrupt_cifar_batch_is_one_line_naming_it(tmp_path, capsys):
    d = tmp_path / "cifar-10-batches-py"
    d.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"labels": [int(v) for v in rng.integers(0, 10, 4)], b"data": rng.integers(0, 256, (4, 3072))}
        (d / name).write_bytes(pickle.dumps(batch, protocol=2))
    good = (d / "data_batch_3").read_bytes()
    for bad in (good[: len(good) // 2], b"", b"GIF89a not a pickle"):
        (d / "data_batch_3").write_bytes(bad)
        rc = main(["search", "--dataset", "cifar10", "--data-dir", str(d), "--out", str(tmp_path / "o"), *TINY])
        err = _one_error_line(capsys)
        assert rc == 2 and str(d / "data_batch_3") in err and "cifar-10-python.tar.gz" in err


def test_a_cifar_batch_cannot_run_code(tmp_path):
    from asng_nas.classification.data import _read_cifar_batch

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2))
    with pytest.raises(ValueError, match="data_batch_1"):
        _read_cifar_batch(tmp_path / "data_batch_1")
    assert not (tmp_path / "pwned").exists()


def _copy_run(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


@pytest.mark.parametrize("damage", ["truncated", "empty", "text", "foreign torch file", "code"])
def test_a_damaged_checkpoint_is_one_line_naming_it(search_dir, tmp_path, capsys, damage):
    out = _copy_run(search_dir, tmp_path / "run")
    ck = out / "checkpoint.pt"
    if damage == "truncated":
        ck.write_bytes(ck.read_bytes()[:5000])
    elif damage == "empty":
        ck.write_bytes(b"")
    elif damage == "text":
        ck.write_text("hello")
    elif damage == "foreign torch file":
        torch.save({"state_dict": {"w": torch.zeros(2)}}, ck)
    else:  # a pickle that would run code when loaded without weights_only
        torch.save({"format": "asng-nas-search-v1", "x": _Touch(str(tmp_path / "pwned"))}, ck)
    assert main(["search", "--out", str(out), "--epochs", "1", *TINY, "--resume"]) == 2  # the run's own flags
    err = _one_error_line(capsys)
    assert str(ck) in err and "--overwrite" in err
    assert not (tmp_path / "pwned").exists()


class _Touch:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_resume_with_other_cells_is_one_line(search_dir, tmp_path, capsys):
    out = _copy_run(search_dir, tmp_path / "run")
    argv = ["search", "--out", str(out), "--epochs", "1", *TINY, "--resume"]
    argv[argv.index("--cells") + 1] = "3"
    assert main(argv) == 2  # the record of the run's flags names the flag
    assert "--cells 2 there, 3 now" in _one_error_line(capsys)
    (out / "run_flags.json").unlink()  # a run without that record (an older version's): the checkpoint tells
    assert main(argv) == 2
    err = _one_error_line(capsys)
    assert str(out / "checkpoint.pt") in err and "network differs" in err and "Missing key" not in err


@pytest.mark.parametrize("content", [b"", b"not a model", None])
def test_a_damaged_model_file_is_one_line(tmp_path, capsys, content):
    model = tmp_path / "model.pt"
    if content is None:
        torch.save({"format": "something-else", "state_dict": {}}, model)
    else:
        model.write_bytes(content)
    assert main(["evaluate", "--model", str(model), "--threads", "1"]) == 2
    err = _one_error_line(capsys)
    assert str(model) in err and "asng-nas retrain" in err


# ---- a refused checkpoint changes nothing ----------------------------------------------------


def _tiny_searcher(tmp_path: Path, cells: int = 2, seed: int = 0):
    from asng_nas.classification.data import load_digits
    from asng_nas.classification.task import build_search
    from asng_nas.search.config import SearchConfig

    cfg = SearchConfig(epochs=3, iters_per_epoch=2, progress=False, seed=seed)
    return build_search(load_digits(), tmp_path, cfg, n_cells=cells, channels=4, batch_size=16, max_test=32)


def _snapshot(s) -> dict:
    return {
        "model": {k: v.clone() for k, v in s.model.state_dict().items()},
        "sgd": pickle.dumps(s.optimizer.state_dict()),
        "asng": pickle.dumps(s.asng.state_dict()),
        "generator": s.generator.get_state().clone(),
        "epoch": s.epoch,
        "history": list(s.history),
        "seconds": s.search_seconds,
    }


def _same(a: dict, b: dict) -> bool:
    return (
        a["model"].keys() == b["model"].keys()
        and all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
        and a["sgd"] == b["sgd"]
        and a["asng"] == b["asng"]
        and torch.equal(a["generator"], b["generator"])
        and (a["epoch"], a["history"], a["seconds"]) == (b["epoch"], b["history"], b["seconds"])
    )


def test_a_refused_checkpoint_leaves_the_searcher_unchanged(tmp_path):
    donor = _tiny_searcher(tmp_path / "donor", seed=3)
    donor.run(stop_after=1)  # trained weights, momentum buffers, a moved theta: unlike a fresh searcher's
    good = donor.state_dict()
    other = _tiny_searcher(tmp_path / "other", cells=3).state_dict()
    s = _tiny_searcher(tmp_path / "s", seed=3)  # the donor's settings: a checkpoint of another seed is refused
    s.run(stop_after=2)
    before = _snapshot(s)
    assert not _same(before, _snapshot(donor))
    asng_bad = {**good["asng"], "state": {k: np.full_like(v, np.nan) for k, v in good["asng"]["state"].items()}}
    sgd_bad = {**good["sgd"], "param_groups": [{**good["sgd"]["param_groups"][0], "params": [0, 1]}]}
    bad_states = {
        "other cells": {**good, "model": other["model"]},
        "bad sgd": {**good, "sgd": sgd_bad},
        "bad asng (after a good model and sgd)": {**good, "asng": asng_bad},
        "bad generator": {**good, "generator": torch.zeros(3, dtype=torch.uint8)},
        "bad torch rng": {**good, "torch_rng": torch.zeros(3, dtype=torch.uint8)},
        "short history": {**good, "history": []},
        "other seed": {**good, "config": {**good["config"], "seed": 0}},
        "no format": {k: v for k, v in good.items() if k != "format"},
    }
    for name, bad in bad_states.items():
        with pytest.raises(ValueError):
            s.load_state_dict(bad)
        assert _same(before, _snapshot(s)), name
    s.load_state_dict(good)  # the good one loads, all of it
    assert _same(_snapshot(donor), _snapshot(s))


# ---- Ctrl-C ----------------------------------------------------------------------------------


def test_ctrl_c_saves_and_says_how_to_resume(tmp_path, capsys):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "asng_nas", "search", "--out", str(out), "--epochs", "50", *TINY]
    # SIGINT as at a terminal: a child started where it is ignored (a shell's background job
    # without job control, as a CI script may be) would inherit SIG_IGN and never see the signal
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while not (out / "checkpoint.pt").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--resume" in lines[0] and str(out / "checkpoint.pt") in lines[0], err
    # fewer epochs would change the run's cosine schedule: refused, the rest of the run resumed
    assert main(["search", "--out", str(out), "--epochs", "1", *TINY, "--resume"]) == 2
    assert "epochs 50 there, 1 now" in _one_error_line(capsys)
    assert main(["search", "--out", str(out), "--epochs", "50", *TINY, "--resume"]) == 0


# ---- file modes ------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_get_the_users_file_mode(tmp_path, monkeypatch, umask):
    old = os.umask(umask)
    try:
        monkeypatch.setattr(utils, "_UMASK", None)  # read afresh
        utils.atomic_write_text(tmp_path / "a.json", "{}")
        utils.atomic_torch_save({"x": 1}, tmp_path / "b.pt")
        for name in ("a.json", "b.pt"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask, name
    finally:
        os.umask(old)


def test_a_search_writes_shareable_files(search_dir):
    want = 0o666 & ~utils.current_umask()
    for name in ("log.csv", "log.jsonl", "architecture.json", "checkpoint.pt"):
        assert stat.S_IMODE((search_dir / name).stat().st_mode) == want, name


# ---- summary ---------------------------------------------------------------------------------


def test_summary_says_what_the_numbers_mean(search_dir, tmp_path, capsys):
    assert main(["summary", str(search_dir), str(tmp_path / "nowhere")]) == 2  # a missing folder is an error
    captured = capsys.readouterr()
    text = captured.out
    assert "test accuracy" in text and "not a retrained network" in text and "mean max theta" in text
    for name in ("cells.png", "checkpoint.pt", "log.csv", "architecture.json"):
        assert name in text
    assert "no such folder" in captured.err and "nowhere" not in text
