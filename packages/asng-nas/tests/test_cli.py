import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from asng_nas.cli import main, parse_args

torch.set_num_threads(1)

ARGS = [
    "--cells",
    "2",
    "--channels",
    "4",
    "--batch-size",
    "16",
    "--iters-per-epoch",
    "3",
    "--max-test",
    "32",
    "--threads",
    "1",
    "--seed",
    "2",
]


def test_config_file_and_flag_precedence(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"epochs": 7, "lam-theta": 4, "out": "x"}))
    a = parse_args(["search", "--config", str(cfg), "--epochs", "3"])
    assert (a.epochs, a.lam_theta, a.out) == (3, 4, "x")
    toml = tmp_path / "c.toml"
    toml.write_text("epochs = 5\ncells = 3\n")
    assert parse_args(["search", "--config", str(toml)]).cells == 3
    cfg.write_text(json.dumps({"nonsense": 1}))
    with pytest.raises(SystemExit):
        parse_args(["search", "--config", str(cfg)])


def test_missing_cifar_folder_is_reported(tmp_path, capsys):
    rc = main(["search", "--dataset", "cifar10", "--data-dir", str(tmp_path), "--out", str(tmp_path / "o")])
    assert rc == 2 and "data_batch_1" in capsys.readouterr().err


def test_killed_search_resumes_to_the_same_theta(tmp_path):
    epochs = ["--epochs", "6", "--no-progress"]
    ref = tmp_path / "ref"
    assert main(["search", "--out", str(ref), *ARGS, *epochs]) == 0

    cut = tmp_path / "cut"
    cmd = [sys.executable, "-m", "asng_nas", "search", "--out", str(cut), *ARGS, *epochs]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 120
    while not (cut / "checkpoint.pt").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (cut / "checkpoint.pt").exists()
    done = torch.load(cut / "checkpoint.pt", weights_only=False)["epoch"]
    assert 1 <= done < 6 and not (cut / "architecture.json").exists()

    assert main(["search", "--out", str(cut), *ARGS, *epochs, "--resume"]) == 0
    a = json.load(open(ref / "architecture.json"))
    b = json.load(open(cut / "architecture.json"))
    np.testing.assert_array_equal(np.asarray(a["theta"]), np.asarray(b["theta"]))
    assert a["choices"] == b["choices"] and a["delta"] == b["delta"]
    rows = (cut / "log.csv").read_text().strip().splitlines()
    assert len(rows) == 7  # header + one line per epoch, none duplicated


def test_retrain_and_evaluate_commands(tmp_path, capsys):
    s = tmp_path / "s"
    assert main(["search", "--out", str(s), *ARGS, "--epochs", "1", "--no-progress"]) == 0
    assert "normal cell:" in capsys.readouterr().out
    r = tmp_path / "r"
    assert (
        main(
            [
                "retrain",
                "--arch",
                str(s / "architecture.json"),
                "--out",
                str(r),
                "--epochs",
                "1",
                "--cells",
                "3",
                "--channels",
                "4",
                "--batch-size",
                "32",
                "--iters-per-epoch",
                "2",
                "--cutout",
                "2",
                "--threads",
                "1",
                "--no-progress",
            ]
        )
        == 0
    )
    assert "test error" in capsys.readouterr().out
    assert main(["evaluate", "--model", str(r / "model.pt")]) == 0
    assert "test_error" in capsys.readouterr().out


def test_search_config_owns_the_lambdas():
    """SearchConfig alone resolves and validates lambda: unset, both default to the world size
    (at least 2); the CLI passes the flags and the world size and sets nothing itself."""
    from asng_nas.cli.launch import configs as _configs
    from asng_nas.search.config import SearchConfig

    assert (SearchConfig().lam_x, SearchConfig().lam_theta) == (2, 2)
    cfg = SearchConfig(world_size=3)
    assert (cfg.lam_x, cfg.lam_theta) == (3, 3)
    assert SearchConfig(lam_x=None, lam_theta=5, world_size=4).lam_x == 4  # type: ignore[arg-type]
    for bad in ({"lam_x": 0}, {"lam_theta": 1}, {"lam_x": 2, "world_size": 3}):
        with pytest.raises(ValueError, match="lam"):
            SearchConfig(**bad)
    with pytest.raises(ValueError, match="world size 4"):
        SearchConfig(lam_x=2, lam_theta=2).check_lambdas(4)

    args = parse_args(["inpaint-search", "--lam-theta", "6"])
    cfg = _configs(args, world_size=4)["search_config"]
    assert (cfg.lam_x, cfg.lam_theta, cfg.world_size, cfg.schedule) == (4, 6, 4, "iteration")
    assert args.lam_x is None  # the namespace is left as parsed
    assert _configs(parse_args(["search"]))["search_config"].lam_x == 2
